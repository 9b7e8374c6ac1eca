/**
 * `save()` throughput with fdatasync, beside the floor of this disk: a raw positional write +
 * fdatasync of the same number of bytes per call into a file preallocated the same way, measured
 * in the same run, interleaved (wal, raw, wal, raw, ...) so that both see the same disk. The
 * last column is the CPU a save costs with a file system that does nothing.
 *
 *   npm run bench                       (from packages/wal)
 *   npm run bench -- --seconds 3 --rounds 5
 *
 * Each configuration runs `rounds` times for `seconds` each (default 7 × 1.5 s); rates are the
 * median round, "% of floor" the median of the rounds' WAL/raw ratios.
 */
import { mkdtemp, open, rm } from 'node:fs/promises'
import { cpus, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Entry, EntryType } from '@etcd-ts/raft'
import { NodeFileSystem, type Preallocation, Wal, type WalFile, type WalFileSystem } from '@etcd-ts/wal'

const BATCHES = [1, 8, 64, 512]
const ENTRY_BYTES = 256
const SEGMENT_BYTES = 64_000_000

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const SECONDS = flag('seconds', 1.5)
const ROUNDS = flag('rounds', 7)
/** `--compare` also runs the WAL with the other preallocation (`sparse`), to check the default. */
const COMPARE = process.argv.includes('--compare')

interface Run {
  readonly calls: number
  readonly bytes: number
  readonly seconds: number
}

/** A file preallocated as NodeFileSystem does it (written zeros, fdatasynced). */
async function preallocated(path: string) {
  const file = await open(path, 'w+', 0o600)
  const zeros = new Uint8Array(1 << 20)
  for (let at = 0; at < SEGMENT_BYTES; at += zeros.length) await file.write(zeros, 0, zeros.length, at)
  await file.datasync()
  return file
}

/** Raw: one positional write of `bytesPerCall` and one fdatasync per call. */
async function runRaw(dir: string, bytesPerCall: number): Promise<Run> {
  const path = join(dir, 'raw')
  const file = await preallocated(path)
  const data = new Uint8Array(bytesPerCall).fill(0x5a)
  let position = 0
  let calls = 0
  const started = performance.now()
  const until = started + SECONDS * 1000
  while (performance.now() < until) {
    if (position + bytesPerCall > SEGMENT_BYTES) position = 0
    await file.write(data, 0, data.length, position)
    await file.datasync()
    position += bytesPerCall
    calls++
  }
  const seconds = (performance.now() - started) / 1000
  await file.close()
  await rm(path)
  return { calls, bytes: calls * bytesPerCall, seconds }
}

/** The real file system, counting the bytes the WAL writes (not the preallocation zeros). */
function countingFs(preallocation: Preallocation): { fs: WalFileSystem; written(): number } {
  const inner = new NodeFileSystem({ preallocation })
  let written = 0
  const fs: WalFileSystem = {
    open: async (path, mode) => {
      const file = await inner.open(path, mode)
      const counted: WalFile = {
        read: (buffer, position) => file.read(buffer, position),
        write: (data, position) => {
          written += data.length
          return file.write(data, position)
        },
        datasync: () => file.datasync(),
        truncate: (size) => file.truncate(size),
        allocate: (size) => file.allocate(size),
        size: () => file.size(),
        tryLock: () => file.tryLock(),
        unlock: () => file.unlock(),
        close: () => file.close(),
      }
      return counted
    },
    readdir: (dir) => inner.readdir(dir),
    exists: (path) => inner.exists(path),
    mkdir: (dir) => inner.mkdir(dir),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    removeAll: (path) => inner.removeAll(path),
    syncDir: (dir) => inner.syncDir(dir),
  }
  return { fs, written: () => written }
}

/** The WAL: one save(hardState, batch) per call, every one synced (it carries entries). */
async function runWal(
  dir: string,
  batch: number,
  preallocation: Preallocation = 'zeros',
  durationSeconds = SECONDS,
): Promise<Run & { bytesPerCall: number }> {
  const walDir = join(dir, 'wal')
  const counting = countingFs(preallocation)
  const wal = await Wal.create(walDir, new Uint8Array(22), { fs: counting.fs })
  const data = new Uint8Array(ENTRY_BYTES).fill(0xa5)
  let index = 0
  const next = (): Entry[] =>
    Array.from({ length: batch }, () => ({ term: 2, index: ++index, type: EntryType.EntryNormal, data }))
  // Let the pipeline prepare its spare segment first, as it has in a running server.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const before = counting.written()
  let calls = 0
  const started = performance.now()
  const until = started + durationSeconds * 1000
  while (performance.now() < until) {
    await wal.save({ term: 2, vote: 1n, commit: index }, next())
    calls++
  }
  const seconds = (performance.now() - started) / 1000
  const bytes = counting.written() - before
  await wal.close()
  await rm(walDir, { recursive: true })
  return { calls, bytes, seconds, bytesPerCall: Math.round(bytes / calls) }
}

/** A file system that does nothing, instantly: what a save costs the CPU alone. */
function nullFs(): WalFileSystem {
  const file: WalFile = {
    read: async () => 0,
    write: async () => {},
    datasync: async () => {},
    truncate: async () => {},
    allocate: async () => {},
    size: async () => 0,
    tryLock: async () => true,
    unlock: async () => {},
    close: async () => {},
  }
  return {
    open: async () => file,
    readdir: async () => [],
    exists: async () => false,
    mkdir: async () => {},
    rename: async () => {},
    unlink: async () => {},
    removeAll: async () => {},
    syncDir: async () => {},
  }
}

/** Microseconds of CPU per save of `batch` entries, with no I/O at all. */
async function cpuMicros(batch: number): Promise<number> {
  const wal = await Wal.create('/null', new Uint8Array(22), { fs: nullFs(), segmentSizeBytes: Number.MAX_SAFE_INTEGER })
  const data = new Uint8Array(ENTRY_BYTES).fill(0xa5)
  let index = 0
  let calls = 0
  const started = performance.now()
  while (performance.now() - started < 500) {
    const entries = Array.from({ length: batch }, () => ({
      term: 2,
      index: ++index,
      type: EntryType.EntryNormal,
      data,
    }))
    await wal.save({ term: 2, vote: 1n, commit: index }, entries)
    calls++
  }
  const micros = ((performance.now() - started) * 1000) / calls
  await wal.close()
  return micros
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-ts-wal-bench-'))
  try {
    console.log(`date      ${new Date().toISOString()}`)
    console.log(`node      ${process.version} (${process.platform} ${release()})`)
    console.log(`cpu       ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`)
    console.log(`disk      ${dir} (temporary directory)`)
    console.log(
      `settings  ${ENTRY_BYTES}-byte entries, ${SECONDS} s per run, median of ${ROUNDS} rounds, 64 MB segments`,
    )
    console.log('')
    const header = [
      'entries/save',
      'bytes/save',
      'floor syncs/s',
      'floor MB/s',
      'saves/s',
      'entries/s',
      'MB/s',
      '% of floor',
      'CPU µs/save',
    ]
    const rows: string[][] = [COMPARE ? [...header, 'sparse saves/s', 'sparse %'] : header]
    for (const batch of BATCHES) {
      const raw: Run[] = []
      const ours: Array<Run & { bytesPerCall: number }> = []
      const sparse: Run[] = []
      const bytesPerCall = (await runWal(dir, batch, 'zeros', 0.2)).bytesPerCall
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so that neither always meets the disk the other left.
        if (round % 2 === 0) {
          ours.push(await runWal(dir, batch))
          raw.push(await runRaw(dir, bytesPerCall))
        } else {
          raw.push(await runRaw(dir, bytesPerCall))
          ours.push(await runWal(dir, batch))
        }
        if (COMPARE) sparse.push(await runWal(dir, batch, 'sparse'))
      }
      const rates = (runs: Run[]) => runs.map((run) => run.calls / run.seconds)
      const rawRate = median(rates(raw))
      const walRate = median(rates(ours))
      // % of floor: the median of each round's ratio (rounds are paired, the disk drifts).
      const ofFloor = (runs: Run[]) => median(rates(runs).map((rate, round) => rate / (rates(raw)[round] as number)))
      const row = [
        String(batch),
        String(bytesPerCall),
        rawRate.toFixed(0),
        ((rawRate * bytesPerCall) / 1e6).toFixed(1),
        walRate.toFixed(0),
        (walRate * batch).toFixed(0),
        ((walRate * bytesPerCall) / 1e6).toFixed(1),
        `${(ofFloor(ours) * 100).toFixed(0)} %`,
        (await cpuMicros(batch)).toFixed(1),
      ]
      if (COMPARE) row.push(median(rates(sparse)).toFixed(0), `${(ofFloor(sparse) * 100).toFixed(0)} %`)
      rows.push(row)
    }
    const widths = (rows[0] as string[]).map((_, column) =>
      Math.max(...rows.map((row) => (row[column] as string).length)),
    )
    for (const row of rows) console.log(row.map((cell, column) => cell.padStart(widths[column] as number)).join('  '))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
