// Our generated codecs against an independent protobuf implementation: protobufjs, reading our
// .proto files by reflection at test time. For every message tried, our encoding decodes in
// protobufjs to the same message, protobufjs's encoding decodes in ours to the same message,
// and both encodings are the same bytes (both write proto3's canonical form: fields in number
// order, implicit defaults omitted, repeated scalars packed).
//
// Messages come from fast-check arbitraries derived from the protobufjs reflection (so every
// field of every message is covered), plus hand-written ones with 64-bit IDs at the edges.
// fast-check runs with a fixed seed, so a run is reproducible; FC_SEED=<n> tries another.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import * as api from '../src/index.js'
import { collect, isJsNumber, loadOurs, localName } from './protos.js'

const SEED = Number(process.env.FC_SEED ?? 20261121)

const root = loadOurs()
const { types } = collect(root)
/** long.js, as protobufjs uses it (its typings show only a constructor). */
const Long = protobuf.util.Long as unknown as { fromString(value: string, unsigned: boolean): protobuf.Long }

/** Module of our codecs per protobuf package (as src/index.ts exports them). */
const MODULES: Record<string, string> = { 'grpc.health.v1': 'healthpb' }

type Codec = api.MessageType<Record<string, unknown>, Record<string, unknown>>
type Plain = Record<string, unknown>

function typeOf(name: string): protobuf.Type {
  const type = types.get(name)
  assert.ok(type, `no message ${name} in our protos`)
  return type
}

function codecOf(type: protobuf.Type): Codec {
  const full = type.fullName.slice(1)
  const pkg = full.slice(0, full.lastIndexOf('.'))
  const ns = (api as unknown as Record<string, Record<string, Codec>>)[MODULES[pkg] ?? pkg]
  const codec = ns?.[full.slice(pkg.length + 1)]
  assert.ok(codec !== undefined && codec.typeName === full, `no codec for ${full}`)
  return codec
}

const is64 = (f: protobuf.Field) => ['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'].includes(f.type)
const isUnsigned = (f: protobuf.Field) => f.type === 'uint64' || f.type === 'fixed64'
const isMessage = (f: protobuf.Field) => f.resolvedType instanceof protobuf.Type
/** Whether a singular field can be absent: a message, a oneof member, a proto2 optional. */
const hasPresence = (f: protobuf.Field) => isMessage(f) || f.hasPresence // protobufjs: false for proto3 messages

// ---------------------------------------------------------------------------------------------
// Our message form ⇄ protobufjs's
//
// Ours: lowerCamelCase names, every field present (`undefined` for absent messages, oneofs and
// proto2 optionals), a oneof as `{ case, value }`, 64-bit fields as `bigint` or (`jstype =
// JS_NUMBER`) `number`, bytes as Uint8Array. protobufjs: proto names (`keepCase`), 64-bit fields
// as Long, bytes as Buffer, a oneof as its member field set.

function scalarToPbjs(f: protobuf.Field, v: unknown): unknown {
  if (is64(f)) return Long.fromString(String(v), isUnsigned(f))
  return v
}

/** Our message as a protobufjs plain object for `fromObject`, with implicit defaults left out. */
function toPbjs(type: protobuf.Type, m: Plain): Plain {
  const out: Plain = {}
  for (const f of type.fieldsArray) {
    const oneof = f.partOf
    if (oneof !== null && oneof !== undefined) {
      const u = m[localName(oneof.name)] as { case: string; value: unknown } | undefined
      if (u !== undefined && u.case === localName(f.name)) out[f.name] = valueToPbjs(f, u.value)
      continue
    }
    const v = m[localName(f.name)]
    if (v === undefined) continue
    if (f.repeated) {
      if ((v as unknown[]).length > 0) out[f.name] = (v as unknown[]).map((x) => valueToPbjs(f, x))
      continue
    }
    if (!hasPresence(f) && isDefault(v)) continue // proto3 implicit presence: not written
    out[f.name] = valueToPbjs(f, v)
  }
  return out
}

function valueToPbjs(f: protobuf.Field, v: unknown): unknown {
  return f.resolvedType instanceof protobuf.Type ? toPbjs(f.resolvedType, v as Plain) : scalarToPbjs(f, v)
}

function isDefault(v: unknown): boolean {
  if (v instanceof Uint8Array || typeof v === 'string') return v.length === 0
  return v === 0 || v === 0n || v === false
}

function scalarFromPbjs(f: protobuf.Field, v: unknown): unknown {
  if (is64(f)) {
    const big = BigInt(String(v)) // Long's toString: decimal, signed or unsigned as the field is
    if (!isJsNumber(f)) return big
    assert.ok(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(big)
  }
  if (f.type === 'bytes') return new Uint8Array(v as Uint8Array) // a plain Uint8Array, not a Buffer
  return v
}

function valueFromPbjs(f: protobuf.Field, v: unknown): unknown {
  return f.resolvedType instanceof protobuf.Type ? fromPbjs(f.resolvedType, v as Plain) : scalarFromPbjs(f, v)
}

/** A message decoded by protobufjs, in our form. */
function fromPbjs(type: protobuf.Type, m: Plain): Plain {
  const out: Plain = {}
  for (const oneof of type.oneofsArray) out[localName(oneof.name)] = undefined
  for (const f of type.fieldsArray) {
    const name = localName(f.name)
    const set = Object.hasOwn(m, f.name) && m[f.name] != null
    if (f.partOf) {
      if (set) out[localName(f.partOf.name)] = { case: name, value: valueFromPbjs(f, m[f.name]) }
    } else if (f.repeated) {
      out[name] = ((m[f.name] ?? []) as unknown[]).map((x) => valueFromPbjs(f, x))
    } else if (hasPresence(f)) {
      out[name] = set ? valueFromPbjs(f, m[f.name]) : undefined // messages, proto2 optionals
    } else {
      out[name] = valueFromPbjs(f, m[f.name]) // unset: protobufjs's prototype holds the default
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Arbitraries, from the reflection

const UINT64_MAX = 2n ** 64n - 1n
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function scalarArbitrary(f: protobuf.Field): fc.Arbitrary<unknown> {
  const enumType = f.resolvedType
  if (enumType instanceof protobuf.Enum) return fc.constantFrom(...Object.values(enumType.values))
  switch (f.type) {
    case 'bool':
      return fc.boolean()
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 12 }) // any code point, no lone surrogates
    case 'bytes':
      return fc.uint8Array({ maxLength: 24 })
    case 'int32':
      return fc.integer()
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 })
    case 'int64':
      if (isJsNumber(f)) {
        return fc.oneof(fc.maxSafeInteger(), fc.constantFrom(-1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER))
      }
      return fc.oneof(fc.bigInt(INT64_MIN, INT64_MAX), fc.constantFrom(-1n, INT64_MIN, INT64_MAX, 2n ** 53n + 1n))
    case 'uint64':
      if (isJsNumber(f)) return fc.oneof(fc.maxSafeNat(), fc.constant(Number.MAX_SAFE_INTEGER))
      return fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(UINT64_MAX, UINT64_MAX - 1n, 2n ** 63n, 2n ** 32n))
    default:
      throw new Error(`no arbitrary for ${f.parent?.name}.${f.name}: ${f.type}`)
  }
}

const arbitraries = new Map<string, fc.Arbitrary<Plain>>()

/**
 * Messages of `type` in our form. `depth` bounds nesting, so that recursive messages
 * (TxnRequest → RequestOp → TxnRequest) stay finite: at depth 0, message fields are absent.
 */
function messageArbitrary(type: protobuf.Type, depth: number): fc.Arbitrary<Plain> {
  const key = `${type.fullName}@${depth}`
  const cached = arbitraries.get(key)
  if (cached !== undefined) return cached
  const fieldValue = (f: protobuf.Field): fc.Arbitrary<unknown> | undefined => {
    if (!(f.resolvedType instanceof protobuf.Type)) return scalarArbitrary(f)
    return depth === 0 ? undefined : messageArbitrary(f.resolvedType, depth - 1)
  }
  const record: Record<string, fc.Arbitrary<unknown>> = {}
  for (const oneof of type.oneofsArray) {
    const members = oneof.fieldsArray.flatMap((f) => {
      const value = fieldValue(f)
      return value === undefined ? [] : [value.map((v) => ({ case: localName(f.name), value: v }))]
    })
    record[localName(oneof.name)] =
      members.length === 0 ? fc.constant(undefined) : fc.option(fc.oneof(...members), { nil: undefined })
  }
  for (const f of type.fieldsArray) {
    if (f.partOf) continue
    const value = fieldValue(f)
    const name = localName(f.name)
    if (f.repeated) record[name] = value === undefined ? fc.constant([]) : fc.array(value, { maxLength: 3 })
    else if (value === undefined) record[name] = fc.constant(undefined)
    else if (hasPresence(f)) record[name] = fc.option(value, { nil: undefined })
    else record[name] = value
  }
  const arbitrary = fc.record(record, { noNullPrototype: true }) as fc.Arbitrary<Plain>
  arbitraries.set(key, arbitrary)
  return arbitrary
}

// ---------------------------------------------------------------------------------------------
// The check

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** Both directions and the bytes, for one message in our form (as `decode` would return it). */
function checkBothWays(type: protobuf.Type, message: Plain): void {
  const codec = codecOf(type)
  const ours = codec.encode(message)
  assert.deepEqual(codec.decode(ours), message, 'our own round trip')

  // ours → protobufjs
  const decodedByPbjs = type.decode(ours) as unknown as Plain
  assert.deepEqual(fromPbjs(type, decodedByPbjs), message, 'protobufjs decodes our encoding to the same message')

  // protobufjs → ours
  const pbjsMessage = type.fromObject(toPbjs(type, message))
  const err = type.verify(pbjsMessage)
  assert.equal(err, null, `protobufjs rejects the message: ${err}`)
  const finished = type.encode(pbjsMessage).finish() // a Buffer, and decoded bytes would be Buffer views
  const theirs = new Uint8Array(finished.buffer, finished.byteOffset, finished.byteLength)
  assert.deepEqual(codec.decode(theirs), message, 'we decode protobufjs’s encoding to the same message')

  assert.equal(hex(ours), hex(theirs), 'the same bytes')
}

/** `create(init)`: an init object in the form `decode` returns. */
function full(name: string, init: Plain): [protobuf.Type, Plain] {
  const type = typeOf(name)
  return [type, codecOf(type).create(init)]
}

const bytes = api.bytes
const MAX_U64 = 0xffffffffffffffffn
const header = { clusterId: MAX_U64, memberId: MAX_U64 - 1n, revision: Number.MAX_SAFE_INTEGER, raftTerm: 2 ** 32 + 1 }

const EXAMPLES: Array<[string, Plain]> = [
  [
    'etcdserverpb.RangeRequest',
    {
      key: bytes('\0'),
      rangeEnd: bytes('\0'),
      limit: Number.MAX_SAFE_INTEGER,
      revision: -1,
      sortOrder: api.RangeRequest_SortOrder.DESCEND,
      sortTarget: api.RangeRequest_SortTarget.VALUE,
      minModRevision: Number.MIN_SAFE_INTEGER,
    },
  ],
  [
    'etcdserverpb.RangeResponse',
    {
      header,
      kvs: [
        { key: bytes('a'), value: new Uint8Array(300).fill(0xff), lease: -1n, createRevision: 1, version: 2 },
        { key: new Uint8Array([0, 0xff, 0x80]), lease: 0x7fffffffffffffffn, modRevision: Number.MAX_SAFE_INTEGER },
        {},
      ],
      more: true,
      count: 3,
    },
  ],
  ['etcdserverpb.PutRequest', { key: bytes('k'), value: bytes('v'), lease: -(2n ** 63n), prevKv: true }],
  ['etcdserverpb.PutRequest', { key: bytes('k'), lease: 0x694d67ed2bfbea03n, ignoreValue: true, ignoreLease: true }],
  ['etcdserverpb.PutResponse', { header, prevKv: { key: bytes('k'), lease: -5n } }],
  [
    'etcdserverpb.TxnRequest',
    {
      compare: [
        { key: bytes('a'), result: 3, target: 4, targetUnion: { case: 'lease', value: -(2n ** 63n) } },
        { key: bytes('b'), target: 2, targetUnion: { case: 'createRevision', value: 0 }, rangeEnd: bytes('\0') },
        { key: bytes('c'), target: 3, targetUnion: { case: 'value', value: new Uint8Array(0) } },
        { key: bytes('d'), targetUnion: { case: 'version', value: Number.MAX_SAFE_INTEGER } },
      ],
      success: [
        { request: { case: 'requestPut', value: { key: bytes('p'), lease: MAX_U64 >> 1n } } },
        {
          request: {
            case: 'requestTxn',
            value: {
              compare: [{ key: bytes('n'), targetUnion: { case: 'modRevision', value: -1 } }],
              success: [{ request: { case: 'requestDeleteRange', value: { key: bytes('x'), prevKv: true } } }],
              failure: [{ request: { case: 'requestRange', value: { key: bytes('y'), countOnly: true } } }],
            },
          },
        },
        { request: { case: 'requestRange', value: {} } },
      ],
      failure: [{}],
    },
  ],
  [
    'etcdserverpb.WatchRequest',
    {
      requestUnion: {
        case: 'createRequest',
        value: {
          key: bytes('w'),
          rangeEnd: bytes('x'),
          startRevision: Number.MAX_SAFE_INTEGER,
          progressNotify: true,
          filters: [api.WatchCreateRequest_FilterType.NOPUT, api.WatchCreateRequest_FilterType.NODELETE],
          prevKv: true,
          watchId: -1n,
          fragment: true,
        },
      },
    },
  ],
  ['etcdserverpb.WatchRequest', { requestUnion: { case: 'cancelRequest', value: { watchId: 2n ** 63n - 1n } } }],
  ['etcdserverpb.WatchRequest', { requestUnion: { case: 'progressRequest', value: {} } }],
  [
    'etcdserverpb.WatchResponse',
    {
      header,
      watchId: INT64_MIN,
      created: true,
      canceled: true,
      compactRevision: Number.MAX_SAFE_INTEGER,
      cancelReason: 'mvcc: watcher range is empty ✓',
      fragment: true,
      events: [
        {
          type: api.Event_EventType.DELETE,
          kv: { key: bytes('k'), lease: MAX_U64 >> 1n },
          prevKv: { value: bytes('v') },
        },
        { kv: {} },
      ],
    },
  ],
  ['etcdserverpb.LeaseGrantRequest', { TTL: Number.MAX_SAFE_INTEGER, ID: INT64_MAX }],
  ['etcdserverpb.LeaseGrantRequest', { TTL: -1, ID: -1n }],
  ['etcdserverpb.LeaseGrantResponse', { header, ID: INT64_MIN, TTL: 9_000_000_000, error: 'é😀' }],
  [
    'etcdserverpb.InternalRaftRequest',
    {
      header: { ID: MAX_U64, username: 'root', authRevision: Number.MAX_SAFE_INTEGER },
      ID: MAX_U64,
      put: { key: bytes('k'), value: bytes('v'), lease: -1n },
      leaseGrant: { TTL: 5, ID: 0x694d67ed2bfbea03n },
      v2: {
        ID: MAX_U64,
        Method: 'PUT',
        Path: '/0',
        Val: '',
        Dir: false,
        Expiration: -1n,
        Time: 2n ** 62n,
        Since: 0,
        PrevIndex: 7,
      },
    },
  ],
  [
    'etcdserverpb.Member',
    { ID: MAX_U64, name: 'infra1', peerURLs: ['http://127.0.0.1:2380', ''], clientURLs: [], isLearner: true },
  ],
  ['membershippb.Member', { ID: MAX_U64, memberAttributes: { name: 'm' }, raftAttributes: { isLearner: true } }],
  [
    'etcdserverpb.StatusResponse',
    {
      header,
      version: '3.4.23',
      dbSize: Number.MAX_SAFE_INTEGER,
      leader: MAX_U64,
      raftIndex: Number.MAX_SAFE_INTEGER,
      raftTerm: 2 ** 40,
      raftAppliedIndex: 1,
      errors: ['etcdserver: no leader', ''],
      dbSizeInUse: 0,
      isLearner: true,
      storageVersion: '3.6.0',
      dbSizeQuota: -1,
      downgradeInfo: { enabled: true, targetVersion: '3.5.0' },
    },
  ],
]

describe('our codecs against protobufjs (our protos, loaded by reflection)', () => {
  it('agree on hand-written messages with 64-bit values at the edges', () => {
    for (const [name, init] of EXAMPLES) {
      const [type, message] = full(name, init)
      try {
        checkBothWays(type, message)
      } catch (error) {
        throw new Error(`${name} ${JSON.stringify(init, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`, {
          cause: error,
        })
      }
    }
  })

  const REPRESENTATIVE = [
    'etcdserverpb.RangeRequest',
    'etcdserverpb.RangeResponse',
    'etcdserverpb.PutRequest',
    'etcdserverpb.PutResponse',
    'etcdserverpb.TxnRequest',
    'etcdserverpb.TxnResponse',
    'etcdserverpb.WatchRequest',
    'etcdserverpb.WatchResponse',
    'etcdserverpb.LeaseGrantRequest',
    'etcdserverpb.LeaseGrantResponse',
    'etcdserverpb.InternalRaftRequest',
    'etcdserverpb.Member',
    'etcdserverpb.StatusResponse',
    'membershippb.Member',
  ]
  for (const name of REPRESENTATIVE) {
    it(`agree on random ${name} messages (300 runs)`, () => {
      const type = typeOf(name)
      fc.assert(
        fc.property(messageArbitrary(type, 3), (message) => checkBothWays(type, message)),
        { seed: SEED, numRuns: 300 },
      )
    })
  }

  it(`agree on random messages of every type in our protos (${types.size} types, 25 runs each)`, () => {
    for (const type of types.values()) {
      try {
        fc.assert(
          fc.property(messageArbitrary(type, 2), (message) => checkBothWays(type, message)),
          { seed: SEED, numRuns: 25 },
        )
      } catch (error) {
        throw new Error(`${type.fullName.slice(1)}: ${(error as Error).message}`, { cause: error })
      }
    }
  })
})
