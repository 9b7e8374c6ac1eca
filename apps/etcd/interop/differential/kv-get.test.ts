// `etcdctl get` with every flag etcdctl 3.4 has, in simple, json and fields output, and a few
// in protobuf. (3.4's etcdctl has no `--count-only`: the count is checked in json and fields.)
// Keys are written so that no sort has ties (distinct versions, create/mod revisions and values).
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { inFormats, run, type Step } from './steps.js'

const setup: Step[] = [
  run('put c 3'), // rev 2
  run('put a 1'), // rev 3
  run('put b 2'), // rev 4
  run('put e 5'), // rev 5
  run('put a 11'), // rev 6
  run('put b 22'), // rev 7
  run('put a 111'), // rev 8
  run('put e 55'), // rev 9
  run('put e 555'), // rev 10
  run('put e 5555'), // rev 11: versions a=3 b=2 c=1 e=4
  run('put d 4'), // rev 12
  run('del d'), // rev 13
  run('put zz/1 x'), // rev 14
]

const sortSteps: Step[] = ['CREATE', 'KEY', 'MODIFY', 'VALUE', 'VERSION'].flatMap((target) => [
  run(`get a zz --sort-by=${target}`),
  run(`get a zz --sort-by=${target} --order=DESCEND --keys-only`),
  run(`get a zz --sort-by=${target} --order=ASCEND --limit=2 -w json`),
])

const available = binariesAvailable()

describe('differential: etcdctl get', { skip: !available }, () => {
  it('single keys, ranges, prefixes, from-key, limits, revisions', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('get', [
      ...setup,
      ...inFormats('get a'),
      ...inFormats('get missing'),
      ...inFormats('get a c'),
      run(['get', '', '--prefix']),
      run(['get', '', '--prefix', '-w', 'json']),
      run('get zz --prefix -w fields'),
      run('get z --prefix --keys-only'),
      ...inFormats('get --from-key b'),
      run('get --from-key zz/1'),
      run(['get', '', '--from-key', '--limit=2']),
      ...inFormats('get a zz --limit=2'),
      run('get a zz --limit=0'),
      run('get --prefix a --limit=1 -w json'),
      run('get --from-key a --limit=3 -w fields'),
      ...inFormats('get a --rev=3'),
      run('get a --rev=5 -w json'),
      run('get a --rev=1'),
      run('get a --rev=0 -w json'),
      run('get d --rev=12'),
      run('get d --rev=13 -w json'),
      run('get a zz --rev=6 -w fields'),
      run(['get', '', '--prefix', '--rev=9', '--limit=2', '-w', 'json']),
      run('get --from-key c --rev=12 --keys-only'),
    ]),
  )

  it('order, every sort target, keys-only, print-value-only, consistency, hex', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('get-sort', [
      ...setup,
      run('get a zz --order=DESCEND'),
      run('get a zz --order=ASCEND -w json'),
      run(['get', '', '--prefix', '--order=DESCEND', '--limit=2', '-w', 'fields']),
      ...sortSteps,
      run('get --from-key a --sort-by=MODIFY --order=DESCEND --limit=2 --rev=10 -w json'),
      ...inFormats('get a zz --keys-only'),
      run('get a zz --print-value-only'),
      run('get a --print-value-only -w json'),
      run('get a zz --keys-only --print-value-only'),
      ...inFormats('get a zz --consistency=s'),
      run('get a zz --consistency=l --limit=1 -w json'),
      run('get a --consistency=s --rev=4 -w fields'),
      run('get a zz --hex'),
      run('get a --hex -w fields'),
    ]),
  )

  it('errors: empty key, future revision, bad flags', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('get-errors', [
      ...setup,
      run(['get', ''], { expect: { exitCode: 1, stderr: /key is not provided/ } }),
      run(['get', '', '-w', 'json']),
      run('get a --rev=15', { expect: { exitCode: 1, stderr: /future revision/ } }),
      run('get a --rev=99 -w json'),
      run('get a zz --rev=1000 --keys-only'),
      run('get --prefix a --rev=15'),
      run('get a --consistency=x'),
      run('get a --sort-by=SIZE'),
      run('get a --order=UP'),
      run('get a --count-only'),
      run('get a -w table'),
      run('get a -w protobuf --rev=15'),
    ]),
  )

  it('get/put/del in -w protobuf (header decoded, the rest byte for byte)', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('protobuf', [
      ...setup,
      run('get a -w protobuf'),
      run('get a zz --limit=2 -w protobuf'),
      run('get a zz --keys-only --sort-by=VERSION -w protobuf'),
      run('get missing -w protobuf'),
      run('get a --rev=4 -w protobuf'),
      run('put f 6 --prev-kv -w protobuf'),
      run('put f 66 --prev-kv -w protobuf'),
      run('del a c --prev-kv -w protobuf'),
      run('del nothing -w protobuf'),
    ]),
  )
})
