// STYLE.md §4: raft owns no clock, timer, random source, I/O, Promise or global. Outside
// src/testing (test tooling, Node-only), no source file may use them.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { it } from 'node:test'

const srcDir = join(import.meta.dirname, '..', 'src')
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]node:/, 'a node: import'],
  [/\bimport\s*\(/, 'a dynamic import'],
  [/\bDate\b/, 'Date'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'a timer'],
  [/\bperformance\b/, 'performance'],
  [/\bprocess\b/, 'process'],
  [/\bMath\.random\b/, 'Math.random (randomness comes from config.random; only config.ts may default to it)'],
  [/\bPromise\b|\basync\b|\bawait\b/, 'a Promise'],
]

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

it('raft sources outside testing/ use no clock, timer, I/O, process or randomness', () => {
  const files = sources(srcDir)
  assert.ok(files.length > 5, 'found the sources')
  const problems: string[] = []
  for (const file of files) {
    // Blank out comments (keeping line numbers): only code counts.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    const lines = text.split('\n')
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = (lines[i] ?? '').replace(/\/\/.*$/, '')
        for (const [pattern, what] of FORBIDDEN) {
          if (what.startsWith('Math.random') && relative(srcDir, file) === 'config.ts') continue
          // Node is the Promise/async-iterator driver for applications, by design.
          if (what === 'a Promise' && relative(srcDir, file) === 'node.ts') continue
          if (pattern.test(code)) problems.push(`${relative(srcDir, file)}:${i + 1}: ${what}: ${line.trim()}`)
        }
      })
  }
  assert.deepEqual(problems, [])
})
