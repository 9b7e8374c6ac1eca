// Cluster and maintenance commands on a single member: endpoint status/health/hashkv, member
// list, alarm list/disarm, defrag, move-leader, member errors, snapshot save followed by the
// offline `snapshot status` of the saved file. Keys carry no lease here, so HashKV hashes, which
// cover whole KeyValues, are comparable between the two servers.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { inFormats, run, type Step } from './steps.js'

const ALL_FORMATS = ['simple', 'json', 'table', 'fields'] as const

/** Above the 1 MB quota of the NOSPACE script, below the 1.5 MiB request limit. */
const BIG_VALUE = 'x'.repeat(1_200_000)

const data: Step[] = [
  run('put a 1'), // rev 2
  run('put b 2'), // rev 3
  run('put a 11'), // rev 4
  run('del b'), // rev 5
  run('put c 3'), // rev 6
]

const available = binariesAvailable()

describe('differential: etcdctl endpoint, member, alarm, defrag', { skip: !available }, () => {
  it('endpoint status, health, hashkv; member list', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('endpoint-member', [
      ...data,
      ...inFormats('endpoint status', ALL_FORMATS),
      ...inFormats('endpoint health', ALL_FORMATS),
      ...inFormats('endpoint hashkv', ALL_FORMATS),
      run('endpoint hashkv --rev=3'),
      run('endpoint hashkv --rev=5 -w json'),
      run('endpoint hashkv --rev=1 -w table'),
      run('endpoint hashkv --rev=7', { expect: { exitCode: 1, stderr: /future revision/ } }),
      ...inFormats('member list', ALL_FORMATS),
      run('endpoint status --cluster -w json'),
      run('endpoint health --cluster'),
      run('endpoint hashkv --cluster -w table'),
      run('put d 4'),
      run('endpoint hashkv'), // after a write
      run('get a -w json'),
    ]),
  )

  it('alarm list/disarm, defrag, move-leader, member errors', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('alarm-defrag', [
      ...data,
      ...inFormats('alarm list', ['simple', 'json', 'table']),
      // 3.4 sends no header with AlarmResponse, so etcdctl's fields printer dereferences nil.
      run('alarm list -w fields'),
      run('alarm disarm'),
      run('alarm disarm -w json'),
      ...inFormats('defrag', ['simple', 'json', 'table']),
      run('defrag --cluster'),
      run('endpoint status -w json'), // defrag changed no revision
      run('get a -w json'),
      run('move-leader 1234', { expect: { exitCode: 1, stderr: /bad leader transferee/ } }),
      run('move-leader zz'),
      run('member remove 1234', { expect: { exitCode: 1, stderr: /member not found/ } }),
      run('member update 1234 --peer-urls=http://127.0.0.1:1'),
      run('member promote 1234'),
      run('member remove zz'),
      run('member list'),
    ]),
  )

  it('NOSPACE: a write over the quota raises the alarm; list, status, disarm', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential(
      'alarm-nospace',
      [
        run('put a 1'),
        // Far above the 1 MB quota whatever the backend's own size: the check fails on either side.
        run('put big', { input: BIG_VALUE, expect: { exitCode: 1, stderr: /database space exceeded/ } }),
        ...inFormats('alarm list', ['simple', 'json']),
        run('put b 2', { expect: { exitCode: 1, stderr: /database space exceeded/ } }),
        run('txn', { input: '\nput b 2\n\n\n' }),
        run('txn', { input: '\nget a\n\n\n' }), // a read-only txn passes
        run('lease grant 10'),
        run('get a -w json'),
        run('del a'), // deletes are allowed
        ...inFormats('endpoint status', ['simple', 'json', 'table']),
        run('endpoint health'),
        run('compaction 3'),
        run('defrag'),
        run('alarm list'),
        run('alarm disarm'),
        run('alarm disarm -w json'),
        run('alarm list -w json'),
        run('put b 2'),
        run('endpoint status -w json'),
      ],
      { serverArgs: ['--quota-backend-bytes', '1000000'] },
    ),
  )

  it('snapshot save, then snapshot status of the saved file', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('snapshot', [
      ...data,
      run('compaction 4'),
      run('snapshot save {dir}/snap.db', {
        expectFile: '{dir}/snap.db',
        expect: { exitCode: 0, stdout: /Snapshot saved at/ },
      }),
      ...inFormats('snapshot status {dir}/snap.db', ALL_FORMATS),
      run('put e 5'),
      run('snapshot save {dir}/snap2.db -w json', { expectFile: '{dir}/snap2.db' }),
      run('snapshot status {dir}/snap2.db -w json'),
      run('snapshot save {dir}/missing/snap.db', { expect: { exitCode: 5 } }),
      run('snapshot save'),
      run('snapshot status {dir}/none.db'),
      run('get --from-key a -w json'),
    ]),
  )
})
