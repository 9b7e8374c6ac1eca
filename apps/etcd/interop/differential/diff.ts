/**
 * A minimal line diff (longest common subsequence) for failure reports: `-` reference only,
 * `+` target only, ` ` both. A single changed line (JSON outputs are one line) also gets the
 * first differing column, with context on each side.
 */
export function diffLines(reference: string, target: string): string {
  const a = reference.split('\n')
  const b = target.split('\n')
  // lengths[i][j] = length of the LCS of a[i..] and b[j..]
  const lengths: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  const at = (i: number, j: number): number => (lengths[i] as number[])[j] as number
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      ;(lengths[i] as number[])[j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1))
    }
  }
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`    ${a[i]}`)
      i++
      j++
    } else if (j < b.length && (i >= a.length || at(i, j + 1) >= at(i + 1, j))) {
      out.push(`  + ${b[j]}`)
      j++
    } else {
      out.push(`  - ${a[i]}`)
      i++
    }
  }
  const removed = out.findIndex((line) => line.startsWith('  - '))
  const added = out.findIndex((line) => line.startsWith('  + '))
  const changes = out.filter((line) => !line.startsWith('    ')).length
  if (changes === 2 && removed >= 0 && added >= 0 && Math.abs(removed - added) === 1) {
    const left = (out[removed] as string).slice(4)
    const right = (out[added] as string).slice(4)
    let column = 0
    while (column < left.length && left[column] === right[column]) column++
    out.push(
      `  first difference at column ${column + 1}: reference …${left.slice(Math.max(0, column - 20), column + 40)}… ` +
        `vs target …${right.slice(Math.max(0, column - 20), column + 40)}…`,
    )
  }
  return out.join('\n')
}
