/**
 * A node certificate revoked by governance is refused by its peers (issue 18): a 4-validator intl
 * network and a 5th node registered as an observer. `gov propose revoke-cert` (issuer police,
 * the observer's certificate: serial and SHA-256, keyCompromise) passes; every validator drops the
 * observer's connection and refuses its reconnections with P2P_CERT_REVOKED (logged, and counted
 * in govchain_p2p_refusals_total); the revocation is listed by GET
 * /v1/governance/revoked-certificates (paged) and `gov revoked-certs`. After `govchain certs renew`
 * on the observer's home (a running node loads it without a restart) it reconnects to every
 * validator and follows the chain again.
 */
import assert from 'node:assert/strict'
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Client } from '@govchain/sdk'
import { networkCli, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const VALIDATORS = ['market', 'housing', 'police', 'tax']
const OBSERVER = 'court-observer'

async function refusals(net: TestNetwork, node: string, code: string): Promise<number> {
  const url = net.net.nodes.find((n) => n.name === node)!.apiUrl
  const text = await (await fetch(`${url}/metrics`)).text()
  // Every series carries the node's default labels too (node="…").
  const m = new RegExp(`govchain_p2p_refusals_total\\{[^}]*code="${code}"[^}]*\\} (\\d+)`).exec(text)
  return m === null ? 0 : Number(m[1])
}

describe('a node certificate revoked by governance (intl)', { timeout: 900_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('peers drop and refuse it with P2P_CERT_REVOKED; after certs renew it reconnects', async () => {
    const market = net.clients.market!
    const { url, ok, decide, initNode } = networkCli(net)
    const height = async (c: Client = market) => (await c.status()).height
    const connectedEverywhere = async () => {
      for (const v of VALIDATORS)
        if (!(await net.clients[v]!.status()).peers.some((p) => p.id === OBSERVER)) return false
      return true
    }
    const connectedNowhere = async () => {
      for (const v of VALIDATORS)
        if ((await net.clients[v]!.status()).peers.some((p) => p.id === OBSERVER)) return false
      return true
    }
    await waitUntil('block 2', async () => (await height()) >= 2)

    // ---- the court's observer node, under police's CA, registered by governance
    const { node, client: observer } = await initNode(OBSERVER, 'police')
    await net.start(OBSERVER)
    await decide([
      'add-observer',
      '--id',
      OBSERVER,
      '--org',
      'police',
      '--public-key',
      join(node.home, 'keys', 'validator.json'),
    ])
    await waitUntil('the observer connected to every validator', connectedEverywhere, 120_000)
    await waitUntil('the observer syncs', async () => (await height(observer)) >= (await height()) - 1, 120_000)

    // ---- governance revokes the observer's certificate (issuer + serial + SHA-256)
    const certFile = join(node.home, 'keys', 'tls.crt')
    const cert = new X509Certificate(readFileSync(certFile, 'utf8'))
    const serialHex = cert.serialNumber.toLowerCase().replace(/^(00)+/, '')
    const sha256 = createHash('sha256').update(cert.raw).digest('hex')
    const from = await decide(['revoke-cert', '--org', 'police', '--cert', certFile, '--reason', 'keyCompromise'])
    await waitUntil('revocation in force', async () => (await height()) >= from)
    await waitUntil('every validator dropped the observer', connectedNowhere, 30_000)
    // It keeps dialing with the revoked certificate: each validator refuses it again, coded.
    for (const v of VALIDATORS) {
      await waitUntil(
        `${v} refused the revoked certificate twice`,
        async () => (await refusals(net, v, 'P2P_CERT_REVOKED')) >= 2,
        60_000,
      )
      assert.match(net.logOf(v), /P2P_CERT_REVOKED/)
    }
    const stuck = await height(observer)
    const mark = await height()
    await waitUntil('the network keeps committing', async () => (await height()) >= mark + 4)
    assert.ok((await height(observer)) <= stuck + 2, 'the revoked observer no longer follows')
    assert.ok(await connectedNowhere())

    // ---- the read route (paged) and the CLI list it
    const page = await (await fetch(`${url}/v1/governance/revoked-certificates?limit=1`)).json()
    assert.equal(page.next, null)
    assert.deepEqual(page.certificates, [
      {
        orgId: 'police',
        serial: serialHex.length % 2 === 1 ? `0${serialHex}` : serialHex,
        sha256,
        reason: 'keyCompromise',
        reasonCode: 1,
        fromHeight: from,
        proposalId: page.certificates[0].proposalId,
        active: true,
      },
    ])
    const bad = await fetch(`${url}/v1/governance/revoked-certificates?after=x`)
    assert.equal(bad.status, 400)
    assert.equal((await bad.json()).code, 'INVALID_ARGUMENT')
    assert.match(
      (await ok(['gov', 'revoked-certs'])).stdout,
      new RegExp(`police\\s+serial \\S+ sha256 ${sha256} keyCompromise \\(1\\)`),
    )

    // ---- certs renew on the observer's home: a new certificate, loaded without a restart
    const pid = net.procs.get(OBSERVER)!.pid
    const renewed = await ok(['certs', 'renew', '--home', node.home, '--days', '90'])
    assert.match(renewed.stdout, /renewed .*serial/)
    assert.notEqual(new X509Certificate(readFileSync(certFile, 'utf8')).serialNumber, cert.serialNumber)
    await waitUntil('the observer reconnected to every validator', connectedEverywhere, 120_000)
    assert.equal(net.procs.get(OBSERVER)!.pid, pid, 'same process: no restart')
    const again = await height()
    await waitUntil('the observer follows again', async () => (await height(observer)) >= again, 60_000)
    assert.deepEqual(net.unexpectedExits(), [])
  })
})
