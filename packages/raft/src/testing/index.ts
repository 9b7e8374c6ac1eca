/**
 * Test tooling for `@etcd-ts/raft`: the data-driven format reader, the interaction harness that
 * drives clusters of in-memory nodes by hand (etcd's `rafttest.InteractionEnv`), and the drivers
 * that replay etcd-io/raft's conformance data in place. Node-only (reads files).
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
export type { InteractionNode, Recipient } from './interaction-env.js'
export { InteractionEnv, RedirectLogger } from './interaction-env.js'
export { runQuorumCase } from './quorum-driver.js'
export { naiveCommittedIndex } from './quorum-twin.js'
export type {
  LogView,
  SimulationContext,
  SimulationOptions,
  SimulationResult,
  SimulationSettings,
} from './simulation.js'
export {
  DEFAULT_SIMULATION_STEPS,
  entryFingerprint,
  Invariant,
  membersForSeed,
  replayCommand,
  runSimulation,
  SafetyChecker,
  SeededRandom,
  SimulationViolation,
} from './simulation.js'
