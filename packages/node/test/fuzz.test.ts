/**
 * Fuzzing in CI (issue 19): every decoder target of scripts/fuzz for a few thousand cases from
 * a fixed seed, so a run is reproducible and a failure names the seed, path and counterexample
 * that `npm run fuzz` replays. The API-route target runs in the slow tier
 * (fuzz-api.slow.test.ts); the long run (100,000 cases per target) is in docs/reliability.md.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatReport, runTarget } from '../../../scripts/fuzz/engine.ts'
import { TARGETS } from '../../../scripts/fuzz/targets.ts'

const RUNS = 2000
const SEED = 19

for (const target of TARGETS) {
  test(`fuzz ${target.name}: ${target.description}`, async () => {
    const r = await runTarget(target, { runs: RUNS, seed: SEED })
    assert.equal(r.failure, undefined, formatReport(r))
    assert.equal(r.runs, RUNS)
    // The inputs reach past the first check: more than one outcome, and some accepted.
    assert.ok(r.outcomes.size >= 2, formatReport(r))
  })
}
