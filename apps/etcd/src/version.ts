import { readFileSync } from 'node:fs'
import { PROGRAM } from './errors.js'

/** The etcd release whose API, flags and behaviour etcd-ts follows. */
export const ETCD_API_VERSION = '3.4.23'

let cachedVersion: string | undefined

/** This package's version (from its package.json, which sits one level above both src/ and dist/). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version?: unknown
      }
      cachedVersion = typeof json.version === 'string' ? json.version : 'unknown'
    } catch {
      cachedVersion = 'unknown'
    }
  }
  return cachedVersion
}

/**
 * What `--version` prints, line for line in the shape of `etcd --version` (a script reading
 * `Go OS/Arch:` still finds it), with our version first and the etcd release we follow second:
 *
 * ```
 * etcd-ts Version: 0.1.0
 * etcd API compatible: 3.4.23
 * Git SHA: n/a
 * Go Version: n/a (Node.js v20.20.0)
 * Go OS/Arch: linux/x64
 * ```
 */
export function versionText(): string {
  return [
    `${PROGRAM} Version: ${packageVersion()}`,
    `etcd API compatible: ${ETCD_API_VERSION}`,
    'Git SHA: n/a',
    `Go Version: n/a (Node.js ${process.version})`,
    `Go OS/Arch: ${process.platform}/${process.arch}`,
    '',
  ].join('\n')
}
