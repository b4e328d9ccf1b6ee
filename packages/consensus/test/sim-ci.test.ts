/**
 * The CI sweep of the consensus simulator: 2,000 seeded executions across validator counts
 * 4..10, each with the maximum tolerated number of Byzantine validators and the full menu of
 * network faults. Any violation fails with the seed and the command that replays it.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'

const cli = new URL('../src/sim/cli.ts', import.meta.url).pathname

test('2,000 seeds across 4..10 validators: no safety, liveness or double-sign violation', { timeout: 600_000 }, () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', cli, '--seeds', '2000', '--validators', '4..10', '--heights', '5'],
    { encoding: 'utf8', timeout: 600_000 },
  )
  const last = r.stdout.trim().split('\n').at(-1)
  assert.equal(r.status, 0, `simulator failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`)
  assert.equal(last, 'seeds=2000 heights=10000 safety_violations=0 liveness_failures=0 double_signs=0')
  // The speed line is a figure for docs/benchmarks.md, not an assertion.
  const speed = r.stdout.split('\n').find((l) => /heights\/s|heights per/.test(l))
  if (speed) console.log(speed)
})
