/**
 * Revoked node certificates (issue 18; RFC 5280 CRL entries: issuer + serial, or the SHA-256 of
 * the certificate): a transport told that a connected peer's certificate is revoked drops it
 * with P2P_CERT_REVOKED and refuses its new handshakes with the same code, counted in its stats
 * and metrics; the same serial from another organisation's CA is another certificate; once the
 * peer presents a renewed certificate (setOwnCertificate) it connects again.
 */
import assert from 'node:assert/strict'
import { createHash, X509Certificate } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { issueNodeCert } from '../src/pki.ts'
import { makeOrg, mesh, peerIds, startNode, type TestNode, until } from './p2p-fixtures.ts'

/** The serial as governance records it: big-endian magnitude, no leading zero byte. */
function serialOf(pem: string): Uint8Array {
  const hex = new X509Certificate(pem).serialNumber
  const b = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex')
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return new Uint8Array(b.subarray(i))
}
const sha256Of = (pem: string) => new Uint8Array(createHash('sha256').update(new X509Certificate(pem).raw).digest())

describe('revoked peer certificates', () => {
  const market = makeOrg('market')
  const police = makeOrg('police')
  const nodes: TestNode[] = []
  after(async () => {
    await Promise.all(nodes.map((n) => n.p2p.close()))
  })

  test('dropped and refused with P2P_CERT_REVOKED; a renewed certificate connects again', async () => {
    const counted: Record<string, number> = {}
    const a = await startNode({
      nodeId: 'a',
      org: market,
      trusted: [market, police],
      components: {
        metrics: {
          increment: (name, labels, value = 1) => {
            if (name === 'p2p_connections_closed_total')
              counted[labels!.reason!] = (counted[labels!.reason!] ?? 0) + value
          },
        },
      },
    })
    const b = await startNode({ nodeId: 'b', org: police, trusted: [market, police] })
    nodes.push(a, b)
    mesh([a, b])
    await until(() => peerIds(a).includes('b'), 'a and b connected')

    // Another issuer's serial, or the right serial under another issuer, is another certificate.
    a.p2p.setRevokedCertificates([{ orgId: 'market', serial: serialOf(b.cert.certPem) }])
    assert.deepEqual(peerIds(a), ['b'])

    // b's certificate revoked by issuer + serial: the open connection is dropped.
    a.p2p.setRevokedCertificates([{ orgId: 'police', serial: serialOf(b.cert.certPem) }])
    await until(() => !peerIds(a).includes('b'), 'b dropped')
    // b keeps dialing: each new handshake is refused with the same code.
    await until(() => (a.p2p.stats().closes.P2P_CERT_REVOKED ?? 0) >= 3, 'new handshakes refused')
    assert.ok((counted.P2P_CERT_REVOKED ?? 0) >= 3)
    assert.ok(a.logs.some((l) => l.level === 'warn' && l.obj.reason === 'P2P_CERT_REVOKED' && l.obj.peer === 'b'))
    assert.deepEqual(peerIds(a), [])

    // b renews: a new certificate (another serial and digest) is accepted again.
    const renewed = issueNodeCert(police.ca, { nodeId: 'b', orgId: 'police', hosts: ['127.0.0.1'], validityDays: 30 })
    b.p2p.setOwnCertificate(renewed.certPem, renewed.keyPem)
    await until(
      () => peerIds(a).includes('b') && peerIds(b).includes('a'),
      'b reconnected with its renewed certificate',
    )

    // By SHA-256 alone, the renewed one is dropped too; an empty list lets it back.
    a.p2p.setRevokedCertificates([
      { orgId: 'police', serial: serialOf(b.cert.certPem) },
      { orgId: 'police', sha256: sha256Of(renewed.certPem) },
    ])
    await until(() => !peerIds(a).includes('b'), 'renewed certificate dropped by digest')
    a.p2p.setRevokedCertificates([])
    await until(() => peerIds(a).includes('b'), 'b back once the list is empty')
  })
})
