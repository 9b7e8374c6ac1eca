// The steps of a differential script: what etcdctl does, in order, on each side.
//
// Arguments and stdin may name per-side values in braces, substituted before each run:
//   {dir}      the side's work dir (normalized to <DIR> in outputs)
//   {lease1}…  the hex ID of the n-th lease granted by `lease grant` (or the name given with `leaseName`)
//   {member1}… the hex ID of the n-th member added by `member add`

/** Sanity checks on the *reference*'s result, so that a script cannot silently test nothing. */
export interface Expectation {
  readonly exitCode?: number
  readonly stdout?: RegExp
  readonly stderr?: RegExp
}

/** Options of a {@link run} step. */
export interface RunOptions {
  /** stdin for etcdctl (`txn`, `put` without a value). `{name}` placeholders are substituted. */
  readonly input?: string
  /** Kill etcdctl after this long (ms); default 15 000. */
  readonly timeoutMs?: number
  /** After the step, report whether this file exists (and is non-empty), e.g. `{dir}/snap.db`. */
  readonly expectFile?: string
  readonly expect?: Expectation
  /** For `lease grant`: the name its lease ID is known by (default `lease1`, `lease2`, ...). */
  readonly leaseName?: string
  /**
   * Compare stdout as a sorted list of lines, for outputs whose order etcd derives from random
   * IDs (`member list` after `member add`). Use sparingly: order is part of most outputs.
   */
  readonly unordered?: boolean
}

/** One etcdctl invocation, run to completion on each side. */
export interface RunStep extends RunOptions {
  readonly kind: 'run'
  readonly args: readonly string[]
}

/** Options of a {@link background} step. */
export interface BackgroundOptions {
  /** Written to stdin, which stays open until the process is collected (`watch -i`). */
  readonly input?: string
}

/** Starts etcdctl in the background (e.g. `watch`) on each side; see {@link waitFor} and {@link collect}. */
export interface BackgroundStep extends BackgroundOptions {
  readonly kind: 'background'
  readonly id: string
  readonly args: readonly string[]
}

/**
 * Waits until a background etcdctl printed `lines` lines (or exited), leaving it running, and
 * compares those first lines. Use it before a step that must come after, e.g. a revoke that a
 * running `lease keep-alive` should notice.
 */
export interface WaitForStep {
  readonly kind: 'waitFor'
  readonly id: string
  readonly lines: number
  /** Give up after this long (ms); default 10 000. */
  readonly timeoutMs?: number
}

/** Waits for a background etcdctl's output, then stops it and compares all it printed. */
export interface CollectStep {
  readonly kind: 'collect'
  readonly id: string
  /** Wait until stdout has this many lines (then 300 ms more, to catch extra output). */
  readonly lines?: number
  /** Wait until the process exits by itself (e.g. a canceled watch). */
  readonly exit?: boolean
  /** Give up after this long (ms); default 10 000. */
  readonly timeoutMs?: number
  readonly expect?: Expectation
}

/** Sleeps on each side before its next step (lease expiry). */
export interface PauseStep {
  readonly kind: 'pause'
  readonly ms: number
}

export type Step = RunStep | BackgroundStep | WaitForStep | CollectStep | PauseStep

const splitArgs = (args: string | readonly string[]): readonly string[] =>
  typeof args === 'string' ? args.split(' ').filter((arg) => arg !== '') : args

/** `etcdctl <args>`; `args` as an array, or a string split on spaces (use an array for empty or spaced args). */
export function run(args: string | readonly string[], options: RunOptions = {}): RunStep {
  return { kind: 'run', args: splitArgs(args), ...options }
}

/** Starts `etcdctl <args>` in the background as `id`. */
export function background(
  id: string,
  args: string | readonly string[],
  options: BackgroundOptions = {},
): BackgroundStep {
  return { kind: 'background', id, args: splitArgs(args), ...options }
}

/** Waits for `lines` lines from background process `id` (see {@link WaitForStep}). */
export function waitFor(id: string, lines: number, options: { readonly timeoutMs?: number } = {}): WaitForStep {
  return { kind: 'waitFor', id, lines, ...options }
}

/** Collects background process `id` (see {@link CollectStep}). */
export function collect(id: string, options: Omit<CollectStep, 'kind' | 'id'>): CollectStep {
  return { kind: 'collect', id, ...options }
}

/** Pauses `ms` on each side. */
export function pause(ms: number): PauseStep {
  return { kind: 'pause', ms }
}

/** The same invocation in several output formats (`simple` adds no flag). */
export function inFormats(args: string, formats: readonly string[] = ['simple', 'json', 'fields']): RunStep[] {
  return formats.map((format) => run(format === 'simple' ? args : `${args} -w ${format}`))
}

/** A one-line description of a step, for reports. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'run': {
      const args = step.args.map((arg) => (arg === '' || /\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')
      if (step.input === undefined) return `etcdctl ${args}`
      const input = JSON.stringify(step.input)
      return `etcdctl ${args} <<< ${input.length > 160 ? `${input.slice(0, 160)}…` : input}`
    }
    case 'background':
      return `etcdctl ${step.args.join(' ')} &  (as '${step.id}'${step.input === undefined ? '' : `, stdin ${JSON.stringify(step.input)}`})`
    case 'waitFor':
      return `wait for ${step.lines} lines from '${step.id}'`
    case 'collect':
      return `collect '${step.id}' (${step.exit === true ? 'until it exits' : `${step.lines ?? 0} lines, then stop it`})`
    case 'pause':
      return `pause ${step.ms} ms`
  }
}
