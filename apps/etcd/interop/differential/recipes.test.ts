// `etcdctl lock` and `etcdctl elect`: client-side recipes (clientv3 `concurrency`) over KV, Lease
// and Watch, so they check how those RPCs compose: session leases, create-revision compares in
// txns, waiting on the previous holder's key with a watch. Keys are `<name>/<lease hex>`: the
// lease part is normalized in what lock and elect print; other commands here print no such key
// (values, counts and revisions only). A waiter gets 500 ms to queue before the holder goes.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { background, collect, pause, run, waitFor } from './steps.js'

const available = binariesAvailable()

describe('differential: etcdctl lock and elect', { skip: !available }, () => {
  it('lock: with a command, held, queued behind a holder', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('lock', [
      run('put other 1'),
      run(['lock', 'mylock', '--', 'sh', '-c', 'echo "key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV"'], {
        expect: { exitCode: 0, stdout: /key=mylock\/[0-9a-f]+ rev=3/ },
      }),
      run('get mylock --prefix -w json'), // released
      run('get other -w json'),
      background('holder', 'lock mylock --ttl=30'),
      waitFor('holder', 1),
      run('get mylock --prefix --print-value-only'),
      background('waiter', ['lock', 'mylock', '--', 'sh', '-c', 'echo "waited rev=$ETCD_LOCK_REV"']),
      pause(500),
      run('get mylock --prefix --print-value-only'),
      collect('holder', { lines: 1 }), // stopping the holder releases the lock
      collect('waiter', { exit: true, timeoutMs: 10_000 }),
      run('get mylock --prefix -w json'),
      run('get other -w json'),
    ]),
  )

  it('elect: campaign, observe, proclaim order, resign', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('elect', [
      background('leader', 'elect myelection first'),
      waitFor('leader', 2),
      background('follower', 'elect myelection second'),
      background('observer', 'elect -l myelection'),
      waitFor('observer', 2),
      pause(500),
      run('get myelection --prefix --print-value-only'),
      collect('leader', { lines: 2 }), // stopping the leader resigns
      waitFor('follower', 2),
      collect('observer', { lines: 4 }),
      collect('follower', { lines: 2 }),
      run('get myelection --prefix -w json'),
      run('put other 1 -w json'), // the revision all that took
      run('elect'),
    ]),
  )
})
