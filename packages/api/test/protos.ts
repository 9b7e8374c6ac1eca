// Test helper: loads etcd's reference .proto files (in place, never copied) and ours with
// protobufjs, so tests can compare the contracts and cross-check our codecs against an
// independent protobuf implementation.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

const here = dirname(fileURLToPath(import.meta.url))
/** packages/api */
export const PACKAGE_DIR = resolve(here, '..')
/** Our protos. */
export const PROTO_DIR = join(PACKAGE_DIR, 'proto')
/** The repository root (packages/api/../..). */
const REPO_DIR = resolve(PACKAGE_DIR, '../..')
/** etcd's protos: `$ETCD_PROTO_DIR`, else `../shared/reference/etcd-proto` next to the repository. */
export const REFERENCE_DIR = process.env.ETCD_PROTO_DIR ?? resolve(REPO_DIR, '../shared/reference/etcd-proto')

const protobufjsDir = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'))

/** Reference files per etcd version, relative to the version's root (the `etcd/` of imports). */
export const REFERENCE_FILES = {
  main: [
    'api/mvccpb/kv.proto',
    'api/authpb/auth.proto',
    'api/membershippb/membership.proto',
    'api/etcdserverpb/etcdserver.proto',
    'api/etcdserverpb/rpc.proto',
    'api/etcdserverpb/raft_internal.proto',
    'server/lease/leasepb/lease.proto',
    'server/etcdserver/api/v3lock/v3lockpb/v3lock.proto',
    'server/etcdserver/api/v3election/v3electionpb/v3election.proto',
  ],
  'v3.4.23': [
    'mvcc/mvccpb/kv.proto',
    'auth/authpb/auth.proto',
    'etcdserver/etcdserverpb/etcdserver.proto',
    'etcdserver/etcdserverpb/rpc.proto',
    'etcdserver/etcdserverpb/raft_internal.proto',
    'lease/leasepb/lease.proto',
    'etcdserver/api/v3lock/v3lockpb/v3lock.proto',
    'etcdserver/api/v3election/v3electionpb/v3election.proto',
  ],
} as const
export type ReferenceVersion = keyof typeof REFERENCE_FILES

export const OUR_FILES = [
  'mvccpb/kv.proto',
  'authpb/auth.proto',
  'membershippb/membership.proto',
  'etcdserverpb/etcdserver.proto',
  'etcdserverpb/rpc.proto',
  'etcdserverpb/raft_internal.proto',
  'leasepb/lease.proto',
  'v3lockpb/v3lock.proto',
  'v3electionpb/v3election.proto',
  'grpc/health/v1/health.proto',
] as const

/**
 * Whether the reference protos are there. When they are not, a test calling this is skipped
 * with a message, except under `CI=true`, where it fails: CI must check the contract.
 */
export function haveReference(t: TestContext): boolean {
  if (existsSync(join(REFERENCE_DIR, 'api/etcdserverpb/rpc.proto'))) return true
  const message = `etcd reference protos not found at ${REFERENCE_DIR} (set ETCD_PROTO_DIR)`
  if (process.env.CI === 'true') throw new Error(message)
  console.warn(`SKIPPED: ${message}`)
  t.skip(message)
  return false
}

/**
 * etcd's protos of one version, parsed by protobufjs with proto field names (`keepCase`).
 * Imports resolve the way etcd's build does: `etcd/...` from the version's root, sibling
 * imports (`rpc.proto`) from the importing folder, `google/...` from the protobufjs package;
 * `gogoproto/gogo.proto` and the openapiv2 annotations are stubbed out (options only, no wire
 * effect; protobufjs keeps unresolved custom options as opaque data).
 */
export function loadReference(version: ReferenceVersion): protobuf.Root {
  const base = version === 'main' ? REFERENCE_DIR : join(REFERENCE_DIR, version)
  const root = new protobuf.Root()
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target)) return target
    if (target.startsWith('gogoproto/') || target.startsWith('protoc-gen-openapiv2/')) return null
    if (target.startsWith('etcd/')) return join(base, target.slice('etcd/'.length))
    if (target.startsWith('google/')) return join(protobufjsDir, target)
    const sibling = join(dirname(origin), target)
    if (existsSync(sibling)) return sibling
    return join(base, target)
  }
  root.loadSync(
    REFERENCE_FILES[version].map((f) => join(base, f)),
    { keepCase: true },
  )
  root.resolveAll()
  return root
}

/** Our protos, parsed by protobufjs with proto field names. */
export function loadOurs(): protobuf.Root {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(PROTO_DIR, target))
  root.loadSync(
    OUR_FILES.map((f) => join(PROTO_DIR, f)),
    { keepCase: true },
  )
  root.resolveAll()
  return root
}

/** Every message type, enum and service under a namespace, by full name (without the leading dot). */
export function collect(ns: protobuf.NamespaceBase): {
  types: Map<string, protobuf.Type>
  enums: Map<string, protobuf.Enum>
  services: Map<string, protobuf.Service>
} {
  const types = new Map<string, protobuf.Type>()
  const enums = new Map<string, protobuf.Enum>()
  const services = new Map<string, protobuf.Service>()
  const visit = (n: protobuf.ReflectionObject) => {
    const name = n.fullName.replace(/^\./, '')
    if (n instanceof protobuf.Type) types.set(name, n)
    else if (n instanceof protobuf.Enum) enums.set(name, n)
    else if (n instanceof protobuf.Service) services.set(name, n)
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type || n instanceof protobuf.Service) {
      for (const child of (n as protobuf.Namespace).nestedArray) visit(child)
    }
  }
  for (const child of ns.nestedArray) visit(child)
  return { types, enums, services }
}

/** protobuf-es's `localName` of a field: lowerCamelCase, keeping other capitals (`ID`, `remaining_TTL` → `remainingTTL`). */
export function localName(protoName: string): string {
  let out = ''
  let upper = false
  for (const c of protoName) {
    if (c === '_') {
      upper = true
      continue
    }
    out += upper ? c.toUpperCase() : c
    upper = false
  }
  return out
}

/** Whether a field has `[jstype = JS_NUMBER]` (a 64-bit counter typed `number`). */
export function isJsNumber(field: protobuf.Field): boolean {
  return field.options?.jstype === 'JS_NUMBER'
}
