import * as grpc from '@grpc/grpc-js'
import { KVClient, LeaseClient, MaintenanceClient, WatchClient } from '@etcd-ts/api'
import { startMember, b } from './harness.js'
import { removeDir } from '@etcd-ts/test-support'

function norm(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => {
    if (typeof x === 'bigint') return (k === 'clusterId' || k === 'memberId') ? 'ID' : x.toString()
    if (x && x.type === 'Buffer') return Buffer.from(x.data).toString('latin1')
    return x
  }))
}
function u<T>(c: any, m: string, r: unknown): Promise<T> {
  return new Promise((res) => c[m](r, { deadline: Date.now() + 5000 }, (e: any, x: T) => res(e ? { code: e.code, details: e.details } as T : x)))
}
async function run(addr: string) {
  const cr = grpc.credentials.createInsecure()
  const kv = new KVClient(addr, cr)
  const out: unknown[] = []
  const log = (label: string, x: unknown) => out.push([label, norm(x)])
  const steps = (process.env.STEPS ?? '')
  const scriptMod = await import(process.env.SCRIPT as string)
  await scriptMod.default({ kv, lease: new LeaseClient(addr, cr), maint: new MaintenanceClient(addr, cr), watch: new WatchClient(addr, cr), u, log, b })
  kv.close()
  return out
}
if (process.env.REAL) {
  console.log(JSON.stringify(await run('127.0.0.1:23791'), null, 1))
} else {
  const m = await startMember({ config: { maxTxnOps: 4, maxRequestBytes: 4096, watchProgressNotifyIntervalMs: 1000 } })
  try { console.log(JSON.stringify(await run(m.address), null, 1)) } finally { await m.close(); await removeDir(m.dataDir) }
}
