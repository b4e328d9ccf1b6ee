/**
 * The chaos suite's schedule (chaos/run.ts): which fault, on which nodes, for how long, in which
 * order, as a function of the seed, the validator count, the length of the run and the kinds
 * allowed, and of nothing else, so that a seed replays the same faults.
 */
import { Prng } from '@govchain/consensus'

export const FAULTS = ['kill', 'pause', 'partition', 'oneway', 'degrade', 'skew', 'diskfull'] as const
export type FaultKind = (typeof FAULTS)[number]

/** A fault of the schedule: what, on whom, for how long, then a pause before the next. */
export interface Step {
  kind: FaultKind
  nodes: number[]
  /** partition: the other side; oneway: 'out' = nodes cannot send to the rest, 'in' = the rest cannot send to them. */
  other?: number[]
  direction?: 'in' | 'out'
  holdMs: number
  gapMs: number
  skewS?: number
  delayMs?: number
  rateKbit?: number
}

/**
 * The seeded schedule. Kinds come round in a seeded order (so a short run still meets each of
 * them); each fault touches at most f = ⌊(n−1)/3⌋ nodes, except a partition, which may split the
 * cluster so that no side has a quorum (progress stops, and must resume after the heal).
 */
export function schedule(seed: number, n: number, seconds: number, kinds: readonly FaultKind[]): Step[] {
  const rng = new Prng(seed)
  const f = Math.floor((n - 1) / 3)
  const pick = (count: number): number[] => {
    const all = Array.from({ length: n }, (_, i) => i)
    for (let i = all.length - 1; i > 0; i--) {
      const j = rng.int(0, i)
      ;[all[i], all[j]] = [all[j]!, all[i]!]
    }
    return all.slice(0, count)
  }
  const order = [...kinds]
  const steps: Step[] = []
  let total = 0
  while (total < seconds * 1000) {
    if (steps.length % order.length === 0) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(0, i)
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
    }
    const kind = order[steps.length % order.length]!
    const step: Step = { kind, nodes: [], holdMs: rng.int(2000, 6000), gapMs: rng.int(2000, 4000) }
    switch (kind) {
      case 'kill':
      case 'pause':
      case 'degrade':
        step.nodes = pick(rng.int(1, f))
        if (kind === 'degrade') {
          step.delayMs = rng.int(50, 400)
          step.rateKbit = rng.int(32, 256)
        }
        break
      case 'skew':
        step.nodes = pick(1)
        step.skewS = (rng.chance(0.5) ? 1 : -1) * rng.int(2, 60)
        break
      case 'partition': {
        const side = pick(rng.int(1, Math.floor(n / 2)))
        step.nodes = side
        step.other = Array.from({ length: n }, (_, i) => i).filter((i) => !side.includes(i))
        break
      }
      case 'oneway':
        step.nodes = pick(1)
        step.other = Array.from({ length: n }, (_, i) => i).filter((i) => i !== step.nodes[0])
        step.direction = rng.chance(0.5) ? 'in' : 'out'
        break
      case 'diskfull':
        // The node whose home is a tmpfs (the last one).
        step.nodes = [n - 1]
        break
    }
    steps.push(step)
    total += step.holdMs + step.gapMs
  }
  return steps
}

/** A line for the log: the fault and the nodes it hits. */
export function describe(step: Step, names: readonly string[]): string {
  const who = step.nodes.map((i) => names[i]).join('+')
  switch (step.kind) {
    case 'partition':
      return `partition ${who} | ${step.other!.map((i) => names[i]).join('+')}`
    case 'oneway':
      return step.direction === 'out' ? `one-way: ${who} cannot send` : `one-way: ${who} cannot receive`
    case 'skew':
      return `clock skew ${step.skewS! > 0 ? '+' : ''}${step.skewS} s on ${who}`
    case 'degrade':
      return `degraded link on ${who}`
    default:
      return `${step.kind} ${who}`
  }
}
