import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCommandLine, parseDataDriven, replayDataDriven } from '@etcd-ts/raft/testing'

describe('parseDataDriven', () => {
  it('reads commands, arguments, input and expected output, skipping comments', () => {
    const text = [
      '# a comment',
      '',
      'committed cfg=(1, 2) cfgj=zero idx=(12,_) 3',
      '----',
      '      idx',
      '0',
      '',
      '# another',
      'simple',
      'v1 l2',
      '  ',
      '----',
      'voters=(1)',
      '',
    ].join('\n')
    const cases = parseDataDriven(text, 'x.txt')
    assert.equal(cases.length, 2)
    const [first, second] = cases
    assert.equal(first?.line, 3)
    assert.equal(first?.command, 'committed')
    assert.deepEqual(first?.args, [
      { key: 'cfg', values: ['1', '2'] },
      { key: 'cfgj', values: ['zero'] },
      { key: 'idx', values: ['12', '_'] },
      { key: '3', values: [] },
    ])
    assert.equal(first?.expected, '      idx\n0\n')
    assert.equal(second?.input, 'v1 l2')
    assert.equal(second?.expected, 'voters=(1)\n')
  })

  it('reads the block form whose output may contain blank lines', () => {
    const cases = parseDataDriven(
      ['cmd', '----', '----', 'a', '', 'b', '----', '----', '', 'next', '----', ''].join('\n'),
    )
    assert.equal(cases[0]?.expected, 'a\n\nb\n')
    assert.equal(cases[1]?.command, 'next')
    assert.equal(cases[1]?.expected, '')
  })

  it('joins continued command lines and keeps nested parentheses in one value', () => {
    const [only] = parseDataDriven('cmd a=(x(1, 2), y) \\\n  b=()\n----\nok\n')
    assert.deepEqual(only?.args, [
      { key: 'a', values: ['x(1, 2)', 'y'] },
      { key: 'b', values: [] },
    ])
    assert.deepEqual(parseCommandLine('add-nodes 3 voters=(1,2,3) index=2').args[2], { key: 'index', values: ['2'] })
  })

  it('names file and line when the format is broken', () => {
    assert.throws(() => parseDataDriven('cmd\nno separator\n', 'broken.txt'), {
      code: 'RAFT_DATADRIVEN_SYNTAX',
      message: /broken\.txt:1/,
    })
  })
})

describe('replayDataDriven', () => {
  it('passes matching output, fails a mismatch, and reports a throwing handler', () => {
    const cases = parseDataDriven('a\n----\nA\n\nb\n----\nB\n\nc\n----\nC\n')
    const results = replayDataDriven(cases, (testCase) => {
      if (testCase.command === 'c') throw new Error('boom')
      return testCase.command === 'a' ? 'A' : 'wrong'
    })
    assert.deepEqual(
      results.map((r) => [r.passed, r.actual]),
      [
        [true, 'A\n'],
        [false, 'wrong\n'],
        [false, 'error: boom\n'],
      ],
    )
  })
})
