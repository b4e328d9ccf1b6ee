/**
 * Multi-process governance: a running 4-validator network admits a 5th department and its
 * validator by vote; the new node (home made with addNodeHome, keys and TLS from the new
 * organisation's CA) syncs and then signs blocks; a second proposal removes another validator,
 * whose node is then refused by its peers; a validator that double-signs (two conflicting
 * prevotes sent with its key over p2p) is caught by consensus, the evidence goes on chain and
 * it loses its voting power; the network commits throughout; a light client started at genesis
 * walks the validator-set changes and verifies a header and a state proof at the end.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { CommitCertificate, codec, DOMAIN, demoCreditCode, getSuite, signingBytes, toHex, Vote } from '@govchain/core'
import { identityKeys } from '@govchain/identity/schema'
import {
  addNodeHome,
  CHANNEL,
  createP2P,
  genesisValidatorSet,
  loadKeyFile,
  type P2P,
  parseGenesis,
  VoteMessage,
} from '@govchain/node'
import { type Client, createClient, governance, identity, LightClient } from '@govchain/sdk'
import { sleep, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const suite = getSuite('intl')

describe('governance on a running network (intl)', { timeout: 420_000 }, () => {
  let net: TestNetwork
  let fake: P2P | undefined
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await fake?.close()
    await net?.stopAll()
  })

  test('admit a department and its validator, remove another, jail a double-signer; light client follows', async () => {
    const market = net.clients.market!
    const chainId = (await market.status()).chainId
    const height = async (c: Client = market) => (await c.status()).height
    await waitUntil('block 2', async () => (await height()) >= 2)
    const signer = (org: string) => net.keys[org]!
    const common = async (org: string, key = signer(org)) => ({
      suite,
      chainId,
      privateKey: key.privateKey,
      validUntilHeight: (await height()) + 200,
    })
    const send = async (client: Client, bytes: Uint8Array) => {
      const { hash } = await client.submitTx(bytes)
      return client.waitForTx(hash, { timeoutMs: 30_000 })
    }

    // ---- a new department prepares its node: CA, operator key, validator key, TLS certificate
    const apiPort = Number(new URL(net.net.nodes[0]!.apiUrl).port) + 10
    const p2pPort = Number(net.net.nodes[0]!.p2pAddress.split(':')[1]) + 10
    const added = await addNodeHome({ dir: net.dir, orgId: 'hrss', apiPort, p2pPort })
    const hrssOperator = loadKeyFile(added.operatorKeyPath)

    // ---- proposal 1: add organisation hrss and its validator; 3 of 4 organisations say yes
    const p1 = governance.propose({
      ...(await common('market')),
      title: '接入北京市人力资源和社会保障局',
      actions: [
        governance.actions.addOrganisation({
          id: 'hrss',
          name: '北京市人力资源和社会保障局',
          nameEn: 'Beijing Human Resources and Social Security Bureau',
          code: demoCreditCode(4, '110000'),
          level: 'city',
          regionCode: '110000',
          region: '北京市',
          caCertPem: added.caCertPem,
          operatorPublicKey: hrssOperator.publicKey,
          identityAuthority: false,
        }),
        governance.actions.addValidator({
          id: 'hrss',
          orgId: 'hrss',
          publicKey: fromHex(added.validatorPublicKey),
          power: 10,
        }),
      ],
      expiresHeight: (await height()) + 300,
    })
    assert.equal((await send(market, p1.bytes)).status, 'committed')
    const [proposal1] = await governance.listProposals(market)
    assert.equal(proposal1!.status, 'voting')
    for (const org of ['housing', 'police']) {
      const v = governance.vote({ ...(await common(org)), proposalId: proposal1!.id, approve: true })
      assert.equal((await send(net.clients[org]!, v.bytes)).status, 'committed')
    }
    const passed1 = (await governance.getProposal(market, proposal1!.id)).proposal
    assert.equal(passed1.status, 'passed')
    const from1 = passed1.appliedFromHeight!
    assert.equal(from1, passed1.decidedHeight! + 2)

    // One permission denial through the API: an officer of another organisation.
    const denied = identity.addOfficer({
      ...(await common('police')),
      orgId: 'market',
      officerId: 'market-mole',
      publicKey: suite.generateKeyPair().publicKey,
      roles: ['issuer'],
    })
    const deniedResult = await send(net.clients.police!, denied.bytes)
    assert.equal(deniedResult.status, 'failed')
    assert.equal(deniedResult.code, 'IDENTITY_WRONG_ORGANISATION')
    assert.equal(
      (await identity.listOfficers(market, 'market')).some((o) => o.officerId === 'market-mole'),
      false,
    )

    // ---- the new node syncs from genesis, then signs blocks
    await waitUntil('hrss admitted', async () => (await height()) >= from1)
    const orgs = await identity.listOrganisations(market)
    assert.deepEqual(
      orgs.map((o) => [o.id, o.status]),
      [
        ['market', 'active'],
        ['housing', 'active'],
        ['police', 'active'],
        ['tax', 'active'],
        ['hrss', 'active'],
      ],
    )
    net.net.nodes.push(added.node)
    net.clients.hrss = createClient({ url: added.node.apiUrl, timeoutMs: 5000 })
    await net.start('hrss')
    const hrss = net.clients.hrss
    await waitUntil('hrss synced', async () => (await height(hrss)) >= (await height()) - 1, 120_000)
    const hrssIndex = (await market.validators()).validators.findIndex((v) => v.id === 'hrss')
    assert.equal(hrssIndex, 4)
    await waitUntil(
      'a block signed by hrss',
      async () => {
        const b = await market.block('latest')
        const cert = codec.decode(CommitCertificate, b.certificate)
        return cert.signatures.some((s) => s.validatorIndex === hrssIndex)
      },
      60_000,
    )

    // ---- proposal 2: remove validator tax; 4 of 5 organisations say yes
    const p2 = governance.propose({
      ...(await common('market')),
      title: 'remove validator tax',
      actions: [governance.actions.removeValidator('tax')],
      expiresHeight: (await height()) + 300,
    })
    assert.equal((await send(market, p2.bytes)).status, 'committed')
    const proposal2 = (await governance.listProposals(market, 'voting'))[0]!
    for (const [org, key] of [
      ['housing', signer('housing')],
      ['police', signer('police')],
      ['hrss', hrssOperator],
    ] as const) {
      const v = governance.vote({ ...(await common(org, key)), proposalId: proposal2.id, approve: true })
      assert.equal((await send(net.clients[org]!, v.bytes)).status, 'committed')
    }
    const passed2 = (await governance.getProposal(market, proposal2.id)).proposal
    assert.equal(passed2.status, 'passed')
    await waitUntil('tax removed from the set', async () => (await height()) >= passed2.appliedFromHeight! + 1)
    assert.deepEqual(
      (await market.validators()).validators.map((v) => v.id),
      ['market', 'housing', 'police', 'hrss'],
    )
    // Its node is refused by every peer (and keeps being refused when it redials).
    await waitUntil(
      'tax refused by its peers',
      async () => {
        for (const n of ['market', 'housing', 'police', 'hrss']) {
          if ((await net.clients[n]!.status()).peers.some((p) => p.id === 'tax')) return false
        }
        return true
      },
      30_000,
    )
    const taxStuck = await height(net.clients.tax!)
    const before = await height()
    await waitUntil('the network keeps committing', async () => (await height()) >= before + 5)
    await sleep(1000)
    assert.ok((await height(net.clients.tax!)) <= taxStuck + 2, 'the removed node no longer follows')
    assert.match(net.logOf('tax'), /P2P_PEER_NOT_ALLOWED/)

    // ---- housing double-signs: stop its node, then sign two conflicting prevotes with its key
    await net.kill('housing')
    const housingHome = net.net.nodes.find((n) => n.name === 'housing')!.home
    const housingKey = loadKeyFile(join(housingHome, 'keys', 'validator.json'))
    const genesis = parseGenesis(JSON.parse(readFileSync(join(net.dir, 'genesis.json'), 'utf8')))
    const peerOf = (name: string) => {
      const n = net.net.nodes.find((x) => x.name === name)!
      const [host, port] = n.p2pAddress.split(':') as [string, string]
      return { nodeId: name, host, port: Number(port) }
    }
    fake = createP2P(
      {
        chainId,
        nodeId: 'housing',
        listen: { host: '127.0.0.1', port: 0 },
        tls: {
          certPem: readFileSync(join(housingHome, 'keys', 'tls.crt'), 'utf8'),
          keyPem: readFileSync(join(housingHome, 'keys', 'tls.key'), 'utf8'),
          trustedCAPems: [...genesis.organisations.map((o) => o.caCertPem), added.caCertPem],
        },
        signingKey: housingKey,
        peers: ['market', 'police', 'hrss'].map(peerOf),
      },
      { suite },
    )
    await fake.start()
    await waitUntil('fake housing connected', async () => fake!.peers().length >= 3, 30_000)
    const set = (await market.validators()).validators
    const housingIndex = set.findIndex((v) => v.id === 'housing')
    assert.equal(housingIndex, 1)
    const equivocate = (h: number) => {
      for (const fill of [0xaa, 0xbb]) {
        const vote = codec.encode(Vote, {
          chainId,
          type: 'prevote',
          height: h,
          round: 0,
          blockHash: new Uint8Array(32).fill(fill),
          validatorIndex: housingIndex,
        })
        const signed = { vote, signature: suite.sign(housingKey.privateKey, signingBytes(DOMAIN.vote, vote)) }
        fake!.broadcast(CHANNEL.vote, codec.encode(VoteMessage, signed))
      }
    }
    await waitUntil(
      'housing jailed',
      async () => {
        const h = await height()
        equivocate(h + 1)
        equivocate(h + 2)
        const records = await governance.governanceValidators(market)
        return records.find((r) => r.id === 'housing')?.jailedAtHeight !== null
      },
      60_000,
    )
    const jailed = (await governance.governanceValidators(market)).find((r) => r.id === 'housing')!
    await waitUntil('housing out of the set', async () => (await height()) >= jailed.jailedAtHeight! + 3)
    assert.deepEqual(
      (await market.validators()).validators.map((v) => v.id),
      ['market', 'police', 'hrss'],
    )
    await fake.close()
    fake = undefined
    const before2 = await height()
    await waitUntil('the network keeps committing without housing', async () => (await height()) >= before2 + 3)

    // ---- a light client trusting only the genesis set walks every change and verifies the end
    const lc = new LightClient({ suite, chainId, trustedValidatorSet: genesisValidatorSet(genesis) })
    const latest = await height()
    let changes = 0
    for (let h = 1; h < latest; h++) {
      const b = await market.block(h)
      if (b.nextValidatorSet !== undefined) {
        lc.advance(b.headerBytes, b.certificate, b.nextValidatorSet)
        changes++
      }
    }
    assert.equal(changes, 3, 'hrss added, tax removed, housing jailed')
    const last = await market.block(latest)
    lc.verifyHeader(last.headerBytes, last.certificate)
    const proven = await market.state('identity', toHex(identityKeys.org('hrss')), { prove: true })
    const verified = lc.verifyState(proven)
    assert.ok(verified.value !== undefined)
  })
})

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
