// `etcdctl txn` (and `txn -i`, whose only difference is the prompts), its input read from stdin:
// compares on value, version, create and mod revisions (lease compares make etcdctl 3.4.23 panic
// client-side in `mustInt64orLeaseID`, before any RPC, so they cannot be covered through it),
// both branches, every op with its flags, and the validation errors.
import { describe, it } from 'node:test'
import { binariesAvailable, SCRIPT_TIMEOUT_MS } from './binaries.js'
import { runDifferential } from './harness.js'
import { run, type Step } from './steps.js'

/** A txn's stdin: compares, then success ops, then failure ops, each block ended by a blank line. */
function txnInput(compares: readonly string[], success: readonly string[], failure: readonly string[] = []): string {
  return [...compares, '', ...success, '', ...failure, '', ''].join('\n')
}

/** `etcdctl txn` (with `extra` flags, e.g. `-i`, `-w json`) on that input. */
function txn(
  compares: readonly string[],
  success: readonly string[],
  failure: readonly string[] = [],
  extra = '',
  expect?: { exitCode?: number; stdout?: RegExp; stderr?: RegExp },
): Step {
  return run(`txn ${extra}`, {
    input: txnInput(compares, success, failure),
    ...(expect === undefined ? {} : { expect }),
  })
}

const setup: Step[] = [
  run('put a 1'), // rev 2
  run('put b 2'), // rev 3
  run('put a 11'), // rev 4: a version 2, create 2, mod 4
  run('put c 3'), // rev 5
  run('put p/1 x'), // rev 6
  run('put p/2 y'), // rev 7
]

const available = binariesAvailable()

describe('differential: etcdctl txn', { skip: !available }, () => {
  it('compares: value, version, create, mod; =, !=, <, >; missing keys', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('txn-compares', [
      ...setup,
      txn(['value("a") = "11"'], ['get a'], ['get b'], '', { stdout: /^SUCCESS/ }),
      txn(['value("a") != "11"'], ['get a'], ['get b'], '', { stdout: /^FAILURE/ }),
      txn(['value("a") > "1"', 'value("a") < "2"'], ['put r1 ok'], ['put r1 no']),
      txn(['val("b") = "2"'], ['put r2 ok'], ['put r2 no']),
      txn(['version("a") = "2"', 'version("b") > "0"'], ['put r3 ok'], ['put r3 no']),
      txn(['ver("a") < "2"'], ['put r4 ok'], ['put r4 no']),
      txn(['version("missing") = "0"'], ['put r5 ok'], ['put r5 no']),
      txn(['create("a") = "2"', 'create("missing") = "0"'], ['put r6 ok'], ['put r6 no']),
      txn(['create("b") < "3"'], ['put r7 ok'], ['put r7 no']),
      txn(['create("c") > "4"'], ['put r8 ok'], ['put r8 no']),
      txn(['mod("a") = "4"'], ['put r9 ok'], ['put r9 no']),
      txn(['mod("b") != "3"'], ['put r10 ok'], ['put r10 no']),
      txn(['mod("missing") < "1"'], ['put r11 ok'], ['put r11 no']),
      txn(['value("missing") != "abc"'], ['put r12 ok'], ['put r12 no']), // false: VALUE on a missing key
      txn(['value("missing") = ""'], ['put r13 ok'], ['put r13 no']),
      txn(['value("a") = "11"', 'mod("b") = "99"'], ['put r14 ok'], ['put r14 no']), // all compares must hold
      txn([], ['put r15 ok'], ['put r15 no']), // no compares: success
      txn(['value("a") = "11"'], [], []), // nothing to do
      txn([], [], []),
      txn(['value("a") = "0"'], ['put r16 ok'], []), // failure branch without ops
      run(['get', 'r', '--prefix']),
      run(['get', 'r', '--prefix', '-w', 'json']),
    ]),
  )

  it('ops in both branches, every flag, all output formats', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('txn-ops', [
      ...setup,
      run('lease grant 100'),
      txn(
        ['mod("a") > "0"'],
        [
          'put x 1',
          'put y 2 --prev-kv',
          'put a 111 --prev-kv',
          'put l v --lease={lease1}',
          'get a',
          'get p --prefix',
          'get a c',
          'get --from-key b --limit=2',
          'get a --rev=2',
          'get p/ --prefix --keys-only --sort-by=VALUE --order=DESCEND',
          'del c --prev-kv',
        ],
        ['put never 1'],
        '-i',
      ),
      txn(['version("x") = "1"'], ['put x 2 --prev-kv', 'get x', 'del missing'], ['get x'], '-w json'),
      txn(['version("x") = "1"'], ['get x'], ['put x 3 --prev-kv', 'get x', 'del y --prev-kv'], '-w json'),
      txn(['value("x") = "3"'], ['get p --prefix', 'del p/ --prefix --prev-kv', 'put p/3 z'], [], '-w fields'),
      txn(['value("x") = "3"'], ['get x --keys-only', 'put z 1', 'del x --prev-kv'], [], '-w protobuf'),
      txn(['value("z") = "1"'], ['get z --print-value-only', 'get --prefix ""'], ['get z']),
      txn(['create("z") > "0"'], ['put z --ignore-value --prev-kv', 'put l --ignore-lease w'], [], '-w json'),
      txn(['value("z") = "1"'], ['get z'], [], '--hex'),
      txn(['value("z") = "1"'], ['put z 2'], [], '-i -w json'),
      run(['get', '', '--prefix', '-w', 'json']),
    ]),
  )

  it('errors: validation, duplicate keys, too many ops, bad leases and revisions', { timeout: SCRIPT_TIMEOUT_MS }, () =>
    runDifferential('txn-errors', [
      ...setup,
      txn([], ['put x 1', 'put x 2'], [], '', { exitCode: 1, stderr: /duplicate key given in txn request/ }),
      txn([], ['put a 2', 'get a', 'del a'], []), // a put inside a delete range
      txn([], ['del a c', 'put b 1'], []),
      txn([], ['put x 1'], ['put y 1', 'put y 2']), // failure branch checked as well
      txn([], ['put x 1', 'put y 1', 'del z'], []), // distinct: fine
      txn([], ['get x', 'put x 9'], []), // a get of a written key: fine
      txn(
        [],
        Array.from({ length: 129 }, (_, i) => `put k${i} v`),
        [],
        '',
        {
          exitCode: 1,
          stderr: /too many operations in txn request/,
        },
      ),
      txn(
        Array.from({ length: 129 }, () => 'mod("a") > "0"'),
        ['put k v'],
        [],
      ),
      txn(
        [],
        Array.from({ length: 128 }, (_, i) => `put k${i} v`),
        [],
        '-w json',
      ), // the limit itself is fine
      txn([], ['put x v --lease=1234'], [], '', { exitCode: 1, stderr: /requested lease not found/ }),
      txn([], ['get a --rev=1000'], [], '', { exitCode: 1, stderr: /future revision/ }),
      txn([], ['put missing --ignore-value'], [], '', { exitCode: 1, stderr: /key not found/ }),
      txn([], ['put missing v --ignore-lease'], []),
      txn(['mod("") > "0"'], ['get a'], [], '', { exitCode: 1, stderr: /key is not provided/ }),
      txn([], ['put "" 1'], []),
      txn([], ['get ""'], []),
      txn(['bogus'], [], [], '', { exitCode: 3 }),
      txn(['mod("a") >= "0"'], [], []),
      txn([], ['watch a'], []),
      run('get x -w json'), // the failed txns changed nothing
    ]),
  )
})
