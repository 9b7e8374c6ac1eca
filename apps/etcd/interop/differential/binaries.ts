import { requireBinary } from '@etcd-ts/test-support'

/**
 * Whether the real `etcd` and `etcdctl` are here. A missing one registers, through
 * `requireBinary`, a failing test under CI (which installs them) and a loud skip elsewhere.
 * Call at module level, before `describe`.
 */
export function binariesAvailable(): boolean {
  const etcd = requireBinary('etcd')
  const etcdctl = requireBinary('etcdctl')
  return etcd !== undefined && etcdctl !== undefined
}

/** Per-script bound for node:test: two servers, a few dozen etcdctl runs each. */
export const SCRIPT_TIMEOUT_MS = 90_000
