import { startMember, call, b, WatchSession } from './harness.js'
import { removeDir } from '@etcd-ts/test-support'
const m = await startMember()
try {
  const w = new WatchSession(m)
  w.send({ requestUnion: { case: 'createRequest', value: { key: b('pr/a') } } })
  console.log(await w.next())
  const t0 = Date.now()
  w.send({ requestUnion: { case: 'progressRequest', value: {} } })
  console.log(await w.next(), Date.now() - t0)
  w.close()
} finally { await m.close(); await removeDir(m.dataDir) }
