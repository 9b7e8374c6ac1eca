/**
 * A reader for the data-driven test format of `cockroachdb/datadriven`, which etcd-io/raft's
 * test files use:
 *
 * ```
 * # comment
 * command arg key=value key=(v1, v2)
 * optional input lines
 * ----
 * expected output
 * <blank line>
 * ```
 *
 * Parsing is pure (no file system); {@link replayDataDriven} runs the cases of one file through
 * a handler and compares outputs. `../shared/conformance/etcd-raft/README.md` documents the format.
 */

/** One argument of a command line: `key`, `key=value` or `key=(v1, v2, ...)`. */
export interface CommandArg {
  readonly key: string
  /** No values for a bare `key`; one for `key=value`; one per item for `key=(...)`. */
  readonly values: readonly string[]
}

/** One test case (a "directive"). */
export interface DataDrivenCase {
  /** The file name given to the parser, for messages. */
  readonly file: string
  /** 1-based line of the command. */
  readonly line: number
  /** The command line as written (continuations joined). */
  readonly commandLine: string
  readonly command: string
  readonly args: readonly CommandArg[]
  /** The lines between the command and `----`, joined with `\n` and trimmed. */
  readonly input: string
  /** The expected output: each line followed by `\n`; empty when there is none. */
  readonly expected: string
}

/** The file is not in the data-driven format; the message names file and line. */
export class DataDrivenSyntaxError extends Error {
  readonly code = 'RAFT_DATADRIVEN_SYNTAX'
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`)
    this.name = 'DataDrivenSyntaxError'
  }
}

/** Parses a whole data-driven file into its cases, in order. */
export function parseDataDriven(text: string, file = '<input>'): DataDrivenCase[] {
  const lines = text.split('\n')
  const cases: DataDrivenCase[] = []
  let i = 0
  while (i < lines.length) {
    const trimmed = (lines[i] as string).trim()
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++
      continue
    }
    const line = i + 1
    // The command, with `\` continuations joined by one space.
    let commandLine = trimmed
    while (commandLine.endsWith('\\') && i + 1 < lines.length) {
      i++
      commandLine = `${commandLine.slice(0, -1).trimEnd()} ${(lines[i] as string).trim()}`
    }
    i++
    const input: string[] = []
    while (i < lines.length && lines[i] !== '----') input.push(lines[i++] as string)
    if (i >= lines.length) throw new DataDrivenSyntaxError(file, line, `missing ---- after '${commandLine}'`)
    i++
    let expected = ''
    if (lines[i] === '----') {
      // Output that may contain blank lines: ends at a second `----\n----`.
      i++
      const out: string[] = []
      while (i < lines.length && !(lines[i] === '----' && lines[i + 1] === '----')) out.push(lines[i++] as string)
      if (i >= lines.length) throw new DataDrivenSyntaxError(file, line, 'missing closing ----/----')
      i += 2
      expected = out.length === 0 ? '' : `${out.join('\n')}\n`
    } else {
      while (i < lines.length && (lines[i] as string).trim() !== '') expected += `${lines[i++]}\n`
    }
    const { command, args } = parseCommandLine(commandLine, file, line)
    cases.push({ file, line, commandLine, command, args, input: input.join('\n').trim(), expected })
  }
  return cases
}

/**
 * Splits a command line into the command word and its arguments. Values in parentheses are
 * split at top-level commas (spaces after a comma skipped); nested parentheses stay inside a value.
 */
export function parseCommandLine(
  commandLine: string,
  file = '<input>',
  line = 0,
): { command: string; args: CommandArg[] } {
  const text = commandLine.trim()
  let pos = text.indexOf(' ')
  if (pos < 0) pos = text.length
  const command = text.slice(0, pos)
  const args: CommandArg[] = []
  while (pos < text.length) {
    while (text[pos] === ' ') pos++
    if (pos >= text.length) break
    const keyStart = pos
    while (pos < text.length && text[pos] !== ' ' && text[pos] !== '=') pos++
    const key = text.slice(keyStart, pos)
    if (text[pos] !== '=') {
      args.push({ key, values: [] })
      continue
    }
    pos++
    if (text[pos] !== '(') {
      const valueStart = pos
      while (pos < text.length && text[pos] !== ' ') pos++
      args.push({ key, values: [text.slice(valueStart, pos)] })
      continue
    }
    // key=(v1, v2, ...)
    pos++
    const values: string[] = []
    let depth = 0
    let current = ''
    for (;;) {
      if (pos >= text.length) throw new DataDrivenSyntaxError(file, line, `unclosed ( in argument ${key}`)
      const c = text[pos++] as string
      if (c === '(') depth++
      if (c === ')') {
        if (depth === 0) break
        depth--
      }
      if (c === ',' && depth === 0) {
        values.push(current)
        current = ''
        while (text[pos] === ' ') pos++
        continue
      }
      current += c
    }
    if (current !== '' || values.length > 0) values.push(current)
    args.push({ key, values })
  }
  return { command, args }
}

/** The argument named `key`, if the case has one. */
export function findArg(testCase: Pick<DataDrivenCase, 'args'>, key: string): CommandArg | undefined {
  return testCase.args.find((arg) => arg.key === key)
}

/** The outcome of one case. */
export interface CaseResult {
  readonly case: DataDrivenCase
  /** The handler's output, normalised like the expected text (ends with `\n` unless empty). */
  readonly actual: string
  readonly passed: boolean
}

/**
 * Runs every case of a file, in order, through `handle` (which keeps state across the cases of
 * one file) and compares each output with the expected text. A handler that throws produces
 * `error: <message>` as its output, so the case fails with the reason visible.
 */
export function replayDataDriven(
  cases: readonly DataDrivenCase[],
  handle: (testCase: DataDrivenCase) => string,
): CaseResult[] {
  return cases.map((testCase) => {
    let actual: string
    try {
      actual = handle(testCase)
    } catch (error) {
      actual = `error: ${error instanceof Error ? error.message : String(error)}`
    }
    if (actual !== '' && !actual.endsWith('\n')) actual += '\n'
    return { case: testCase, actual, passed: actual === testCase.expected }
  })
}
