import { JsonDecodeError } from '../errors.js'

/** A JSON value as `JSON.parse` returns it and `JSON.stringify` accepts it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/*
 * The grpc-gateway v1 JSON mapping that etcd's gateway uses (`runtime.JSONPb{OrigName: true}`,
 * reference §4.2): proto field names as keys, 64-bit integers as decimal strings, bytes as
 * standard base64, enums by name, default values omitted. Parsing is lenient the way jsonpb
 * is: proto or lowerCamel names, numbers or strings for integers, names or numbers for enums.
 */

const MAX_INT64 = 0x7fffffffffffffffn
const MIN_INT64 = -0x8000000000000000n
const MAX_UINT64 = 0xffffffffffffffffn
const INTEGER = /^-?\d+$/
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/

/** Standard base64 with padding, as Go's encoding/json writes `[]byte`. */
export function bytesToJson(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
}

/** An enum value by name; unknown values as their number (as jsonpb does). */
export function enumToJson(names: Readonly<Record<number, string>>, v: number): string | number {
  return names[v] ?? v
}

/** `float`/`double`: numbers, with NaN and infinities as strings. */
export function floatToJson(v: number): number | string {
  if (Number.isFinite(v)) return v
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${String(v)}`
}

function fail(path: string, expected: string, found: unknown): JsonDecodeError {
  return new JsonDecodeError(`${path}: expected ${expected}, found ${describe(found)}`)
}

/** The object a message is read from. */
export function jsonObject(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(path, 'a JSON object', v)
  return v as Record<string, unknown>
}

export function jsonArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw fail(path, 'a JSON array', v)
  return v
}

export function jsonBool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw fail(path, 'true or false', v)
  return v
}

export function jsonString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw fail(path, 'a string', v)
  return v
}

/** `bytes`: standard or URL-safe base64, padded or not. */
export function jsonBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw fail(path, 'base64 bytes', v)
  }
  const b = Buffer.from(v, 'base64')
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

function integer(v: unknown, path: string, kind: string): number {
  let n: number
  if (typeof v === 'number') n = v
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v)
  else throw fail(path, `an ${kind} (number or decimal string)`, v)
  if (!Number.isInteger(n)) throw fail(path, `an ${kind}`, v)
  return n
}

export function jsonInt32(v: unknown, path: string): number {
  const n = integer(v, path, 'int32')
  if (n < -0x80000000 || n > 0x7fffffff) throw fail(path, 'an int32', v)
  return n
}

export function jsonUint32(v: unknown, path: string): number {
  const n = integer(v, path, 'uint32')
  if (n < 0 || n > 0xffffffff) throw fail(path, 'a uint32', v)
  return n
}

/** A 64-bit integer read as a `number` (`jstype = JS_NUMBER`): must be a safe integer. */
export function jsonInt64Number(v: unknown, path: string, unsigned: boolean): number {
  const n = integer(v, path, unsigned ? 'uint64' : 'int64')
  if (!Number.isSafeInteger(n) || (unsigned && n < 0)) {
    throw fail(path, unsigned ? 'a uint64 up to 2^53 - 1' : 'an int64 within ±(2^53 - 1)', v)
  }
  return n
}

/** A 64-bit integer read as a `bigint`: exact from strings, from numbers only if integral. */
export function jsonInt64Big(v: unknown, path: string, unsigned: boolean): bigint {
  let b: bigint
  if (typeof v === 'string' && INTEGER.test(v)) b = BigInt(v)
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v)
  else throw fail(path, `a ${unsigned ? 'uint64' : 'int64'} (number or decimal string)`, v)
  if (unsigned ? b < 0n || b > MAX_UINT64 : b < MIN_INT64 || b > MAX_INT64) {
    throw fail(path, unsigned ? 'a uint64' : 'an int64', v)
  }
  return b
}

/** `float`/`double`: a number, a numeric string, or "NaN"/"Infinity"/"-Infinity". */
export function jsonFloat(v: unknown, path: string): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN
    if (v === 'Infinity') return Number.POSITIVE_INFINITY
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY
    const n = Number(v)
    if (v.trim() !== '' && !Number.isNaN(n)) return n
  }
  throw fail(path, 'a number', v)
}

/** An enum by name (as declared) or by number. */
export function jsonEnum(v: unknown, byName: Readonly<Record<string, number>>, path: string): number {
  if (typeof v === 'string') {
    if (Object.hasOwn(byName, v)) return byName[v] as number
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
    return v
  }
  throw fail(path, `one of ${Object.keys(byName).join(', ')}`, v)
}
