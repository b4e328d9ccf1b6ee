/**
 * npm run sim -- --seeds 2000 --validators 4..10 --byzantine 1 --heights 20
 *
 * Runs seeded simulations (simulator.ts) and prints one final line
 *   seeds=<S> heights=<H> safety_violations=<n> liveness_failures=<n> double_signs=<n>
 * exiting 1 on any violation, after printing each failing seed and the command that replays it.
 * The wall clock is read here only, for the speed figure; runs themselves are pure.
 */
import { parseArgs } from 'node:util'
import { getSuite } from '@govchain/core'
import { type ByzantineMode, maxFaulty, runSimulation } from './simulator.ts'

const HELP = `Usage: npm run sim -- [options]

Runs the Tendermint state machine of @govchain/consensus over a seeded virtual network
(delays, drops, duplicates, partitions, crashes/restarts, Byzantine validators) and checks
agreement, validity, no honest double-signing and liveness after GST.

Options:
  --seeds N            number of seeds to run (default 100)
  --seed-base B        first seed (default 1); runs seeds B .. B+N-1
  --seed S             run exactly one seed (replay); overrides --seeds/--seed-base
  --validators N|A..B  validator count, or a range cycled over the seeds (default 4)
  --byzantine F        Byzantine validators per run (default floor((n-1)/3), the most tolerated)
  --byzantine-mode M   mixed | equivocate | silent | random (default: mixed within the
                       bound, equivocate beyond it)
  --heights H          heights every honest node must decide per run (default 20)
  --suite intl|gm      crypto suite (default intl)
  --verbose            print each run's events (decisions, crashes, stabilisation)
  --max-failures K     stop after K failing seeds (default: run all seeds)
  --help               this text

Final line: seeds=.. heights=.. safety_violations=.. liveness_failures=.. double_signs=..
(heights = heights decided by all honest nodes, summed; the three counts are failing runs)
Exit status: 0 when every run passed every check, 1 otherwise, 2 on bad arguments.`

function fail(message: string): never {
  console.error(`sim: ${message}\n\n${HELP}`)
  process.exit(2)
}

function int(name: string, s: string | undefined, dflt: number, min: number): number {
  if (s === undefined) return dflt
  const v = Number(s)
  if (!Number.isSafeInteger(v) || v < min) fail(`--${name} must be an integer >= ${min}`)
  return v
}

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      seeds: { type: 'string' },
      'seed-base': { type: 'string' },
      seed: { type: 'string' },
      validators: { type: 'string' },
      byzantine: { type: 'string' },
      'byzantine-mode': { type: 'string' },
      heights: { type: 'string' },
      suite: { type: 'string' },
      verbose: { type: 'boolean' },
      'max-failures': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  }).values
}
try {
  args = parse()
} catch (e) {
  fail((e as Error).message)
}
if (args.help) {
  console.log(HELP)
  process.exit(0)
}

const range = /^(\d+)(?:\.\.(\d+))?$/.exec(args.validators ?? '4') ?? fail('--validators must be N or A..B')
const nLo = Number(range[1])
const nHi = range[2] === undefined ? nLo : Number(range[2])
if (nLo < 1 || nHi < nLo || nHi > 64) fail('--validators must be within 1..64, A <= B')
const single = args.seed !== undefined
const seedBase = single ? int('seed', args.seed, 1, 0) : int('seed-base', args['seed-base'], 1, 0)
const seeds = single ? 1 : int('seeds', args.seeds, 100, 1)
const heights = int('heights', args.heights, 20, 1)
const byzOpt = args.byzantine === undefined ? undefined : int('byzantine', args.byzantine, 0, 0)
const maxFailures = int('max-failures', args['max-failures'], Number.MAX_SAFE_INTEGER, 1)
const modeArg = args['byzantine-mode']
if (modeArg !== undefined && !['mixed', 'equivocate', 'silent', 'random'].includes(modeArg))
  fail('bad --byzantine-mode')
const mode = modeArg as 'mixed' | ByzantineMode | undefined
const suiteName = args.suite ?? 'intl'
if (suiteName !== 'intl' && suiteName !== 'gm') fail('--suite must be intl or gm')
const suite = getSuite(suiteName)
if (byzOpt !== undefined && byzOpt > nLo) fail('--byzantine exceeds the validator count')

let totalHeights = 0
let safety = 0
let liveness = 0
let doubleSigns = 0
let failures = 0
let ran = 0
const started = performance.now()
const cpuStarted = process.cpuUsage()
let lastReport = started

for (let i = 0; i < seeds; i++) {
  const seed = seedBase + i
  const n = nLo + (i % (nHi - nLo + 1))
  const b = byzOpt ?? maxFaulty(n)
  const result = runSimulation({
    seed,
    validators: n,
    byzantine: b,
    heights,
    suite,
    ...(mode === undefined ? {} : { byzantineMode: mode }),
    ...(args.verbose ? { log: (line: string) => console.log(`  ${line}`) } : {}),
  })
  ran++
  totalHeights += result.decidedHeights
  const bad =
    result.safetyViolations.length > 0 || result.doubleSigns.length > 0 || result.livenessFailure !== undefined
  safety += result.safetyViolations.length > 0 ? 1 : 0
  doubleSigns += result.doubleSigns.length > 0 ? 1 : 0
  liveness += result.livenessFailure !== undefined ? 1 : 0
  if (args.verbose || single) {
    console.log(
      `seed ${seed} n=${n} b=${b}: decided ${result.decidedHeights}/${heights} heights in ${result.virtualTimeMs} virtual ms, ` +
        `${result.events} events, ${result.messagesSent} messages, max round ${result.maxRound}, ` +
        `evidence ${result.evidence}, crashes ${result.crashes}, syncs ${result.syncs}, digest ${result.digest}`,
    )
  }
  if (bad) {
    failures++
    const replay =
      `npm run sim -- --seed ${seed} --validators ${n} --byzantine ${b} --heights ${heights} --suite ${suiteName}` +
      (mode === undefined ? '' : ` --byzantine-mode ${mode}`)
    console.log(`FAIL seed ${seed} (n=${n} b=${b}) ${result.scenario}`)
    for (const v of result.safetyViolations.slice(0, 5)) console.log(`  safety: ${v}`)
    for (const v of result.doubleSigns.slice(0, 5)) console.log(`  double-sign: ${v}`)
    if (result.livenessFailure !== undefined) console.log(`  liveness: ${result.livenessFailure}`)
    console.log(`  replay: ${replay}`)
    if (failures >= maxFailures) break
  }
  const t = performance.now()
  if (!single && t - lastReport > 5000) {
    lastReport = t
    const rate = totalHeights / ((t - started) / 1000)
    console.log(
      `progress: ${ran}/${seeds} seeds, ${totalHeights} heights, ${rate.toFixed(0)} heights/s, ${failures} failing`,
    )
  }
}

const elapsedS = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuStarted)
const cpuS = (cpu.user + cpu.system) / 1e6
console.log(
  `speed: ${(totalHeights / elapsedS).toFixed(0)} simulated heights/s wall, ${(totalHeights / cpuS).toFixed(0)} per CPU-second ` +
    `(${elapsedS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU, suite ${suiteName}, validators ${nLo}${nHi > nLo ? `..${nHi}` : ''})`,
)
console.log(
  `seeds=${ran} heights=${totalHeights} safety_violations=${safety} liveness_failures=${liveness} double_signs=${doubleSigns}`,
)
process.exit(failures > 0 ? 1 : 0)
