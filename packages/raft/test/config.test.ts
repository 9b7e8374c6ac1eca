// Config validation and defaults: resolveConfig and the RawNode constructor that uses it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type Config,
  DEFAULT_MAX_INFLIGHT_MSGS,
  DEFAULT_MAX_SIZE_PER_MSG,
  LOCAL_APPEND_THREAD,
  LOCAL_APPLY_THREAD,
  MemoryStorage,
  NOOP_LOGGER,
  RawNode,
  ReadOnlyOption,
  type Storage,
} from '@etcd-ts/raft'
import { resolveConfig } from '../src/config.js'

const base = (): Config => ({ id: 1n, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage() })

const INVALID: { name: string; config: Partial<Record<keyof Config, unknown>> }[] = [
  { name: 'id 0 (none)', config: { id: 0n } },
  { name: 'id not a bigint', config: { id: 1 } },
  { name: 'id of the local append thread', config: { id: LOCAL_APPEND_THREAD } },
  { name: 'id of the local apply thread', config: { id: LOCAL_APPLY_THREAD } },
  { name: 'heartbeatTick 0', config: { heartbeatTick: 0 } },
  { name: 'heartbeatTick negative', config: { heartbeatTick: -1 } },
  { name: 'heartbeatTick not an integer', config: { heartbeatTick: 1.5 } },
  { name: 'heartbeatTick NaN', config: { heartbeatTick: Number.NaN } },
  { name: 'electionTick equal to heartbeatTick', config: { electionTick: 1 } },
  { name: 'electionTick below heartbeatTick', config: { electionTick: 2, heartbeatTick: 3 } },
  { name: 'electionTick not an integer', config: { electionTick: 10.5 } },
  { name: 'storage missing', config: { storage: undefined } },
  { name: 'storage null', config: { storage: null } },
  { name: 'maxSizePerMsg negative', config: { maxSizePerMsg: -1 } },
  { name: 'maxSizePerMsg NaN', config: { maxSizePerMsg: Number.NaN } },
  { name: 'maxCommittedSizePerReady negative', config: { maxCommittedSizePerReady: -1 } },
  { name: 'maxUncommittedEntriesSize negative', config: { maxUncommittedEntriesSize: -1 } },
  { name: 'maxInflightMsgs 0', config: { maxInflightMsgs: 0 } },
  { name: 'maxInflightMsgs negative', config: { maxInflightMsgs: -1 } },
  { name: 'maxInflightMsgs not an integer', config: { maxInflightMsgs: 1.5 } },
  { name: 'maxInflightMsgs NaN', config: { maxInflightMsgs: Number.NaN } },
  { name: 'maxInflightBytes negative', config: { maxInflightBytes: -1 } },
  { name: 'maxInflightBytes below maxSizePerMsg', config: { maxSizePerMsg: 1024, maxInflightBytes: 1023 } },
  {
    name: 'ReadOnlyLeaseBased without checkQuorum',
    config: { readOnlyOption: ReadOnlyOption.ReadOnlyLeaseBased },
  },
  {
    name: 'ReadOnlyLeaseBased with checkQuorum false',
    config: { readOnlyOption: ReadOnlyOption.ReadOnlyLeaseBased, checkQuorum: false },
  },
  { name: 'applied negative', config: { applied: -1 } },
  { name: 'applied not an integer', config: { applied: 0.5 } },
]

describe('resolveConfig', () => {
  for (const { name, config } of INVALID) {
    it(`refuses ${name} (ConfigError)`, () => {
      const bad = { ...base(), ...config } as Config
      assert.throws(() => resolveConfig(bad), { name: 'ConfigError', code: 'RAFT_CONFIG_INVALID' })
    })
  }

  it('fills in the defaults', () => {
    const storage = new MemoryStorage()
    const resolved = resolveConfig({ id: 7n, electionTick: 10, heartbeatTick: 2, storage })
    assert.equal(resolved.id, 7n)
    assert.equal(resolved.electionTick, 10)
    assert.equal(resolved.heartbeatTick, 2)
    assert.equal(resolved.storage, storage)
    assert.equal(resolved.applied, 0)
    assert.equal(resolved.asyncStorageWrites, false)
    assert.equal(resolved.maxSizePerMsg, DEFAULT_MAX_SIZE_PER_MSG)
    assert.equal(DEFAULT_MAX_SIZE_PER_MSG, 1024 * 1024)
    // The committed budget follows the message size.
    assert.equal(resolved.maxCommittedSizePerReady, DEFAULT_MAX_SIZE_PER_MSG)
    assert.equal(resolved.maxUncommittedEntriesSize, Number.POSITIVE_INFINITY)
    assert.equal(resolved.maxInflightMsgs, DEFAULT_MAX_INFLIGHT_MSGS)
    assert.equal(DEFAULT_MAX_INFLIGHT_MSGS, 256)
    assert.equal(resolved.maxInflightBytes, Number.POSITIVE_INFINITY)
    assert.equal(resolved.checkQuorum, false)
    assert.equal(resolved.preVote, false)
    assert.equal(resolved.readOnlyOption, ReadOnlyOption.ReadOnlySafe)
    assert.equal(resolved.logger, NOOP_LOGGER)
    assert.equal(resolved.disableProposalForwarding, false)
    assert.equal(resolved.disableConfChangeValidation, false)
    assert.equal(resolved.stepDownOnRemoval, false)
    assert.equal(resolved.random, Math.random)
  })

  it('0 means "no limit" or "the default" where etcd says so', () => {
    const resolved = resolveConfig({
      ...base(),
      maxSizePerMsg: 4096,
      maxCommittedSizePerReady: 0,
      maxUncommittedEntriesSize: 0,
      maxInflightBytes: 0,
    })
    assert.equal(resolved.maxCommittedSizePerReady, 4096)
    assert.equal(resolved.maxUncommittedEntriesSize, Number.POSITIVE_INFINITY)
    assert.equal(resolved.maxInflightBytes, Number.POSITIVE_INFINITY)
    // maxSizePerMsg 0 is kept: one entry per message.
    assert.equal(resolveConfig({ ...base(), maxSizePerMsg: 0 }).maxSizePerMsg, 0)
    // ...and the committed budget becomes 1 byte (one entry per Ready), not a zero budget that
    // would throw at the first committed entry.
    assert.equal(resolveConfig({ ...base(), maxSizePerMsg: 0 }).maxCommittedSizePerReady, 1)
  })

  it('keeps explicit values', () => {
    const random = () => 0.5
    const logger = { debug() {}, info() {}, warn() {}, error() {} }
    const resolved = resolveConfig({
      ...base(),
      applied: 3,
      asyncStorageWrites: true,
      maxSizePerMsg: 100,
      maxCommittedSizePerReady: 200,
      maxUncommittedEntriesSize: 300,
      maxInflightMsgs: 4,
      maxInflightBytes: 100,
      checkQuorum: true,
      preVote: true,
      readOnlyOption: ReadOnlyOption.ReadOnlyLeaseBased,
      logger,
      disableProposalForwarding: true,
      disableConfChangeValidation: true,
      stepDownOnRemoval: true,
      random,
    })
    assert.deepEqual(
      {
        applied: resolved.applied,
        asyncStorageWrites: resolved.asyncStorageWrites,
        maxSizePerMsg: resolved.maxSizePerMsg,
        maxCommittedSizePerReady: resolved.maxCommittedSizePerReady,
        maxUncommittedEntriesSize: resolved.maxUncommittedEntriesSize,
        maxInflightMsgs: resolved.maxInflightMsgs,
        maxInflightBytes: resolved.maxInflightBytes,
        checkQuorum: resolved.checkQuorum,
        preVote: resolved.preVote,
        readOnlyOption: resolved.readOnlyOption,
        disableProposalForwarding: resolved.disableProposalForwarding,
        disableConfChangeValidation: resolved.disableConfChangeValidation,
        stepDownOnRemoval: resolved.stepDownOnRemoval,
      },
      {
        applied: 3,
        asyncStorageWrites: true,
        maxSizePerMsg: 100,
        maxCommittedSizePerReady: 200,
        maxUncommittedEntriesSize: 300,
        maxInflightMsgs: 4,
        maxInflightBytes: 100,
        checkQuorum: true,
        preVote: true,
        readOnlyOption: ReadOnlyOption.ReadOnlyLeaseBased,
        disableProposalForwarding: true,
        disableConfChangeValidation: true,
        stepDownOnRemoval: true,
      },
    )
    assert.equal(resolved.logger, logger)
    assert.equal(resolved.random, random)
  })

  it('accepts the boundaries', () => {
    assert.equal(resolveConfig({ ...base(), electionTick: 2, heartbeatTick: 1 }).electionTick, 2)
    assert.equal(resolveConfig({ ...base(), maxSizePerMsg: 1024, maxInflightBytes: 1024 }).maxInflightBytes, 1024)
    assert.equal(resolveConfig({ ...base(), maxInflightMsgs: 1 }).maxInflightMsgs, 1)
    // An unbounded window is capped to what the ring buffer can index.
    assert.equal(resolveConfig({ ...base(), maxInflightMsgs: Number.POSITIVE_INFINITY }).maxInflightMsgs, 2 ** 31 - 1)
  })
})

describe('new RawNode(config)', () => {
  for (const { name, config } of INVALID) {
    it(`refuses ${name} (ConfigError)`, () => {
      const bad = { ...base(), ...config } as Config
      assert.throws(() => new RawNode(bad), { name: 'ConfigError', code: 'RAFT_CONFIG_INVALID' })
    })
  }

  it('reads nothing from a storage it refuses', () => {
    let reads = 0
    const storage = new MemoryStorage()
    const counting = new Proxy(storage, {
      get(target, key, receiver) {
        reads++
        const value = Reflect.get(target, key, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    }) as Storage
    assert.throws(() => new RawNode({ ...base(), storage: counting, heartbeatTick: 0 }), {
      code: 'RAFT_CONFIG_INVALID',
    })
    assert.equal(reads, 0)
    assert.doesNotThrow(() => new RawNode({ ...base(), storage: counting }))
    assert.ok(reads > 0)
  })
})
