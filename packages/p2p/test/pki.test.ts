/**
 * The consortium PKI, checked by independent verifiers: the openssl command line and
 * node:crypto's X509Certificate (both OpenSSL underneath, but neither uses our parser).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { isGovchainError } from '@govchain/core'
import fc from 'fast-check'
import {
  createOrgCA,
  issueClientCert,
  issueNodeCert,
  loadTrustedCAs,
  parsePeerIdentity,
  readCertificateInfo,
  verifyCertificateChain,
} from '../src/pki.ts'

const dir = mkdtempSync(join(tmpdir(), 'govchain-pki-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const ca = createOrgCA({ orgId: 'samr', orgName: '市场监督管理局', validityDays: 365 })
const otherCA = createOrgCA({ orgId: 'tax', orgName: '税务局', validityDays: 365 })
const node = issueNodeCert(ca, {
  nodeId: 'samr-node0',
  orgId: 'samr',
  hosts: ['127.0.0.1', 'localhost'],
  validityDays: 90,
})
const client = issueClientCert(ca, { nodeId: 'samr-gw', orgId: 'samr', validityDays: 90 })

function file(name: string, pem: string): string {
  const p = join(dir, name)
  writeFileSync(p, pem)
  return p
}

function openssl(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

describe('consortium PKI', () => {
  test('openssl verifies node and client certificates against the organisation CA (strict X.509)', () => {
    const caFile = file('ca.pem', ca.certPem)
    const nodeFile = file('node.pem', node.certPem)
    const clientFile = file('client.pem', client.certPem)
    for (const [purpose, cert] of [
      ['sslserver', nodeFile],
      ['sslclient', nodeFile],
      ['sslclient', clientFile],
    ] as const) {
      const r = openssl('verify', '-x509_strict', '-purpose', purpose, '-CAfile', caFile, cert)
      assert.equal(r.status, 0, `${purpose} ${cert}: ${r.out}`)
    }
    // A gateway certificate cannot serve as a node (no serverAuth).
    assert.notEqual(openssl('verify', '-purpose', 'sslserver', '-CAfile', caFile, clientFile).status, 0)
    // Another organisation's CA does not vouch for it.
    assert.notEqual(openssl('verify', '-CAfile', file('other.pem', otherCA.certPem), nodeFile).status, 0)
    // The CA is self-signed and valid as a trust anchor on its own.
    assert.equal(openssl('verify', '-x509_strict', '-CAfile', caFile, caFile).status, 0)
  })

  test('the certificates carry the fields the brief fixes', () => {
    const caX = new X509Certificate(ca.certPem)
    const nodeX = new X509Certificate(node.certPem)
    const clientX = new X509Certificate(client.certPem)
    assert.equal(caX.ca, true)
    assert.equal(nodeX.ca, false)
    assert.ok(nodeX.checkIssued(caX))
    assert.ok(nodeX.verify(caX.publicKey))
    assert.ok(clientX.verify(caX.publicKey))
    assert.ok(caX.verify(caX.publicKey))
    assert.equal(nodeX.verify(new X509Certificate(otherCA.certPem).publicKey), false)
    assert.equal(nodeX.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1')
    assert.deepEqual(nodeX.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])
    assert.deepEqual(clientX.keyUsage, ['1.3.6.1.5.5.7.3.2'])
    assert.ok(nodeX.checkIP('127.0.0.1'))
    assert.ok(nodeX.checkHost('localhost'))
    assert.match(caX.subject, /CN=samr CA/)
    assert.match(nodeX.subject, /CN=samr-node0/)
    const text = openssl('x509', '-noout', '-text', '-in', file('ca-text.pem', ca.certPem)).out
    assert.match(text, /CA:TRUE, pathlen:0/)
    assert.match(text, /Certificate Sign, CRL Sign/)
    assert.match(
      openssl('x509', '-noout', '-text', '-in', file('n.pem', node.certPem)).out,
      /URI:urn:govchain:node:samr:samr-node0/,
    )
    // The private key is PKCS#8 ECDSA P-256 and matches the certificate.
    const key = createPrivateKey(node.keyPem)
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1')
    assert.ok(nodeX.checkPrivateKey(key))
    assert.deepEqual(readCertificateInfo(ca.certPem), {
      role: 'ca',
      commonName: 'samr CA',
      orgId: 'samr',
      orgName: '市场监督管理局',
    })
  })

  test('parsePeerIdentity reads node id, organisation and role from every accepted form', () => {
    const expected = { nodeId: 'samr-node0', orgId: 'samr', role: 'node' }
    const x = new X509Certificate(node.certPem)
    assert.deepEqual(parsePeerIdentity(node.certPem), expected)
    assert.deepEqual(parsePeerIdentity(x), expected)
    assert.deepEqual(parsePeerIdentity(new Uint8Array(x.raw)), expected)
    assert.deepEqual(parsePeerIdentity({ raw: x.raw }), expected)
    assert.deepEqual(parsePeerIdentity(client.certPem), { nodeId: 'samr-gw', orgId: 'samr', role: 'client' })
    assert.throws(() => parsePeerIdentity(ca.certPem), { code: 'PKI_INVALID_CERTIFICATE' })
    assert.throws(() => parsePeerIdentity('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), {
      code: 'PKI_INVALID_CERTIFICATE',
    })
  })

  test('parsePeerIdentity turns any garbage into a coded error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          parsePeerIdentity(bytes)
          return false
        } catch (e) {
          return isGovchainError(e) && e.code === 'PKI_INVALID_CERTIFICATE'
        }
      }),
      { numRuns: 300 },
    )
    // Mutations of a real certificate: either still a certificate (identity readable) or refused with a code.
    const der = new Uint8Array(new X509Certificate(node.certPem).raw)
    fc.assert(
      fc.property(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const m = der.slice()
        m[at]! ^= flip
        try {
          parsePeerIdentity(m)
          return true
        } catch (e) {
          return isGovchainError(e) && e.code === 'PKI_INVALID_CERTIFICATE'
        }
      }),
      { numRuns: 300 },
    )
  })

  test('verifyCertificateChain finds the issuing organisation and refuses the rest', () => {
    const trusted = loadTrustedCAs([otherCA.certPem, ca.certPem])
    const id = verifyCertificateChain(node.certPem, trusted)
    assert.equal(id.nodeId, 'samr-node0')
    assert.equal(id.ca.orgId, 'samr')
    assert.throws(() => verifyCertificateChain(node.certPem, loadTrustedCAs([otherCA.certPem])), {
      code: 'PKI_UNTRUSTED_ISSUER',
    })
    const later = new Date(Date.now() + 200 * 86_400_000)
    assert.throws(() => verifyCertificateChain(node.certPem, trusted, later), { code: 'PKI_INVALID_CERTIFICATE' })
    assert.throws(() => loadTrustedCAs([node.certPem]), { code: 'PKI_INVALID_CERTIFICATE' })
    // A CA whose validity is given explicitly.
    const old = createOrgCA({ orgId: 'old', orgName: 'Old', validityDays: 1, now: new Date('2020-01-01T00:00:00Z') })
    assert.equal(new X509Certificate(old.certPem).validTo, 'Jan  2 00:00:00 2020 GMT')
  })

  test('bad input is refused with a code and creates nothing', () => {
    const bad: [() => unknown, string][] = [
      [() => createOrgCA({ orgId: '', orgName: 'x', validityDays: 1 }), 'INVALID_ARGUMENT'],
      [() => createOrgCA({ orgId: 'a b', orgName: 'x', validityDays: 1 }), 'INVALID_ARGUMENT'],
      [() => createOrgCA({ orgId: 'ok', orgName: 'bad\nname', validityDays: 1 }), 'INVALID_ARGUMENT'],
      [() => createOrgCA({ orgId: 'ok', orgName: 'x', validityDays: 0 }), 'INVALID_ARGUMENT'],
      [() => createOrgCA({ orgId: 'ok', orgName: 'x', validityDays: 1.5 }), 'INVALID_ARGUMENT'],
      [() => issueNodeCert(ca, { nodeId: 'n', orgId: 'tax', validityDays: 1 }), 'PKI_INVALID_CERTIFICATE'],
      [() => issueNodeCert(node, { nodeId: 'n', orgId: 'samr', validityDays: 1 }), 'PKI_INVALID_CERTIFICATE'],
      [
        () =>
          issueNodeCert(
            { certPem: ca.certPem, keyPem: otherCA.keyPem },
            { nodeId: 'n', orgId: 'samr', validityDays: 1 },
          ),
        'PKI_INVALID_KEY',
      ],
      [
        () => issueNodeCert({ certPem: ca.certPem, keyPem: 'nope' }, { nodeId: 'n', orgId: 'samr', validityDays: 1 }),
        'PKI_INVALID_KEY',
      ],
      [() => issueNodeCert(ca, { nodeId: 'n/1', orgId: 'samr', validityDays: 1 }), 'INVALID_ARGUMENT'],
      [
        () => issueNodeCert(ca, { nodeId: 'n', orgId: 'samr', hosts: ['bad host'], validityDays: 1 }),
        'INVALID_ARGUMENT',
      ],
      [
        () => issueNodeCert(ca, { nodeId: 'n', orgId: 'samr', hosts: ['300.1.1.1'], validityDays: 1 }),
        'INVALID_ARGUMENT',
      ],
    ]
    for (const [f, code] of bad) assert.throws(f, { code })
  })
})
