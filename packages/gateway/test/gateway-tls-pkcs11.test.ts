/**
 * A data gateway's TLS key on a PKCS#11 token (SoftHSM2) through OpenSSL's PKCS#11 engine
 * (docs/adr/0039-tls-keys-on-pkcs11.md): `gateway tls-pkcs11-import` moves tls.key onto the
 * token, the certificate (its fingerprint is registered on chain) stays, and the gateway's HTTPS
 * server and client both sign their handshakes on the token.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { GovchainError, toHex } from '@govchain/core'
import { createOrgCA, tlsKeyOptions } from '@govchain/p2p'
import { GatewayHealthAnswer } from '@govchain/sharing/views'
import { sharedTlsSoftHsm } from '../../app/test/softhsm-fixture.ts'
import { importGatewayTlsKeyToPkcs11, initGatewayHome, loadGatewayHome } from '../src/config.ts'
import { postToGateway } from '../src/consumer.ts'

const hsm = sharedTlsSoftHsm()
process.env.GOVCHAIN_PKCS11_PIN = hsm.pin
const root = mkdtempSync(join(tmpdir(), 'govchain-gateway-tls-'))
after(() => rmSync(root, { recursive: true, force: true }))

function gatewayOf(orgId: string) {
  const dir = join(root, orgId)
  const home = initGatewayHome({
    dir,
    orgId,
    nodeApiUrl: 'http://127.0.0.1:1',
    chainId: 'govchain-test',
    suite: 'intl',
    ca: createOrgCA({ orgId, orgName: orgId, validityDays: 30 }),
    keys: { dev: true },
    port: 0,
    localPort: 0,
  })
  return { dir, home }
}

describe("a gateway's TLS key on a PKCS#11 token", () => {
  test('moved onto the token, it serves and makes mutual TLS; the registered fingerprint is unchanged', async () => {
    const provider = gatewayOf('housing')
    const requester = gatewayOf('market')
    for (const [g, label] of [
      [provider, 'tls-housing-gateway'],
      [requester, 'tls-market-gateway'],
    ] as const) {
      assert.deepEqual(importGatewayTlsKeyToPkcs11(g.dir, { module: hsm.module, token: hsm.token, label }), {
        key: `key "${label}" on token "${hsm.token}"`,
      })
      assert.ok(!existsSync(join(g.dir, 'tls.key')))
      assert.equal(JSON.parse(readFileSync(join(g.dir, 'gateway.json'), 'utf8')).tlsKey.label, label)
      assert.throws(
        () => importGatewayTlsKeyToPkcs11(g.dir, { module: hsm.module, token: hsm.token, label }),
        (e) => e instanceof GovchainError && e.code === 'INVALID_ARGUMENT',
      )
    }
    const served = loadGatewayHome(provider.dir)
    const calling = loadGatewayHome(requester.dir)
    assert.ok('engineKey' in served.tls && 'engineKey' in calling.tls)
    assert.equal(toHex(served.certFingerprint), toHex(provider.home.certFingerprint))

    // The provider's HTTPS server (its key on the token) answers the requester (its key on the token).
    let clientCertCN = ''
    const server = createServer(
      { cert: served.tls.certPem, ...tlsKeyOptions(served.tls), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        clientCertCN = String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN)
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ ok: true, orgId: 'market' }))
      },
    )
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    try {
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`
      const answer = await postToGateway(
        calling.tls,
        { url, orgId: 'housing', certFingerprint: toHex(served.certFingerprint) },
        '/v1/gateway/health',
        {},
        GatewayHealthAnswer,
      )
      assert.deepEqual(answer, { ok: true, orgId: 'market' })
      assert.equal(clientCertCN, 'market-gateway')
    } finally {
      server.close()
    }
  })
})
