// `npm run conformance`: replays etcd-io/raft's data-driven files in place and prints one line
// per suite, `<suite>: N passed, M failed`, after a diff for every failed case (on stderr).
// Exits non-zero on any failure. A missing data folder fails in CI (CI=true) and is reported
// as skipped elsewhere.
import {
  CONFORMANCE_DIR_ENV,
  CONFORMANCE_SUITES,
  findConformanceRoot,
  replayConformanceSuite,
} from '@etcd-ts/raft/testing'

const root = findConformanceRoot()
if (root === undefined) {
  const why = `etcd-raft conformance data not found (expected ../shared/conformance/etcd-raft beside the repository, or $${CONFORMANCE_DIR_ENV})`
  for (const suite of CONFORMANCE_SUITES) console.log(`${suite.name}: SKIPPED (${why})`)
  if (process.env.CI === 'true') {
    console.error(`conformance: FAILED: ${why}; CI requires it`)
    process.exit(1)
  }
  process.exit(0)
}

let failures = 0
const lines: string[] = []
for (const suite of CONFORMANCE_SUITES) {
  const report = replayConformanceSuite(root, suite)
  for (const file of report.files) {
    for (const result of file.results) {
      if (result.passed) continue
      console.error(`--- FAIL ${file.file}:${result.case.line}: ${result.case.commandLine}`)
      console.error(lineDiff(result.case.expected, result.actual))
    }
  }
  failures += report.failed
  lines.push(`${suite.name}: ${report.passed} passed, ${report.failed} failed`)
}
for (const line of lines) console.log(line)
process.exit(failures === 0 ? 0 : 1)

// A line diff of expected (`-`) against actual (`+`), from their longest common subsequence.
function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = common[i] as number[]
      row[j] =
        a[i] === b[j]
          ? ((common[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((common[i + 1] as number[])[j] as number, row[j + 1] as number)
    }
  }
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`)
      j++
    } else if (
      j < b.length &&
      (i >= a.length || ((common[i] as number[])[j + 1] as number) >= ((common[i + 1] as number[])[j] as number))
    ) {
      out.push(`+ ${b[j++]}`)
    } else {
      out.push(`- ${a[i++]}`)
    }
  }
  return out.join('\n')
}
