// The deterministic cluster simulator (src/testing/simulation.ts): many seeded runs under
// message loss, duplication, delay, reordering, partitions, crashes and compaction, each checked
// against Raft's safety properties (§5.2 election safety, §5.3 log matching, §5.4 leader
// completeness, §5.4.3 state machine safety) after every step, and for liveness at the end.
//
// Environment overrides: SIM_SEED=<n> runs one seed; SIM_SEEDS=<n> runs seeds 1..n;
// SIM_MEMBERS=3|5 and SIM_STEPS=<n> fix the cluster size and the steps per run. A failure names
// the command replaying it with a trace.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Entry, EntryType } from '@etcd-ts/raft'
import {
  DEFAULT_SIMULATION_STEPS,
  Invariant,
  type LogView,
  membersForSeed,
  runSimulation,
  SafetyChecker,
  SeededRandom,
  type SimulationResult,
  SimulationViolation,
} from '@etcd-ts/raft/testing'

// 1000 seeds of 3000 steps take about 23 s on a 2-core machine.
const DEFAULT_SEEDS = 1000

function envInteger(name: string): number | undefined {
  const text = process.env[name]
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer (got ${JSON.stringify(text)})`)
  return value
}

const singleSeed = envInteger('SIM_SEED')
const seedCount = envInteger('SIM_SEEDS') ?? DEFAULT_SEEDS
const steps = envInteger('SIM_STEPS') ?? DEFAULT_SIMULATION_STEPS
const membersOverride = envInteger('SIM_MEMBERS')
if (membersOverride !== undefined && membersOverride !== 3 && membersOverride !== 5) {
  throw new RangeError(`SIM_MEMBERS must be 3 or 5 (got ${membersOverride})`)
}
const seeds = singleSeed !== undefined ? [singleSeed] : Array.from({ length: seedCount }, (_, i) => i + 1)

const context = { seed: 42, members: 3, steps: 100 }

function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: EntryType.EntryNormal, data: new TextEncoder().encode(data) }
}

function logOf(entries: readonly Entry[], firstIndex = 1): LogView {
  return {
    firstIndex,
    lastIndex: entries.length === 0 ? firstIndex - 1 : (entries[entries.length - 1] as Entry).index,
    entries: (lo, hi) => entries.filter((e) => e.index >= lo && e.index < hi),
  }
}

function assertViolation(fn: () => void, invariant: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SimulationViolation)
    assert.equal(error.code, 'RAFT_SIMULATION_VIOLATION')
    assert.equal(error.invariant, invariant)
    assert.equal(error.seed, 42)
    assert.equal(error.step, 7)
    return true
  })
}

describe('runSimulation', () => {
  // ~23 s alone on 2 cores; CI runs it beside every other package's tests, hence the wide bound.
  it(`keeps raft safe and live over ${seeds.length} seeded runs of ${steps} steps`, { timeout: 600_000 }, () => {
    const totals = new Map<string, number>()
    const settings = { checkQuorum: 0, preVote: 0, smallInflight: 0, smallMessages: 0, wireCodec: 0, members5: 0 }
    for (const seed of seeds) {
      // Throws SimulationViolation, whose message names the invariant, the step and the replay command.
      const result: SimulationResult = runSimulation({
        seed,
        members: (membersOverride as 3 | 5 | undefined) ?? membersForSeed(seed),
        steps,
      })
      assert.ok(result.committedEntries > 0, `seed ${seed} committed nothing`)
      assert.ok(result.elections > 0, `seed ${seed} elected no leader`)
      for (const [key, value] of Object.entries(result)) {
        if (typeof value === 'number') totals.set(key, (totals.get(key) ?? 0) + value)
      }
      if (result.settings.checkQuorum) settings.checkQuorum++
      if (result.settings.preVote) settings.preVote++
      if (result.settings.maxInflightMsgs <= 4) settings.smallInflight++
      if (result.settings.maxSizePerMsg <= 256) settings.smallMessages++
      if (result.settings.wireCodec) settings.wireCodec++
      if (result.members === 5) settings.members5++
    }
    // The runs must have exercised the protocol, or a silent simulator would pass. (Checked for
    // the default run; a handful of short runs, as SIM_* overrides may ask, need not cover it all.)
    if (seeds.length < 100 || steps < 1000) return
    for (const key of [
      'elections',
      'committedEntries',
      'restarts',
      'partitions',
      'compactions',
      'snapshotsSent',
      'snapshotsApplied',
      'confChangesApplied',
      'configsWithLearners',
      'readStates',
      'proposalsDropped',
      'messagesDropped',
    ]) {
      assert.ok((totals.get(key) ?? 0) > 0, `no run exercised ${key}: ${JSON.stringify(Object.fromEntries(totals))}`)
    }
    assert.ok((totals.get('elections') ?? 0) >= seeds.length * 2, 'leadership changed hands in most runs')
    for (const [name, count] of Object.entries(settings)) {
      if (membersOverride === undefined || name !== 'members5') {
        assert.ok(count > 0 && count < seeds.length, `setting ${name} varies across runs (${count}/${seeds.length})`)
      }
    }
  })

  it('is deterministic: a seed always gives the same run, traced or not', () => {
    const lines: string[] = []
    const traced = runSimulation({
      seed: 7,
      members: 5,
      steps: 500,
      trace: (line) => lines.push(line),
      traceRaft: true,
    })
    assert.deepEqual(runSimulation({ seed: 7, members: 5, steps: 500 }), traced)
    assert.ok(lines.length > 500)
    assert.ok(lines.some((line) => line.includes('became leader')))
    assert.notDeepEqual(runSimulation({ seed: 8, members: 5, steps: 500 }), traced)
  })

  it('checks its options', () => {
    assert.throws(() => runSimulation({ seed: 1, members: 4 as 3, steps: 10 }), RangeError)
    assert.throws(() => runSimulation({ seed: 1, members: 3, steps: -1 }), RangeError)
    assert.throws(() => runSimulation({ seed: 1.5, members: 3, steps: 10 }), TypeError)
  })

  it('reports a violation with the command that replays it', () => {
    const violation = new SimulationViolation(Invariant.Liveness, 'stuck', {
      seed: 12,
      members: 5,
      steps: 3000,
      step: 3100,
    })
    assert.equal(violation.code, 'RAFT_SIMULATION_VIOLATION')
    assert.equal(violation.name, 'SimulationViolation')
    assert.equal(
      violation.replay,
      'SIM_SEED=12 SIM_MEMBERS=5 SIM_STEPS=3000 node --conditions=@etcd-ts/source --import tsx packages/raft/scripts/simulate.ts --trace',
    )
    assert.ok(violation.message.includes(violation.replay))
    assert.ok(violation.message.includes('step 3100'))
    const knownIssues = new SimulationViolation(Invariant.ReadIndex, 'stale', {
      seed: 851,
      members: 3,
      steps: 3000,
      step: 1450,
      knownIssues: true,
    })
    assert.ok(knownIssues.replay.endsWith(' --trace --known-issues'))
  })

  it('never sets stepDownOnRemoval unless asked to run into known issues', () => {
    for (let seed = 1; seed <= 20; seed++) {
      assert.equal(runSimulation({ seed, members: 3, steps: 0 }).settings.stepDownOnRemoval, false)
    }
    const settings = Array.from(
      { length: 20 },
      (_, i) => runSimulation({ seed: i + 1, members: 3, steps: 0, knownIssues: true }).settings,
    )
    assert.ok(settings.some((s) => s.stepDownOnRemoval))
  })
})

describe('SafetyChecker', () => {
  const checker = () => {
    const c = new SafetyChecker(context)
    c.step = 7
    return c
  }

  it('refuses two leaders in one term (election safety)', () => {
    const c = checker()
    c.observeLeader(1n, 3, logOf([]))
    c.observeLeader(1n, 3, logOf([]))
    c.observeLeader(2n, 4, logOf([]))
    assert.equal(c.elections, 2)
    assertViolation(() => c.observeLeader(3n, 3, logOf([])), Invariant.ElectionSafety)
  })

  it('refuses two different entries with the same index and term (log matching)', () => {
    const c = checker()
    c.observeAppend(1n, [entry(2, 1, 'a'), entry(3, 1, 'b')], 1)
    c.observeAppend(2n, [entry(2, 1, 'a')], 1)
    c.observeAppend(2n, [entry(3, 2, 'c')], 1)
    assertViolation(() => c.observeAppend(3n, [entry(3, 1, 'x')], 1), Invariant.LogMatching)
    // The same entry after a different predecessor: the logs before it differ.
    assertViolation(() => c.observeAppend(3n, [entry(2, 1, 'a')], 5), Invariant.LogMatching)
  })

  it('refuses different entries committed or applied at one index (state machine safety)', () => {
    const c = checker()
    c.observeCommit(1n, 0, 2, logOf([entry(1, 1), entry(2, 1, 'a')]))
    c.observeCommit(2n, 0, 2, logOf([entry(1, 1), entry(2, 1, 'a')]))
    assert.equal(c.maxCommitted, 2)
    assertViolation(
      () => c.observeCommit(3n, 1, 2, logOf([entry(1, 1), entry(2, 2, 'b')])),
      Invariant.StateMachineSafety,
    )
    c.observeApplied(1n, 2, '1|0|a')
    c.observeApplied(2n, 2, '1|0|a')
    assertViolation(() => c.observeApplied(3n, 2, '1|0|b'), Invariant.StateMachineSafety)
    c.observeAppliedSequences(
      new Map([
        [1n, ['', '1|0|', '1|0|a']],
        [2n, ['', '1|0|']],
      ]),
    )
    assertViolation(
      () =>
        c.observeAppliedSequences(
          new Map([
            [1n, ['', '1|0|', '1|0|a']],
            [2n, ['', '1|0|', '1|0|b', '2|0|c']],
          ]),
        ),
      Invariant.StateMachineSafety,
    )
  })

  it('refuses a leader missing a committed entry (leader completeness)', () => {
    const c = checker()
    c.observeCommit(1n, 0, 3, logOf([entry(1, 1), entry(2, 1, 'a'), entry(3, 1, 'b')]))
    c.observeLeader(1n, 2, logOf([entry(1, 1), entry(2, 1, 'a'), entry(3, 1, 'b'), entry(4, 2)]))
    // Compacted entries are covered by the leader's snapshot.
    c.observeLeader(2n, 3, logOf([entry(3, 1, 'b')], 3))
    assertViolation(() => c.observeLeader(3n, 4, logOf([entry(1, 1), entry(2, 1, 'a')])), Invariant.LeaderCompleteness)
    assertViolation(
      () => c.observeLeader(3n, 5, logOf([entry(1, 1), entry(2, 1, 'a'), entry(3, 4, 'z')])),
      Invariant.LeaderCompleteness,
    )
  })

  it('refuses commit indexes that decrease and applying past the commit index', () => {
    const c = checker()
    assertViolation(() => c.observeCommit(1n, 5, 4, logOf([])), Invariant.CommitMonotonic)
    assertViolation(() => c.observePersistedCommit(1n, 5, 4), Invariant.CommitMonotonic)
    c.observeAppliedIndex(1n, 4, 4)
    assertViolation(() => c.observeAppliedIndex(1n, 5, 4), Invariant.AppliedBeyondCommit)
  })

  it('refuses a read index below what was committed when the read was requested', () => {
    const c = checker()
    const request = new TextEncoder().encode('read-1')
    c.observeCommit(1n, 0, 3, logOf([entry(1, 1), entry(2, 1), entry(3, 1)]))
    c.observeReadRequest(request)
    c.observeReadState(1n, request, 3)
    assertViolation(() => c.observeReadState(2n, request, 2), Invariant.ReadIndex)
  })
})

describe('SeededRandom', () => {
  it('is a deterministic stream in [0, 1) per seed', () => {
    const a = new SeededRandom(1)
    const b = new SeededRandom(1)
    const c = new SeededRandom(2)
    const fromA = Array.from({ length: 1000 }, () => a.next())
    assert.deepEqual(
      Array.from({ length: 1000 }, () => b.next()),
      fromA,
    )
    assert.notDeepEqual(
      Array.from({ length: 1000 }, () => c.next()),
      fromA,
    )
    assert.ok(fromA.every((x) => x >= 0 && x < 1))
    const rng = new SeededRandom(3)
    const ints = Array.from({ length: 1000 }, () => rng.int(2, 4))
    assert.deepEqual([...new Set(ints)].sort(), [2, 3, 4])
  })
})
