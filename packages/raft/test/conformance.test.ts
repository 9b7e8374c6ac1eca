// Replays etcd-io/raft's data-driven files (../shared/conformance/etcd-raft, read in place) for
// every suite this package supports; each case must produce etcd's output byte for byte.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CONFORMANCE_SUITES, findConformanceRoot, listSuiteFiles, replayConformanceFile } from '@etcd-ts/raft/testing'

const root = findConformanceRoot()

if (root === undefined) {
  const why =
    'etcd-raft conformance data not found: expected ../shared/conformance/etcd-raft beside the repository (or $ETCD_RAFT_CONFORMANCE_DIR)'
  if (process.env.CI === 'true') {
    it('finds the conformance data (required in CI)', () => assert.fail(why))
  } else {
    console.warn(`\n*** SKIPPED: ${why} ***\n`)
    for (const suite of CONFORMANCE_SUITES) it.skip(`${suite.name} conformance (${why})`)
  }
} else {
  for (const suite of CONFORMANCE_SUITES) {
    describe(`${suite.name} conformance`, () => {
      const files = listSuiteFiles(root, suite)
      it('has data files', () => assert.ok(files.length > 0, `no .txt files in ${root}/${suite.dir}`))
      for (const file of files) {
        describe(file, () => {
          for (const result of replayConformanceFile(root, suite, file).results) {
            it(`line ${result.case.line}: ${result.case.commandLine}`, () => {
              assert.equal(result.actual, result.case.expected)
            })
          }
        })
      }
    })
  }
}
