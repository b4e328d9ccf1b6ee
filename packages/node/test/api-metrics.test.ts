import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApiServer } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { FakeBackend, memoryLogger } from '../src/testing/fake-backend.ts'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * A strict parser of the Prometheus text format 0.0.4: every line is a HELP or TYPE comment,
 * or `name{label="value",...} number`. Throws on anything else.
 */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*'
  const sampleRe = new RegExp(`^(${name})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`)
  const labelRe = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) continue
    const t = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line)
    if (t !== null) {
      types.set(t[1]!, t[2]!)
      continue
    }
    const m = sampleRe.exec(line)
    assert.ok(m, `not a Prometheus line: ${line}`)
    const labels: Record<string, string> = {}
    let rest = m[2] ?? ''
    while (rest !== '') {
      const l = labelRe.exec(rest)
      assert.ok(l, `bad labels in: ${line}`)
      labels[l[1]!] = l[2]!
      rest = rest.slice(l[0].length)
    }
    // Values as Prometheus reads them (Go's ParseFloat): numbers, and NaN / ±Inf in any case (prom-client writes "Nan").
    const raw = m[3]!
    const value = /^nan$/i.test(raw)
      ? Number.NaN
      : /^[+-]?inf(inity)?$/i.test(raw)
        ? (raw.startsWith('-') ? -1 : 1) * Number.POSITIVE_INFINITY
        : Number(raw)
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(raw), `bad value in: ${line}`)
    assert.ok(/^nan$/i.test(raw) || /^[+-]?inf(inity)?$/i.test(raw) || /^[+-]?[0-9.]+(e[+-]?[0-9]+)?$/i.test(raw), line)
    samples.push({ name: m[1]!, labels, value })
  }
  return { samples, types }
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value

test('/metrics is Prometheus text with the node series', async () => {
  const metrics = new NodeMetrics({ labels: { node: 'market' } })
  const server = createApiServer({
    backend: new FakeBackend(),
    metrics,
    logger: memoryLogger().logger,
    host: '127.0.0.1',
    port: 0,
  })
  metrics.setHeight(42)
  metrics.setRound(1)
  metrics.addCommittedTxs(10)
  metrics.addCommittedTxs(5)
  metrics.setMempool(7, 2048)
  metrics.setPeers(3)
  metrics.observeConsensusStep('prevote', 0.02)
  metrics.observeBlockCommit(0.1)
  metrics.incTxRejected('TX_BAD_SIGNATURE')
  metrics.incP2pMessages('consensus', 'in', 4)
  const res = await server.inject({ method: 'GET', url: '/metrics' })
  await server.close()
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  const { samples, types } = parsePrometheus(res.body)
  assert.equal(find(samples, 'govchain_height', { node: 'market' }), 42)
  assert.equal(find(samples, 'govchain_round'), 1)
  assert.equal(find(samples, 'govchain_committed_txs_total'), 15)
  assert.equal(types.get('govchain_committed_txs_total'), 'counter')
  assert.equal(find(samples, 'govchain_mempool_size'), 7)
  assert.equal(find(samples, 'govchain_mempool_bytes'), 2048)
  assert.equal(find(samples, 'govchain_peers'), 3)
  assert.equal(types.get('govchain_consensus_step_duration_seconds'), 'histogram')
  assert.equal(find(samples, 'govchain_consensus_step_duration_seconds_count', { step: 'prevote' }), 1)
  assert.equal(find(samples, 'govchain_consensus_step_duration_seconds_bucket', { step: 'prevote', le: '0.025' }), 1)
  assert.equal(find(samples, 'govchain_consensus_step_duration_seconds_bucket', { step: 'prevote', le: '0.01' }), 0)
  assert.equal(find(samples, 'govchain_block_commit_duration_seconds_count'), 1)
  assert.equal(find(samples, 'govchain_txs_rejected_total', { code: 'TX_BAD_SIGNATURE' }), 1)
  assert.equal(find(samples, 'govchain_p2p_messages_total', { channel: 'consensus', direction: 'in' }), 4)
  // Default process metrics are there too.
  assert.ok(find(samples, 'process_cpu_user_seconds_total') !== undefined)
  assert.ok(find(samples, 'nodejs_eventloop_lag_seconds') !== undefined)
})

test('two nodes in one process keep separate registries', async () => {
  const a = new NodeMetrics()
  const b = new NodeMetrics()
  a.setHeight(1)
  b.setHeight(2)
  const ha = find(parsePrometheus(await a.text()).samples, 'govchain_height')
  const hb = find(parsePrometheus(await b.text()).samples, 'govchain_height')
  assert.deepEqual([ha, hb], [1, 2])
})
