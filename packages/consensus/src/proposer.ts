/**
 * Proposer rotation weighted by voting power, a pure function of (validator set, height, round).
 *
 * The schedule is one period of the smooth weighted round robin (the proposer-priority rule of
 * Tendermint without its history): every slot each validator's priority grows by its power, the
 * highest priority proposes (lowest index on ties) and pays back the total. Over one period of
 * `sum(power)` slots each validator proposes exactly `power` times, spread out rather than in a
 * run. Slot = (height + round) mod period, so a failed round moves to the next validator and
 * consecutive heights start at consecutive slots. Unlike Tendermint's stateful priorities this
 * needs no state carried across heights: any node (or light client) computes the proposer of
 * any (height, round) from the set alone.
 *
 * Sets whose total power exceeds PROPOSER_SCHEDULE_SLOTS_MAX are scaled down to that many slots
 * (each validator keeps at least one slot), which bounds memory and the one-off computation.
 */
import type { ValidatorSet } from '@govchain/core'

export const PROPOSER_SCHEDULE_SLOTS_MAX = 10_000

export function proposerSchedule(powers: readonly number[]): number[] {
  let total = 0
  for (const p of powers) total += p
  const weights =
    total > PROPOSER_SCHEDULE_SLOTS_MAX
      ? powers.map((p) => Math.max(1, Math.floor((p / total) * PROPOSER_SCHEDULE_SLOTS_MAX)))
      : powers.slice()
  let period = 0
  for (const w of weights) period += w
  const priority = new Array<number>(weights.length).fill(0)
  const schedule: number[] = []
  for (let slot = 0; slot < period; slot++) {
    let best = 0
    for (let i = 0; i < weights.length; i++) {
      priority[i]! += weights[i]!
      if (priority[i]! > priority[best]!) best = i
    }
    priority[best]! -= period
    schedule.push(best)
  }
  return schedule
}

export function proposerAt(schedule: readonly number[], height: number, round: number): number {
  const n = schedule.length
  return schedule[((height % n) + (round % n)) % n]!
}

/** Index in `set` of the proposer of (height, round). */
export function proposerIndex(set: ValidatorSet, height: number, round: number): number {
  return proposerAt(proposerSchedule(set.validators.map((v) => v.votingPower)), height, round)
}
