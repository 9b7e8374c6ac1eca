// Runs the deterministic raft simulator (src/testing/simulation.ts) from the command line.
//
//   One seed, with a step-by-step trace (from the repository root):
//     node --conditions=@etcd-ts/source --import tsx packages/raft/scripts/simulate.ts --seed 7 --members 3 --trace
//   Many seeds (members alternate 3/5 by seed unless --members is given):
//     node --conditions=@etcd-ts/source --import tsx packages/raft/scripts/simulate.ts --seeds 10000 --from 1
//
// Options (environment variables in brackets, flags win):
//   --seed N [SIM_SEED]          run only this seed
//   --seeds N [SIM_SEEDS]        run N seeds, starting at --from (default 1)
//   --from N                     first seed of a --seeds run
//   --members 3|5 [SIM_MEMBERS]  cluster size (default: membersForSeed(seed))
//   --steps N [SIM_STEPS]        random steps per run (default DEFAULT_SIMULATION_STEPS)
//   --trace                      print every action of a single run
//   --trace-raft                 also print raft's log lines (implies --trace)
//   --known-issues               also run into the etcd-inherited issues documented at
//                                SimulationOptions.knownIssues (expect violations)
//
// Prints a summary and exits non-zero when any run violates an invariant.
import { parseArgs } from 'node:util'
import {
  DEFAULT_SIMULATION_STEPS,
  membersForSeed,
  runSimulation,
  type SimulationResult,
  SimulationViolation,
} from '@etcd-ts/raft/testing'

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    from: { type: 'string' },
    members: { type: 'string' },
    steps: { type: 'string' },
    trace: { type: 'boolean', default: false },
    'trace-raft': { type: 'boolean', default: false },
    'known-issues': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
})

if (values.help) {
  console.log(
    'usage: simulate.ts [--seed N | --seeds N [--from N]] [--members 3|5] [--steps N] [--trace] [--trace-raft] [--known-issues]',
  )
  process.exit(0)
}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value)) {
    console.error(`simulate: ${name} must be an integer (got ${JSON.stringify(text)})`)
    process.exit(2)
  }
  return value
}

const seed = integer('--seed', values.seed ?? process.env.SIM_SEED)
const seedCount = integer('--seeds', values.seeds ?? process.env.SIM_SEEDS)
const from = integer('--from', values.from) ?? 1
const steps = integer('--steps', values.steps ?? process.env.SIM_STEPS) ?? DEFAULT_SIMULATION_STEPS
const membersOption = integer('--members', values.members ?? process.env.SIM_MEMBERS)
if (membersOption !== undefined && membersOption !== 3 && membersOption !== 5) {
  console.error(`simulate: --members must be 3 or 5 (got ${membersOption})`)
  process.exit(2)
}
const membersOf = (s: number): 3 | 5 => (membersOption as 3 | 5 | undefined) ?? membersForSeed(s)
const traceRaft = values['trace-raft']
const trace = values.trace || traceRaft
const knownIssues = values['known-issues']

if (seed !== undefined) {
  const members = membersOf(seed)
  try {
    const result = runSimulation({
      seed,
      members,
      steps,
      knownIssues,
      ...(trace ? { trace: (line: string) => console.log(line), traceRaft } : {}),
    })
    console.log(describeResult(result))
    console.log('ok: no violation')
  } catch (error) {
    if (!(error instanceof SimulationViolation)) throw error
    console.error(error.message)
    process.exit(1)
  }
  process.exit(0)
}

const count = seedCount ?? 1000
const totals = new Map<string, number>()
const violations: SimulationViolation[] = []
const started = performance.now()
for (let s = from; s < from + count; s++) {
  try {
    const result = runSimulation({ seed: s, members: membersOf(s), steps, knownIssues })
    for (const [key, value] of Object.entries(result)) {
      if (typeof value === 'number' && key !== 'seed' && key !== 'members')
        totals.set(key, (totals.get(key) ?? 0) + value)
    }
  } catch (error) {
    if (!(error instanceof SimulationViolation)) throw error
    violations.push(error)
    console.error(error.message)
  }
  const done = s - from + 1
  if (done % 1000 === 0 && done < count) {
    console.log(
      `... ${done} seeds, ${violations.length} violations, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
}
const seconds = (performance.now() - started) / 1000
console.log(
  `${count} seeds (${from}..${from + count - 1}), ${steps} steps each: ${violations.length} violations in ${seconds.toFixed(1)} s`,
)
console.log(`totals: ${[...totals].map(([key, value]) => `${key} ${value}`).join(', ')}`)
if (violations.length > 0) {
  const byInvariant = new Map<string, number[]>()
  for (const v of violations) byInvariant.set(v.invariant, [...(byInvariant.get(v.invariant) ?? []), v.seed])
  for (const [invariant, seeds] of byInvariant) console.log(`  ${invariant}: seeds ${seeds.join(' ')}`)
  process.exit(1)
}

function describeResult(result: SimulationResult): string {
  const { settings, ...counts } = result
  return [
    `settings: ${Object.entries(settings)
      .map(
        ([key, value]) => `${key} ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : value}`,
      )
      .join(', ')}`,
    `result: ${Object.entries(counts)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ')}`,
  ].join('\n')
}
