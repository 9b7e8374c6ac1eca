// etcdserverpb.Auth while authentication is not implemented: auth is reported disabled, and
// Authenticate answers etcd's "authentication is not enabled" (what etcd answers with auth
// off), so clients configured with a user get etcd's error. The user and role RPCs answer
// UNIMPLEMENTED until the auth store exists.
import { type AuthHandlers, EtcdError } from '@etcd-ts/api'
import type { EtcdServer } from '../server.js'
import { unary } from './common.js'

/** Handlers of `etcdserverpb.Auth` (those not given answer UNIMPLEMENTED). */
export function authHandlers(server: EtcdServer): Partial<AuthHandlers> {
  return {
    AuthStatus: unary(server, async () => ({ header: server.header(), enabled: false, authRevision: 0 })),
    Authenticate: unary(server, async () => {
      throw new EtcdError('AUTH_NOT_ENABLED')
    }),
  }
}
