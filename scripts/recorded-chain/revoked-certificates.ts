/**
 * Recorded-chain extension for revoked node certificates (issue 18, governance 1.4.0,
 * docs/governance.md "Revoking a node certificate"): governance revokes two node certificates,
 * one by issuer and serial with its SHA-256 (keyCompromise), one by SHA-256 alone (superseded);
 * a proposal naming neither a serial nor a digest, and one whose serial has a leading zero byte,
 * are refused when made; one revoking the first certificate again passes the vote but fails to
 * apply (GOV_CERT_ALREADY_REVOKED) and changes nothing.
 */
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import type { Extension } from './extension.ts'

export const revokedCertificatesExtension: Extension = {
  name: 'revoked-certificates',
  record(ctx) {
    const { rec, admin, h } = ctx
    const t = rec.tx.bind(rec)
    const propose = (title: string, actions: ProposeArgs['actions'], code: string, note: string) =>
      t(
        admin.market,
        'governance.propose',
        ProposeArgs,
        { title, actions, effectiveHeight: 0, expiresHeight: rec.height + 20 },
        code,
        note,
      )
    const votes = (proposalId: number, what: string) =>
      (['housing', 'police', 'tax'] as const).map((o) =>
        t(admin[o], 'governance.vote', VoteArgs, { proposalId, approve: true }, 'OK', `${o} votes for ${what}`),
      )
    // Fixed serials and digests: the certificates themselves are never on chain.
    const serial = new Uint8Array([0x4f, 0x1a, 0x22, 0x9c, 0x03, 0x7e, 0x51, 0x10])
    const digestA = h('certificate of police-node-2')
    const digestB = h('certificate of court-observer')
    rec.block(60_000, [
      propose(
        'revoke two node certificates',
        [
          {
            type: 'revokeCertificate',
            value: { orgId: 'police', serial, sha256: digestA, reason: 'keyCompromise' },
          },
          { type: 'revokeCertificate', value: { orgId: 'police', sha256: digestB, reason: 'superseded' } },
        ],
        'OK',
        'two node certificates proposed for revocation (issuer + serial + SHA-256; SHA-256 alone)',
      ),
      propose(
        'a revocation naming no certificate',
        [{ type: 'revokeCertificate', value: { orgId: 'police', reason: 'unspecified' } }],
        'GOV_BAD_PROPOSAL',
        'neither a serial nor a SHA-256: refused when proposed',
      ),
      propose(
        'a serial with a leading zero byte',
        [
          {
            type: 'revokeCertificate',
            value: { orgId: 'police', serial: new Uint8Array([0, 1]), reason: 'unspecified' },
          },
        ],
        'GOV_BAD_PROPOSAL',
        'a serial must be its magnitude (no leading zero byte): refused when proposed',
      ),
    ])
    const revoked = rec.governance().proposalIds(1)[0]!
    rec.block(60_000, votes(revoked, 'the revocations'))
    rec.block(60_000, [
      propose(
        'revoke the same certificate again',
        [{ type: 'revokeCertificate', value: { orgId: 'police', serial, reason: 'cessationOfOperation' } }],
        'OK',
        'passes the vote, then fails to apply (GOV_CERT_ALREADY_REVOKED)',
      ),
    ])
    const again = rec.governance().proposalIds(1)[0]!
    rec.block(60_000, votes(again, 'the second revocation'))
    const g = rec.governance()
    const outcome = [revoked, again].map((id) => `${g.proposal(id)?.status}:${g.proposal(id)?.failure ?? ''}`)
    if (outcome.join(' ') !== 'passed: failed:GOV_CERT_ALREADY_REVOKED')
      throw new Error(`revoked-certificates extension: unexpected outcomes ${outcome.join(' ')}`)
  },
}
