// The on-disk layout of a store (see README "On-disk layout"):
//
//   <location>/GENERATION          "gen-<n>\n": which LevelDB directory is the store
//   <location>/gen-<n>/            that LevelDB (CURRENT, MANIFEST-*, *.log, *.ldb, LOCK, LOG)
//   <location>/gen-<m>/            m != n: a generation being built by replace(), or one being
//                                  retired after it; garbage after a crash, removed at open
//   <location>/GENERATION.tmp-*    a pointer being written; garbage after a crash
//
// The pointer changes only by write-temp + fsync + rename + fsync(location), so after a crash it
// names either the old generation or the new one, both complete on disk.
import { randomBytes } from 'node:crypto'
import { open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidLocationError } from './errors.js'

/** The pointer file's name. */
export const POINTER_FILE = 'GENERATION'
const POINTER_TEMP_PREFIX = 'GENERATION.tmp-'
const GENERATION_NAME = /^gen-([1-9][0-9]{0,14})$/

/** The directory name of generation `n`. */
export function generationName(n: number): string {
  return `gen-${n}`
}

/** The generation `name` is the directory of, or `undefined` if it is no generation's. */
export function parseGenerationName(name: string): number | undefined {
  const match = GENERATION_NAME.exec(name)
  return match === null ? undefined : Number(match[1])
}

/**
 * The generation the pointer names, or `undefined` when there is no pointer (a new store).
 *
 * @throws InvalidLocationError when the pointer does not parse.
 */
export async function readPointer(location: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(join(location, POINTER_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const generation = text.endsWith('\n') ? parseGenerationName(text.slice(0, -1)) : undefined
  if (generation === undefined) {
    throw new InvalidLocationError(
      location,
      `${POINTER_FILE} must hold "gen-<n>" and a newline, found ${JSON.stringify(text.slice(0, 40))}`,
    )
  }
  return generation
}

/** Named points of {@link writePointer}, for crash tests. */
export type PointerStep = 'beforeRename' | 'afterRename'

/**
 * Points the store at generation `n`, atomically and durably: the new pointer is written to a
 * temporary file and fsynced, renamed over the old one, and the directory fsynced.
 */
export async function writePointer(
  location: string,
  n: number,
  step: (name: PointerStep) => void | Promise<void> = () => {},
): Promise<void> {
  const temp = join(location, `${POINTER_TEMP_PREFIX}${randomBytes(6).toString('hex')}`)
  const file = await open(temp, 'w', 0o644)
  try {
    await file.writeFile(`${generationName(n)}\n`)
    await file.sync()
  } finally {
    await file.close()
  }
  await step('beforeRename')
  await rename(temp, join(location, POINTER_FILE))
  await step('afterRename')
  await fsyncDir(location)
}

/** fsyncs a directory, making the names created, renamed or removed in it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Whether `name`, in a location, is debris of an interrupted replace or pointer update. */
export function isLeftover(name: string, live: number): boolean {
  const generation = parseGenerationName(name)
  if (generation !== undefined) return generation !== live
  return name.startsWith(POINTER_TEMP_PREFIX)
}

/** Removes every leftover of `location` (see {@link isLeftover}); returns the names removed. */
export async function removeLeftovers(location: string, live: number): Promise<string[]> {
  const removed: string[] = []
  for (const name of await readdir(location)) {
    if (!isLeftover(name, live)) continue
    await rm(join(location, name), { recursive: true, force: true })
    removed.push(name)
  }
  if (removed.length > 0) await fsyncDir(location)
  return removed
}

/**
 * Refuses a location holding a plain LevelDB (files of its own at the top, no pointer): opening
 * it as a new, empty store beside that data would look like data loss.
 *
 * @throws InvalidLocationError
 */
export async function assertNoPlainLevelDb(location: string): Promise<void> {
  const names = await readdir(location)
  if (names.some((name) => name === 'CURRENT' || name.startsWith('MANIFEST-') || name.endsWith('.ldb'))) {
    throw new InvalidLocationError(
      location,
      `holds a plain LevelDB but no ${POINTER_FILE} file: not a store of @etcd-ts/backend-level`,
    )
  }
}
