// `etcdctl put` (--prev-kv, --ignore-value, --ignore-lease, --lease, stdin values) and `etcdctl
// del` (ranges, --prefix, --from-key, --prev-kv), with the errors the server reports for them.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { inFormats, run } from './steps.js'

/** Above the server's 1.5 MiB --max-request-bytes, below the client's 2 MiB send limit. */
const TOO_LARGE_VALUE = 'x'.repeat(1_600_000)

const available = binariesAvailable()

describe('differential: etcdctl put', { skip: !available }, () => {
  it('values, --prev-kv, --ignore-value, stdin', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('put', [
      ...inFormats('put a 1'),
      run('put a 2 --prev-kv'),
      run('put a 3 --prev-kv -w json'),
      run('put a 4 --prev-kv -w fields'),
      run('put b 1 --prev-kv'),
      run('put b2 1 --prev-kv -w json'),
      run('put same v'),
      run('put same v --prev-kv -w json'), // an identical value still bumps version and mod_revision
      run(['put', 'empty', '']),
      run(['put', 'spaced key', 'spaced value']),
      run(['put', 'ü/✓', 'värde']),
      run(['put', 'ü/✓', 'värde2', '--prev-kv', '-w', 'json']),
      run('put stdin', { input: 'from stdin\n' }),
      run('put stdin2', { input: 'two\nlines' }),
      run('put a --ignore-value --prev-kv'),
      run('put a --ignore-value -w json'),
      run('put a --ignore-value --prev-kv -w fields'),
      run('get a -w json'),
      run('put -- -dash dashed'),
      ...inFormats('get --from-key a'),
      run(['get', '', '--prefix', '-w', 'json']),
    ]),
  )

  it('leases: --lease, --ignore-lease, detaching', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('put-lease', [
      run('lease grant 100'),
      run('lease grant 200'),
      run('put l 1 --lease={lease1}'),
      run('get l -w json'),
      run('put l 2 --ignore-lease --prev-kv -w json'), // keeps lease1
      run('get l -w fields'),
      run('put l 3 --lease={lease2} --prev-kv -w json'), // moves to lease2
      run('lease timetolive {lease1} --keys'),
      run('lease timetolive {lease2} --keys'),
      run('put l --ignore-value --ignore-lease --prev-kv -w json'),
      run('put l 4 -w json'), // a put without --lease detaches the lease
      run('get l -w fields'),
      run('lease timetolive {lease2} --keys -w json'),
      run('put m 1 --lease={lease1}'),
      run('put m --ignore-value --lease={lease2} -w json'),
      run('get m -w json'),
    ]),
  )

  it('errors', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('put-errors', [
      run('put a 1'),
      run(['put', '', 'v'], { expect: { exitCode: 1, stderr: /key is not provided/ } }),
      run(['put', '', 'v', '-w', 'json']),
      run('put missing --ignore-value', { expect: { exitCode: 1, stderr: /key not found/ } }),
      run('put missing v --ignore-lease', { expect: { exitCode: 1, stderr: /key not found/ } }),
      run('put missing --ignore-value --ignore-lease'),
      run('put a v --lease=1234', { expect: { exitCode: 1, stderr: /requested lease not found/ } }),
      run('put a v --lease=1234 -w json'),
      run('put a v --lease=zz'),
      run('lease grant 100'),
      run('put a v --lease={lease1} --ignore-lease', { expect: { exitCode: 1, stderr: /lease is provided/ } }),
      run('put a v --ignore-value'),
      run('put big', { input: TOO_LARGE_VALUE, expect: { exitCode: 1, stderr: /request is too large/ } }),
      run('put'),
      run('put a b c'),
      run('get a -w json'), // nothing above changed a
    ]),
  )
})

describe('differential: etcdctl del', { skip: !available }, () => {
  it('single keys, ranges, --prefix, --from-key, --prev-kv', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('del', [
      ...['a', 'b', 'c', 'd', 'e', 'f/1', 'f/2', 'f/3', 'g', 'h', 'i'].map((key) => run(`put ${key} v-${key}`)),
      run('put a v-a2'),
      run('del a'),
      run('del a'),
      run('del a --prev-kv'),
      run('get x -w json'), // deleting nothing does not bump the revision
      run('del b --prev-kv'),
      run('del c e --prev-kv -w json'),
      run('del f --prefix --prev-kv'),
      run('del f --prefix -w json'),
      run('put f/4 v'),
      run('del f/ --prefix --prev-kv -w fields'),
      run('del h --from-key --prev-kv -w json'),
      run('del h --from-key'),
      run('del d g -w fields'),
      ...['a', 'b', 'c'].map((key) => run(`put ${key} again`)),
      run('del b a'), // an empty range
      run(['del', '', '--prefix', '--prev-kv']),
      run(['get', '', '--prefix', '-w', 'json']),
      run('put z 1'),
      run(['del', '', '--from-key', '-w', 'json']),
      run('get --from-key a -w json'),
    ]),
  )

  it('errors', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('del-errors', [
      run('put a 1'),
      run(['del', ''], { expect: { exitCode: 1, stderr: /key is not provided/ } }),
      run(['del', '', '-w', 'json']),
      run(['del', '', 'z'], { expect: { exitCode: 1, stderr: /key is not provided/ } }),
      run('del'),
      run('del a b c'),
      run('del a b --prefix'),
      run('del a --prefix --from-key'),
      run('get a -w json'),
    ]),
  )
})
