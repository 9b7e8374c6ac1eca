import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { findBinary, freePort, makeTempDir, removeDir, spawnTracked } from '@etcd-ts/test-support'

describe('test-support', () => {
  it('picks free ports on 127.0.0.1', async () => {
    const port = await freePort()
    assert.ok(port > 0 && port < 65536)
  })

  it('makes and removes temp dirs', async () => {
    const dir = await makeTempDir()
    await removeDir(dir)
    await removeDir(dir)
  })

  it('stops a spawned process by PID, escalating to SIGKILL', async () => {
    // A process that ignores SIGTERM.
    const child = spawnTracked(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"])
    assert.ok(child.pid > 0)
    await child.stop(200)
    assert.throws(() => process.kill(child.pid, 0), { code: 'ESRCH' })
    await child.stop()
  })

  it('finds binaries through the environment override', () => {
    const previous = process.env.ETCD_BIN
    process.env.ETCD_BIN = '/custom/etcd'
    try {
      assert.equal(findBinary('etcd'), '/custom/etcd')
    } finally {
      if (previous === undefined) delete process.env.ETCD_BIN
      else process.env.ETCD_BIN = previous
    }
  })
})
