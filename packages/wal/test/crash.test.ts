// Crashes on the in-memory file system, recovered as etcd's server recovers (open + readAll;
// on WAL_UNEXPECTED_EOF close, repair once, retry):
//
// - the tail truncated at every byte offset inside its last records: exactly the complete
//   records come back;
// - the tail zeroed from random sector boundaries: the same; zeroed from every byte offset:
//   recovered whenever etcd's torn-write rule (§1.11) sees the frame as torn, a typed error
//   otherwise;
// - power loss (drop, torn prefix, torn sectors) at random points of random save sequences,
//   several crash/recover cycles per seed: nothing a synced save acknowledged is lost, and what
//   comes back is always the state after some prefix of the records written.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { decodeEntry, decodeHardState, type Entry, EntryType, type HardState, mustSync } from '@etcd-ts/raft'
import { Decoder, SECTOR_BYTES } from '../src/decoder.js'
import { parseWalName, RecordType, Wal } from '../src/index.js'
import { CrashFileSystem, type CrashMode } from '../src/testing/index.js'
import { assertEntries, bootRead, DIR, entries, entry, hardState, METADATA, seededRandom, writeWal } from './helpers.js'

interface Frame {
  readonly path: string
  readonly offset: number
  readonly end: number
  readonly type: number
  readonly data: Uint8Array | undefined
}

/** Every frame of the WAL in `DIR`, in log order. */
async function scanFrames(fs: CrashFileSystem): Promise<Frame[]> {
  const names = (await fs.readdir(DIR)).filter((name) => parseWalName(name) !== undefined).sort()
  const decoder = new Decoder(
    await Promise.all(
      names.map(async (name) => ({ path: join(DIR, name), file: await fs.open(join(DIR, name), 'read') })),
    ),
  )
  const frames: Frame[] = []
  for (let record = await decoder.next(); record !== undefined; record = await decoder.next()) {
    if (record.type === RecordType.Crc) decoder.acceptCrcRecord(record)
    const data = record.data?.slice()
    frames.push({ path: record.path, offset: record.offset, end: decoder.lastOffset, type: record.type, data })
  }
  return frames
}

/** What readAll must return when exactly `frames` survive: raft's overwrite rule, the last HardState. */
function expectedState(frames: readonly Frame[]): { entries: Entry[]; hardState: HardState } {
  const log: Entry[] = []
  let state = hardState(0, 0, 0n)
  for (const frame of frames) {
    if (frame.type === RecordType.Entry) {
      const decoded = decodeEntry(frame.data ?? new Uint8Array(0))
      log.length = decoded.index - 1
      log.push(decoded)
    } else if (frame.type === RecordType.State) {
      state = decodeHardState(frame.data ?? new Uint8Array(0))
    }
  }
  return { entries: log, hardState: state }
}

/** etcd's torn rule for a frame at `offset` whose bytes after the length word are `data`. */
function etcdSeesTorn(offset: number, data: Uint8Array): boolean {
  let fileOffset = offset + 8
  for (let at = 0; at < data.length; ) {
    const length = Math.min(SECTOR_BYTES - (fileOffset % SECTOR_BYTES), data.length - at)
    if (data.subarray(at, at + length).every((byte) => byte === 0)) return true
    at += length
    fileOffset += length
  }
  return false
}

/** A WAL of 40 saves (one entry, 60-200 bytes, and a HardState each) over several segments. */
async function baseWal(): Promise<{ fs: CrashFileSystem; frames: Frame[]; last: string }> {
  const fs = new CrashFileSystem()
  const random = seededRandom(7)
  await writeWal(
    { fs, segmentSizeBytes: 2048 },
    entries(1, 40).map((e) => [hardState(1, e.index - 1), [entry(e.index, 1, 60 + Math.floor(random() * 140))]]),
  )
  const frames = await scanFrames(fs)
  const last = (frames.at(-1) as Frame).path
  assert.ok(frames.filter((frame) => frame.path === last).length >= 5, 'the last segment holds several records')
  assert.ok(new Set(frames.map((frame) => frame.path)).size >= 3, 'several segments')
  return { fs, frames, last }
}

async function assertRecovers(fs: CrashFileSystem, survivors: readonly Frame[], label: string): Promise<boolean> {
  const { result, repaired, wal } = await bootRead(fs).catch((error: unknown) => {
    throw new Error(`${label}: recovery failed: ${String(error)}`, { cause: error })
  })
  const expected = expectedState(survivors)
  assertEntries(result.entries, expected.entries, label)
  assert.deepEqual(result.hardState, expected.hardState, label)
  // The recovered WAL takes appends, which read back after the recovered records.
  const next = (expected.entries.at(-1)?.index ?? 0) + 1
  await wal.save(hardState(1, next), [entry(next, 1, 33)])
  await wal.close()
  const reread = await Wal.openForRead(DIR, { index: 0, term: 0 }, { fs })
  assertEntries((await reread.readAll()).entries, [...expected.entries, entry(next, 1, 33)], `${label}, appended`)
  await reread.close()
  return repaired
}

describe('torn tails', () => {
  it('truncated at every byte offset inside the last two records: exactly the complete records come back', async () => {
    const { fs: base, frames, last } = await baseWal()
    const [second, final] = frames.slice(-2) as [Frame, Frame]
    let repairs = 0
    for (let cut = second.offset; cut < final.end; cut++) {
      const fs = base.crash({ mode: 'drop', random: Math.random })
      fs.truncateFile(last, cut)
      const survivors = frames.filter((frame) => frame.path !== last || frame.end <= cut)
      if (await assertRecovers(fs, survivors, `truncated at ${cut}`)) repairs++
    }
    // Every cut strictly inside a frame needed a repair; cuts at a frame boundary did not.
    assert.equal(repairs, final.end - second.offset - 2)
  })

  it('zeroed from random sector boundaries to the end: exactly the complete records come back', async () => {
    const { fs: base, frames, last } = await baseWal()
    const inLast = frames.filter((frame) => frame.path === last)
    const first = inLast[0] as Frame
    const end = (inLast.at(-1) as Frame).end
    const random = seededRandom(42)
    const size = base.fileSize(last)
    const boundaries = new Set<number>()
    for (let s = Math.ceil(first.offset / SECTOR_BYTES); s * SECTOR_BYTES < end; s++) boundaries.add(s * SECTOR_BYTES)
    for (let i = 0; i < 20; i++) boundaries.add(Math.floor(random() * (end / SECTOR_BYTES)) * SECTOR_BYTES)
    for (const zero of [...boundaries].sort((a, b) => a - b)) {
      if (zero < first.offset) continue
      const fs = base.crash({ mode: 'drop', random })
      const bytes = fs.readFile(last)
      bytes.fill(0, zero)
      fs.writeFile(last, bytes)
      assert.equal(fs.fileSize(last), size)
      const survivors = frames.filter((frame) => frame.path !== last || frame.end <= zero)
      await assertRecovers(fs, survivors, `zeroed from ${zero}`)
    }
  })

  it("zeroed from every byte offset inside the last two records: recovered exactly when etcd's rule sees a torn write", async () => {
    const { fs: base, frames, last } = await baseWal()
    const [second, final] = frames.slice(-2) as [Frame, Frame]
    const outcomes = { recovered: 0, corrupt: 0 }
    const original = base.readFile(last)
    for (let from = second.offset; from < final.end; from++) {
      const fs = base.crash({ mode: 'drop', random: Math.random })
      const bytes = fs.readFile(last)
      bytes.fill(0, from)
      fs.writeFile(last, bytes)
      // Zeroing bytes that were zero (padding) changes nothing: the damage starts at the first
      // non-zero byte zeroed.
      let zero = from
      while (zero < original.length && original[zero] === 0) zero++
      if (zero >= final.end) {
        await assertRecovers(fs, frames, `zeroed from ${from} (padding only)`)
        continue
      }
      const hit = zero < second.end ? second : final
      // A zeroed length word ends the file cleanly; otherwise the frame is torn or corrupt.
      const frameData = bytes.subarray(hit.offset + 8, hit.end)
      const wordZero = bytes.subarray(hit.offset, hit.offset + 8).every((byte) => byte === 0)
      const survivors = frames.filter((frame) => frame.path !== last || frame.end <= zero)
      if (wordZero || zero === hit.offset || etcdSeesTorn(hit.offset, frameData)) {
        await assertRecovers(fs, survivors, `zeroed from ${zero}`)
        outcomes.recovered++
      } else {
        const error = await bootRead(fs).then(
          () => assert.fail(`zeroed from ${zero}: a partly zeroed sector is not a torn write under etcd's rule`),
          (caught: { code?: string }) => caught,
        )
        assert.ok(['WAL_CRC_MISMATCH', 'WAL_INVALID_RECORD'].includes(error.code ?? ''), `${error.code}`)
        outcomes.corrupt++
      }
    }
    assert.ok(outcomes.recovered > 0 && outcomes.corrupt > 0, JSON.stringify(outcomes))
  })
})

describe('power loss during random save sequences', () => {
  const SEEDS = 400
  type Written =
    | { readonly kind: 'entry'; readonly entry: Entry }
    | { readonly kind: 'state'; readonly state: HardState }

  function stateAfter(records: readonly Written[]): { entries: Entry[]; hardState: HardState } {
    const log: Entry[] = []
    let state = hardState(0, 0, 0n)
    for (const record of records) {
      if (record.kind === 'entry') {
        log.length = record.entry.index - 1
        log.push(record.entry)
      } else state = record.state
    }
    return { entries: log, hardState: state }
  }

  function sameState(
    a: { entries: readonly Entry[]; hardState: HardState },
    b: { entries: readonly Entry[]; hardState: HardState },
  ) {
    if (a.entries.length !== b.entries.length) return false
    if (a.hardState.term !== b.hardState.term || a.hardState.vote !== b.hardState.vote) return false
    if (a.hardState.commit !== b.hardState.commit) return false
    return a.entries.every((e, i) => {
      const o = b.entries[i] as Entry
      return e.index === o.index && e.term === o.term && Buffer.compare(Buffer.from(e.data), Buffer.from(o.data)) === 0
    })
  }

  interface Stats {
    crashes: number
    inFlight: number
    repaired: number
    lostUnsynced: number
    keptUnsynced: number
  }

  async function runSeed(seed: number, mode: CrashMode, stats: Stats): Promise<void> {
    const random = seededRandom(seed)
    const int = (max: number) => Math.floor(random() * max)
    const options = { segmentSizeBytes: 512 + int(3000) }
    let fs = new CrashFileSystem()
    let wal = await Wal.create(DIR, METADATA, { ...options, fs })
    // The records written, in order; the first `durable` are acknowledged as synced.
    let records: Written[] = []
    let durable = 0
    let state = hardState(0, 0, 0n)
    for (let cycle = 0; cycle < 3; cycle++) {
      const saves = 2 + int(12)
      let pending: Promise<void> | undefined
      for (let s = 0; s < saves; s++) {
        const { entries: log } = stateAfter(records)
        const lastIndex = log.at(-1)?.index ?? 0
        // Mostly appends; sometimes a new term overwriting the tail, or a commit-only change.
        const kind = random()
        let term = state.term || 1
        let batch: Entry[] = []
        if (kind < 0.6) batch = entries(lastIndex + 1, lastIndex + 1 + int(4), term, 1 + int(300))
        else if (kind < 0.75 && lastIndex > 0) {
          term += 1
          const from = Math.max(1, lastIndex - int(3))
          batch = entries(from, from + int(3), term, 1 + int(200))
        }
        const last = batch.at(-1)?.index ?? lastIndex
        const next: HardState = { term, vote: 1n, commit: Math.min(last, state.commit + int(3)) }
        const sync = mustSync(next, state, batch.length)
        for (const e of batch) records.push({ kind: 'entry', entry: { ...e, type: EntryType.EntryNormal } })
        records.push({ kind: 'state', state: next })
        state = next
        const save = wal.save(next, batch)
        if (s === saves - 1 && random() < 0.7) {
          pending = save // crash while this save is in flight
          break
        }
        await save
        if (sync) durable = records.length
      }
      // Let the in-flight save run for a random number of steps, then cut the power.
      const steps = int(40)
      for (let i = 0; i < steps; i++) await Promise.resolve()
      const crashed = fs.crash({ random, mode })
      void pending?.catch(() => {}) // the old machine's save is forgotten
      const label = `seed ${seed}, mode ${mode}, cycle ${cycle}`
      const {
        result,
        wal: recovered,
        repaired,
      } = await bootRead(crashed, options).catch((error: unknown) => {
        throw new Error(`${label}: recovery failed: ${String(error)}`, { cause: error })
      })
      let survivors = -1
      for (let m = records.length; m >= durable; m--) {
        if (sameState(stateAfter(records.slice(0, m)), result)) {
          survivors = m
          break
        }
      }
      assert.ok(
        survivors >= durable,
        `${label}: recovered ${result.entries.length} entries and ${JSON.stringify(result.hardState, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}: not the state after ${durable} or more of the ${records.length} records written`,
      )
      stats.crashes++
      if (pending !== undefined) stats.inFlight++
      if (repaired) stats.repaired++
      if (survivors < records.length) stats.lostUnsynced++
      if (survivors > durable) stats.keptUnsynced++
      records = records.slice(0, survivors)
      durable = survivors
      state = result.hardState
      fs = crashed
      wal = recovered
    }
    await wal.close()
  }

  for (const mode of ['drop', 'prefix', 'sectors'] as const) {
    it(`${mode}: nothing acknowledged as synced is lost, over ${SEEDS} seeds × 3 crash/recover cycles`, async (t) => {
      const stats: Stats = { crashes: 0, inFlight: 0, repaired: 0, lostUnsynced: 0, keptUnsynced: 0 }
      for (let seed = 1; seed <= SEEDS; seed++) await runSeed(seed * 7919 + mode.length, mode, stats)
      t.diagnostic(JSON.stringify(stats))
      assert.ok(stats.lostUnsynced > 0 && stats.keptUnsynced > 0, 'crashes both lost and kept unsynced records')
      if (mode === 'drop') assert.equal(stats.repaired, 0, 'dropping unsynced writes never tears a frame')
      else assert.ok(stats.repaired > 0, 'some crashes tore the tail')
    })
  }
})
