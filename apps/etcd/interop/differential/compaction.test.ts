// `etcdctl compaction` (and --physical) and what a compaction does to reads, watches, txns and
// HashKV: the compacted and future-revision errors at every boundary.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { background, collect, inFormats, run, type Step } from './steps.js'

const history: Step[] = [
  run('put a 1'), // rev 2
  run('put b 1'), // rev 3
  run('put a 2'), // rev 4
  run('del b'), // rev 5
  run('put a 3'), // rev 6
  run('put c 1'), // rev 7
  run('put a 4'), // rev 8
  run('put b 2'), // rev 9
  run('put a 5'), // rev 10
]

const available = binariesAvailable()

describe('differential: etcdctl compaction', { skip: !available }, () => {
  it('compaction, then reads at, below and above the compact revision', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('compaction', [
      ...history,
      run('get a --rev=3'),
      run('compaction 5', { expect: { stdout: /compacted revision 5/ } }),
      run('compaction 5', { expect: { exitCode: 1, stderr: /has been compacted/ } }),
      run('compaction 4 -w json'),
      run('compaction 0'),
      run('compaction 11', { expect: { exitCode: 1, stderr: /future revision/ } }),
      run('compaction 100 -w json'),
      ...inFormats('get a --rev=4'),
      run('get a --rev=1'),
      ...inFormats('get a --rev=5'),
      run('get b --rev=5 -w json'), // deleted at the compact revision
      run('get a zz --rev=6 -w json'),
      run('get a --rev=11'),
      run('get a -w json'),
      run('endpoint hashkv -w json'),
      run('endpoint hashkv --rev=4'),
      run('endpoint hashkv --rev=5'),
      run('endpoint hashkv --rev=8 -w json'),
      run('txn', { input: '\nget a --rev=4\n\n\n' }),
      run('txn', { input: '\nget a --rev=5\nput d 1\n\n\n' }),
      run('compaction 8 --physical', { expect: { stdout: /compacted revision 8/ } }),
      run('compaction 8 --physical'),
      run('get a --rev=7'),
      run('get a --rev=8 -w fields'),
      run('compaction 11 --physical -w json'), // the current revision itself is allowed
      run('get a --rev=10'),
      run('get a --rev=11'),
      ...inFormats('get --prefix a'),
      run('compaction abc'),
      run('compaction'),
      run('compaction -- -1'),
      run('put z 1'),
      run('get z -w json'),
    ]),
  )

  it('watches from, below and after the compact revision', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('compaction-watch', [
      ...history,
      run('compaction 6'),
      run('watch a --rev=2', {
        timeoutMs: 8000,
        expect: { exitCode: 5, stderr: /required revision has been compacted/ },
      }),
      run('watch a --rev=5 -w json', { timeoutMs: 8000 }),
      run('watch a --rev=1 --prev-kv', { timeoutMs: 8000 }),
      background('at', 'watch a --rev=6 --prev-kv'),
      collect('at', { lines: 13 }), // no prev_kv for the event at the compact revision,
      background('all', ['watch', '', '--prefix', '--rev=7', '-w', 'json']),
      collect('all', { lines: 1 }),
      run('compaction 10 --physical'),
      run('watch a --rev=8', { timeoutMs: 8000 }),
    ]),
  )
})
