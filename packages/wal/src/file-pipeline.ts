/**
 * The file pipeline (etcd's `wal/file_pipeline.go`): keeps the next segment file ready —
 * created, locked and preallocated — so that a cut only writes three records and renames it.
 *
 * Files are named `0.tmp` and `1.tmp` alternately. One is prepared in the background as soon
 * as the pipeline starts and again whenever one is taken; {@link FilePipeline.close} waits for
 * the one in preparation and removes it.
 */
import { join } from 'node:path'
import { WalLockedError } from './errors.js'
import type { WalFile, WalFileSystem } from './file-system.js'

/** A prepared segment file, locked, `sizeBytes` long, under a temporary name. */
export interface PipelineFile {
  readonly path: string
  readonly file: WalFile
}

type Settled = { readonly file: PipelineFile } | { readonly error: unknown }

export class FilePipeline {
  readonly #fs: WalFileSystem
  readonly #dir: string
  readonly #sizeBytes: number
  readonly #sync: boolean
  #count = 0
  // Never rejects: a failed preparation settles as { error }, rethrown by take().
  #pending: Promise<Settled> | undefined
  #closed = false

  /**
   * @param sizeBytes What each file is preallocated to.
   * @param sync Whether to fdatasync the preallocated file (false under `unsafeNoFsync`).
   */
  constructor(fs: WalFileSystem, dir: string, sizeBytes: number, sync: boolean) {
    this.#fs = fs
    this.#dir = dir
    this.#sizeBytes = sizeBytes
    this.#sync = sync
  }

  /** Starts preparing a file, unless one is ready or in preparation. */
  start(): void {
    if (this.#closed || this.#pending !== undefined) return
    this.#pending = this.#prepare().then(
      (file) => ({ file }),
      (error: unknown) => ({ error }),
    )
  }

  /**
   * The prepared file (waiting for it if needed); starts preparing the next one.
   *
   * @throws WalLockedError if the temporary file is locked by someone else; file-system errors.
   */
  async take(): Promise<PipelineFile> {
    this.start()
    const settled = await (this.#pending as Promise<Settled>)
    this.#pending = undefined
    if ('error' in settled) throw settled.error
    this.start()
    return settled.file
  }

  /** Stops preparing files and removes the unused one. Calling it twice is safe. */
  async close(): Promise<void> {
    this.#closed = true
    const pending = this.#pending
    this.#pending = undefined
    if (pending === undefined) return
    const settled = await pending
    if ('error' in settled) return
    await settled.file.file.close()
    await this.#fs.unlink(settled.file.path).catch(() => {
      // Best effort, as etcd's os.Remove: a leftover .tmp file is ignored and reused.
    })
  }

  async #prepare(): Promise<PipelineFile> {
    const path = join(this.#dir, `${this.#count % 2}.tmp`)
    this.#count++
    // A leftover from an earlier run is reused, but only once we hold its lock is it emptied.
    const existed = await this.#fs.exists(path)
    const file = await this.#fs.open(path, existed ? 'write' : 'create')
    try {
      if (!(await file.tryLock())) throw new WalLockedError(path)
      if (existed) await file.truncate(0)
      await file.allocate(this.#sizeBytes)
      if (this.#sync) await file.datasync()
      return { path, file }
    } catch (error) {
      await file.close()
      throw error
    }
  }
}
