/**
 * The fuzz runner (issue 19): `npm run fuzz -- --target NAME|all --runs N --seed S [--path P]`.
 * Prints per target the cases run, the distinct outcomes (error codes) reached and the time; on
 * a finding, the seed, path and shrunk counterexample and the command that replays it, and
 * exits 1. CI runs every target for a few thousand cases with a fixed seed
 * (packages/node/test/fuzz.test.ts); docs/reliability.md records the long run.
 */
import { parseArgs } from 'node:util'
import { API_TARGET } from './fuzz/api.ts'
import { formatReport, runTarget } from './fuzz/engine.ts'
import { TARGETS } from './fuzz/targets.ts'

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'all' },
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '19' },
    path: { type: 'string' },
  },
})
const all = [...TARGETS, API_TARGET]
const names = values.target === 'all' ? all.map((t) => t.name) : values.target.split(',')
const unknown = names.filter((n) => !all.some((t) => t.name === n))
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; targets: ${all.map((t) => t.name).join(', ')}`)
  process.exit(2)
}
const runs = Number(values.runs)
const seed = Number(values.seed)
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error('--runs must be a positive integer and --seed an integer')
  process.exit(2)
}
let failed = 0
const start = performance.now()
for (const name of names) {
  const r = await runTarget(all.find((t) => t.name === name)!, {
    runs,
    seed,
    ...(values.path === undefined ? {} : { path: values.path }),
  })
  console.log(formatReport(r))
  if (r.failure !== undefined) failed++
}
console.log(`${names.length} targets, ${failed} failed, ${((performance.now() - start) / 1000).toFixed(1)} s`)
process.exit(failed === 0 ? 0 : 1)
