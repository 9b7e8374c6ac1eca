import { it } from 'node:test'
import { findBinary } from './etcd-process.js'

/**
 * Resolves an external binary an interop suite needs (`etcd`, `etcdctl`), or registers why the
 * suite cannot run: a failing test under `CI=true` (CI installs the binaries, so a missing one is
 * a broken setup), a loudly skipped one elsewhere. Returns `undefined` in the latter cases.
 */
export function requireBinary(name: 'etcd' | 'etcdctl'): string | undefined {
  const path = findBinary(name)
  if (path !== undefined) return path
  const why = `${name} not found (install Debian's etcd-server and etcd-client, or set ${name === 'etcd' ? 'ETCD_BIN' : 'ETCDCTL_BIN'})`
  if (process.env.CI === 'true') {
    it(`finds ${name} (required in CI)`, () => {
      throw new Error(why)
    })
  } else {
    console.warn(`\n*** SKIPPED: ${why} ***\n`)
    it.skip(`interop suite needs ${name}: ${why}`)
  }
  return undefined
}
