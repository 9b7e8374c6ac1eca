// Time reaches the lessor only through its Clock: no real clock or timer in the sources.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { it } from 'node:test'

it('src/ uses no Date, setTimeout, setInterval, setImmediate, performance or process', async () => {
  const dir = new URL('../src/', import.meta.url)
  const files = (await readdir(dir)).filter((name) => name.endsWith('.ts'))
  assert.ok(files.length > 5)
  for (const name of files) {
    const code = (await readFile(new URL(name, dir), 'utf8')).replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')
    for (const banned of [
      /\bDate\b/,
      /\bsetTimeout\b/,
      /\bsetInterval\b/,
      /\bsetImmediate\b/,
      /\bperformance\b/,
      /\bprocess\./,
      /from 'node:/,
    ]) {
      assert.doesNotMatch(code, banned, `${name} uses ${banned}`)
    }
  }
})
