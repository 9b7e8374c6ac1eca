// The daemon's logger writes etcd 3.4's zap JSON lines:
// {"level":"info","ts":"2026-11-21T14:02:24.292Z","caller":"etcdmain/config.go:312","msg":"…","path":"c.yaml"}
// (a line from `/usr/bin/etcd --logger zap`), with a component name for `caller`.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger, type LogSink } from '../src/logger.js'

/** 2026-11-21T14:02:24.292Z */
const NOW_MS = Date.UTC(2026, 10, 21, 14, 2, 24, 292)

class Capture implements LogSink {
  readonly chunks: string[] = []
  write(chunk: string): boolean {
    this.chunks.push(chunk)
    return true
  }
  get lines(): string[] {
    return this.chunks.join('').split('\n').slice(0, -1)
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  }
}

function setup(options: Parameters<typeof createLogger>[0] = {}) {
  const sinks = new Map<string, Capture>()
  const opened: string[] = []
  const logger = createLogger(options, {
    clock: { now: () => NOW_MS },
    openOutput: (name) => {
      opened.push(name)
      const sink = new Capture()
      sinks.set(name, sink)
      return sink
    },
  })
  return { logger, sinks, opened }
}

describe('createLogger: line shape', () => {
  it('writes level, ts, caller, msg, then the fields in order, one JSON object per line', () => {
    const { logger, sinks } = setup()
    logger.info('loaded server configuration', { path: 'c.yaml', 'snapshot-count': 100_000, 'pre-vote': false })
    const stderr = sinks.get('stderr')
    assert.ok(stderr)
    assert.deepEqual(stderr.lines, [
      '{"level":"info","ts":"2026-11-21T14:02:24.292Z","caller":"etcdmain","msg":"loaded server configuration","path":"c.yaml","snapshot-count":100000,"pre-vote":false}',
    ])
    assert.deepEqual(Object.keys(stderr.records[0] ?? {}), [
      'level',
      'ts',
      'caller',
      'msg',
      'path',
      'snapshot-count',
      'pre-vote',
    ])
  })

  it('writes a line without fields as the four keys alone', () => {
    const { logger, sinks } = setup()
    logger.warn('etcd-ts member stopped')
    assert.deepEqual(sinks.get('stderr')?.lines, [
      '{"level":"warn","ts":"2026-11-21T14:02:24.292Z","caller":"etcdmain","msg":"etcd-ts member stopped"}',
    ])
  })

  it("uses zap's level names for every level", () => {
    const { logger, sinks } = setup({ level: 'debug' })
    logger.debug('d')
    logger.info('i')
    logger.warn('w')
    logger.error('e')
    logger.panic('p')
    logger.fatal('f')
    assert.deepEqual(
      sinks.get('stderr')?.records.map((record) => record.level),
      ['debug', 'info', 'warn', 'error', 'panic', 'fatal'],
    )
  })

  it('encodes bigints as decimal strings, errors as their message, lists and objects as JSON', () => {
    const { logger, sinks } = setup()
    const circular: Record<string, unknown> = {}
    circular.self = circular
    logger.info('fields', {
      'member-id': 13668033151171901709n,
      error: new Error('boom'),
      urls: ['http://127.0.0.1:2379'],
      nested: { id: 1n },
      missing: undefined,
      nothing: null,
      infinite: Number.POSITIVE_INFINITY,
      circular,
    })
    assert.deepEqual(sinks.get('stderr')?.records[0], {
      level: 'info',
      ts: '2026-11-21T14:02:24.292Z',
      caller: 'etcdmain',
      msg: 'fields',
      'member-id': '13668033151171901709',
      error: 'boom',
      urls: ['http://127.0.0.1:2379'],
      nested: { id: '1' },
      missing: null,
      nothing: null,
      infinite: 'Infinity',
      circular: '[unserializable]',
    })
  })

  it('escapes messages and keys so every line stays one JSON object', () => {
    const { logger, sinks } = setup()
    logger.info('two\nlines "quoted"', { 'odd"key': 'tab\there' })
    const stderr = sinks.get('stderr')
    assert.equal(stderr?.lines.length, 1)
    assert.deepEqual(stderr?.records[0], {
      level: 'info',
      ts: '2026-11-21T14:02:24.292Z',
      caller: 'etcdmain',
      msg: 'two\nlines "quoted"',
      'odd"key': 'tab\there',
    })
  })
})

describe('createLogger: levels, outputs, children', () => {
  it('drops lines below the level, and says so through enabled()', () => {
    const { logger, sinks } = setup({ level: 'warn' })
    logger.debug('no')
    logger.info('no')
    logger.warn('yes')
    logger.error('yes')
    assert.deepEqual(
      sinks.get('stderr')?.records.map((record) => record.msg),
      ['yes', 'yes'],
    )
    assert.equal(logger.enabled('info'), false)
    assert.equal(logger.enabled('warn'), true)
  })

  it('defaults to info on stderr, as etcd does', () => {
    const { logger, sinks, opened } = setup()
    logger.debug('no')
    logger.info('yes')
    assert.deepEqual(opened, ['stderr'])
    assert.equal(sinks.get('stderr')?.lines.length, 1)
  })

  it('writes every line to every output, each output opened once', () => {
    const { logger, sinks, opened } = setup({ outputs: ['stdout', '/var/log/etcd-ts.log', 'stdout'] })
    logger.info('both')
    assert.deepEqual(opened, ['stdout', '/var/log/etcd-ts.log'])
    assert.equal(sinks.get('stdout')?.lines.length, 1)
    assert.deepEqual(sinks.get('/var/log/etcd-ts.log')?.lines, sinks.get('stdout')?.lines)
  })

  it('names the component in caller: the root caller, children, and the option', () => {
    const { logger, sinks } = setup()
    logger.child('etcdserver').info('a')
    logger.child('backend').child('inner').info('b')
    logger.info('c')
    assert.deepEqual(
      sinks.get('stderr')?.records.map((record) => record.caller),
      ['etcdserver', 'inner', 'etcdmain'],
    )
    const custom = setup({ caller: 'embed' })
    custom.logger.info('d')
    assert.equal(custom.sinks.get('stderr')?.records[0]?.caller, 'embed')
  })

  it('drops lines after close, from children too; close and flush may be called again', async () => {
    const { logger, sinks } = setup()
    const child = logger.child('etcdserver')
    logger.info('before')
    await logger.close()
    logger.info('after')
    child.info('after')
    await logger.close()
    await logger.flush()
    assert.deepEqual(
      sinks.get('stderr')?.records.map((record) => record.msg),
      ['before'],
    )
  })

  it('drops lines while an output buffers more than 16 MiB, then says how many were dropped', () => {
    const stuck = Object.assign(new Capture(), { writableLength: 17 * 1024 * 1024 })
    const logger = createLogger({}, { clock: { now: () => NOW_MS }, openOutput: () => stuck })
    logger.info('lost 1')
    logger.info('lost 2')
    assert.equal(stuck.chunks.length, 0)
    stuck.writableLength = 0
    logger.info('kept')
    assert.deepEqual(stuck.records, [
      {
        level: 'warn',
        ts: '2026-11-21T14:02:24.292Z',
        caller: 'logger',
        msg: 'dropped log lines: output is not keeping up',
        output: 'stderr',
        dropped: 2,
      },
      { level: 'info', ts: '2026-11-21T14:02:24.292Z', caller: 'etcdmain', msg: 'kept' },
    ])
  })

  it('refuses an unknown level, and passes on the error of an output that cannot be opened', () => {
    assert.throws(() => createLogger({ level: 'verbose' as 'info' }), RangeError)
    const failure = Object.assign(new Error("EACCES: permission denied, open '/root/x.log'"), {
      code: 'EACCES',
      path: '/root/x.log',
    })
    assert.throws(
      () =>
        createLogger(
          { outputs: ['stderr', '/root/x.log'] },
          {
            openOutput: (name) => {
              if (name === '/root/x.log') throw failure
              return new Capture()
            },
          },
        ),
      (error) => error === failure,
    )
  })
})
