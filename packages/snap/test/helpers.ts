// Shared test helpers (not a test file: run-tests only picks up *.test.ts).
import { readdir } from 'node:fs/promises'
import type { Snapshot } from '@etcd-ts/raft'
import type { Logger } from '@etcd-ts/snap'
import { makeTempDir, removeDir } from '@etcd-ts/test-support'
import fc from 'fast-check'

/** Runs `fn` in a fresh directory under os.tmpdir(), removed afterwards whatever happens. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir('etcd-ts-snap-')
  try {
    await fn(dir)
  } finally {
    await removeDir(dir)
  }
}

/** A small valid snapshot at (term, index), whose data names it. */
export function makeSnapshot(term: number, index: number, voters: bigint[] = [1n]): Snapshot {
  return {
    data: new TextEncoder().encode(`state at term ${term}, index ${index}`),
    metadata: {
      index,
      term,
      confState: { voters, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
    },
  }
}

/** The sorted entry names of `dir`. */
export async function list(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}

/** A logger that records `level: message` lines. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  }
}

/** An error with a Node-style `code`, as the file system throws. */
export function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected failure, ${syscall} '${path}'`)
  error.code = code
  error.syscall = syscall
  error.path = path
  return error
}

/** Resolves after the current I/O callbacks (lets a pending stream step run). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

const arbitraryId = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const plain = { noNullPrototype: true } as const
/** Random valid, non-empty raft snapshots (plain objects, so they deep-equal decoded ones). */
export const arbitrarySnapshot: fc.Arbitrary<Snapshot> = fc.record(
  {
    data: fc.uint8Array({ maxLength: 200 }),
    metadata: fc.record(
      {
        index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        term: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        confState: fc.record(
          {
            voters: fc.uniqueArray(arbitraryId, { maxLength: 5 }),
            learners: fc.uniqueArray(arbitraryId, { maxLength: 3 }),
            votersOutgoing: fc.uniqueArray(arbitraryId, { maxLength: 3 }),
            learnersNext: fc.uniqueArray(arbitraryId, { maxLength: 2 }),
            autoLeave: fc.boolean(),
          },
          plain,
        ),
      },
      plain,
    ),
  },
  plain,
)
