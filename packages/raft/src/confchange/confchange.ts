import { ConfChangeError } from '../errors.js'
import { MajorityConfig } from '../quorum/majority.js'
import { type ConfChangeSingle, ConfChangeType, type Index, type NodeId } from '../raftpb/types.js'
import { Inflights } from '../tracker/inflights.js'
import { Progress, ProgressMap } from '../tracker/progress.js'
import type { TrackerConfig } from '../tracker/tracker.js'

/** What the {@link Changer} reads: the current configuration and how to size new progresses. */
export interface ChangerTracker {
  readonly config: TrackerConfig
  readonly progress: ProgressMap
  /** In-flight window of a new peer's progress, in messages. */
  readonly maxInflight: number
  /** In-flight window of a new peer's progress, in bytes; 0 for no limit. */
  readonly maxInflightBytes: number
}

/** A configuration and progress map produced by the {@link Changer}, ready to install. */
export interface ChangerResult {
  readonly config: TrackerConfig
  readonly progress: ProgressMap
}

/**
 * Computes membership changes (etcd's `confchange.Changer`).
 *
 * Each method validates and applies changes to a **copy** of the tracker's configuration and
 * progress, and returns the copy; the tracker itself is never modified, and on error nothing
 * changes. Changes to voters go to the incoming half (`voters.incoming`); the outgoing half
 * holds the old voters while joint:
 *
 * ```
 *   simple():      (1 2 3)             -> (1 2 3 4)            at most one voter changes
 *   enterJoint():  (1 2 3)             -> (1 2 4)&&(1 2 3)     C_old -> C_{old,new}
 *   leaveJoint():  (1 2 4)&&(1 2 3)    -> (1 2 4)              C_{old,new} -> C_new
 * ```
 *
 * Raft thesis §4.3 describes joint consensus; etcd adds learners and `learnersNext`.
 *
 * @throws ConfChangeError from every method, with etcd's message, when a change is refused.
 */
export class Changer {
  readonly tracker: ChangerTracker
  /** The log's last index: new peers start probing from `max(lastIndex, 1)`. */
  readonly lastIndex: Index

  constructor(tracker: ChangerTracker, lastIndex: Index) {
    this.tracker = tracker
    this.lastIndex = lastIndex
  }

  /**
   * Enters a joint configuration: copies the incoming voters to the outgoing half, then
   * applies `changes` to the incoming half, so `(1 2 3)` becomes `(1 2 3)&&(1 2 3)` and then,
   * say, `(1 2 4)&&(1 2 3)`.
   *
   * @param autoLeave - whether raft leaves the joint configuration by itself once committed.
   * @throws ConfChangeError when already joint (`config is already joint`), when there are no
   *   voters (`can't make a zero-voter config joint`), or when the changes remove every voter.
   */
  enterJoint(autoLeave: boolean, ...changes: ConfChangeSingle[]): ChangerResult {
    const { config, progress } = this.#checkAndCopy()
    if (config.voters.isJoint()) throw new ConfChangeError('config is already joint')
    if (config.voters.incoming.size === 0) {
      // Adding to an empty configuration is allowed (bootstrap, tests); a joint one is not.
      throw new ConfChangeError("can't make a zero-voter config joint")
    }
    config.voters.outgoing = new MajorityConfig(config.voters.incoming)
    this.#apply(config, progress, changes)
    config.autoLeave = autoLeave
    return checkAndReturn(config, progress)
  }

  /**
   * Leaves a joint configuration: drops the outgoing half, turns `learnersNext` into learners,
   * and forgets peers that are in neither the incoming voters nor the learners.
   *
   * @throws ConfChangeError when not joint (`can't leave a non-joint config`).
   */
  leaveJoint(): ChangerResult {
    const { config, progress } = this.#checkAndCopy()
    if (!config.voters.isJoint()) throw new ConfChangeError("can't leave a non-joint config")
    for (const id of config.learnersNext) {
      config.learners.add(id)
      progressOf(progress, id).isLearner = true
    }
    config.learnersNext.clear()
    for (const id of config.voters.outgoing) {
      if (!config.voters.incoming.has(id) && !config.learners.has(id)) progress.delete(id)
    }
    config.voters.outgoing = new MajorityConfig()
    config.autoLeave = false
    return checkAndReturn(config, progress)
  }

  /**
   * Applies `changes` that together add, remove, promote or demote at most one voter, without
   * a joint configuration (Raft thesis §4.1, one server at a time).
   *
   * @throws ConfChangeError when joint (`can't apply simple config change in joint config`),
   *   when more than one voter would change (`more than one voter changed without entering
   *   joint config`), or when every voter would be removed (`removed all voters`).
   */
  simple(...changes: ConfChangeSingle[]): ChangerResult {
    const { config, progress } = this.#checkAndCopy()
    if (config.voters.isJoint()) {
      throw new ConfChangeError("can't apply simple config change in joint config")
    }
    this.#apply(config, progress, changes)
    if (symmetricDifference(this.tracker.config.voters.incoming, config.voters.incoming) > 1) {
      throw new ConfChangeError('more than one voter changed without entering joint config')
    }
    return checkAndReturn(config, progress)
  }

  // Applies changes to the incoming half of `config`. Node ID 0 is skipped: etcd zeroes the ID
  // of a change it decided (outside raft) not to apply.
  #apply(config: TrackerConfig, progress: ProgressMap, changes: readonly ConfChangeSingle[]): void {
    for (const change of changes) {
      if (change.nodeId === 0n) continue
      switch (change.type) {
        case ConfChangeType.ConfChangeAddNode:
          this.#makeVoter(config, progress, change.nodeId)
          break
        case ConfChangeType.ConfChangeAddLearnerNode:
          this.#makeLearner(config, progress, change.nodeId)
          break
        case ConfChangeType.ConfChangeRemoveNode:
          remove(config, progress, change.nodeId)
          break
        case ConfChangeType.ConfChangeUpdateNode:
          break
        default:
          throw new ConfChangeError(`unexpected conf type ${(change as ConfChangeSingle).type}`)
      }
    }
    if (config.voters.incoming.size === 0) throw new ConfChangeError('removed all voters')
  }

  // Adds `id` as a voter of the incoming half, or promotes it from learner.
  #makeVoter(config: TrackerConfig, progress: ProgressMap, id: NodeId): void {
    const existing = progress.get(id)
    if (existing === undefined) {
      this.#initProgress(config, progress, id, false)
      return
    }
    existing.isLearner = false
    config.learners.delete(id)
    config.learnersNext.delete(id)
    config.voters.incoming.add(id)
  }

  // Makes `id` a learner, or stages it in learnersNext while it is still an outgoing voter: a
  // peer is never tracked as voter and learner at once, so the demotion completes in leaveJoint.
  #makeLearner(config: TrackerConfig, progress: ProgressMap, id: NodeId): void {
    const existing = progress.get(id)
    if (existing === undefined) {
      this.#initProgress(config, progress, id, true)
      return
    }
    if (existing.isLearner) return
    // Remove it as a voter of the incoming half, but keep its progress.
    remove(config, progress, id)
    progress.set(id, existing)
    if (config.voters.outgoing.has(id)) {
      config.learnersNext.add(id)
    } else {
      existing.isLearner = true
      config.learners.add(id)
    }
  }

  #initProgress(config: TrackerConfig, progress: ProgressMap, id: NodeId, isLearner: boolean): void {
    if (isLearner) config.learners.add(id)
    else config.voters.incoming.add(id)
    progress.set(
      id,
      new Progress({
        // Probing from the last index is optimistic (the new peer most likely has no log and
        // needs a snapshot), but it is what etcd does. Invariant: match < next.
        match: 0,
        next: Math.max(this.lastIndex, 1),
        inflights: new Inflights(this.tracker.maxInflight, this.tracker.maxInflightBytes),
        isLearner,
        // A new peer counts as active, so CheckQuorum does not step down before it reported in.
        recentActive: true,
      }),
    )
  }

  // Copies the tracker's configuration and progress (each Progress shallowly: only isLearner
  // is mutated here) after checking the invariants of the original.
  #checkAndCopy(): ChangerResult {
    const config = this.tracker.config.clone()
    const progress = new ProgressMap()
    for (const [id, p] of this.tracker.progress) progress.set(id, p.clone())
    return checkAndReturn(config, progress)
  }
}

// Removes `id` as a voter of the incoming half and as a learner. Its progress is kept while
// it is still an outgoing voter.
function remove(config: TrackerConfig, progress: ProgressMap, id: NodeId): void {
  if (!progress.has(id)) return
  config.voters.incoming.delete(id)
  config.learners.delete(id)
  config.learnersNext.delete(id)
  if (!config.voters.outgoing.has(id)) progress.delete(id)
}

function progressOf(progress: ProgressMap, id: NodeId): Progress {
  const p = progress.get(id)
  if (p === undefined) throw new ConfChangeError(`no progress for ${id}`)
  return p
}

/**
 * Checks that a configuration and a progress map fit each other: every voter and learner has
 * a progress; learners and voters are disjoint; learnersNext are outgoing voters not yet marked
 * learner; outside a joint configuration learnersNext is empty and autoLeave false.
 */
function checkAndReturn(config: TrackerConfig, progress: ProgressMap): ChangerResult {
  for (const ids of [config.voters.ids(), config.learners, config.learnersNext]) {
    for (const id of ids) progressOf(progress, id)
  }
  for (const id of config.learnersNext) {
    if (!config.voters.outgoing.has(id)) {
      throw new ConfChangeError(`${id} is in LearnersNext, but not Voters[1]`)
    }
    if (progressOf(progress, id).isLearner) {
      throw new ConfChangeError(`${id} is in LearnersNext, but is already marked as learner`)
    }
  }
  for (const id of config.learners) {
    if (config.voters.outgoing.has(id)) throw new ConfChangeError(`${id} is in Learners and Voters[1]`)
    if (config.voters.incoming.has(id)) throw new ConfChangeError(`${id} is in Learners and Voters[0]`)
    if (!progressOf(progress, id).isLearner) {
      throw new ConfChangeError(`${id} is in Learners, but is not marked as learner`)
    }
  }
  if (!config.voters.isJoint()) {
    if (config.learnersNext.size > 0) {
      throw new ConfChangeError('cfg.LearnersNext must be nil when not joint')
    }
    if (config.autoLeave) throw new ConfChangeError('AutoLeave must be false when not joint')
  }
  return { config, progress }
}

// The number of IDs in exactly one of the two sets.
function symmetricDifference(a: ReadonlySet<NodeId>, b: ReadonlySet<NodeId>): number {
  let n = 0
  for (const id of a) if (!b.has(id)) n++
  for (const id of b) if (!a.has(id)) n++
  return n
}

const CONF_CHANGE_TYPE_NAMES: Record<ConfChangeType, string> = {
  [ConfChangeType.ConfChangeAddNode]: 'ConfChangeAddNode',
  [ConfChangeType.ConfChangeRemoveNode]: 'ConfChangeRemoveNode',
  [ConfChangeType.ConfChangeUpdateNode]: 'ConfChangeUpdateNode',
  [ConfChangeType.ConfChangeAddLearnerNode]: 'ConfChangeAddLearnerNode',
}

/** `ConfChangeAddNode(2) ConfChangeRemoveNode(1)`: the changes as etcd describes them in logs. */
export function describeConfChanges(changes: readonly ConfChangeSingle[]): string {
  return changes.map((c) => `${CONF_CHANGE_TYPE_NAMES[c.type]}(${c.nodeId})`).join(' ')
}
