import { join } from 'node:path'
import { Decoder } from './decoder.js'
import { CrcMismatchError, InvalidRecordError, UnexpectedEofError, WalLockedError } from './errors.js'
import type { WalFile, WalFileSystem } from './file-system.js'
import type { ResolvedWalOptions } from './options.js'
import { readWalNames, type WalName } from './wal-name.js'
import { RecordType } from './walpb.js'

/** The `.broken` copy is made in pieces of this many bytes (1 MiB). */
const COPY_CHUNK_BYTES = 1 << 20

/**
 * etcd's `wal.Repair`: decodes the last segment alone (so torn writes are recognised, and its
 * CRC record seeds the chain); on an unexpected EOF copies it to `<name>.broken`, truncates it
 * at the end of its last valid record and fdatasyncs it. See `Wal.repair`.
 */
export async function repairWal(options: ResolvedWalOptions, dir: string): Promise<boolean> {
  const { fs, logger } = options
  const names = await readWalNames(fs, dir, logger)
  const path = join(dir, (names.at(-1) as WalName).name)
  const file = await fs.open(path, 'write')
  try {
    if (!(await file.tryLock())) throw new WalLockedError(path)
    const decoder = new Decoder([{ path, file }])
    for (;;) {
      const lastOffset = decoder.lastOffset
      try {
        const record = await decoder.next()
        if (record === undefined) {
          logger.info(`wal: repaired ${path}: nothing to repair`)
          return true
        }
        if (record.type === RecordType.Crc) decoder.acceptCrcRecord(record)
      } catch (error) {
        if (error instanceof CrcMismatchError || error instanceof InvalidRecordError) {
          logger.warn(`wal: failed to repair ${path}: ${error.message}`)
          return false
        }
        if (!(error instanceof UnexpectedEofError)) throw error
        await copyFile(fs, file, `${path}.broken`)
        await file.truncate(lastOffset)
        await file.datasync()
        logger.info(
          `wal: repaired ${path}: truncated at offset ${lastOffset} (${error.message}); the damaged file is kept as ${path}.broken`,
        )
        return true
      }
    }
  } finally {
    await file.close()
  }
}

async function copyFile(fs: WalFileSystem, from: WalFile, to: string): Promise<void> {
  const target = await fs.open(to, 'create')
  try {
    const size = await from.size()
    const chunk = new Uint8Array(Math.min(COPY_CHUNK_BYTES, size))
    for (let at = 0; at < size; ) {
      const read = await from.read(chunk, at)
      if (read === 0) break
      await target.write(chunk.subarray(0, read), at)
      at += read
    }
  } finally {
    await target.close()
  }
}
