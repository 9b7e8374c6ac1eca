// The shared suite of the @etcd-ts/backend contract; memory-specific tests sit beside it.
import { runBackendConformance } from '@etcd-ts/backend-conformance'
import { MemoryBackend } from '@etcd-ts/backend-memory'

runBackendConformance({
  name: 'backend-memory',
  create: ({ options, components }) => new MemoryBackend(options, components),
  features: { durable: false },
})
