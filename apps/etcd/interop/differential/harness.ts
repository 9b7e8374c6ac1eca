// The differential harness: a fresh real etcd (the reference) and a fresh target run the same
// scripted etcdctl invocations, one step at a time, reference first; each step's normalized
// stdout, stderr and exit status must match. See normalize.ts for exactly what is normalized.
//
// The target is etcd-ts (`node --conditions=@etcd-ts/source --import tsx apps/etcd/src/cli.ts
// --backend memory`), or a second real etcd with ETCD_DIFF_SELF=1 (or ETCD_TEST_TARGET=etcd):
// that run must pass, and proves the scripts deterministic and the normalization right.
//   ETCD_DIFF_BACKEND=level      run etcd-ts on its LevelDB backend instead of memory
//   DIFFERENTIAL_VERBOSE=1       print every step's normalized reference output
import { AssertionError } from 'node:assert'
import { stat } from 'node:fs/promises'
import {
  type EtcdTarget,
  findBinary,
  makeTempDir,
  removeDir,
  runEtcdctl,
  spawnEtcdctl,
  startRealEtcdTarget,
  startTarget,
  type TargetKind,
  type TrackedProcess,
  targetKindFromEnv,
  withTimeout,
} from '@etcd-ts/test-support'
import { SCRIPT_TIMEOUT_MS } from './binaries.js'
import { diffLines } from './diff.js'
import {
  MIN_REPLACEABLE_ID,
  type NormalizeContext,
  normalizeProtobuf,
  normalizeStderr,
  normalizeStdout,
  outputFormat,
} from './normalize.js'
import { type CollectStep, describeStep, type Expectation, type RunStep, type Step, type WaitForStep } from './steps.js'

/** The environment variable that makes the target a second real etcd (`1`). */
export const SELF_ENV = 'ETCD_DIFF_SELF'

/**
 * The target of this run: `etcd` with `ETCD_DIFF_SELF=1` (a self-comparison of the real etcd),
 * else `$ETCD_TEST_TARGET` (`etcd-ts` by default; see `targetKindFromEnv`).
 */
export function differentialTargetKind(env: NodeJS.ProcessEnv = process.env): TargetKind {
  const self = env[SELF_ENV]
  if (self === '1' || self === 'true') return 'etcd'
  if (self !== undefined && self !== '' && self !== '0' && self !== 'false') {
    throw new RangeError(`${SELF_ENV} must be 1 or 0, found '${self}'`)
  }
  return targetKindFromEnv(env)
}

/** The extra flags etcd-ts runs with: the backend, `memory` unless `$ETCD_DIFF_BACKEND` says `level`. */
function etcdTsArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const backend = env.ETCD_DIFF_BACKEND ?? 'memory'
  if (backend !== 'memory' && backend !== 'level') {
    throw new RangeError(`ETCD_DIFF_BACKEND must be 'memory' or 'level', found '${backend}'`)
  }
  return ['--backend', backend]
}

/** The per-side state of a run. */
interface Side {
  readonly label: string
  readonly server: EtcdTarget
  readonly workDir: string
  readonly vars: Map<string, string>
  readonly ids: Map<bigint, string>
  readonly background: Map<string, { readonly child: TrackedProcess; readonly args: readonly string[] }>
  readonly notes: string[]
  leaseCount: number
  memberCount: number
}

/** What one side did in one step, normalized. */
interface Observation {
  readonly stdout: string
  readonly stderr: string
  readonly status: string
  readonly fuzzy: readonly number[]
  /** The raw result, for sanity checks. */
  readonly raw: { readonly stdout: string; readonly stderr: string; readonly exitCode: number | null }
}

function context(side: Side): NormalizeContext {
  return {
    clientPort: side.server.clientPort,
    peerPort: side.server.peerPort,
    paths: new Map([[side.workDir, '<DIR>']]),
    ids: side.ids,
  }
}

function substitute(text: string, side: Side): string {
  return text.replace(/\{(\w+)\}/g, (match, name: string) => side.vars.get(name) ?? match)
}

function registerId(side: Side, id: bigint, placeholder: string): void {
  if (id === 0n) {
    side.notes.push(`${side.label}: ${placeholder} is 0`)
    return
  }
  if (id < MIN_REPLACEABLE_ID) {
    side.notes.push(`${side.label}: ${placeholder} ${id} is not a 64-bit ID, so it is left as is in outputs`)
  }
  side.ids.set(id, placeholder)
}

/** Learns the member and cluster IDs from a plain Range's header (`get -w json`, which changes nothing). */
async function learnIds(side: Side): Promise<void> {
  const result = await runEtcdctl(side.server.endpoint, ['get', 'differential-probe', '-w', 'json'], {
    timeoutMs: 10_000,
  })
  // Regexes, not JSON.parse: the IDs are 64-bit and would lose precision as numbers.
  const cluster = /"cluster_id":(\d+)/.exec(result.stdout)?.[1]
  const member = /"member_id":(\d+)/.exec(result.stdout)?.[1]
  if (cluster === undefined || member === undefined) {
    side.notes.push(`${side.label}: could not learn its IDs from 'get -w json' (${result.stdout}${result.stderr})`)
    return
  }
  registerId(side, BigInt(cluster), '<CLUSTER_ID>')
  registerId(side, BigInt(member), '<MEMBER_ID>')
}

/** After `member add`, records the new member's ID as `{memberN}` and `<NEW_MEMBER:memberN>`. */
function captureMember(side: Side, step: RunStep, stdout: string): void {
  if (step.args[0] !== 'member' || step.args[1] !== 'add') return
  const hexId = /^Member ([0-9a-f]+) added to cluster/m.exec(stdout)?.[1]
  const decimalId = /"member":\{"ID":(\d+)/.exec(stdout)?.[1]
  const id = hexId !== undefined ? BigInt(`0x${hexId}`) : decimalId !== undefined ? BigInt(decimalId) : undefined
  if (id === undefined) return
  side.memberCount++
  const name = `member${side.memberCount}`
  side.vars.set(name, id.toString(16))
  registerId(side, id, `<NEW_MEMBER:${name}>`)
}

/** After `lease grant`, records the granted lease ID under its name (and `{name}` for later args). */
function captureLease(side: Side, step: RunStep, stdout: string): void {
  if (step.args[0] !== 'lease' || step.args[1] !== 'grant') return
  side.leaseCount++
  const name = step.leaseName ?? `lease${side.leaseCount}`
  const hexId = /lease ([0-9a-f]+) granted/.exec(stdout)?.[1]
  const decimalId = /"ID" ?: ?(\d+)/.exec(stdout)?.[1]
  const id = hexId !== undefined ? BigInt(`0x${hexId}`) : decimalId !== undefined ? BigInt(decimalId) : undefined
  if (id === undefined) {
    side.notes.push(`${side.label}: no lease ID in the output of '${step.args.join(' ')}', so {${name}} is unset`)
    return
  }
  side.vars.set(name, id.toString(16))
  registerId(side, id, `<LEASE:${name}>`)
}

function statusOf(exitCode: number | null, signal: string | null, timedOut: boolean): string {
  if (timedOut) return 'timed out'
  return exitCode !== null ? `exit ${exitCode}` : `signal ${signal}`
}

async function runStep(side: Side, step: RunStep): Promise<Observation> {
  const args = step.args.map((arg) => substitute(arg, side))
  const result = await runEtcdctl(side.server.endpoint, args, {
    ...(step.input === undefined ? {} : { input: substitute(step.input, side) }),
    timeoutMs: step.timeoutMs ?? 15_000,
  })
  captureLease(side, step, result.stdout)
  captureMember(side, step, result.stdout)
  const ctx = context(side)
  const normalized =
    outputFormat(args) === 'protobuf' && result.exitCode === 0
      ? { text: normalizeProtobuf(result.stdoutBytes, ctx), fuzzy: [] }
      : normalizeStdout(result.stdout, args, ctx)
  let stdout = normalized.text
  if (step.unordered === true) stdout = stdout.split('\n').sort().join('\n')
  if (step.expectFile !== undefined) {
    const info = await stat(substitute(step.expectFile, side)).catch(() => undefined)
    stdout += `\n[file ${step.expectFile}: ${info === undefined ? 'missing' : info.size > 0 ? 'present' : 'empty'}]`
  }
  return {
    stdout,
    stderr: normalizeStderr(result.stderr, ctx),
    status: statusOf(result.exitCode, result.signal, result.timedOut),
    fuzzy: normalized.fuzzy,
    raw: { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode },
  }
}

const lineCount = (text: string): number => text.split('\n').length - 1

function backgroundEntry(side: Side, id: string): { child: TrackedProcess; args: readonly string[] } {
  const entry = side.background.get(id)
  if (entry === undefined) throw new Error(`script error: no background process '${id}'`)
  return entry
}

async function waitForStep(side: Side, step: WaitForStep): Promise<Observation> {
  const { child, args } = backgroundEntry(side, step.id)
  let status = `printed ${step.lines} lines`
  try {
    await child.waitForOutput((stdout) => lineCount(stdout) >= step.lines, step.timeoutMs ?? 10_000)
    const exit = child.exit()
    if (exit !== undefined && lineCount(child.stdout()) < step.lines) {
      status = `exited (${statusOf(exit.code, exit.signal, false)}) before printing ${step.lines} lines`
    }
  } catch {
    status = `timed out before printing ${step.lines} lines`
  }
  const stdout = child.stdout().split('\n').slice(0, step.lines).join('\n')
  return {
    stdout: normalizeStdout(stdout, args, context(side)).text,
    stderr: '',
    status,
    fuzzy: [],
    raw: { stdout, stderr: child.stderr(), exitCode: null },
  }
}

async function collectStep(side: Side, step: CollectStep): Promise<Observation> {
  const { child, args } = backgroundEntry(side, step.id)
  side.background.delete(step.id)
  const timeoutMs = step.timeoutMs ?? 10_000
  let timedOut = false
  try {
    if (step.exit === true) {
      await withTimeout(child.exited, timeoutMs, `background '${step.id}' to exit`)
    } else {
      const lines = step.lines ?? 0
      await child.waitForOutput((stdout) => lineCount(stdout) >= lines, timeoutMs)
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
  } catch {
    timedOut = true
  }
  // A process that ended by itself reports how; one the harness had to stop says so.
  const ended = child.exit()
  const exit = ended ?? (await child.stop(2000))
  const status = timedOut
    ? 'timed out'
    : ended !== undefined
      ? statusOf(exit.code, exit.signal, false)
      : 'still running (stopped by the harness)'
  const ctx = context(side)
  const stdout = child.stdout()
  return {
    stdout: normalizeStdout(stdout, args, ctx).text,
    stderr: normalizeStderr(child.stderr(), ctx),
    status,
    fuzzy: [],
    raw: { stdout, stderr: child.stderr(), exitCode: exit.code },
  }
}

async function perform(side: Side, step: Step): Promise<Observation | undefined> {
  switch (step.kind) {
    case 'run':
      return runStep(side, step)
    case 'background': {
      if (side.background.has(step.id)) throw new Error(`script error: background process '${step.id}' already runs`)
      const args = step.args.map((arg) => substitute(arg, side))
      const child = spawnEtcdctl(
        side.server.endpoint,
        args,
        step.input === undefined ? {} : { input: substitute(step.input, side), keepStdinOpen: true },
      )
      side.background.set(step.id, { child, args })
      return undefined
    }
    case 'waitFor':
      return waitForStep(side, step)
    case 'collect':
      return collectStep(side, step)
    case 'pause':
      await new Promise((resolve) => setTimeout(resolve, step.ms))
      return undefined
  }
}

function compare(reference: Observation, target: Observation): string[] {
  const problems: string[] = []
  if (reference.status !== target.status)
    problems.push(`  status: reference ${reference.status}, target ${target.status}`)
  if (reference.stdout !== target.stdout)
    problems.push(`  stdout differs:\n${diffLines(reference.stdout, target.stdout)}`)
  if (reference.stderr !== target.stderr)
    problems.push(`  stderr differs:\n${diffLines(reference.stderr, target.stderr)}`)
  const fuzzyOk =
    reference.fuzzy.length === target.fuzzy.length &&
    reference.fuzzy.every((value, index) => {
      const other = target.fuzzy[index] as number
      return value < 0 || other < 0 ? value === other : Math.abs(value - other) <= 1
    })
  if (!fuzzyOk) {
    problems.push(
      `  remaining TTLs differ by more than 1 s: reference ${JSON.stringify(reference.fuzzy)}, target ${JSON.stringify(target.fuzzy)}`,
    )
  }
  return problems
}

function checkExpectations(expect: Expectation | undefined, observation: Observation): string[] {
  if (expect === undefined) return []
  const problems: string[] = []
  const { raw } = observation
  if (expect.exitCode !== undefined && raw.exitCode !== expect.exitCode) {
    problems.push(`  script check: the reference exited ${raw.exitCode}, the script expects ${expect.exitCode}`)
  }
  if (expect.stdout !== undefined && !expect.stdout.test(raw.stdout)) {
    problems.push(`  script check: reference stdout does not match ${expect.stdout}:\n${raw.stdout}`)
  }
  if (expect.stderr !== undefined && !expect.stderr.test(raw.stderr)) {
    problems.push(`  script check: reference stderr does not match ${expect.stderr}:\n${raw.stderr}`)
  }
  return problems
}

const lastLines = (text: string, count: number): string => text.trimEnd().split('\n').slice(-count).join('\n')

/** Options of {@link DifferentialPair.start} and {@link runDifferential}. */
export interface PairOptions {
  /** The target kind; default {@link differentialTargetKind}. */
  readonly target?: TargetKind
  /** Print every step's normalized reference output (also on success). Default: `$DIFFERENTIAL_VERBOSE === '1'`. */
  readonly verbose?: boolean
  /** Extra flags for both servers, e.g. `['--quota-backend-bytes', '1000000']`. Default none. */
  readonly serverArgs?: readonly string[]
}

/** Options of {@link DifferentialPair.run}. */
export interface ScriptOptions {
  /**
   * Stop running steps after this long (ms) and report what was found so far, so that a slow
   * or hanging target yields a report rather than a node:test timeout. Default: the script
   * timeout less 20 s for startup and cleanup.
   */
  readonly deadlineMs?: number
}

/**
 * A running reference etcd and target, with one work dir each. Scripts run on it in order and
 * see each other's effects: share a pair only between scripts that form one sequence.
 */
export class DifferentialPair {
  readonly kind: TargetKind
  readonly #reference: Side
  readonly #target: Side
  readonly #verbose: boolean
  #disposed = false

  private constructor(kind: TargetKind, reference: Side, target: Side, verbose: boolean) {
    this.kind = kind
    this.#reference = reference
    this.#target = target
    this.#verbose = verbose
  }

  /**
   * Starts a fresh real etcd and a fresh target in parallel (each on 127.0.0.1, on ports the OS
   * picked, with a temp data dir) and learns their IDs. On failure, whatever started is stopped.
   */
  static async start(options: PairOptions = {}): Promise<DifferentialPair> {
    const kind = options.target ?? differentialTargetKind()
    const verbose = options.verbose ?? process.env.DIFFERENTIAL_VERBOSE === '1'
    if (findBinary('etcdctl') === undefined)
      throw new Error('etcdctl not found (install etcd-client or set ETCDCTL_BIN)')
    const serverArgs = options.serverArgs ?? []
    const started = await Promise.allSettled([
      startRealEtcdTarget({ args: serverArgs }),
      startTarget(kind, { args: kind === 'etcd-ts' ? [...etcdTsArgs(), ...serverArgs] : serverArgs }),
    ])
    const workDirs: string[] = []
    try {
      const sides: Side[] = []
      for (const [index, result] of started.entries()) {
        if (result.status === 'rejected') throw result.reason
        const workDir = await makeTempDir('etcd-differential-')
        workDirs.push(workDir)
        sides.push({
          label: index === 0 ? 'etcd (reference)' : `${kind} (target)`,
          server: result.value,
          workDir,
          vars: new Map([['dir', workDir]]),
          ids: new Map(),
          background: new Map(),
          notes: [],
          leaseCount: 0,
          memberCount: 0,
        })
      }
      const [reference, target] = sides as [Side, Side]
      await learnIds(reference)
      await learnIds(target)
      return new DifferentialPair(kind, reference, target, verbose)
    } catch (error) {
      await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.dispose() : undefined)))
      await Promise.all(workDirs.map((dir) => removeDir(dir)))
      throw error
    }
  }

  /**
   * Runs `steps` on both sides (each step on the reference, then on the target) and throws an
   * AssertionError listing every step whose normalized stdout, stderr or exit status differ, with
   * a diff. Background processes still running at the end are stopped. Stops early, reporting
   * it, when a server exits or the deadline passes.
   */
  async run(name: string, steps: readonly Step[], options: ScriptOptions = {}): Promise<void> {
    if (this.#disposed) throw new Error('run() after dispose()')
    const reference = this.#reference
    const target = this.#target
    const deadline = Date.now() + (options.deadlineMs ?? SCRIPT_TIMEOUT_MS - 20_000)
    const report: string[] = []
    const log: string[] = []
    try {
      for (const [index, step] of steps.entries()) {
        const title = `step ${index + 1}: ${describeStep(step)}`
        const down = [reference, target].find((side) => !side.server.running)
        if (down !== undefined) {
          report.push(`${title}\n  not run: ${down.label} exited:\n${lastLines(down.server.output(), 40)}`)
          break
        }
        if (Date.now() > deadline) {
          report.push(`${title}\n  not run: the script's deadline passed (steps ${index + 1}-${steps.length} skipped)`)
          break
        }
        const expected = await perform(reference, step)
        const actual = await perform(target, step)
        if (expected === undefined || actual === undefined) continue
        if (this.#verbose) log.push(`${title}\n${expected.stdout}\n${expected.stderr}\n[${expected.status}]`)
        const problems = [
          ...checkExpectations(step.kind === 'run' || step.kind === 'collect' ? step.expect : undefined, expected),
          ...compare(expected, actual),
        ]
        if (problems.length > 0) report.push(`${title}\n${problems.join('\n')}`)
      }
    } finally {
      await this.#stopBackground()
    }
    if (this.#verbose) console.log(`--- ${name} (reference, normalized) ---\n${log.join('\n\n')}`)
    if (report.length > 0) {
      const notes = [...reference.notes, ...target.notes]
      throw new AssertionError({
        message:
          `${name}: ${report.length} of ${steps.length} steps differ between etcd (reference) and ${this.kind} (target)` +
          ` ('-' reference, '+' target):\n\n${report.join('\n\n')}` +
          (notes.length > 0 ? `\n\nnotes:\n${notes.join('\n')}` : '') +
          `\n\ntarget output (last lines):\n${lastLines(target.server.output(), 30)}`,
      })
    }
  }

  /** Stops both servers (by PID) and background etcdctl processes, and removes the temp dirs. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    await this.#stopBackground()
    const sides = [this.#reference, this.#target]
    await Promise.all(sides.map((side) => side.server.dispose()))
    await Promise.all(sides.map((side) => removeDir(side.workDir)))
  }

  async #stopBackground(): Promise<void> {
    for (const side of [this.#reference, this.#target]) {
      await Promise.all([...side.background.values()].map(({ child }) => child.stop(2000)))
      side.background.clear()
    }
  }
}

/**
 * Runs one script on a fresh pair ({@link DifferentialPair.start}, `run`, `dispose`): both
 * servers and all background etcdctl processes are stopped (by PID) and the temp dirs removed,
 * whatever happens.
 */
export async function runDifferential(
  name: string,
  steps: readonly Step[],
  options: PairOptions & ScriptOptions = {},
): Promise<void> {
  const pair = await DifferentialPair.start(options)
  try {
    await pair.run(name, steps, options)
  } finally {
    await pair.dispose()
  }
}
