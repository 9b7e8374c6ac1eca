import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'))
        else resolve(address.port)
      })
    })
  })
}

/** A fresh, empty directory under the OS temp dir. Remove it with {@link removeDir}. */
export function makeTempDir(prefix = 'etcd-ts-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/** Removes a directory tree; missing is fine. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true })
}
