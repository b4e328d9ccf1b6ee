/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests and benchmarks that
 * read a node's /metrics: every line is a HELP or TYPE comment or `name{label="value",...} value
 * [timestamp]`, and anything else throws with the line.
 */

export interface PrometheusSample {
  name: string
  labels: Record<string, string>
  value: number
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/
const NAN = /^nan$/i
const INF = /^[+-]?inf(inity)?$/i
const NUMBER = /^[+-]?[0-9.]+(e[+-]?[0-9]+)?$/i

export function parsePrometheus(text: string): { samples: PrometheusSample[]; types: Map<string, string> } {
  const samples: PrometheusSample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue
    const t = TYPE.exec(line)
    if (t !== null) {
      types.set(t[1]!, t[2]!)
      continue
    }
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`not a Prometheus line: ${line}`)
    const labels: Record<string, string> = {}
    let rest = m[2] ?? ''
    while (rest !== '') {
      const l = LABEL.exec(rest)
      if (l === null) throw new Error(`bad labels in: ${line}`)
      labels[l[1]!] = l[2]!
      rest = rest.slice(l[0].length)
    }
    // Values as Prometheus reads them (Go's ParseFloat): numbers, and NaN / ±Inf in any case
    // (prom-client writes "Nan").
    const raw = m[3]!
    let value: number
    if (NAN.test(raw)) value = Number.NaN
    else if (INF.test(raw)) value = (raw.startsWith('-') ? -1 : 1) * Number.POSITIVE_INFINITY
    else if (NUMBER.test(raw) && !Number.isNaN(Number(raw))) value = Number(raw)
    else throw new Error(`bad value in: ${line}`)
    samples.push({ name: m[1]!, labels, value })
  }
  return { samples, types }
}

/** The value of the first sample named `name` whose labels include `labels`. */
export function prometheusValue(
  samples: readonly PrometheusSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}
