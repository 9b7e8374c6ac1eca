// Measures the raftpb codec on raft's hot path: a MsgApp carrying 64 entries of 256 bytes, a
// heartbeat with etcd-style 64-bit member IDs, and entrySize.
//
//   node --conditions=@etcd-ts/source --import tsx bench/codec.bench.ts
import { decodeMessage, encodeMessage, entrySize } from '../src/raftpb/codec.js'
import { createMessage, type Entry, EntryType, type Message, MessageType } from '../src/raftpb/types.js'

const BENCH_MS = 1000

/** Runs `fn` repeatedly for about `BENCH_MS` (after a warm-up) and prints ops/s and MB/s. */
function bench(name: string, bytesPerOp: number, fn: () => unknown): void {
  for (let i = 0; i < 2000; i++) fn()
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < BENCH_MS) {
    for (let i = 0; i < 200; i++) fn()
    ops += 200
    elapsed = performance.now() - start
  }
  const opsPerSecond = (ops / elapsed) * 1000
  const megabytesPerSecond = (opsPerSecond * bytesPerOp) / 1e6
  console.log(
    `${name.padEnd(44)} ${Math.round(opsPerSecond).toLocaleString('en').padStart(12)} ops/s ${megabytesPerSecond.toFixed(0).padStart(6)} MB/s`,
  )
}

const entries: Entry[] = Array.from({ length: 64 }, (_, i) => ({
  term: 7,
  index: 1_000_000 + i,
  type: EntryType.EntryNormal,
  data: new Uint8Array(256).fill(i),
}))
const msgApp: Message = createMessage({
  type: MessageType.MsgApp,
  to: 0x8e9e_05c5_2164_694dn,
  from: 0x91bc_3c39_8fb3_c146n,
  term: 7,
  logTerm: 7,
  index: 999_999,
  entries,
  commit: 999_990,
})
const heartbeat: Message = createMessage({
  type: MessageType.MsgHeartbeat,
  to: 0x8e9e_05c5_2164_694dn,
  from: 0x91bc_3c39_8fb3_c146n,
  term: 7,
  commit: 999_990,
})

const msgAppBytes = encodeMessage(msgApp)
const heartbeatBytes = encodeMessage(heartbeat)
console.log(`MsgApp: ${msgAppBytes.length} bytes; heartbeat: ${heartbeatBytes.length} bytes`)

bench('encodeMessage MsgApp (64 x 256 B)', msgAppBytes.length, () => encodeMessage(msgApp))
bench('decodeMessage MsgApp (64 x 256 B)', msgAppBytes.length, () => decodeMessage(msgAppBytes))
bench('encodeMessage MsgHeartbeat', heartbeatBytes.length, () => encodeMessage(heartbeat))
bench('decodeMessage MsgHeartbeat', heartbeatBytes.length, () => decodeMessage(heartbeatBytes))
bench('entrySize x 64', 0, () => {
  let size = 0
  for (const entry of entries) size += entrySize(entry)
  return size
})
