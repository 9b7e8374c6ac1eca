#!/usr/bin/env node
// The `etcd-ts` binary: etcd's command line, environment and config file → a running member.
import { main } from './main.js'

const code = await main(process.argv.slice(2), process.env)
await Promise.all([drained(process.stdout), drained(process.stderr)])
// Exit explicitly: a clean shutdown leaves nothing to wait for, and a forced one must not wait.
process.exit(code)

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('drain', resolve)
    stream.once('error', () => resolve())
  })
}
