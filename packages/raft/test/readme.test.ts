// The Ready-loop example of README.md, run as written (keep the two in sync).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { decodeConfChange, EntryType, MemoryStorage, type Message, RawNode } from '@etcd-ts/raft'

it('README: a three-member cluster in one process elects a leader and replicates a proposal', () => {
  const ids = [1n, 2n, 3n]
  const nodes = new Map<bigint, { raw: RawNode; storage: MemoryStorage; applied: string[] }>()
  for (const id of ids) {
    const storage = new MemoryStorage()
    const raw = new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage })
    raw.bootstrap(ids.map((peer) => ({ id: peer }))) // a brand-new cluster
    nodes.set(id, { raw, storage, applied: [] })
  }

  const network: Message[] = []
  function processReadies(): boolean {
    let worked = false
    for (const { raw, storage, applied } of nodes.values()) {
      while (raw.hasReady()) {
        worked = true
        const rd = raw.ready()
        if (rd.hardState.term !== 0) storage.setHardState(rd.hardState) // 1. persist
        storage.append(rd.entries)
        network.push(...rd.messages) //                                     2. send
        for (const entry of rd.committedEntries) {
          //                                                                3. apply
          if (entry.type === EntryType.EntryConfChange) raw.applyConfChange(decodeConfChange(entry.data))
          else if (entry.data.length > 0) applied.push(new TextDecoder().decode(entry.data))
        }
        raw.advance() //                                                    4. advance
      }
    }
    for (const message of network.splice(0)) nodes.get(message.to)?.raw.step(message)
    return worked || network.length > 0
  }

  while (processReadies()) {} // apply the bootstrap configuration everywhere
  nodes.get(1n)?.raw.campaign()
  while (processReadies()) {} // elect node 1
  nodes.get(1n)?.raw.propose(new TextEncoder().encode('hello'))
  while (processReadies()) {}

  for (const [id, node] of nodes) {
    assert.deepEqual(node.applied, ['hello'], `node ${id}`)
    assert.equal(node.raw.basicStatus().lead, 1n)
  }
})
