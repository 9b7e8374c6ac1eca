/**
 * Test tooling for `@etcd-ts/raft`: the data-driven format reader and the drivers that replay
 * etcd-io/raft's conformance data in place. Node-only (reads files).
 *
 * @packageDocumentation
 */
export { ConfChangeDriver, parseConfChanges } from './confchange-driver.js'
export type { ConformanceSuite, FileReport, SuiteReport } from './conformance.js'
export {
  CONFORMANCE_DIR_ENV,
  CONFORMANCE_SUITES,
  findConformanceRoot,
  listSuiteFiles,
  replayConformanceFile,
  replayConformanceSuite,
} from './conformance.js'
export type { CaseResult, CommandArg, DataDrivenCase } from './datadriven.js'
export { DataDrivenSyntaxError, findArg, parseCommandLine, parseDataDriven, replayDataDriven } from './datadriven.js'
export { runQuorumCase } from './quorum-driver.js'
export { naiveCommittedIndex } from './quorum-twin.js'
