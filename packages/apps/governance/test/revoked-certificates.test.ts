/**
 * Revoked node certificates (issue 18, governance 1.4.0) through executeBlock: governance revokes
 * a node certificate by issuer organisation and serial and/or SHA-256, in force from p + 1, with an
 * RFC 5280 reason; the same transactions give the same state root on two chains; and it refuses,
 * with a code and changing nothing, a revocation naming no certificate or a serial with a leading
 * zero byte (when proposed), an unknown organisation, a certificate already revoked (by serial of
 * the same issuer, or by digest), and one more than the list holds.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { suites, toHex } from '@govchain/core'
import type { GovernanceKeeper } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { GOVERNANCE_LIMITS, type ProposalAction, ProposeArgs, VoteArgs } from '../src/schema.ts'

const suite = suites.intl

function setup(c = makeConsortium(suite, 4)) {
  const g = new GovChain(suite, c.genesis)
  g.step()
  const gov = () => g.keeper<GovernanceKeeper>('governance')
  return { ...c, g, gov }
}
type Setup = ReturnType<typeof setup>

/** The transactions that propose each list (market), then those of housing's and police's yes votes. */
function decisionTxs(t: Setup, firstId: number, lists: ProposalAction[][]): [Uint8Array[], Uint8Array[]] {
  const proposals = lists.map((actions) =>
    tx(suite, t.operators.market!, 'governance', 'propose', ProposeArgs, {
      title: 'revocations',
      actions,
      effectiveHeight: 0,
      expiresHeight: t.g.height + 50,
    }),
  )
  const votes = lists.flatMap((_, i) =>
    ['housing', 'police'].map((o) =>
      tx(suite, t.operators[o]!, 'governance', 'vote', VoteArgs, { proposalId: firstId + i, approve: true }),
    ),
  )
  return [proposals, votes]
}

function decide(t: Setup, ...lists: ProposalAction[][]) {
  const first = (t.gov().proposalIds(1)[0] ?? 0) + 1
  const [proposals, votes] = decisionTxs(t, first, lists)
  assert.deepEqual(
    t.g.step(proposals).map((r) => r.code),
    lists.map(() => 'OK'),
  )
  t.g.step(votes)
  return lists.map((_, i) => t.gov().proposal(first + i)!)
}

const bytes = (...b: number[]) => new Uint8Array(b)
const digest = (text: string) => suite.hash(new TextEncoder().encode(text))
const revoke = (
  orgId: string,
  c: { serial?: Uint8Array; sha256?: Uint8Array },
  reason: Extract<ProposalAction, { type: 'revokeCertificate' }>['value']['reason'] = 'keyCompromise',
): ProposalAction => ({ type: 'revokeCertificate', value: { orgId, ...c, reason } })

describe('revoked node certificates', () => {
  it('revokes by issuer + serial and by SHA-256, in force from p + 1; the state root is deterministic', () => {
    const c = makeConsortium(suite, 4)
    const a = setup(c)
    const b = setup(c)
    const lists = [
      [revoke('police', { serial: bytes(0x4f, 0x1a, 0x9c), sha256: digest('node cert A') })],
      [revoke('tax', { sha256: digest('node cert B') }, 'superseded')],
    ]
    // The same signed transactions on two chains from the same genesis: the same roots.
    const [proposals, votes] = decisionTxs(a, 1, lists)
    for (const t of [a, b]) {
      t.g.step(proposals)
      t.g.step(votes)
    }
    assert.equal(toHex(a.g.stateRoot()), toHex(b.g.stateRoot()))
    const p = a.gov().proposal(1)!
    assert.equal(p.status, 'passed')
    const h = p.decidedHeight!
    assert.equal(p.appliedFromHeight, h + 1)
    assert.deepEqual(a.gov().revokedCertificatesAt(h), [])
    assert.deepEqual(a.gov().revokedCertificatesAt(h + 1), [
      { orgId: 'police', serial: bytes(0x4f, 0x1a, 0x9c), sha256: digest('node cert A') },
      { orgId: 'tax', sha256: digest('node cert B') },
    ])
    assert.deepEqual(
      a
        .gov()
        .revokedCertificates()
        .map((r) => [r.orgId, r.reason, r.fromHeight, r.proposalId]),
      [
        ['police', 'keyCompromise', h + 1, 1],
        ['tax', 'superseded', h + 1, 2],
      ],
    )
    // A revocation does not touch the validator set or the observers.
    assert.deepEqual(a.gov().validatorSetAt(h + 2).validators.length, 4)
  })

  it('refuses bad revocations with a code, changing nothing', () => {
    const t = setup()
    const serial = bytes(0x01, 0x02, 0x03)
    decide(t, [revoke('police', { serial, sha256: digest('cert A') })], [revoke('tax', { sha256: digest('cert B') })])
    const before = t.gov().revokedCertificates()
    const rootBefore = t.gov().validatorSetAt(t.g.height + 5)
    const decided = decide(
      t,
      [revoke('nowhere', { serial: bytes(9) })],
      // The same serial of the same issuer, under another reason: already revoked.
      [revoke('police', { serial }, 'cessationOfOperation')],
      // The same digest, named under another organisation: already revoked.
      [revoke('housing', { sha256: digest('cert B') })],
      // Atomic: a fresh revocation with a failing one revokes nothing.
      [revoke('housing', { serial: bytes(7) }), revoke('police', { sha256: digest('cert A') })],
      // Twice in one proposal.
      [revoke('housing', { serial: bytes(8) }), revoke('housing', { serial: bytes(8) })],
    )
    assert.deepEqual(
      decided.map((p) => [p.status, p.failure]),
      [
        ['failed', 'IDENTITY_ORG_NOT_FOUND'],
        ['failed', 'GOV_CERT_ALREADY_REVOKED'],
        ['failed', 'GOV_CERT_ALREADY_REVOKED'],
        ['failed', 'GOV_CERT_ALREADY_REVOKED'],
        ['failed', 'GOV_CERT_ALREADY_REVOKED'],
      ],
    )
    assert.deepEqual(t.gov().revokedCertificates(), before)
    assert.deepEqual(t.gov().validatorSetAt(t.g.height + 5), rootBefore)
    // The same serial under another issuer is another certificate (RFC 5280: unique per issuer).
    const [other] = decide(t, [revoke('housing', { serial })])
    assert.equal(other!.status, 'passed')

    // Shape: refused when proposed (no proposal is made).
    const last = t.gov().proposalIds(1)[0]
    const propose = (actions: ProposalAction[]) =>
      tx(suite, t.operators.market!, 'governance', 'propose', ProposeArgs, {
        title: 'x',
        actions,
        effectiveHeight: 0,
        expiresHeight: t.g.height + 5,
      })
    const bad = t.g.step([
      propose([revoke('police', {})]),
      propose([revoke('police', { serial: bytes(0, 1) })]),
      propose([revoke('police', { serial: bytes() })]),
      propose([revoke('Police Dept', { serial: bytes(1) })]),
    ])
    assert.deepEqual(
      bad.map((r) => r.code),
      ['GOV_BAD_PROPOSAL', 'GOV_BAD_PROPOSAL', 'GOV_BAD_PROPOSAL', 'GOV_BAD_PROPOSAL'],
    )
    assert.deepEqual(t.gov().proposalIds(1), [last])
  })

  it(`refuses more than ${GOVERNANCE_LIMITS.revokedCertificates} revocations`, () => {
    const t = setup()
    const n = GOVERNANCE_LIMITS.revokedCertificates
    const per = GOVERNANCE_LIMITS.actionsPerProposal
    const lists: ProposalAction[][] = []
    for (let i = 0; i < n; i += per)
      lists.push(
        Array.from({ length: Math.min(per, n - i) }, (_, j) =>
          revoke('police', { serial: bytes(1 + ((i + j) >> 8), (i + j) & 0xff) }),
        ),
      )
    // 16 proposals per block keep each block small.
    for (let i = 0; i < lists.length; i += 16)
      assert.ok(decide(t, ...lists.slice(i, i + 16)).every((p) => p.status === 'passed'))
    assert.equal(t.gov().revokedCertificates().length, n)
    const [over] = decide(t, [revoke('police', { sha256: digest('one more') })])
    assert.deepEqual([over!.status, over!.failure], ['failed', 'GOV_TOO_MANY_CHANGES'])
    assert.equal(t.gov().revokedCertificates().length, n)
  })
})
