import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApiServer } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { FakeBackend, memoryLogger } from '../src/testing/fake-backend.ts'
import { parsePrometheus, prometheusValue } from '../src/testing/prometheus.ts'

const find = prometheusValue

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

test('the Prometheus parser reads labels, NaN and ±Inf, and refuses what is not the format', () => {
  const { samples, types } = parsePrometheus(
    [
      '# HELP x_total help text',
      '# TYPE x_total counter',
      'x_total{method="GET",route="/v1/a \\"b\\""} 3',
      'y Nan',
      'z -Inf 1700000000000',
      '',
    ].join('\n'),
  )
  assert.equal(types.get('x_total'), 'counter')
  assert.deepEqual(samples[0], { name: 'x_total', labels: { method: 'GET', route: '/v1/a \\"b\\"' }, value: 3 })
  assert.ok(Number.isNaN(prometheusValue(samples, 'y')))
  assert.equal(prometheusValue(samples, 'z'), Number.NEGATIVE_INFINITY)
  assert.throws(() => parsePrometheus('x_total{method=GET} 1'), /bad labels/)
  assert.throws(() => parsePrometheus('x_total 1,5'), /bad value/)
  assert.throws(() => parsePrometheus('not a metric line'), /not a Prometheus line/)
})
