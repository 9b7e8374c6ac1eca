// Our .proto files against etcd's, loaded in place from ../shared/reference/etcd-proto: every
// message, enum and service of etcd (main and 3.4.23) must exist in ours with the same package,
// names, field numbers, types, labels, oneofs, enum values and rpc signatures; everything we
// declare beyond that must come from one of the two versions.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type protobuf from 'protobufjs'
import { collect, haveReference, loadOurs, loadReference, type ReferenceVersion } from './protos.js'

/** etcd's messages, enums and services (not the google.* ones its imports bring in). */
function etcdOnly(root: protobuf.Root): ReturnType<typeof collect> {
  const all = collect(root)
  const keep = <T>(m: Map<string, T>) => new Map([...m].filter(([name]) => !name.startsWith('google.')))
  return { types: keep(all.types), enums: keep(all.enums), services: keep(all.services) }
}

function fieldType(f: protobuf.Field): string {
  return f.resolvedType ? f.resolvedType.fullName : f.type
}

function describeField(f: protobuf.Field): Record<string, unknown> {
  return {
    id: f.id,
    type: fieldType(f),
    repeated: f.repeated,
    map: f.map,
    rule: f.rule ?? 'singular',
    packed: f.repeated ? f.packed : undefined,
    oneof: f.partOf?.name,
  }
}

function describeMethod(m: protobuf.Method): Record<string, unknown> {
  return {
    requestType: m.resolvedRequestType?.fullName,
    responseType: m.resolvedResponseType?.fullName,
    requestStream: m.requestStream ?? false,
    responseStream: m.responseStream ?? false,
  }
}

const VERSIONS: ReferenceVersion[] = ['main', 'v3.4.23']

describe('proto contract (etcd reference protos in place)', () => {
  const ours = collect(loadOurs())

  for (const version of VERSIONS) {
    it(`declares every message of etcd ${version} with the same fields`, (t) => {
      if (!haveReference(t)) return
      const ref = etcdOnly(loadReference(version))
      assert.ok(ref.types.size > 100, `expected the reference to have many messages, found ${ref.types.size}`)
      for (const [name, type] of ref.types) {
        const mine = ours.types.get(name)
        assert.ok(mine, `message ${name} (etcd ${version}) is missing`)
        for (const f of type.fieldsArray) {
          const m: protobuf.Field | undefined = mine.fields[f.name]
          assert.ok(m, `field ${name}.${f.name} (etcd ${version}) is missing`)
          assert.deepEqual(describeField(m), describeField(f), `field ${name}.${f.name} differs from etcd ${version}`)
        }
        for (const o of type.oneofsArray) {
          const mo: protobuf.OneOf | undefined = mine.oneofs?.[o.name]
          assert.ok(mo, `oneof ${name}.${o.name} (etcd ${version}) is missing`)
          assert.deepEqual([...mo.oneof].sort(), [...o.oneof].sort(), `oneof ${name}.${o.name} members differ`)
        }
      }
    })

    it(`declares every enum of etcd ${version} with the same values`, (t) => {
      if (!haveReference(t)) return
      const ref = etcdOnly(loadReference(version))
      for (const [name, e] of ref.enums) {
        const mine = ours.enums.get(name)
        assert.ok(mine, `enum ${name} (etcd ${version}) is missing`)
        assert.deepEqual({ ...mine.values }, { ...e.values }, `enum ${name} differs from etcd ${version}`)
      }
    })

    it(`declares every service of etcd ${version} with the same methods`, (t) => {
      if (!haveReference(t)) return
      const ref = etcdOnly(loadReference(version))
      assert.ok(ref.services.size === 8, `expected 8 services, found ${ref.services.size}`)
      for (const [name, s] of ref.services) {
        const mine = ours.services.get(name)
        assert.ok(mine, `service ${name} (etcd ${version}) is missing`)
        for (const m of s.methodsArray) {
          const mm: protobuf.Method | undefined = mine.methods[m.name]
          assert.ok(mm, `rpc ${name}.${m.name} (etcd ${version}) is missing`)
          assert.deepEqual(describeMethod(mm), describeMethod(m), `rpc ${name}.${m.name} differs from etcd ${version}`)
        }
      }
    })
  }

  it('declares nothing that neither etcd main nor 3.4.23 has (except grpc.health.v1)', (t) => {
    if (!haveReference(t)) return
    const refs = VERSIONS.map((v) => etcdOnly(loadReference(v)))
    for (const [name, type] of ours.types) {
      if (name.startsWith('grpc.health.v1.')) continue
      const inRef = refs.map((r) => r.types.get(name)).filter((x): x is protobuf.Type => x !== undefined)
      assert.ok(inRef.length > 0, `message ${name} is not in etcd main or 3.4.23`)
      for (const f of type.fieldsArray) {
        assert.ok(
          inRef.some((r) => r.fields[f.name] !== undefined),
          `field ${name}.${f.name} is not in etcd main or 3.4.23`,
        )
      }
    }
    for (const [name, e] of ours.enums) {
      if (name.startsWith('grpc.health.v1.')) continue
      assert.ok(
        refs.some((r) => r.enums.has(name)),
        `enum ${name} (${Object.keys(e.values).join(', ')}) is not in etcd`,
      )
    }
    for (const [name, s] of ours.services) {
      if (name.startsWith('grpc.health.v1.')) continue
      for (const m of s.methodsArray) {
        assert.ok(
          refs.some((r) => r.services.get(name)?.methods[m.name] !== undefined),
          `rpc ${name}.${m.name} is not in etcd main or 3.4.23`,
        )
      }
    }
  })

  it('has the 3.4 method counts plus the three later methods', () => {
    const count = (s: string) => ours.services.get(s)?.methodsArray.length
    assert.deepEqual(
      {
        KV: count('etcdserverpb.KV'),
        Watch: count('etcdserverpb.Watch'),
        Lease: count('etcdserverpb.Lease'),
        Cluster: count('etcdserverpb.Cluster'),
        Maintenance: count('etcdserverpb.Maintenance'),
        Auth: count('etcdserverpb.Auth'),
        Lock: count('v3lockpb.Lock'),
        Election: count('v3electionpb.Election'),
        Health: count('grpc.health.v1.Health'),
      },
      // 3.4: 5, 1, 5, 5, 7, 16, 2, 5 (46); + KV.RangeStream, Maintenance.Downgrade, Auth.AuthStatus
      { KV: 6, Watch: 1, Lease: 5, Cluster: 5, Maintenance: 8, Auth: 17, Lock: 2, Election: 5, Health: 2 },
    )
  })
})
