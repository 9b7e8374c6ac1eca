import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EntryType, MemoryStorage, Node, type Ready, StateType } from '@etcd-ts/raft'

const config = (storage: MemoryStorage) => ({ id: 1n, electionTick: 10, heartbeatTick: 1, storage })

// Runs a single-node Ready loop in the background, persisting and recording applied entries.
function runLoop(node: Node, storage: MemoryStorage, applied: Uint8Array[], readies: Ready[] = []): Promise<void> {
  return (async () => {
    for await (const rd of node.ready()) {
      readies.push(rd)
      if (rd.hardState.term !== 0) storage.setHardState(rd.hardState)
      storage.append(rd.entries)
      for (const entry of rd.committedEntries) {
        if (entry.type === EntryType.EntryConfChange) {
          const { decodeConfChange } = await import('@etcd-ts/raft')
          node.applyConfChange(decodeConfChange(entry.data))
        } else if (entry.data.length > 0) {
          applied.push(entry.data)
        }
      }
      node.advance()
    }
  })()
}

// Lets the background loop run until nothing is pending.
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('Node', () => {
  it('bootstraps, elects itself, and commits proposals through the async Ready loop', async () => {
    const storage = new MemoryStorage()
    const node = Node.start(config(storage), [{ id: 1n }])
    const applied: Uint8Array[] = []
    const loop = runLoop(node, storage, applied)
    // The bootstrap conf change must be applied before the node may campaign.
    await settle()
    await node.campaign()
    await settle()
    assert.equal(node.basicStatus().raftState, StateType.StateLeader)
    await node.propose(new TextEncoder().encode('a'))
    await node.propose(new TextEncoder().encode('b'))
    await settle()
    assert.deepEqual(
      applied.map((d) => new TextDecoder().decode(d)),
      ['a', 'b'],
    )
    node.stop()
    await loop
  })

  it('hands out the next Ready only after advance()', async () => {
    const storage = new MemoryStorage()
    const node = Node.start(config(storage), [{ id: 1n }, { id: 2n }])
    const iterator = node.ready()
    const handle = (rd: Ready) => {
      if (rd.hardState.term !== 0) storage.setHardState(rd.hardState)
      storage.append(rd.entries)
    }
    const bootstrap = await iterator.next()
    handle(bootstrap.value as Ready)
    node.advance()
    await node.campaign()
    const campaign = await iterator.next()
    assert.equal((campaign.value as Ready).softState?.raftState, StateType.StateCandidate)
    // While that Ready is out, the election times out again: there is new work...
    for (let i = 0; i < 20; i++) node.tick()
    const received: IteratorResult<Ready>[] = []
    const pending = iterator.next().then((r) => {
      received.push(r)
    })
    await settle()
    // ...but it waits for advance().
    assert.equal(received.length, 0)
    handle(campaign.value as Ready)
    node.advance()
    await pending
    const [next] = received
    assert.ok(next !== undefined && next.done === false)
    assert.ok(next.value.hardState.term >= 2)
    node.stop()
    assert.equal((await iterator.next()).done, true)
  })

  it('rejects proposals without a leader, and every call after stop', async () => {
    const storage = new MemoryStorage()
    const node = Node.start(config(storage), [{ id: 1n }])
    await assert.rejects(node.propose(new Uint8Array([1])), { code: 'RAFT_PROPOSAL_DROPPED' })
    node.stop()
    node.stop()
    await assert.rejects(node.campaign(), { code: 'RAFT_STOPPED' })
    await assert.rejects(node.propose(new Uint8Array([1])), { code: 'RAFT_STOPPED' })
  })

  it('rejects a call whose signal is already aborted', async () => {
    const node = Node.start(config(new MemoryStorage()), [{ id: 1n }])
    const controller = new AbortController()
    controller.abort(new Error('gave up'))
    await assert.rejects(node.propose(new Uint8Array([1]), { signal: controller.signal }), /gave up/)
    node.stop()
  })

  it('allows one Ready consumer at a time', async () => {
    const node = Node.start(config(new MemoryStorage()), [{ id: 1n }])
    const first = node.ready()
    await first.next()
    await assert.rejects(node.ready().next(), TypeError)
    node.stop()
    await first.return(undefined)
  })

  it('restarts from storage with its term and log', async () => {
    const storage = new MemoryStorage()
    const node = Node.start(config(storage), [{ id: 1n }])
    const applied: Uint8Array[] = []
    const loop = runLoop(node, storage, applied)
    await settle()
    await node.campaign()
    await settle()
    await node.propose(new Uint8Array([7]))
    await settle()
    node.stop()
    await loop
    const term = node.basicStatus().term
    const restarted = Node.restart(config(storage))
    assert.equal(restarted.basicStatus().term, term)
    assert.equal(restarted.basicStatus().commit, storage.lastIndex())
    restarted.stop()
  })
})
