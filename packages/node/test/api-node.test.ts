/**
 * The API over the real daemon, in process: one validator (a one-department network from
 * initNetwork) with its API on an ephemeral port. What the fake-backend API tests cannot show:
 * the daemon's admission (mempool, committed state) behind the routes, and the metrics both count.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { toBase64 } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { type GovchainNode, startNode } from '../src/daemon.ts'
import { initNetwork, loadHome } from '../src/home.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'

/** The value of one sample line of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('a one-validator node in process', () => {
  let dir = ''
  let node: GovchainNode | undefined
  let url = ''

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'govchain-api-node-'))
    const net = await initNetwork({ modules: defaultModules(), dir, orgs: 1, suite: 'intl' })
    node = await startNode({
      modules: defaultModules(),
      home: loadHome(net.nodes[0]!.home),
      apiPort: 0,
      p2pPort: 0,
      logger: memoryLogger('error').logger,
    })
    url = node.apiUrl
  })
  after(async () => {
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const metrics = async () => (await fetch(`${url}/metrics`)).text()

  test('govchain_txs_rejected_total counts a refused transaction once, single or batched', async () => {
    const before = sample(await metrics(), 'govchain_txs_rejected_total', 'code="TX_MALFORMED"')
    const single = await post('/v1/txs', { tx: toBase64(new Uint8Array([1, 2, 3])) })
    assert.equal(single.status, 400)
    assert.equal(((await single.json()) as { code: string }).code, 'TX_MALFORMED')
    assert.equal(sample(await metrics(), 'govchain_txs_rejected_total', 'code="TX_MALFORMED"'), before + 1)

    const batch = await post('/v1/txs/batch', { txs: [toBase64(new Uint8Array([4, 5, 6]))] })
    assert.equal(batch.status, 207)
    assert.equal(sample(await metrics(), 'govchain_txs_rejected_total', 'code="TX_MALFORMED"'), before + 2)
  })
})
