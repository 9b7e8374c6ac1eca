/**
 * Measures append + fdatasync latency into a segment preallocated three ways, to choose how
 * `NodeFileSystem` preallocates by default (Node has no fallocate):
 *
 *   sparse   ftruncate to the segment size (no blocks allocated yet)
 *   zeros    write the segment full of zeros and fdatasync it, then append over the zeros
 *   grow     no preallocation: each append extends the file
 *
 *   node --import tsx scripts/measure-preallocation.ts [rounds=5] [appends=1500]
 *
 * Rounds alternate the three kinds, so they see the same disk; each cell is the median over
 * rounds of the mean latency of a round. Appends are the sizes of a WAL save of 1, 8, 64 and
 * 512 entries of 256 bytes.
 */
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROUNDS = Number(process.argv[2] ?? 5)
const APPENDS = Number(process.argv[3] ?? 1500)
const SIZES = [319, 2336, 18464, 147488]
const SEGMENT = 64_000_000
const KINDS = ['sparse', 'zeros', 'grow'] as const
type Kind = (typeof KINDS)[number]

async function round(kind: Kind, bytes: number, dir: string): Promise<{ meanMs: number; prepareMs: number }> {
  const path = join(dir, `${kind}.wal`)
  const file = await open(path, 'w+', 0o600)
  const prepareStart = performance.now()
  if (kind === 'sparse') await file.truncate(SEGMENT)
  if (kind === 'zeros') {
    const zeros = new Uint8Array(1 << 20)
    for (let at = 0; at < SEGMENT; at += zeros.length)
      await file.write(zeros, 0, Math.min(zeros.length, SEGMENT - at), at)
  }
  await file.datasync()
  const prepareMs = performance.now() - prepareStart
  const data = new Uint8Array(bytes).fill(7)
  const appends = Math.min(APPENDS, Math.floor(SEGMENT / bytes))
  const started = performance.now()
  for (let i = 0, position = 0; i < appends; i++, position += bytes) {
    await file.write(data, 0, data.length, position)
    await file.datasync()
  }
  const meanMs = (performance.now() - started) / appends
  await file.close()
  await rm(path)
  return { meanMs, prepareMs }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

const dir = await mkdtemp(join(tmpdir(), 'wal-prealloc-'))
try {
  console.log(`${new Date().toISOString()}  node ${process.version}  ${ROUNDS} rounds × ${APPENDS} appends`)
  console.log('bytes/append   sparse ms   zeros ms   grow ms   (mean append + fdatasync; median of rounds)')
  const prepare: Record<Kind, number[]> = { sparse: [], zeros: [], grow: [] }
  for (const bytes of SIZES) {
    const results: Record<Kind, number[]> = { sparse: [], zeros: [], grow: [] }
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of KINDS) {
        const { meanMs, prepareMs } = await round(kind, bytes, dir)
        results[kind].push(meanMs)
        prepare[kind].push(prepareMs)
      }
    }
    console.log(
      `${String(bytes).padStart(12)}   ${KINDS.map((kind) => median(results[kind]).toFixed(3).padStart(9)).join('  ')}`,
    )
  }
  console.log(`preparing 64 MB: ${KINDS.map((kind) => `${kind} ${median(prepare[kind]).toFixed(0)} ms`).join(', ')}`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
