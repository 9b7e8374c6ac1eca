// src/gen is generated (pnpm run generate); nobody edits it by hand. This test regenerates it
// into a temporary directory with the same buf + plugin + Biome pipeline and fails on any
// difference, and checks that src/index.ts exports what the generated modules offer.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import * as api from '../src/index.js'
import { PACKAGE_DIR } from './protos.js'

const GEN_DIR = join(PACKAGE_DIR, 'src/gen')

describe('generated code', () => {
  it('is exactly what `pnpm run generate` produces', { timeout: 120_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'etcd-ts-api-gen-'))
    try {
      const buf = createRequire(import.meta.url).resolve('@bufbuild/buf/bin/buf')
      const result = spawnSync(process.execPath, [buf, 'generate', '--output', out], {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
      })
      assert.equal(result.status, 0, `buf generate failed:\n${result.stderr}`)
      const fresh = join(out, 'src/gen')
      const expected = readdirSync(fresh).sort()
      assert.deepEqual(readdirSync(GEN_DIR).sort(), expected, 'src/gen has missing or extra files')
      for (const name of expected) {
        const committed = readFileSync(join(GEN_DIR, name), 'utf8')
        const regenerated = readFileSync(join(fresh, name), 'utf8')
        assert.ok(
          committed === regenerated,
          `src/gen/${name} differs from the generator's output: run pnpm run generate`,
        )
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  it('exports every message, enum and service of the flat packages from the root', async () => {
    for (const mod of ['etcdserverpb', 'mvccpb', 'authpb', 'v3lockpb', 'v3electionpb', 'healthpb']) {
      const ns = (await import(`../src/gen/${mod}.js`)) as Record<string, unknown>
      for (const name of Object.keys(ns)) {
        assert.equal((api as Record<string, unknown>)[name], ns[name], `${mod}.${name} is not exported from the root`)
      }
    }
    for (const mod of [
      'etcdserverpb',
      'mvccpb',
      'authpb',
      'v3lockpb',
      'v3electionpb',
      'membershippb',
      'healthpb',
      'leasepb',
    ]) {
      assert.equal(typeof (api as Record<string, unknown>)[mod], 'object', `namespace ${mod} is not exported`)
    }
    assert.equal(api.membershippb.Member.typeName, 'membershippb.Member')
    assert.equal(api.Member.typeName, 'etcdserverpb.Member')
  })
})
