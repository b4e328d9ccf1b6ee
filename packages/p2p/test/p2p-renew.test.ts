/**
 * Renewing a node's own TLS certificate while it runs (issue 18, `govchain certs renew`): new
 * connections handshake with the new certificate; a certificate for another node or organisation,
 * from an untrusted CA, or with a key that is not its own is refused with its code and the
 * transport keeps the one it has.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { isGovchainError } from '@govchain/core'
import { issueNodeCert } from '../src/pki.ts'
import { makeOrg, mesh, peerIds, startNode, type TestNode, until } from './p2p-fixtures.ts'

const code = (c: string) => (e: unknown) => isGovchainError(e) && e.code === c

describe('replacing the node certificate', () => {
  const org = makeOrg('market')
  const stranger = makeOrg('elsewhere')
  const nodes: TestNode[] = []
  after(async () => {
    await Promise.all(nodes.map((n) => n.p2p.close()))
  })

  test('a renewed certificate serves new connections; wrong ones are refused and change nothing', async () => {
    const a = await startNode({ nodeId: 'a', org, trusted: [org] })
    nodes.push(a)
    const renewed = issueNodeCert(org.ca, { nodeId: 'a', orgId: 'market', hosts: ['127.0.0.1'], validityDays: 60 })
    a.p2p.setOwnCertificate(renewed.certPem, renewed.keyPem)
    assert.ok(a.logs.some((l) => l.msg === 'p2p TLS certificate replaced'))

    const forB = issueNodeCert(org.ca, { nodeId: 'b', orgId: 'market', hosts: ['127.0.0.1'], validityDays: 60 })
    assert.throws(() => a.p2p.setOwnCertificate(forB.certPem, forB.keyPem), code('PKI_INVALID_CERTIFICATE'))
    const foreign = issueNodeCert(stranger.ca, { nodeId: 'a', orgId: 'elsewhere', hosts: [], validityDays: 60 })
    assert.throws(() => a.p2p.setOwnCertificate(foreign.certPem, foreign.keyPem), code('PKI_INVALID_CERTIFICATE'))
    const again = issueNodeCert(org.ca, { nodeId: 'a', orgId: 'market', hosts: ['127.0.0.1'], validityDays: 60 })
    assert.throws(() => a.p2p.setOwnCertificate(again.certPem, renewed.keyPem), code('PKI_INVALID_KEY'))

    // A peer connecting now completes the handshake: a holds the renewed pair, not a broken one.
    const b = await startNode({ nodeId: 'b', org, trusted: [org] })
    nodes.push(b)
    mesh([a, b])
    await until(() => peerIds(a).includes('b') && peerIds(b).includes('a'), 'a and b connected')
  })
})
