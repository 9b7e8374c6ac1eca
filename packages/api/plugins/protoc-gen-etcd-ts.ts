/**
 * protoc-gen-etcd-ts: the code generator behind `src/gen/` (run by `pnpm run generate`, i.e.
 * `buf generate` with `buf.gen.yaml`, which starts this file through tsx).
 *
 * For each protobuf package it writes two modules:
 *
 *   src/gen/<pkg>_pb.ts  the implementation: TypeScript types, enum constants, and straight-line
 *                        size / write / read / create / JSON functions per message, gRPC service
 *                        definitions, clients and handler types (everything exported, for the
 *                        other generated modules)
 *   src/gen/<pkg>.ts     the public surface of the package: explicit re-exports of the message
 *                        codecs, types, enums and services (what `import * as etcdserverpb`
 *                        shows)
 *
 * The generated code has no reflection and no per-field closures: every message gets its own
 * functions, with each field's tag, wire type and conversion written out. Encoding is two
 * passes (see `src/codec/writer.ts`), decoding one pass over a `Reader`. The output is run
 * through Biome (the repository's formatter and linter) before it is written, so the committed
 * files are exactly what this generator produces; test/generated.test.ts regenerates them and
 * fails on any difference.
 *
 * Type mapping (README "Type mapping"): 64-bit integers are `bigint`, or `number` where the
 * field has `[jstype = JS_NUMBER]` (counters); bytes are `Uint8Array`; enums are `as const`
 * objects with a union type; singular message fields and oneofs are optional; proto2 optional
 * scalars are optional too (presence is kept).
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DescEnum, DescField, DescFile, DescMessage, DescOneof, DescService } from '@bufbuild/protobuf'
import { ScalarType } from '@bufbuild/protobuf'
import { FeatureSet_FieldPresence, FieldOptions_JSType } from '@bufbuild/protobuf/wkt'
import { createEcmaScriptPlugin, getComments, runNodeJs, type Schema } from '@bufbuild/protoplugin'

const PLUGIN_NAME = 'protoc-gen-etcd-ts'
const PLUGIN_VERSION = '1.0.0'

/** The package directory (this file is in `plugins/`). */
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Module base name per protobuf package. */
const MODULE_NAMES: Readonly<Record<string, string>> = {
  'grpc.health.v1': 'healthpb',
}

function moduleName(pkg: string): string {
  return MODULE_NAMES[pkg] ?? pkg.replaceAll('.', '_')
}

// ---------------------------------------------------------------------------------------------
// Naming

/** TypeScript name of a message or enum: nested names joined with `_` (protobuf-es style). */
function tsName(desc: DescMessage | DescEnum): string {
  const pkg = desc.file.proto.package
  const rel = pkg === '' ? desc.typeName : desc.typeName.slice(pkg.length + 1)
  return rel.replaceAll('.', '_')
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

// ---------------------------------------------------------------------------------------------
// Field classification

type WireType = 0 | 1 | 2 | 5

interface ScalarInfo {
  /** TypeScript type. */
  ts: string
  /** Default value expression. */
  zero: string
  wire: WireType
  /** Size of the value (without tag), given the value expression and the field path literal. */
  size(v: string, path: string): string
  /** Statement writing the value (without tag). */
  write(v: string): string
  /** Expression reading the value. */
  read(path: string): string
  /** JSON value expression. */
  toJson(v: string): string
  /** Expression parsing a JSON value. */
  fromJson(v: string, path: string): string
  /** Whether the value is length-delimited with a computed length (strings). */
  pushesLength: boolean
}

function isJsNumber(field: DescField): boolean {
  return field.proto.options?.jstype === FieldOptions_JSType.JS_NUMBER
}

function scalarInfo(scalar: ScalarType, jsNumber: boolean): ScalarInfo {
  const base = { pushesLength: false }
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const f = scalar === ScalarType.FLOAT
      return {
        ...base,
        ts: 'number',
        zero: '0',
        wire: f ? 5 : 1,
        size: () => (f ? '4' : '8'),
        write: (v) => `w.${f ? 'float' : 'double'}(${v})`,
        read: () => `r.${f ? 'float' : 'double'}()`,
        toJson: (v) => `floatToJson(${v})`,
        fromJson: (v, p) => `jsonFloat(${v}, ${p})`,
      }
    }
    case ScalarType.INT32:
      return {
        ...base,
        ts: 'number',
        zero: '0',
        wire: 0,
        size: (v) => `sizeInt32(${v})`,
        write: (v) => `w.int32(${v})`,
        read: () => 'r.int32()',
        toJson: (v) => v,
        fromJson: (v, p) => `jsonInt32(${v}, ${p})`,
      }
    case ScalarType.SINT32:
      return {
        ...base,
        ts: 'number',
        zero: '0',
        wire: 0,
        size: (v) => `sizeSint32(${v})`,
        write: (v) => `w.sint32(${v})`,
        read: () => 'r.sint32()',
        toJson: (v) => v,
        fromJson: (v, p) => `jsonInt32(${v}, ${p})`,
      }
    case ScalarType.UINT32:
      return {
        ...base,
        ts: 'number',
        zero: '0',
        wire: 0,
        size: (v) => `sizeUint32(${v} >>> 0)`,
        write: (v) => `w.uint32(${v} >>> 0)`,
        read: () => 'r.uint32()',
        toJson: (v) => v,
        fromJson: (v, p) => `jsonUint32(${v}, ${p})`,
      }
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32: {
      const signed = scalar === ScalarType.SFIXED32
      return {
        ...base,
        ts: 'number',
        zero: '0',
        wire: 5,
        size: () => '4',
        write: (v) => `w.fixed32(${v})`,
        read: () => (signed ? 'r.sfixed32()' : 'r.fixed32()'),
        toJson: (v) => v,
        fromJson: (v, p) => (signed ? `jsonInt32(${v}, ${p})` : `jsonUint32(${v}, ${p})`),
      }
    }
    case ScalarType.INT64:
    case ScalarType.UINT64: {
      const unsigned = scalar === ScalarType.UINT64
      const U = unsigned ? 'Uint64' : 'Int64'
      const u = unsigned ? 'uint64' : 'int64'
      return jsNumber
        ? {
            ...base,
            ts: 'number',
            zero: '0',
            wire: 0,
            size: (v, p) => `size${U}Number(${v}, ${p})`,
            write: (v) => `w.int64Number(${v})`,
            read: (p) => `r.${u}Number(${p})`,
            toJson: (v) => `String(${v})`,
            fromJson: (v, p) => `jsonInt64Number(${v}, ${p}, ${unsigned})`,
          }
        : {
            ...base,
            ts: 'bigint',
            zero: '0n',
            wire: 0,
            size: (v, p) => `size${U}Big(${v}, ${p})`,
            write: (v) => `w.int64Big(${v})`,
            read: () => `r.${u}Big()`,
            toJson: (v) => `String(${v})`,
            fromJson: (v, p) => `jsonInt64Big(${v}, ${p}, ${unsigned})`,
          }
    }
    case ScalarType.SINT64:
      return jsNumber
        ? {
            ...base,
            ts: 'number',
            zero: '0',
            wire: 0,
            size: (v, p) => `sizeSint64Number(${v}, ${p})`,
            write: (v) => `w.sint64Number(${v})`,
            read: (p) => `r.sint64Number(${p})`,
            toJson: (v) => `String(${v})`,
            fromJson: (v, p) => `jsonInt64Number(${v}, ${p}, false)`,
          }
        : {
            ...base,
            ts: 'bigint',
            zero: '0n',
            wire: 0,
            size: (v, p) => `sizeSint64Big(${v}, ${p})`,
            write: (v) => `w.sint64Big(${v})`,
            read: () => 'r.sint64Big()',
            toJson: (v) => `String(${v})`,
            fromJson: (v, p) => `jsonInt64Big(${v}, ${p}, false)`,
          }
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      const signed = scalar === ScalarType.SFIXED64
      const s = signed ? 'sfixed64' : 'fixed64'
      return jsNumber
        ? {
            ...base,
            ts: 'number',
            zero: '0',
            wire: 1,
            size: (v, p) => `sizeFixed64Number(${v}, ${p})`,
            write: (v) => `w.fixed64Number(${v})`,
            read: (p) => `r.${s}Number(${p})`,
            toJson: (v) => `String(${v})`,
            fromJson: (v, p) => `jsonInt64Number(${v}, ${p}, ${!signed})`,
          }
        : {
            ...base,
            ts: 'bigint',
            zero: '0n',
            wire: 1,
            size: (v, p) => `sizeFixed64Big(${v}, ${p}, ${signed})`,
            write: (v) => `w.fixed64Big(${v})`,
            read: () => `r.${s}Big()`,
            toJson: (v) => `String(${v})`,
            fromJson: (v, p) => `jsonInt64Big(${v}, ${p}, ${!signed})`,
          }
    }
    case ScalarType.BOOL:
      return {
        ...base,
        ts: 'boolean',
        zero: 'false',
        wire: 0,
        size: () => '1',
        write: (v) => `w.bool(${v})`,
        read: () => 'r.bool()',
        toJson: (v) => v,
        fromJson: (v, p) => `jsonBool(${v}, ${p})`,
      }
    case ScalarType.STRING:
      return {
        ts: 'string',
        zero: "''",
        wire: 2,
        pushesLength: true,
        size: () => {
          throw new Error('strings are sized by sizeString')
        },
        write: (v) => `w.string(${v}, w.nextSize())`,
        read: () => 'r.string()',
        toJson: (v) => v,
        fromJson: (v, p) => `jsonString(${v}, ${p})`,
      }
    case ScalarType.BYTES:
      return {
        ...base,
        ts: 'Uint8Array',
        zero: 'EMPTY_BYTES',
        wire: 2,
        size: (v) => `sizeUint32(${v}.length) + ${v}.length`,
        write: (v) => `w.bytes(${v})`,
        read: () => 'r.bytes()',
        toJson: (v) => `bytesToJson(${v})`,
        fromJson: (v, p) => `jsonBytes(${v}, ${p})`,
      }
    default:
      throw new Error(`unsupported scalar type ${String(scalar)}`)
  }
}

/** Size in bytes of a varint. */
function varintSize(v: number): number {
  let n = 1
  while (v > 0x7f) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

function tagOf(field: DescField, wire: number): number {
  return field.number * 8 + wire
}

// ---------------------------------------------------------------------------------------------
// Output helpers

/** Collects lines; indentation is left to the formatter. */
class Out {
  readonly lines: string[] = []
  line(...parts: string[]): void {
    this.lines.push(parts.join(''))
  }
  blank(): void {
    this.lines.push('')
  }
  toString(): string {
    return `${this.lines.join('\n')}\n`
  }
}

function docComment(text: string | undefined): string[] {
  if (text === undefined) return []
  const lines = text
    .replace(/\*\//g, '*\\/')
    .split('\n')
    .map((l) => l.replace(/^ /, '').trimEnd())
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  while (lines.length > 0 && lines[0] === '') lines.shift()
  if (lines.length === 0) return []
  if (lines.length === 1) return [`/** ${lines[0]} */`]
  return ['/**', ...lines.map((l) => (l === '' ? ' *' : ` * ${l}`)), ' */']
}

function commentOf(desc: Parameters<typeof getComments>[0]): string | undefined {
  const c = getComments(desc)
  return c.leading ?? c.trailing
}

// ---------------------------------------------------------------------------------------------
// Per-package generation

interface Ctx {
  /** This module's base name. */
  mod: string
  pkg: string
  /** Runtime imports: module path → names. */
  runtime: Map<string, Set<string>>
  /** Runtime type-only imports: module path → names. */
  runtimeTypes: Map<string, Set<string>>
  /** Imports from other generated modules: module base name → names (with aliases). */
  imports: Map<string, Set<string>>
  typeImports: Map<string, Set<string>>
  usesGrpc: boolean
}

function use(ctx: Ctx, from: string, name: string, typeOnly = false): string {
  const map = typeOnly ? ctx.runtimeTypes : ctx.runtime
  let set = map.get(from)
  if (set === undefined) {
    set = new Set()
    map.set(from, set)
  }
  set.add(name)
  return name
}

/** The identifier of a generated symbol of `desc` in the current module (imported if needed). */
function ref(ctx: Ctx, desc: DescMessage | DescEnum, prefix: string, suffix = '', typeOnly = false): string {
  const name = `${prefix}${prefix === '' ? tsName(desc) : capitalize(tsName(desc))}${suffix}`
  const mod = moduleName(desc.file.proto.package)
  if (mod === ctx.mod) return name
  const alias = `${mod}_${name}`
  const map = typeOnly ? ctx.typeImports : ctx.imports
  let set = map.get(mod)
  if (set === undefined) {
    set = new Set()
    map.set(mod, set)
  }
  set.add(`${name} as ${alias}`)
  return alias
}

/** Like {@link ref}, for names that start with the message name (`Foo`, `FooInit`, `Foo_NAMES`). */
function typeRef(ctx: Ctx, desc: DescMessage | DescEnum, suffix = ''): string {
  return ref(ctx, desc, '', suffix, true)
}

function valueRef(ctx: Ctx, desc: DescMessage | DescEnum, suffix = ''): string {
  return ref(ctx, desc, '', suffix, false)
}

const R_READER = '../codec/reader.js'
const R_WRITER = '../codec/writer.js'
const R_JSON = '../codec/json.js'
const R_TYPE = '../codec/message-type.js'
const R_GRPC = '../grpc/types.js'

/** Names of the runtime helpers that a generated expression uses, found by scanning it. */
const RUNTIME_HELPERS: ReadonlyArray<[string, string]> = [
  ['sizeInt32', R_WRITER],
  ['sizeSint32', R_WRITER],
  ['sizeUint32', R_WRITER],
  ['sizeInt64Number', R_WRITER],
  ['sizeUint64Number', R_WRITER],
  ['sizeInt64Big', R_WRITER],
  ['sizeUint64Big', R_WRITER],
  ['sizeSint64Number', R_WRITER],
  ['sizeSint64Big', R_WRITER],
  ['sizeFixed64Number', R_WRITER],
  ['sizeFixed64Big', R_WRITER],
  ['utf8Length', R_WRITER],
  ['EMPTY_BYTES', R_READER],
  ['floatToJson', R_JSON],
  ['bytesToJson', R_JSON],
  ['enumToJson', R_JSON],
  ['jsonFloat', R_JSON],
  ['jsonInt32', R_JSON],
  ['jsonUint32', R_JSON],
  ['jsonInt64Number', R_JSON],
  ['jsonInt64Big', R_JSON],
  ['jsonBool', R_JSON],
  ['jsonString', R_JSON],
  ['jsonBytes', R_JSON],
  ['jsonEnum', R_JSON],
  ['jsonArray', R_JSON],
  ['jsonObject', R_JSON],
]

function noteRuntime(ctx: Ctx, code: string): void {
  for (const [name, from] of RUNTIME_HELPERS) {
    if (new RegExp(`\\b${name}\\b`).test(code)) use(ctx, from, name)
  }
}

/** Elements of a field as the codec sees them. */
type Elem =
  | { kind: 'scalar'; scalar: ScalarType; info: ScalarInfo }
  | { kind: 'enum'; desc: DescEnum; info: ScalarInfo }
  | { kind: 'message'; desc: DescMessage }

function elemOf(field: DescField): Elem {
  switch (field.fieldKind) {
    case 'scalar':
      return { kind: 'scalar', scalar: field.scalar, info: scalarInfo(field.scalar, isJsNumber(field)) }
    case 'enum':
      return { kind: 'enum', desc: field.enum, info: scalarInfo(ScalarType.INT32, false) }
    case 'message':
      if (field.delimitedEncoding) throw new Error(`${field.toString()}: groups are not supported`)
      return { kind: 'message', desc: field.message }
    case 'list':
      if (field.listKind === 'scalar') {
        return { kind: 'scalar', scalar: field.scalar, info: scalarInfo(field.scalar, isJsNumber(field)) }
      }
      if (field.listKind === 'enum')
        return { kind: 'enum', desc: field.enum, info: scalarInfo(ScalarType.INT32, false) }
      if (field.delimitedEncoding) throw new Error(`${field.toString()}: groups are not supported`)
      return { kind: 'message', desc: field.message }
    case 'map':
      throw new Error(`${field.toString()}: map fields are not supported`)
  }
}

function elemTs(ctx: Ctx, e: Elem, init: boolean): string {
  if (e.kind === 'scalar') return e.info.ts
  if (e.kind === 'enum') return typeRef(ctx, e.desc)
  return typeRef(ctx, e.desc, init ? 'Init' : '')
}

function elemWire(e: Elem): WireType {
  return e.kind === 'message' ? 2 : e.info.wire
}

function fieldPath(field: DescField): string {
  return `'${field.parent.typeName}.${field.name}'`
}

function isExplicit(field: DescField): boolean {
  return field.fieldKind !== 'list' && field.presence === FeatureSet_FieldPresence.EXPLICIT
}

/** The write of a tag (1 byte or a varint). */
function writeTag(tag: number): string {
  return tag < 0x80 ? `w.byte(${tag})` : `w.uint32(${tag})`
}

/**
 * Size pass statements for one value `v` of element `e` with tag `tag`: adds to `n`, pushes
 * lengths onto `s`.
 */
function sizeValue(ctx: Ctx, e: Elem, v: string, tag: number, path: string): string {
  const t = varintSize(tag)
  if (e.kind === 'message') {
    const size = ref(ctx, e.desc, 'size')
    return `{ const i = s.length; s.push(0); const l = ${size}(${v}, s); s[i] = l; n += ${t} + sizeUint32(l) + l }`
  }
  if (e.kind === 'scalar' && e.scalar === ScalarType.STRING) {
    return `{ const l = utf8Length(${v}); s.push(l); n += ${t} + sizeUint32(l) + l }`
  }
  return `n += ${t} + ${e.info.size(v, path)}`
}

function writeValue(ctx: Ctx, e: Elem, v: string, tag: number): string {
  if (e.kind === 'message') {
    return `${writeTag(tag)}; w.uint32(w.nextSize()); ${ref(ctx, e.desc, 'write')}(${v}, w)`
  }
  return `${writeTag(tag)}; ${e.info.write(v)}`
}

function readValue(ctx: Ctx, e: Elem, path: string, into: string | undefined): string {
  if (e.kind === 'message') {
    return `${ref(ctx, e.desc, 'read')}(r, r.delimitedEnd()${into === undefined ? '' : `, ${into}`})`
  }
  if (e.kind === 'enum') return `(r.int32() as ${typeRef(ctx, e.desc)})`
  return e.info.read(path)
}

function toJsonValue(ctx: Ctx, e: Elem, v: string): string {
  if (e.kind === 'message') return `${ref(ctx, e.desc, 'toJson')}(${v})`
  if (e.kind === 'enum') return `enumToJson(${valueRef(ctx, e.desc, '_NAMES')}, ${v})`
  return e.info.toJson(v)
}

function fromJsonValue(ctx: Ctx, e: Elem, v: string, path: string): string {
  if (e.kind === 'message') return `${ref(ctx, e.desc, 'fromJson')}(${v})`
  if (e.kind === 'enum') return `jsonEnum(${v}, ${valueRef(ctx, e.desc)}, ${path}) as ${typeRef(ctx, e.desc)}`
  return e.info.fromJson(v, path)
}

function createValue(ctx: Ctx, e: Elem, v: string): string {
  return e.kind === 'message' ? `${ref(ctx, e.desc, 'create')}(${v})` : v
}

/** Whether a repeated field is packed on the wire. */
function isPacked(field: DescField): boolean {
  return field.fieldKind === 'list' && field.packed
}

function oneofCaseType(ctx: Ctx, oneof: DescOneof, init: boolean): string {
  return oneof.fields.map((f) => `{ case: '${f.localName}'; value: ${elemTs(ctx, elemOf(f), init)} }`).join(' | ')
}

function fieldTs(ctx: Ctx, field: DescField, init: boolean): string {
  const e = elemOf(field)
  const t = elemTs(ctx, e, init)
  if (field.fieldKind === 'list') return init ? `readonly ${t}[]` : `${t}[]`
  return t
}

/** Whether the decoded type has the field optional (`?:`). */
function isOptionalInDecoded(field: DescField): boolean {
  return field.fieldKind === 'message' || isExplicit(field)
}

function defaultOf(ctx: Ctx, field: DescField): string {
  if (field.fieldKind === 'list') return '[]'
  if (isOptionalInDecoded(field)) return 'undefined'
  const e = elemOf(field)
  if (e.kind === 'enum') return '0'
  if (e.kind === 'scalar') {
    noteRuntime(ctx, e.info.zero)
    return e.info.zero
  }
  return 'undefined'
}

function checkProto2Default(field: DescField): void {
  if (field.proto.defaultValue !== undefined && field.proto.defaultValue !== '') {
    throw new Error(`${field.toString()}: explicit default values are not supported`)
  }
}

function generateEnum(out: Out, e: DescEnum): void {
  const name = tsName(e)
  for (const l of docComment(commentOf(e) ?? `Enum \`${e.typeName}\`.`)) out.line(l)
  out.line(`export const ${name} = {`)
  for (const v of e.values) {
    for (const l of docComment(commentOf(v))) out.line(l)
    out.line(`${v.name}: ${v.number},`)
  }
  out.line('} as const')
  out.line(`export type ${name} = (typeof ${name})[keyof typeof ${name}]`)
  out.blank()
  out.line(`/** Names of the values of {@link ${name}}, by number (gateway JSON). */`)
  const seen = new Set<number>()
  const entries: string[] = []
  for (const v of e.values) {
    if (seen.has(v.number)) continue
    seen.add(v.number)
    entries.push(`${v.number}: '${v.name}'`)
  }
  out.line(`export const ${name}_NAMES: Readonly<Record<number, string>> = { ${entries.join(', ')} }`)
  out.blank()
}

/** Fields sorted by number, with each oneof either inline (switch) or split (if chain). */
type Step = { kind: 'field'; field: DescField } | { kind: 'oneof'; oneof: DescOneof }

function encodeSteps(m: DescMessage): Step[] {
  const sorted = [...m.fields].sort((a, b) => a.number - b.number)
  const steps: Step[] = []
  const emitted = new Set<DescOneof>()
  for (const f of sorted) {
    const o = f.oneof
    if (o === undefined) {
      steps.push({ kind: 'field', field: f })
      continue
    }
    // A oneof is written by one switch at its lowest member when no other field lies between its
    // lowest and highest member numbers (canonical order holds); otherwise member by member.
    const nums = o.fields.map((x) => x.number)
    const lo = Math.min(...nums)
    const hi = Math.max(...nums)
    const contiguous = !m.fields.some((x) => x.oneof !== o && x.number > lo && x.number < hi)
    if (contiguous) {
      if (!emitted.has(o)) {
        emitted.add(o)
        steps.push({ kind: 'oneof', oneof: o })
      }
    } else {
      steps.push({ kind: 'field', field: f })
    }
  }
  return steps
}

function generateMessage(ctx: Ctx, out: Out, m: DescMessage): void {
  const name = tsName(m)
  const typeName = m.typeName
  for (const f of m.fields) checkProto2Default(f)

  // ---- types
  const doc = commentOf(m) ?? `Message \`${typeName}\`.`
  for (const l of docComment(doc)) out.line(l)
  // An empty message is `Record<string, never>`: an empty interface would accept any value.
  const empty = m.members.length === 0
  if (empty) out.line(`export type ${name} = Record<string, never>`)
  else out.line(`export interface ${name} {`)
  for (const member of m.members) {
    if (member.kind === 'oneof') {
      for (const l of docComment(commentOf(member))) out.line(l)
      out.line(`${member.localName}?: ${oneofCaseType(ctx, member, false)}`)
    } else {
      for (const l of docComment(commentOf(member))) out.line(l)
      out.line(`${member.localName}${isOptionalInDecoded(member) ? '?' : ''}: ${fieldTs(ctx, member, false)}`)
    }
  }
  if (!empty) out.line('}')
  out.blank()
  out.line(
    `/** What {@link ${name}.encode} and {@link ${name}.create} accept: every field of {@link ${name}} optional. */`,
  )
  if (empty) out.line(`export type ${name}Init = Record<string, never>`)
  else out.line(`export interface ${name}Init {`)
  for (const member of m.members) {
    if (member.kind === 'oneof') {
      out.line(`${member.localName}?: ${oneofCaseType(ctx, member, true)}`)
    } else {
      out.line(`${member.localName}?: ${fieldTs(ctx, member, true)}`)
    }
  }
  if (!empty) out.line('}')
  out.blank()

  // ---- create
  out.line(`export function create${name}(init?: ${name}Init): ${name} {`)
  out.line('if (init === undefined) {')
  out.line('return {')
  for (const member of m.members) {
    if (member.kind === 'oneof') out.line(`${member.localName}: undefined,`)
    else out.line(`${member.localName}: ${defaultOf(ctx, member)},`)
  }
  out.line('}')
  out.line('}')
  out.line('return {')
  for (const member of m.members) {
    if (member.kind === 'oneof') {
      out.line(
        `${member.localName}: init.${member.localName} == null ? undefined : create${name}_${member.localName}(init.${member.localName}),`,
      )
      continue
    }
    const f = member
    const e = elemOf(f)
    const k = f.localName
    if (f.fieldKind === 'list') {
      out.line(
        e.kind === 'message'
          ? `${k}: init.${k} == null ? [] : init.${k}.map((x) => ${createValue(ctx, e, 'x')}),`
          : `${k}: init.${k} == null ? [] : init.${k}.slice(),`,
      )
    } else if (e.kind === 'message') {
      out.line(`${k}: init.${k} == null ? undefined : ${createValue(ctx, e, `init.${k}`)},`)
    } else if (isExplicit(f)) {
      out.line(`${k}: init.${k},`)
    } else {
      out.line(`${k}: init.${k} ?? ${defaultOf(ctx, f)},`)
    }
  }
  out.line('}')
  out.line('}')
  out.blank()
  for (const o of m.oneofs) {
    out.line(
      `function create${name}_${o.localName}(u: NonNullable<${name}Init['${o.localName}']>): NonNullable<${name}['${o.localName}']> {`,
    )
    out.line('switch (u.case) {')
    for (const f of o.fields) {
      const e = elemOf(f)
      out.line(`case '${f.localName}':`)
      out.line(`return { case: '${f.localName}', value: ${createValue(ctx, e, 'u.value')} }`)
    }
    out.line('}')
    out.line('}')
    out.blank()
  }

  // ---- size
  const steps = encodeSteps(m)
  const sizeBody: string[] = []
  const writeBody: string[] = []
  for (const step of steps) {
    if (step.kind === 'oneof') {
      const o = step.oneof
      sizeBody.push(`{ const u = m.${o.localName}`, 'if (u != null) { switch (u.case) {')
      writeBody.push(`{ const u = m.${o.localName}`, 'if (u != null) { switch (u.case) {')
      for (const f of [...o.fields].sort((a, b) => a.number - b.number)) {
        const e = elemOf(f)
        const tag = tagOf(f, elemWire(e))
        sizeBody.push(`case '${f.localName}': ${sizeValue(ctx, e, 'u.value', tag, fieldPath(f))}; break`)
        writeBody.push(`case '${f.localName}': ${writeValue(ctx, e, 'u.value', tag)}; break`)
      }
      sizeBody.push('} } }')
      writeBody.push('} } }')
      continue
    }
    const f = step.field
    const e = elemOf(f)
    const k = f.localName
    const path = fieldPath(f)
    if (f.oneof !== undefined) {
      const tag = tagOf(f, elemWire(e))
      const o = f.oneof.localName
      sizeBody.push(
        `{ const u = m.${o}; if (u != null && u.case === '${k}') { ${sizeValue(ctx, e, 'u.value', tag, path)} } }`,
      )
      writeBody.push(
        `{ const u = m.${o}; if (u != null && u.case === '${k}') { ${writeValue(ctx, e, 'u.value', tag)} } }`,
      )
      continue
    }
    if (f.fieldKind === 'list') {
      if (isPacked(f) && e.kind !== 'message') {
        const tag = tagOf(f, 2)
        const t = varintSize(tag)
        const elemSize = e.info.size('x', path)
        sizeBody.push(
          `{ const a = m.${k}; if (a != null && a.length > 0) { let p = 0; for (const x of a) p += ${elemSize}; s.push(p); n += ${t} + sizeUint32(p) + p } }`,
        )
        writeBody.push(
          `{ const a = m.${k}; if (a != null && a.length > 0) { ${writeTag(tag)}; w.uint32(w.nextSize()); for (const x of a) ${e.info.write('x')} } }`,
        )
      } else {
        const tag = tagOf(f, elemWire(e))
        sizeBody.push(`{ const a = m.${k}; if (a != null) for (const x of a) ${sizeValue(ctx, e, 'x', tag, path)} }`)
        writeBody.push(`{ const a = m.${k}; if (a != null) for (const x of a) { ${writeValue(ctx, e, 'x', tag)} } }`)
      }
      continue
    }
    const tag = tagOf(f, elemWire(e))
    let cond: string
    if (e.kind === 'message' || isExplicit(f)) cond = 'v != null'
    else if (e.kind === 'scalar' && e.scalar === ScalarType.BYTES) cond = 'v != null && v.length > 0'
    else cond = 'v'
    sizeBody.push(`{ const v = m.${k}; if (${cond}) { ${sizeValue(ctx, e, 'v', tag, path)} } }`)
    writeBody.push(`{ const v = m.${k}; if (${cond}) { ${writeValue(ctx, e, 'v', tag)} } }`)
  }
  const sizeCode = sizeBody.join('\n')
  const writeCode = writeBody.join('\n')
  noteRuntime(ctx, sizeCode)
  if (steps.length === 0) {
    out.line(`export function size${name}(_m: ${name}Init, _s: number[]): number {`)
    out.line('return 0')
    out.line('}')
    out.blank()
    out.line(`export function write${name}(_m: ${name}Init, _w: Writer): void {}`)
  } else {
    const usesS = /\bs\.push|\bs\[|, s\)/.test(sizeCode)
    out.line(`export function size${name}(m: ${name}Init, ${usesS ? 's' : '_s'}: number[]): number {`)
    out.line('let n = 0')
    out.line(sizeCode)
    out.line('return n')
    out.line('}')
    out.blank()
    out.line(`export function write${name}(m: ${name}Init, w: Writer): void {`)
    out.line(writeCode)
    out.line('}')
  }
  out.blank()

  // ---- read
  const cases: string[] = []
  for (const f of [...m.fields].sort((a, b) => a.number - b.number)) {
    const e = elemOf(f)
    const k = f.localName
    const path = fieldPath(f)
    if (f.oneof !== undefined) {
      const o = f.oneof.localName
      const tag = tagOf(f, elemWire(e))
      if (e.kind === 'message') {
        cases.push(
          `case ${tag}: { const p = m.${o}; m.${o} = { case: '${k}', value: ${readValue(ctx, e, path, `p != null && p.case === '${k}' ? p.value : undefined`)} }; break }`,
        )
      } else {
        cases.push(`case ${tag}: m.${o} = { case: '${k}', value: ${readValue(ctx, e, path, undefined)} }; break`)
      }
      continue
    }
    if (f.fieldKind === 'list') {
      if (e.kind === 'message') {
        cases.push(`case ${tagOf(f, 2)}: m.${k}.push(${readValue(ctx, e, path, undefined)}); break`)
      } else {
        const wire = e.info.wire
        const single = `case ${tagOf(f, wire)}: m.${k}.push(${readValue(ctx, e, path, undefined)}); break`
        cases.push(single)
        if (wire !== 2) {
          cases.push(
            `case ${tagOf(f, 2)}: { const end = r.delimitedEnd(); while (r.pos < end) m.${k}.push(${readValue(ctx, e, path, undefined)}); r.checkEnd(end, ${path}); break }`,
          )
        }
      }
      continue
    }
    const tag = tagOf(f, elemWire(e))
    if (e.kind === 'message') {
      cases.push(`case ${tag}: m.${k} = ${readValue(ctx, e, path, `m.${k}`)}; break`)
    } else {
      cases.push(`case ${tag}: m.${k} = ${readValue(ctx, e, path, undefined)}; break`)
    }
  }
  const readCode = cases.join('\n')
  noteRuntime(ctx, readCode)
  out.line(`export function read${name}(r: Reader, end: number, into?: ${name}): ${name} {`)
  if (cases.length === 0) {
    out.line(`const m = into ?? create${name}()`)
    out.line('while (r.pos < end) r.skip(r.uint32())')
  } else {
    out.line(`const m = into ?? create${name}()`)
    out.line('while (r.pos < end) {')
    out.line('const tag = r.uint32()')
    out.line('switch (tag) {')
    out.line(readCode)
    out.line('default: r.skip(tag)')
    out.line('}')
    out.line('}')
  }
  out.line(`r.checkEnd(end, '${typeName}')`)
  out.line('return m')
  out.line('}')
  out.blank()

  // ---- encode / decode
  out.line(`export function encode${name}(m: ${name}Init): Uint8Array {`)
  out.line('const s = sizesScratch()')
  out.line(`const w = writerFor(size${name}(m, s), s)`)
  out.line(`write${name}(m, w)`)
  out.line(`return finish(w, '${typeName}')`)
  out.line('}')
  out.blank()
  out.line(`export function encodedLength${name}(m: ${name}Init): number {`)
  out.line(`return size${name}(m, sizesScratch())`)
  out.line('}')
  out.blank()
  out.line(`export function decode${name}(bytes: Uint8Array): ${name} {`)
  out.line('const r = new Reader(bytes)')
  out.line(`return read${name}(r, r.end)`)
  out.line('}')
  out.blank()

  // ---- JSON
  const toJson: string[] = []
  for (const member of m.members) {
    if (member.kind === 'oneof') {
      toJson.push(`{ const u = m.${member.localName}; if (u != null) { switch (u.case) {`)
      for (const f of member.fields) {
        const e = elemOf(f)
        toJson.push(`case '${f.localName}': j.${f.name} = ${toJsonValue(ctx, e, 'u.value')}; break`)
      }
      toJson.push('} } }')
      continue
    }
    const f = member
    const e = elemOf(f)
    const k = f.localName
    if (f.fieldKind === 'list') {
      toJson.push(
        `{ const a = m.${k}; if (a != null && a.length > 0) j.${f.name} = a.map((x) => ${toJsonValue(ctx, e, 'x')}) }`,
      )
      continue
    }
    let cond: string
    if (e.kind === 'message' || isExplicit(f)) cond = 'v != null'
    else if (e.kind === 'scalar' && e.scalar === ScalarType.BYTES) cond = 'v != null && v.length > 0'
    else cond = 'v'
    toJson.push(`{ const v = m.${k}; if (${cond}) j.${f.name} = ${toJsonValue(ctx, e, 'v')} }`)
  }
  const toJsonCode = toJson.join('\n')
  noteRuntime(ctx, toJsonCode)
  use(ctx, R_JSON, 'JsonObject', true)
  out.line(`export function toJson${name}(${toJson.length === 0 ? '_m' : 'm'}: ${name}Init): JsonObject {`)
  out.line(toJson.length === 0 ? 'return {}' : `const j: JsonObject = {}\n${toJsonCode}\nreturn j`)
  out.line('}')
  out.blank()

  const fromCases: string[] = []
  for (const f of m.fields) {
    const e = elemOf(f)
    const k = f.localName
    const path = fieldPath(f)
    const names = [...new Set([f.name, f.jsonName, k])]
    const labels = names.map((n) => `case '${n}':`).join(' ')
    if (f.oneof !== undefined) {
      fromCases.push(
        `${labels} m.${f.oneof.localName} = { case: '${k}', value: ${fromJsonValue(ctx, e, 'v', path)} }; break`,
      )
    } else if (f.fieldKind === 'list') {
      fromCases.push(`${labels} m.${k} = jsonArray(v, ${path}).map((x) => ${fromJsonValue(ctx, e, 'x', path)}); break`)
    } else {
      fromCases.push(`${labels} m.${k} = ${fromJsonValue(ctx, e, 'v', path)}; break`)
    }
  }
  const fromCode = fromCases.join('\n')
  noteRuntime(ctx, fromCode)
  use(ctx, R_JSON, 'jsonObject')
  out.line(`export function fromJson${name}(json: unknown): ${name} {`)
  if (fromCases.length === 0) {
    out.line(`jsonObject(json, '${typeName}')`)
    out.line(`return create${name}()`)
  } else {
    out.line(`const o = jsonObject(json, '${typeName}')`)
    out.line(`const m = create${name}()`)
    out.line('for (const [k, v] of Object.entries(o)) {')
    out.line('if (v == null) continue')
    out.line('switch (k) {')
    out.line(fromCode)
    out.line('}')
    out.line('}')
    out.line('return m')
  }
  out.line('}')
  out.blank()

  // ---- the codec constant
  use(ctx, R_TYPE, 'MessageType', true)
  out.line(`/** The codec of \`${typeName}\`. */`)
  out.line(`export const ${name}: MessageType<${name}, ${name}Init> = {`)
  out.line(`typeName: '${typeName}',`)
  out.line(`encode: encode${name},`)
  out.line(`encodedLength: encodedLength${name},`)
  out.line(`decode: decode${name},`)
  out.line(`create: create${name},`)
  out.line(`toJson: toJson${name},`)
  out.line(`fromJson: fromJson${name},`)
  out.line('}')
  out.blank()
}

const HANDLER_TYPES = {
  unary: 'handleUnaryCall',
  server_streaming: 'handleServerStreamingCall',
  client_streaming: 'handleClientStreamingCall',
  bidi_streaming: 'handleBidiStreamingCall',
} as const

const CLIENT_METHOD_TYPES = {
  unary: 'UnaryClientMethod',
  server_streaming: 'ServerStreamingClientMethod',
  client_streaming: 'ClientStreamingClientMethod',
  bidi_streaming: 'BidiStreamingClientMethod',
} as const

function generateService(ctx: Ctx, out: Out, s: DescService, serializers: Map<string, DescMessage>): void {
  ctx.usesGrpc = true
  const name = s.name
  const full = s.typeName
  for (const m of s.methods) {
    serializers.set(m.input.typeName, m.input)
    serializers.set(m.output.typeName, m.output)
  }
  // One doc comment: the service's own comment, if any, then how to use the interface.
  const summary = commentOf(s)?.trim()
  const usage =
    `Server-side implementation of \`${full}\` for \`server.addService(${name}Service, handlers)\`:\n` +
    'requests arrive decoded, responses may be given as init objects.'
  for (const l of docComment(summary === undefined || summary === '' ? usage : `${summary}\n\n${usage}`)) out.line(l)
  out.line(`export interface ${name}Handlers extends grpc.UntypedServiceImplementation {`)
  for (const m of s.methods) {
    for (const l of docComment(commentOf(m))) out.line(l)
    out.line(
      `${m.name}: grpc.${HANDLER_TYPES[m.methodKind]}<${typeRef(ctx, m.input)}, ${typeRef(ctx, m.output, 'Init')}>`,
    )
  }
  out.line('}')
  out.blank()
  use(ctx, R_GRPC, 'TypedMethodDefinition', true)
  out.line(`/** The \`${full}\` service for @grpc/grpc-js: method paths, streaming flags, codecs. */`)
  out.line(`export const ${name}Service: {`)
  for (const m of s.methods) {
    out.line(
      `readonly ${m.name}: TypedMethodDefinition<${typeRef(ctx, m.input)}, ${typeRef(ctx, m.input, 'Init')}, ${typeRef(ctx, m.output)}, ${typeRef(ctx, m.output, 'Init')}>`,
    )
  }
  out.line('} = {')
  for (const m of s.methods) {
    const inName = `${moduleName(m.input.file.proto.package)}_${tsName(m.input)}`
    const outName = `${moduleName(m.output.file.proto.package)}_${tsName(m.output)}`
    out.line(`${m.name}: {`)
    out.line(`path: '/${full}/${m.name}',`)
    out.line(`requestStream: ${m.methodKind === 'client_streaming' || m.methodKind === 'bidi_streaming'},`)
    out.line(`responseStream: ${m.methodKind === 'server_streaming' || m.methodKind === 'bidi_streaming'},`)
    out.line(`requestSerialize: serialize_${inName},`)
    out.line(`requestDeserialize: deserialize_${inName},`)
    out.line(`responseSerialize: serialize_${outName},`)
    out.line(`responseDeserialize: deserialize_${outName},`)
    out.line('},')
  }
  out.line('}')
  out.blank()
  out.line(`/** A grpc-js client of \`${full}\`: \`new ${name}Client(address, credentials, options?)\`. */`)
  out.line(`export interface ${name}Client extends grpc.Client {`)
  for (const m of s.methods) {
    for (const l of docComment(commentOf(m))) out.line(l)
    use(ctx, R_GRPC, CLIENT_METHOD_TYPES[m.methodKind], true)
    out.line(
      `${m.name}: ${CLIENT_METHOD_TYPES[m.methodKind]}<${typeRef(ctx, m.input, 'Init')}, ${typeRef(ctx, m.output)}>`,
    )
  }
  out.line('}')
  out.blank()
  use(ctx, R_GRPC, 'ServiceClientConstructor', true)
  out.line(`/** The client class of \`${full}\` (grpc-js \`makeGenericClientConstructor\`). */`)
  out.line(
    `export const ${name}Client = grpc.makeGenericClientConstructor(${name}Service, '${name}') as unknown as ServiceClientConstructor<${name}Client>`,
  )
  out.blank()
}

function generateSerializers(ctx: Ctx, out: Out, serializers: Map<string, DescMessage>): void {
  use(ctx, R_GRPC, 'toBuffer')
  for (const m of [...serializers.values()].sort((a, b) => a.typeName.localeCompare(b.typeName))) {
    const n = `${moduleName(m.file.proto.package)}_${tsName(m)}`
    out.line(`function serialize_${n}(value: ${typeRef(ctx, m, 'Init')}): Buffer {`)
    out.line(`return toBuffer(${ref(ctx, m, 'encode')}(value))`)
    out.line('}')
    out.blank()
    out.line(`function deserialize_${n}(bytes: Buffer): ${typeRef(ctx, m)} {`)
    out.line(`return ${ref(ctx, m, 'decode')}(bytes)`)
    out.line('}')
    out.blank()
  }
}

function allMessages(file: DescFile): DescMessage[] {
  const out: DescMessage[] = []
  const visit = (m: DescMessage) => {
    out.push(m)
    for (const n of m.nestedMessages) visit(n)
  }
  for (const m of file.messages) visit(m)
  return out
}

function allEnums(file: DescFile): DescEnum[] {
  const out: DescEnum[] = [...file.enums]
  const visit = (m: DescMessage) => {
    out.push(...m.nestedEnums)
    for (const n of m.nestedMessages) visit(n)
  }
  for (const m of file.messages) visit(m)
  return out
}

function importLines(ctx: Ctx): string[] {
  const lines: string[] = []
  if (ctx.usesGrpc) lines.push("import * as grpc from '@grpc/grpc-js'")
  for (const [from, names] of ctx.runtime) lines.push(`import { ${[...names].sort().join(', ')} } from '${from}'`)
  for (const [from, names] of ctx.runtimeTypes) {
    lines.push(`import type { ${[...names].sort().join(', ')} } from '${from}'`)
  }
  for (const [mod, names] of ctx.imports) lines.push(`import { ${[...names].sort().join(', ')} } from './${mod}_pb.js'`)
  for (const [mod, names] of ctx.typeImports) {
    const values = ctx.imports.get(mod)
    const only = [...names].filter((n) => values === undefined || !values.has(n))
    if (only.length > 0) lines.push(`import type { ${only.sort().join(', ')} } from './${mod}_pb.js'`)
  }
  return lines
}

function header(files: DescFile[]): string[] {
  return [
    `// Code generated by ${PLUGIN_NAME} from ${files.map((f) => `${f.name}.proto`).join(', ')}. DO NOT EDIT.`,
    '// Regenerate with `pnpm run generate` in packages/api; test/generated.test.ts fails when this file differs.',
  ]
}

function generatePackage(schema: Schema, pkg: string, files: DescFile[]): void {
  const mod = moduleName(pkg)
  const ctx: Ctx = {
    mod,
    pkg,
    runtime: new Map(),
    runtimeTypes: new Map(),
    imports: new Map(),
    typeImports: new Map(),
    usesGrpc: false,
  }
  const body = new Out()
  const publicValues: string[] = []
  const publicTypes: string[] = []
  const serializers = new Map<string, DescMessage>()
  use(ctx, R_READER, 'Reader')
  use(ctx, R_WRITER, 'Writer', true)
  use(ctx, R_WRITER, 'sizesScratch')
  use(ctx, R_WRITER, 'writerFor')
  use(ctx, R_WRITER, 'finish')
  for (const file of files) {
    for (const e of allEnums(file)) {
      generateEnum(body, e)
      publicValues.push(tsName(e))
    }
  }
  for (const file of files) {
    for (const m of allMessages(file)) {
      generateMessage(ctx, body, m)
      publicValues.push(tsName(m))
      publicTypes.push(`${tsName(m)}Init`)
    }
  }
  for (const file of files) {
    for (const s of file.services) {
      generateService(ctx, body, s, serializers)
      publicValues.push(`${s.name}Service`, `${s.name}Client`)
      publicTypes.push(`${s.name}Handlers`)
    }
  }
  if (serializers.size > 0) generateSerializers(ctx, body, serializers)

  const impl = [...header(files), '', ...importLines(ctx), '', body.toString()].join('\n')
  const implName = `${mod}_pb.ts`
  schema.generateFile(implName).print(format(implName, impl).replace(/\n$/, ''))

  const pub = [
    ...header(files),
    '',
    `/** The \`${pkg}\` protobuf package: message codecs and types${publicTypes.some((t) => t.endsWith('Handlers')) ? ', gRPC services' : ''}. */`,
    '',
    `export { ${publicValues.sort().join(', ')} } from './${mod}_pb.js'`,
    `export type { ${publicTypes.sort().join(', ')} } from './${mod}_pb.js'`,
    '',
  ].join('\n')
  const pubName = `${mod}.ts`
  schema.generateFile(pubName).print(format(pubName, pub).replace(/\n$/, ''))
}

/** Formats (and lint-fixes) generated TypeScript with the repository's Biome configuration. */
function format(name: string, code: string): string {
  const require = createRequire(import.meta.url)
  const biome = require.resolve('@biomejs/biome/bin/biome')
  const result = spawnSync(process.execPath, [biome, 'check', '--write', `--stdin-file-path=src/gen/${name}`], {
    cwd: PACKAGE_DIR,
    input: code,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.status !== 0) {
    throw new Error(`biome check failed on generated ${name}:\n${result.stderr}\n${result.stdout.slice(0, 2000)}`)
  }
  return result.stdout
}

function generateTs(schema: Schema): void {
  const byPackage = new Map<string, DescFile[]>()
  for (const file of schema.files) {
    const pkg = file.proto.package
    const list = byPackage.get(pkg) ?? []
    list.push(file)
    byPackage.set(pkg, list)
  }
  for (const [pkg, files] of [...byPackage].sort(([a], [b]) => a.localeCompare(b))) {
    generatePackage(
      schema,
      pkg,
      files.sort((a, b) => a.name.localeCompare(b.name)),
    )
  }
}

export const protocGenEtcdTs = createEcmaScriptPlugin({
  name: PLUGIN_NAME,
  version: `v${PLUGIN_VERSION}`,
  generateTs,
})

runNodeJs(protocGenEtcdTs)
