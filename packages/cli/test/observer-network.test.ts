/**
 * Observer nodes on a running network (issue 18): a 4-validator intl network and a 5th node
 * prepared with `govchain init-node`. Unregistered, it is refused by every validator and stays at
 * height 0. Once `gov propose add-observer` passes, it syncs to the validators' blocks (the same
 * headers, so the same state roots) and serves state with proofs a light client trusting only the
 * genesis validator set verifies; it is never the proposer of a block nor in a commit
 * certificate. After `gov propose remove-observer` its peers disconnect it and it falls behind.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BlockHeader, CommitCertificate, codec, getSuite, toHex } from '@govchain/core'
import { identityKeys } from '@govchain/identity/schema'
import { genesisValidatorSet, parseGenesis } from '@govchain/node'
import { type Client, LightClient } from '@govchain/sdk'
import { networkCli, sleep, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const suite = getSuite('intl')
const VALIDATORS = ['market', 'housing', 'police', 'tax']
const OBSERVER = 'court-observer'

describe('an observer node on a running network (intl)', { timeout: 420_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('refused unregistered; registered: syncs, proves, never signs; removed: disconnected', async () => {
    const market = net.clients.market!
    const { ok, decide, initNode } = networkCli(net)
    const height = async (c: Client = market) => (await c.status()).height
    await waitUntil('block 2', async () => (await height()) >= 2)

    // ---- the court's node is prepared with init-node, under police's CA (a member organisation)
    const { node, client: observer, stdout } = await initNode(OBSERVER, 'police')
    const publicKey = /validator key (\S+)/.exec(stdout)![1]!
    assert.match(
      stdout,
      new RegExp(`gov propose add-observer --id ${OBSERVER} --org police --public-key ${publicKey} `),
    )

    // ---- (a) unregistered: every validator refuses it; it stays at height 0
    await net.start(OBSERVER)
    const start = await height()
    await waitUntil('the network commits 4 more blocks', async () => (await height()) >= start + 4)
    await waitUntil(
      'the validators log the refusal',
      async () => VALIDATORS.every((v) => /P2P_PEER_NOT_ALLOWED/.test(net.logOf(v))),
      30_000,
    )
    assert.equal(await height(observer), 0)
    for (const v of VALIDATORS) assert.ok(!(await net.clients[v]!.status()).peers.some((p) => p.id === OBSERVER))

    // ---- (b) registered by governance: it syncs the same blocks and serves proofs
    const from = await decide([
      'add-observer',
      '--id',
      OBSERVER,
      '--org',
      'police',
      '--public-key',
      join(node.home, 'keys', 'validator.json'),
    ])
    await waitUntil('the observer listed', async () =>
      new RegExp(`✔ ${OBSERVER}\\s+police\\s+from height ${from}`).test((await ok(['gov', 'observers'])).stdout),
    )
    await waitUntil(
      'the observer syncs',
      async () => (await height(observer)) >= Math.max(from, (await height()) - 1),
      120_000,
    )
    const common = Math.min(await height(observer), await height())
    for (const h of [1, from, common]) {
      const [a, b] = await Promise.all([observer.block(h), market.block(h)])
      assert.equal(toHex(a.headerBytes), toHex(b.headerBytes), `header ${h}`)
    }
    const genesis = parseGenesis(JSON.parse(readFileSync(join(net.dir, 'genesis.json'), 'utf8')))
    const lc = new LightClient({ suite, chainId: genesis.chainId, trustedValidatorSet: genesisValidatorSet(genesis) })
    const proven = await observer.state('identity', toHex(identityKeys.org('police')), { prove: true })
    const verified = lc.verifyState(proven)
    assert.ok(verified.value !== undefined)
    assert.equal(
      toHex(codec.decode(BlockHeader, proven.headerBytes!).stateRoot),
      toHex(codec.decode(BlockHeader, (await market.block(proven.height)).headerBytes).stateRoot),
    )
    // It follows while validators keep committing, never proposing or signing.
    const followFrom = await height()
    await waitUntil('the observer follows', async () => (await height(observer)) >= followFrom + 5, 60_000)
    assert.deepEqual(
      (await market.validators()).validators.map((v) => v.id),
      VALIDATORS,
    )
    const last = await height(observer)
    for (let h = 1; h <= last; h++) {
      const b = await observer.block(h)
      assert.notEqual(codec.decode(BlockHeader, b.headerBytes).proposer, OBSERVER, `proposer of ${h}`)
      const cert = codec.decode(CommitCertificate, b.certificate)
      for (const s of cert.signatures) assert.ok(s.validatorIndex < VALIDATORS.length, `certificate of ${h}`)
    }
    for (const v of VALIDATORS) {
      await waitUntil(`${v} connected to the observer`, async () =>
        (await net.clients[v]!.status()).peers.some((p) => p.id === OBSERVER),
      )
    }

    // ---- (c) removed by governance: its peers disconnect it and it falls behind
    const removedFrom = await decide(['remove-observer', '--id', OBSERVER])
    await waitUntil('removal in force', async () => (await height()) >= removedFrom)
    await waitUntil(
      'the observer disconnected',
      async () => {
        for (const v of VALIDATORS)
          if ((await net.clients[v]!.status()).peers.some((p) => p.id === OBSERVER)) return false
        return true
      },
      30_000,
    )
    const stuck = await height(observer)
    const before2 = await height()
    await waitUntil('the network keeps committing', async () => (await height()) >= before2 + 5)
    await sleep(1000)
    assert.ok((await height(observer)) <= stuck + 2, 'the removed observer no longer follows')
    assert.ok((await height()) > (await height(observer)) + 2)
    assert.match(
      (await ok(['gov', 'observers'])).stdout,
      new RegExp(`✘ ${OBSERVER}\\s+police\\s+from height ${from}, removed from ${removedFrom}`),
    )
  })
})
