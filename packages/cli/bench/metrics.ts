/**
 * A counter of the nodes' /metrics, summed over the nodes, for benchmarks that print what a run
 * asked of the network (API requests per case, p2p messages per transaction).
 */
import { parsePrometheus } from '@govchain/node/testing'

/**
 * The samples of counter `name` in each node's /metrics, summed by `keyOf(labels)` over the
 * nodes; a sample whose key is undefined is left out.
 */
export async function sumCounter(
  apiUrls: readonly string[],
  name: string,
  keyOf: (labels: Readonly<Record<string, string>>) => string | undefined,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const url of apiUrls) {
    const { samples } = parsePrometheus(await (await fetch(`${url}/metrics`)).text())
    for (const m of samples) {
      if (m.name !== name) continue
      const key = keyOf(m.labels)
      if (key !== undefined) out.set(key, (out.get(key) ?? 0) + m.value)
    }
  }
  return out
}
