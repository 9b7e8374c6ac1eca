// `etcdctl watch` run as a background child and stopped after N lines: history from --rev, keys,
// ranges, prefixes, --prev-kv, json output (where response boundaries show), interactive mode with
// progress requests, and the per-event command. Every watch names its start revision, so that
// its output does not depend on when the server registered it; json watches that also see live
// events first wait for the history batch, whose boundaries are visible in json.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { background, collect, run, type Step, waitFor } from './steps.js'

const history: Step[] = [
  run('put a 1'), // rev 2
  run('put b 1'), // rev 3
  run('put p/1 x'), // rev 4
  run('put a 2'), // rev 5
  run('put p/2 y'), // rev 6
  run('del b'), // rev 7
  run('put p/1 xx'), // rev 8
  run('txn', { input: '\nput a 3\nput p/3 z\nput q 1\n\n\n' }), // rev 9: three events, one revision
  run('del p/ --prefix'), // rev 10: three deletes, one revision
  run('put a 4'), // rev 11
]

const available = binariesAvailable()

describe('differential: etcdctl watch', { skip: !available }, () => {
  it('history: key, range, prefix, from a revision, --prev-kv', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('watch-history', [
      ...history,
      background('key', 'watch a --rev=1'),
      collect('key', { lines: 12, expect: { stdout: /^PUT\na\n1\n/ } }),
      background('keyPrev', 'watch a --rev=3 --prev-kv'),
      collect('keyPrev', { lines: 15 }),
      background('range', 'watch a p/2 --rev=2'),
      collect('range', { lines: 27 }),
      background('prefix', 'watch p/ --prefix --rev=1 --prev-kv'),
      collect('prefix', { lines: 29 }),
      background('late', 'watch --prefix p/ --rev=9'),
      collect('late', { lines: 9 }),
      background('all', ['watch', '', '--prefix', '--rev=7']),
      collect('all', { lines: 27 }),
      background('hex', 'watch a --rev=9 --hex'),
      collect('hex', { lines: 6 }),
    ]),
  )

  it('history in json: batch and event fields', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('watch-json', [
      ...history,
      background('jsonAll', ['watch', '', '--prefix', '--rev=1', '-w', 'json']),
      collect('jsonAll', { lines: 1, expect: { stdout: /"Events":\[/ } }),
      background('jsonPrev', 'watch p/ --prefix --rev=4 --prev-kv -w json'),
      collect('jsonPrev', { lines: 1 }),
      background('jsonFields', 'watch a --rev=2 -w fields'),
      collect('jsonFields', { lines: 30 }),
    ]),
  )

  it('live events after the history, one response per revision', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('watch-live', [
      ...history,
      background('live', 'watch a --rev=10 -w json'),
      waitFor('live', 1),
      run('put a 5'), // rev 12
      run('put b 5'), // rev 13: not watched
      run('txn', { input: '\nput a 6\nput b 6\n\n\n' }), // rev 14
      run('del a'), // rev 15
      collect('live', { lines: 4 }),
      background('next', 'watch p/ --prefix --rev=16 --prev-kv'),
      run('put p/1 one'), // rev 16
      run('put p/1 two'), // rev 17
      run('del p/1'), // rev 18
      collect('next', { lines: 13 }),
    ]),
  )

  it('interactive: several watches, progress, bad input', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('watch-interactive', [
      ...history,
      background('interactive', 'watch -i', { input: 'watch a --rev=12\nprogress\n' }),
      waitFor('interactive', 1),
      run('put a 5'), // rev 12
      collect('interactive', { lines: 4 }),
      // Two watches on one stream: the second one's event comes strictly after the first's history.
      background('two', 'watch -i', { input: 'watch a --rev=11\nwatch q --rev=13 --prev-kv\n' }),
      waitFor('two', 6),
      run('put q 2'), // rev 13
      collect('two', { lines: 11 }),
      run('watch -i', { input: 'get a\n', expect: { exitCode: 3 } }),
      run('watch -i', { input: 'watch\n', timeoutMs: 5000 }),
    ]),
  )

  it('a command per event, with ETCD_WATCH_* variables', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('watch-exec', [
      ...history,
      background('exec', [
        'watch',
        'a',
        '--rev=2',
        '--',
        'sh',
        '-c',
        'echo "rev=$ETCD_WATCH_REVISION type=$ETCD_WATCH_EVENT_TYPE key=$ETCD_WATCH_KEY value=$ETCD_WATCH_VALUE"',
      ]),
      // One response carries the whole history; the variables take its header's revision.
      collect('exec', { lines: 16, expect: { stdout: /rev=11 type="PUT" key="a" value="1"/ } }),
      background('execPrefix', [
        'watch',
        '--prefix',
        'p/',
        '--rev=9',
        '--',
        'sh',
        '-c',
        'echo "$ETCD_WATCH_REVISION $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY"',
      ]),
      collect('execPrefix', { lines: 13 }),
    ]),
  )

  it('errors: an empty range, bad arguments', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('watch-errors', [
      ...history,
      run('watch b a --rev=1', { timeoutMs: 5000 }),
      run('watch', { timeoutMs: 5000 }),
      run('watch a b --prefix', { timeoutMs: 5000 }),
    ]),
  )
})
