import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node20',
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  external: ['node:test'],
  // `node:test` exists only with its prefix: tsup 8 strips `node:` by default, which would turn
  // the import into one of an npm package named "test".
  removeNodeProtocol: false,
})
