/**
 * The membership change asked of the confchange `Changer` is not allowed, or the configuration
 * it was given breaks an invariant. The message is etcd's text for the condition (for example
 * `removed all voters`); the configuration is left unchanged.
 */
export class ConfChangeError extends Error {
  readonly code = 'RAFT_CONF_CHANGE_INVALID'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConfChangeError'
  }
}
