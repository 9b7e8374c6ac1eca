// The JSON gateway's streaming routes, /v3/watch and /v3/lease/keepalive: newline-delimited
// `{"result": …}` lines, as etcd 3.4's grpc-gateway answers (bodies compared with etcd 3.4.23's).
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { describe, test } from 'node:test'
import { withTimeout } from '@etcd-ts/test-support'
import { JsonSplitter, parseJson } from '../../src/gateway-stream.js'
import { b, call, type Member, useMember } from './harness.js'

/** POSTs `body` and collects response lines until `lines` arrived or the response ends. */
function stream(
  m: Member,
  path: string,
  body: string,
  lines: number,
  during?: () => Promise<void>,
): Promise<{ status: number; lines: unknown[] }> {
  const { hostname, port } = new URL(m.url)
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = request({ hostname, port, path, method: 'POST' }, (res) => {
        const got: unknown[] = []
        let text = ''
        const done = () => {
          req.destroy()
          resolve({ status: res.statusCode ?? 0, lines: got })
        }
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
          let newline = text.indexOf('\n')
          while (newline >= 0) {
            got.push(JSON.parse(text.slice(0, newline)))
            text = text.slice(newline + 1)
            newline = text.indexOf('\n')
          }
          if (got.length >= lines) done()
          else if (got.length === 1 && during !== undefined) during().catch(reject)
        })
        res.on('end', () => {
          if (text.trim() !== '') got.push(JSON.parse(text))
          done()
        })
      })
      req.on('error', reject)
      req.end(body)
    }),
    10_000,
    `${lines} lines from ${path}`,
  )
}

describe('JSON gateway streams', { timeout: 60_000 }, () => {
  let m!: Member
  useMember((started) => {
    m = started
  })

  test('/v3/watch streams the created response, then events', async () => {
    const { status, lines } = await stream(m, '/v3/watch', '{"create_request":{"key":"Zm9v"}}', 2, async () => {
      await call(m.kv, 'Put', { key: b('foo'), value: b('bar') })
    })
    assert.equal(status, 200)
    const [created, event] = lines as { result: Record<string, unknown> }[]
    assert.equal(created?.result.created, true)
    assert.deepEqual((event?.result.events as unknown[] | undefined)?.[0], {
      kv: { key: 'Zm9v', create_revision: '2', mod_revision: '2', version: '1', value: 'YmFy' },
    })
  })

  test('/v3/lease/keepalive answers each request, keeping 64-bit IDs exact, then ends', async () => {
    const { ID } = await call(m.lease, 'LeaseGrant', { TTL: 30 })
    assert.ok(ID > 2n ** 53n, 'a lease ID beyond a double')
    const { status, lines } = await stream(m, '/v3/lease/keepalive', `{"ID":${ID}}\n{"ID":123}`, 2)
    assert.equal(status, 200)
    const results = (lines as { result: Record<string, unknown> }[]).map((line) => line.result)
    assert.equal(results[0]?.ID, ID.toString())
    assert.equal(results[0]?.TTL, '30')
    assert.equal(results[1]?.ID, '123')
    assert.equal(results[1]?.TTL, undefined, 'an unknown lease answers TTL 0')
  })

  test('a body that is not JSON is a 500 with the gateway error body', async () => {
    const { status, lines } = await stream(m, '/v3/watch', 'garbage', 1)
    assert.equal(status, 500)
    assert.deepEqual(lines, [
      {
        error: "invalid character 'g' looking for beginning of value",
        message: "invalid character 'g' looking for beginning of value",
        code: 2,
      },
    ])
  })
})

describe('gateway JSON reading', () => {
  test('JsonSplitter: values split across chunks, strings with braces and escapes', () => {
    const splitter = new JsonSplitter()
    assert.deepEqual(splitter.push('{"a":"}{\\"'), [])
    assert.deepEqual(splitter.push('x"} {"b":[1,{"c":2}]}\n{"d"'), [{ a: '}{"x' }, { b: [1, { c: 2 }] }])
    assert.deepEqual(splitter.push(':3}'), [{ d: 3 }])
    assert.throws(() => splitter.push('[1]'), SyntaxError)
  })

  test('parseJson keeps integers beyond 2^53 exact (as strings), leaves strings and small numbers alone', () => {
    assert.deepEqual(parseJson('{"ID":7587835215531993603,"TTL":30,"s":"12345678901234567890","f":-1.5e3}'), {
      ID: '7587835215531993603',
      TTL: 30,
      s: '12345678901234567890',
      f: -1500,
    })
    assert.deepEqual(parseJson('[-9223372036854775808]'), ['-9223372036854775808'])
  })
})
