/**
 * The within-the-bound sweep, split by seed between the tiers: simulator.test.ts runs seeds
 * 1..40 (every validator count 4..7 ten times), simulator.slow.test.ts the other 200, so
 * `npm test` checks the same 240 seeds as one test did.
 */
import assert from 'node:assert/strict'
import { suites } from '@govchain/core'
import { maxFaulty, runSimulation } from '../src/sim/simulator.ts'

export function assertWithinBound(seedFirst: number, seedLast: number): void {
  let runs = 0
  let heights = 0
  for (let seed = seedFirst; seed <= seedLast; seed++) {
    const n = 4 + (seed % 4) // 4..7, f = 1..2 Byzantine of mixed kinds
    const r = runSimulation({ seed, validators: n, heights: 4, suite: suites.intl })
    assert.deepEqual(r.safetyViolations, [], `seed ${seed}`)
    assert.deepEqual(r.doubleSigns, [], `seed ${seed}`)
    assert.equal(r.livenessFailure, undefined, `seed ${seed}`)
    assert.equal(r.byzantine, maxFaulty(n))
    runs++
    heights += r.decidedHeights
  }
  const count = seedLast - seedFirst + 1
  assert.equal(runs, count, 'every seed ran')
  assert.equal(heights, count * 4)
}
