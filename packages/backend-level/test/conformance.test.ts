// The shared suite every adapter runs (@etcd-ts/backend-conformance); this package's own tests
// sit beside it.
import { runBackendConformance } from '@etcd-ts/backend-conformance'
import { LevelBackend } from '@etcd-ts/backend-level'

runBackendConformance({
  name: 'backend-level',
  create: ({ location, options, components }) => new LevelBackend({ ...options, location }, components),
  features: { durable: true },
})
