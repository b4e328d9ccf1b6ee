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
import { ANCHOR_MODULE, AnchorPutArgs } from '@govchain/anchor/schema'
import { signTx } from '@govchain/app'
import { codec, getSuite, toBase64, utf8 } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { type GovchainNode, startNode } from '../src/daemon.ts'
import { initNetwork, loadHome } from '../src/home.ts'
import { loadKeyFile } from '../src/index.ts'
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
  let operator: { publicKey: Uint8Array; privateKey: Uint8Array } | undefined
  const suite = getSuite('intl')

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'govchain-api-node-'))
    const net = await initNetwork({ modules: defaultModules(), dir, orgs: 1, suite: 'intl', dev: true })
    operator = loadKeyFile(Object.values(net.operatorKeys)[0]!)
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

  /** An anchor.put signed by `key`, valid for the next blocks. */
  const anchorTx = (key: { publicKey: Uint8Array; privateKey: Uint8Array }, text: string) =>
    signTx(
      suite,
      {
        chainId: node!.chainId,
        sender: key.publicKey,
        nonce: 1,
        validUntilHeight: node!.status().height + 100,
        module: ANCHOR_MODULE,
        method: 'put',
        args: codec.encode(AnchorPutArgs, { hash: suite.hash(utf8(text)), kind: 'contract' }),
      },
      [key.privateKey],
    )

  test('a fresh key cannot write: 403 TX_SENDER_UNREGISTERED at admission; the operator can', async () => {
    const fresh = suite.generateKeyPair()
    const refused = await post('/v1/txs', { tx: toBase64(anchorTx(fresh, 'from nobody').bytes) })
    assert.equal(refused.status, 403)
    const body = (await refused.json()) as { code: string; details: { sender: string } }
    assert.equal(body.code, 'TX_SENDER_UNREGISTERED')
    assert.equal(body.details.sender, Buffer.from(fresh.publicKey).toString('hex'))
    const batch = await post('/v1/txs/batch', { txs: [toBase64(anchorTx(fresh, 'again').bytes)] })
    assert.equal(((await batch.json()) as { results: { code: string }[] }).results[0]!.code, 'TX_SENDER_UNREGISTERED')
    assert.equal(node!.status().mempool.size, 0)

    const mine = anchorTx(operator!, 'from the operator')
    const accepted = await post('/v1/txs', { tx: toBase64(mine.bytes) })
    assert.equal(accepted.status, 202)
    const hash = Buffer.from(mine.txHash).toString('hex')
    for (let i = 0; i < 600; i++) {
      const r = await fetch(`${url}/v1/txs/${hash}`)
      if (r.status === 200 && ((await r.json()) as { status: string }).status === 'committed') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const committed = (await (await fetch(`${url}/v1/txs/${hash}`)).json()) as { status: string; code: string }
    assert.deepEqual([committed.status, committed.code], ['committed', 'OK'])
  })
})
