import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfChangeDriver } from './confchange-driver.js'
import { type CaseResult, type DataDrivenCase, parseDataDriven, replayDataDriven } from './datadriven.js'
import { InteractionEnv } from './interaction-env.js'
import { runQuorumCase } from './quorum-driver.js'

/**
 * One folder of etcd-io/raft's data-driven test files and how to replay it. Each file gets a
 * fresh runner (state carries over between the cases of one file only).
 */
export interface ConformanceSuite {
  /** The suite's name in reports: `quorum`, `confchange`, `interaction`. */
  readonly name: string
  /** The folder of `.txt` files, relative to the conformance data root. */
  readonly dir: string
  /** Creates the runner for one file. */
  createRunner(): (testCase: DataDrivenCase) => string
}

/** The suites this version of `@etcd-ts/raft` replays; every case is expected to pass. */
export const CONFORMANCE_SUITES: readonly ConformanceSuite[] = [
  { name: 'quorum', dir: 'quorum/testdata', createRunner: () => runQuorumCase },
  {
    name: 'confchange',
    dir: 'confchange/testdata',
    createRunner: () => {
      const driver = new ConfChangeDriver()
      return (testCase) => driver.run(testCase)
    },
  },
  {
    name: 'interaction',
    dir: 'testdata',
    createRunner: () => {
      const env = new InteractionEnv()
      return (testCase) => env.handle(testCase)
    },
  },
]

/** The results of one file of a suite. */
export interface FileReport {
  /** Path relative to the data root, e.g. `quorum/testdata/joint_vote.txt`. */
  readonly file: string
  readonly results: readonly CaseResult[]
}

/** The results of a whole suite. */
export interface SuiteReport {
  readonly suite: ConformanceSuite
  readonly files: readonly FileReport[]
  readonly passed: number
  readonly failed: number
}

/** Environment variable naming the conformance data root explicitly. */
export const CONFORMANCE_DIR_ENV = 'ETCD_RAFT_CONFORMANCE_DIR'

/**
 * Finds the etcd-raft conformance data: `$ETCD_RAFT_CONFORMANCE_DIR` if set, else the first
 * `shared/conformance/etcd-raft` beside `start` or one of its ancestors (the data sits in
 * `../shared` beside the repository). Returns `undefined` when there is none.
 */
export function findConformanceRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  const fromEnv = process.env[CONFORMANCE_DIR_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'conformance', 'etcd-raft')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

/** The `.txt` files of a suite, relative to the data root, in name order. */
export function listSuiteFiles(root: string, suite: ConformanceSuite): string[] {
  return readdirSync(join(root, suite.dir))
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .map((name) => `${suite.dir}/${name}`)
}

/** Replays one file of a suite in place (the file is read, never copied). */
export function replayConformanceFile(root: string, suite: ConformanceSuite, file: string): FileReport {
  const cases = parseDataDriven(readFileSync(join(root, file), 'utf8'), file)
  return { file, results: replayDataDriven(cases, suite.createRunner()) }
}

/** Replays every file of a suite and counts the cases that passed and failed. */
export function replayConformanceSuite(root: string, suite: ConformanceSuite): SuiteReport {
  const files = listSuiteFiles(root, suite).map((file) => replayConformanceFile(root, suite, file))
  let passed = 0
  let failed = 0
  for (const { results } of files) {
    for (const result of results) {
      if (result.passed) passed++
      else failed++
    }
  }
  return { suite, files, passed, failed }
}
