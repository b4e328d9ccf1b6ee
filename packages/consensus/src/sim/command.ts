/**
 * The `npm run sim` command as a function (cli.ts is its process wrapper), so that tests run its
 * argument handling, output and exit statuses without a process start each.
 * The wall clock is read here only, for the speed figure; runs themselves are pure.
 */
import { parseArgs } from 'node:util'
import { getSuite } from '@govchain/core'
import { type ByzantineMode, maxFaulty, runSimulation } from './simulator.ts'

export const SIM_HELP = `Usage: npm run sim -- [options]

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

/** Bad arguments: the command prints the message and the help, and exits 2. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message)
}

function int(name: string, s: string | undefined, dflt: number, min: number): number {
  if (s === undefined) return dflt
  const v = Number(s)
  if (!Number.isSafeInteger(v) || v < min) fail(`--${name} must be an integer >= ${min}`)
  return v
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
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

/**
 * Runs the command over `argv` (the arguments after the script name), writing lines to `out`
 * (stdout) and `err` (stderr). Returns the exit status: 0 when every run passed every check,
 * 1 otherwise, 2 on bad arguments.
 */
export function simCommand(argv: string[], out: (line: string) => void, err: (line: string) => void): number {
  try {
    return run(argv, out)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    err(`sim: ${e.message}\n\n${SIM_HELP}`)
    return 2
  }
}

function run(argv: string[], out: (line: string) => void): number {
  let args: ReturnType<typeof parse>
  try {
    args = parse(argv)
  } catch (e) {
    fail((e as Error).message)
  }
  if (args.help) {
    out(SIM_HELP)
    return 0
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
      ...(args.verbose ? { log: (line: string) => out(`  ${line}`) } : {}),
    })
    ran++
    totalHeights += result.decidedHeights
    const bad =
      result.safetyViolations.length > 0 || result.doubleSigns.length > 0 || result.livenessFailure !== undefined
    safety += result.safetyViolations.length > 0 ? 1 : 0
    doubleSigns += result.doubleSigns.length > 0 ? 1 : 0
    liveness += result.livenessFailure !== undefined ? 1 : 0
    if (args.verbose || single) {
      out(
        `seed ${seed} n=${n} b=${b}: decided ${result.decidedHeights}/${heights} heights in ${result.virtualTimeMs} virtual ms, ` +
          `${result.events} events, ${result.messagesSent} messages, max round ${result.maxRound}, ` +
          `evidence ${result.evidence} (proposals ${result.proposalEvidence}), crashes ${result.crashes}, syncs ${result.syncs}, digest ${result.digest}`,
      )
    }
    if (bad) {
      failures++
      const replay =
        `npm run sim -- --seed ${seed} --validators ${n} --byzantine ${b} --heights ${heights} --suite ${suiteName}` +
        (mode === undefined ? '' : ` --byzantine-mode ${mode}`)
      out(`FAIL seed ${seed} (n=${n} b=${b}) ${result.scenario}`)
      for (const v of result.safetyViolations.slice(0, 5)) out(`  safety: ${v}`)
      for (const v of result.doubleSigns.slice(0, 5)) out(`  double-sign: ${v}`)
      if (result.livenessFailure !== undefined) out(`  liveness: ${result.livenessFailure}`)
      out(`  replay: ${replay}`)
      if (failures >= maxFailures) break
    }
    const t = performance.now()
    if (!single && t - lastReport > 5000) {
      lastReport = t
      const rate = totalHeights / ((t - started) / 1000)
      out(`progress: ${ran}/${seeds} seeds, ${totalHeights} heights, ${rate.toFixed(0)} heights/s, ${failures} failing`)
    }
  }

  const elapsedS = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStarted)
  const cpuS = (cpu.user + cpu.system) / 1e6
  out(
    `speed: ${(totalHeights / elapsedS).toFixed(0)} simulated heights/s wall, ${(totalHeights / cpuS).toFixed(0)} per CPU-second ` +
      `(${elapsedS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU, suite ${suiteName}, validators ${nLo}${nHi > nLo ? `..${nHi}` : ''})`,
  )
  out(
    `seeds=${ran} heights=${totalHeights} safety_violations=${safety} liveness_failures=${liveness} double_signs=${doubleSigns}`,
  )
  return failures > 0 ? 1 : 0
}
