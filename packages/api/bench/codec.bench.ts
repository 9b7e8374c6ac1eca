/**
 * `npm run bench` (packages/api): encode and decode throughput of four KV messages with
 *
 * - etcd-ts: our generated codecs (`src/gen`, from a plain init object / to a full message);
 * - protobufjs: static code from protobufjs-cli's `pbjs -t static-module` (message instances,
 *   64-bit values as `Long`);
 * - protobuf-es: `protoc-gen-es` output with `create` / `toBinary` / `fromBinary` (64-bit values
 *   as `bigint`; it ignores `[jstype = JS_NUMBER]`).
 *
 * The two other libraries' code is generated from our `proto/` on every run, into
 * `node_modules/.cache/etcd-ts-api-bench` (ignored by git). Each library encodes the same
 * message (its own form of it, decoded from our bytes), and all three encodings are checked to
 * be byte-identical before timing; every library decodes the same bytes. Reported: the median of
 * seven timed samples after a warm-up, in operations per second, the libraries sampled in turn.
 * `BENCH_SAMPLE_MS` sets the sample length (default 200 ms, so about 1.7 s per case).
 *
 * A benchmark, not a test: nothing here asserts a speed.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type DescMessage, fromBinary, type Message, toBinary } from '@bufbuild/protobuf'
import { type MessageType, PutRequest, PutResponse, RangeRequest, RangeResponse } from '@etcd-ts/api'

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
const CACHE_DIR = join(PACKAGE_DIR, 'node_modules/.cache/etcd-ts-api-bench')
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 200)
const SAMPLES = 7
const WARMUP_MS = 300

const require = createRequire(import.meta.url)
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

// ---------------------------------------------------------------------------------------------
// Code generation for the other two libraries

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: PACKAGE_DIR, encoding: 'utf8' })
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`)
  }
}

function generate(): void {
  rmSync(CACHE_DIR, { recursive: true, force: true })
  mkdirSync(CACHE_DIR, { recursive: true })
  // protobufjs static code, CommonJS (its runtime, protobufjs/minimal, is CommonJS).
  run(process.execPath, [
    require.resolve('protobufjs-cli/bin/pbjs'),
    '--target',
    'static-module',
    '--wrap',
    'commonjs',
    '--no-comments',
    '--path',
    'proto',
    '--out',
    join(CACHE_DIR, 'protobufjs.cjs'),
    'proto/etcdserverpb/rpc.proto',
  ])
  // protobuf-es: buf with protoc-gen-es, JavaScript output.
  const template = {
    version: 'v2',
    plugins: [
      {
        local: [process.execPath, require.resolve('@bufbuild/protoc-gen-es/bin/protoc-gen-es')],
        out: 'es',
        opt: ['target=js', 'import_extension=js'],
      },
    ],
  }
  run(process.execPath, [
    require.resolve('@bufbuild/buf/bin/buf'),
    'generate',
    '--template',
    JSON.stringify(template),
    '--output',
    CACHE_DIR,
  ])
}

// ---------------------------------------------------------------------------------------------
// The messages

/** What this benchmark uses of a protobufjs static message class. */
interface PbjsType {
  encode(message: object): { finish(): Uint8Array }
  decode(bytes: Uint8Array): object
}

interface Case {
  name: string
  ours: MessageType<object, object>
  init: object
  pbjs: PbjsType
  es: DescMessage
}

let seed = 7
function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    b[i] = seed >>> 24
  }
  return b
}

const header = {
  clusterId: 0xcdb6f9a3c45a2f1bn,
  memberId: 0x8e9e05c52164694dn,
  revision: 1_234_567,
  raftTerm: 7,
}

function cases(pbjs: Record<string, PbjsType>, es: Record<string, DescMessage>): Case[] {
  const pick = <T>(from: Record<string, T>, name: string): T => {
    const value = from[name]
    if (value === undefined) throw new Error(`${name} is missing from the generated code`)
    return value
  }
  const of = (name: string) => ({ pbjs: pick(pbjs, name), es: pick(es, `${name}Schema`) })
  const key = randomBytes(16)
  return [
    {
      name: 'RangeRequest',
      ours: RangeRequest as MessageType<object, object>,
      // get --prefix with a limit at a revision: a 16-byte key and range end
      init: { key, rangeEnd: randomBytes(16), limit: 10, revision: 1_234_000 },
      ...of('RangeRequest'),
    },
    {
      name: 'RangeResponse',
      ours: RangeResponse as MessageType<object, object>,
      // 10 KeyValues of 16-byte keys and 100-byte values, half of them with a lease
      init: {
        header,
        kvs: Array.from({ length: 10 }, (_, i) => ({
          key: randomBytes(16),
          createRevision: 1_000_000 + i,
          modRevision: 1_200_000 + i,
          version: 1 + i,
          value: randomBytes(100),
          lease: i % 2 === 0 ? 0x694d67ed2bfbea03n : 0n,
        })),
        count: 10,
      },
      ...of('RangeResponse'),
    },
    {
      name: 'PutRequest',
      ours: PutRequest as MessageType<object, object>,
      init: { key, value: randomBytes(100), lease: 0x694d67ed2bfbea03n },
      ...of('PutRequest'),
    },
    {
      name: 'PutResponse',
      ours: PutResponse as MessageType<object, object>,
      init: { header },
      ...of('PutResponse'),
    },
  ]
}

// ---------------------------------------------------------------------------------------------
// Timing

let sink = 0

/** Calls `fn` until `ms` have passed, in batches of `batch`; returns calls per second. */
function sample(fn: () => unknown, batch: number, ms: number): number {
  let ops = 0
  const t0 = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) if (fn() === undefined) sink++
    ops += batch
    elapsed = performance.now() - t0
  }
  return (ops * 1000) / elapsed
}

/**
 * Median operations per second of each function. The functions are warmed up and calibrated to
 * batches of about a millisecond, then sampled in turn, SAMPLES rounds of SAMPLE_MS each, so
 * that a disturbance from outside (another process on the machine) hits them alike.
 */
function measure(fns: Array<() => unknown>): number[] {
  const batches = fns.map((fn) => {
    let batch = 1
    const warmupEnd = performance.now() + WARMUP_MS
    while (performance.now() < warmupEnd) {
      const t0 = performance.now()
      for (let i = 0; i < batch; i++) if (fn() === undefined) sink++
      if (performance.now() - t0 < 1) batch *= 2
    }
    return batch
  })
  const rates: number[][] = fns.map(() => [])
  for (let s = 0; s < SAMPLES; s++) {
    fns.forEach((fn, i) => {
      gc()
      rates[i]?.push(sample(fn, batches[i] as number, SAMPLE_MS))
    })
  }
  return rates.map((r) => r.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)] as number)
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

const format = (n: number) => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  const t0 = performance.now()
  generate()
  const pbjsRoot = require(join(CACHE_DIR, 'protobufjs.cjs')) as { etcdserverpb: Record<string, PbjsType> }
  const esModule = (await import(pathToFileURL(join(CACHE_DIR, 'es/etcdserverpb/rpc_pb.js')).href)) as Record<
    string,
    DescMessage
  >
  console.log(`generated protobufjs and protobuf-es code in ${Math.round(performance.now() - t0)} ms`)
  console.log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ` +
      `${SAMPLES} samples of ${SAMPLE_MS} ms per case\n`,
  )

  const rows: string[][] = []
  for (const c of cases(pbjsRoot.etcdserverpb, esModule)) {
    const wire = c.ours.encode(c.init)
    const pbjsMessage = c.pbjs.decode(wire)
    const esMessage: Message = fromBinary(c.es, wire)
    // The same message, the same bytes, whichever library encodes it.
    const pbjsWire = c.pbjs.encode(pbjsMessage).finish()
    const esWire = toBinary(c.es, esMessage)
    if (!equalBytes(pbjsWire, wire) || !equalBytes(esWire, wire)) {
      throw new Error(`${c.name}: the three encodings differ`)
    }

    const results = {
      encode: measure([
        () => c.ours.encode(c.init),
        () => c.pbjs.encode(pbjsMessage).finish(),
        () => toBinary(c.es, esMessage),
      ]),
      decode: measure([() => c.ours.decode(wire), () => c.pbjs.decode(wire), () => fromBinary(c.es, wire)]),
    }
    for (const [op, [ours, pbjs, es]] of Object.entries(results) as [string, number[]][]) {
      const row = [
        c.name,
        `${op} (${wire.length} B)`,
        format(ours as number),
        format(pbjs as number),
        format(es as number),
        `${((ours as number) / (pbjs as number)).toFixed(1)}× / ${((ours as number) / (es as number)).toFixed(1)}×`,
      ]
      rows.push(row)
      console.log(row.join('  '))
    }
  }

  console.log('\n| message | operation | etcd-ts ops/s | protobufjs ops/s | protobuf-es ops/s | etcd-ts vs pbjs / es |')
  console.log('|---|---|--:|--:|--:|--:|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  if (sink === -1) console.log(sink)
}

await main()
