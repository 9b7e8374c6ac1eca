#!/usr/bin/env node
// Runs one package's tests from its TypeScript sources with Node's own test runner.
//
//   node ../../scripts/run-tests.mjs [dir-or-file ...]     (default: test)
//
// Node 20's `--test` does not expand globs, so this lists `*.test.ts` files itself. Tests
// resolve workspace packages to their sources through the `@etcd-ts/source` export condition
// and load TypeScript through tsx. A package with no test files is an error, never a pass.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * Per-test bound, and in Node 20 also the bound of each test file as a whole: nothing may hang.
 * Wide, because CI runs every package's tests at once on two cores (the raft simulation alone
 * takes ~25 s idle and several times that under that load). Tests may set a tighter `timeout`.
 */
const TEST_TIMEOUT_MS = 300_000

function collect(path, out) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return
  if (stat.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path)
    return
  }
  for (const name of readdirSync(path).sort()) {
    if (name === 'node_modules' || name === 'testdata') continue
    collect(join(path, name), out)
  }
}

const roots = process.argv.slice(2)
const files = []
for (const root of roots.length > 0 ? roots : ['test']) collect(root, files)
if (files.length === 0) {
  console.error(`run-tests: no *.test.ts files under ${roots.join(', ') || 'test'} in ${process.cwd()}`)
  process.exit(1)
}

const args = [
  '--conditions=@etcd-ts/source',
  '--import',
  'tsx',
  '--test',
  `--test-timeout=${TEST_TIMEOUT_MS}`,
  '--test-reporter=spec',
  ...files.map((file) => relative(process.cwd(), file)),
]
const result = spawnSync(process.execPath, args, { stdio: 'inherit' })
if (result.error !== undefined) throw result.error
process.exit(result.status ?? 1)
