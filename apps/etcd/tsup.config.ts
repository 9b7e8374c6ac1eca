import { defineConfig } from 'tsup'

export default defineConfig({
  // index: the library entry; cli: the `etcd-ts` bin (its `#!/usr/bin/env node` line is kept,
  // and tsup marks the file executable).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  removeNodeProtocol: false,
  external: ['node:test'],
})
