/**
 * Runs one fuzz target with fast-check: a fixed number of cases from a seed, the outcome codes
 * counted, the slowest case timed, and on a finding the seed, path, counterexample (shrunk) and
 * the exact command that replays it.
 */
import fc from 'fast-check'
import type { FuzzTarget } from './targets.ts'

export interface FuzzReport {
  target: string
  runs: number
  seed: number
  /** Outcome (`ok`, `verdict` or an error code) → number of cases. */
  outcomes: Map<string, number>
  ms: number
  slowestCaseMs: number
  failure?: { seed: number; path: string; counterexample: string; error: string; replay: string }
}

export interface FuzzOptions {
  runs: number
  seed: number
  /** A failure's path, to replay exactly that case. */
  path?: string
}

export async function runTarget(t: FuzzTarget, opts: FuzzOptions): Promise<FuzzReport> {
  const setup = await t.setup()
  const outcomes = new Map<string, number>()
  let slowest = 0
  const once = (x: unknown) => {
    const t0 = performance.now()
    const o = setup.run(x as never)
    const count = (label: string) => {
      outcomes.set(label, (outcomes.get(label) ?? 0) + 1)
      slowest = Math.max(slowest, performance.now() - t0)
    }
    if (typeof o === 'string') count(o)
    else return o.then(count)
  }
  const params: fc.Parameters<[unknown]> = {
    numRuns: opts.runs,
    seed: opts.seed,
    // A case that has not finished in this time is a hang (asynchronous targets; synchronous
    // ones are bounded by their input sizes, and the slowest case is reported).
    timeout: 10_000,
    ...(opts.path === undefined ? {} : { path: opts.path }),
  }
  const start = performance.now()
  let details: fc.RunDetails<[unknown]>
  try {
    const isAsync = setup.async === true
    details = isAsync
      ? await fc.check(
          fc.asyncProperty(setup.input, async (x) => {
            await once(x)
          }),
          params,
        )
      : fc.check(
          fc.property(setup.input, (x) => {
            once(x)
          }),
          params,
        )
  } finally {
    await setup.close?.()
  }
  const report: FuzzReport = {
    target: t.name,
    runs: details.numRuns,
    seed: opts.seed,
    outcomes,
    ms: performance.now() - start,
    slowestCaseMs: slowest,
  }
  if (details.failed) {
    const path = details.counterexamplePath ?? ''
    report.failure = {
      seed: details.seed,
      path,
      counterexample: fc.stringify(details.counterexample?.[0]),
      error:
        details.errorInstance instanceof Error
          ? (details.errorInstance.stack ?? String(details.errorInstance))
          : String(details.errorInstance),
      replay: `npm run fuzz -- --target ${t.name} --runs ${opts.runs} --seed ${details.seed} --path ${path}`,
    }
  }
  return report
}

export function formatReport(r: FuzzReport): string {
  const codes = [...r.outcomes.entries()].sort((a, b) => b[1] - a[1])
  const lines = [
    `${r.failure === undefined ? 'ok  ' : 'FAIL'} ${r.target}: ${r.runs} cases, ${codes.length} distinct outcomes, ${(r.ms / 1000).toFixed(1)} s (slowest case ${r.slowestCaseMs.toFixed(1)} ms), seed ${r.seed}`,
    `     ${codes.map(([c, n]) => `${c}×${n}`).join(' ')}`,
  ]
  if (r.failure !== undefined) {
    lines.push(
      `     counterexample: ${r.failure.counterexample.slice(0, 4000)}`,
      `     error: ${r.failure.error.split('\n').slice(0, 8).join('\n            ')}`,
      `     replay: ${r.failure.replay}`,
    )
  }
  return lines.join('\n')
}
