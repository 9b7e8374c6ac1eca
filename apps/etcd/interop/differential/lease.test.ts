// `etcdctl lease`: grant, list, timetolive (--keys), keep-alive (--once, and the stream until the
// lease is revoked), revoke, expiry; unknown and dead leases. Lease IDs are learnt from each
// side's `lease grant` and compared by name; remaining TTLs are compared within ±1 s.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { background, collect, inFormats, pause, run, waitFor } from './steps.js'

const available = binariesAvailable()

describe('differential: etcdctl lease', { skip: !available }, () => {
  it('grant, list, timetolive, keep-alive --once, revoke', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('lease', [
      run('lease grant 100', { expect: { stdout: /granted with TTL\(100s\)/ } }),
      run('lease grant 200 -w json'),
      run('lease grant 300 -w fields'),
      run('lease list'),
      run('lease list -w json'),
      run('lease list -w fields'),
      run('put k1 v1 --lease={lease1}'),
      run('put k2 v2 --lease={lease1}'),
      run('put k3 v3 --lease={lease2}'),
      ...inFormats('lease timetolive {lease1}'),
      ...inFormats('lease timetolive {lease1} --keys'),
      run('lease timetolive {lease3} --keys'),
      ...inFormats('lease keep-alive --once {lease1}'),
      run('lease timetolive {lease1}'),
      ...inFormats('get k --prefix'),
      run('lease revoke {lease1}', { expect: { stdout: /revoked/ } }),
      run('get k --prefix -w json'), // the revoke deleted k1 and k2 in one revision
      run('lease timetolive {lease1} --keys'),
      run('lease timetolive {lease1} -w json'),
      run('lease list'),
      run('lease revoke {lease2} -w json'),
      run('lease revoke {lease3} -w fields'),
      run('lease list -w json'),
      run('get --prefix k -w json'),
    ]),
  )

  it('unknown leases, bad TTLs and IDs', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('lease-errors', [
      run('lease grant 9000000001', { expect: { exitCode: 1, stderr: /too large lease TTL/ } }),
      run('lease grant 9000000000 -w json'),
      run('lease grant -5'),
      run('lease grant abc'),
      run('lease grant'),
      run('lease revoke 1234', { expect: { exitCode: 1, stderr: /requested lease not found/ } }),
      run('lease revoke 1234 -w json'),
      run('lease revoke zz'),
      ...inFormats('lease timetolive 1234'),
      run('lease timetolive 1234 --keys'),
      run('lease keep-alive --once 1234', { expect: { exitCode: 2, stderr: /requested lease not found/ } }),
      run('lease keep-alive --once 1234 -w json'),
      run('put a v --lease=1234'),
      run('lease list'),
    ]),
  )

  it('keep-alive stream until the lease is revoked', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('lease-keep-alive', [
      // TTL 6: the first keep-alive goes out at once, the next after 2 s, long after the revoke.
      run('lease grant 6'),
      background('keepAlive', 'lease keep-alive {lease1}'),
      waitFor('keepAlive', 1),
      run('lease revoke {lease1}'),
      collect('keepAlive', { exit: true, timeoutMs: 8000, expect: { stdout: /expired or revoked/ } }),
      run('lease grant 6 -w json'),
      background('keepAliveJson', 'lease keep-alive {lease2} -w json'),
      waitFor('keepAliveJson', 1),
      run('lease revoke {lease2}'),
      collect('keepAliveJson', { exit: true, timeoutMs: 8000 }),
      background('unknown', 'lease keep-alive 1234'),
      collect('unknown', { exit: true, timeoutMs: 8000 }),
    ]),
  )

  it('expiry: minimum TTL, keys deleted, watch sees the deletes', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('lease-expiry', [
      run('lease grant 1', { expect: { stdout: /TTL\(2s\)/ } }), // raised to the minimum TTL
      run('lease grant 0 -w json'),
      run('put e1 v --lease={lease1}'),
      run('put e2 v --lease={lease1}'),
      run('put e3 v --lease={lease2}'),
      run('put keep v'),
      run('lease timetolive {lease1} --keys'),
      // Two leases expiring together would be revoked in either order: revoke the second now.
      run('lease revoke {lease2}'),
      pause(4500),
      run('get e --prefix'),
      run(['get', '', '--prefix', '-w', 'json']),
      run('lease timetolive {lease1} --keys'),
      run('lease list'),
      run('lease keep-alive --once {lease1}'),
      run('lease revoke {lease1}'),
      background('watch', 'watch e --prefix --rev=1'),
      collect('watch', { lines: 18 }),
    ]),
  )
})
