/**
 * Recorded-chain extension for evidence attestations (issue 17): governance gives housing the
 * notary role; housing's officer notarises an item; market, holding no role, is refused.
 */
import { EvidenceAttestArgs, EvidenceSubmitArgs } from '@govchain/evidence/schema'
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import type { Extension } from './extension.ts'

export const attestationsExtension: Extension = {
  name: 'attestations',
  record(ctx) {
    const { rec, admin, h } = ctx
    const t = rec.tx.bind(rec)
    const item = t(
      admin.market,
      'evidence.submit',
      EvidenceSubmitArgs,
      { kind: 'contract', contentHash: h('a contract to notarise') },
      'OK',
      'an item to attest',
    )
    rec.block(60_000, [
      item,
      t(
        admin.market,
        'governance.propose',
        ProposeArgs,
        {
          title: 'housing acts as a notary office',
          actions: [{ type: 'setOrganisationRoles', value: { orgId: 'housing', roles: ['notary'] } }],
          effectiveHeight: 0,
          expiresHeight: rec.height + 20,
        },
        'OK',
        'a role proposed for an organisation',
      ),
    ])
    const proposalId = rec.governance().proposalIds(1)[0]!
    rec.block(
      60_000,
      (['housing', 'police', 'tax'] as const).map((o) =>
        t(admin[o], 'governance.vote', VoteArgs, { proposalId, approve: true }, 'OK', `${o} votes for the role`),
      ),
    )
    rec.block(60_000, [
      t(
        admin.market,
        'evidence.attest',
        EvidenceAttestArgs,
        { id: item.hash, statement: 'notarised' },
        'EVIDENCE_ATTESTER_ROLE',
        'an organisation without the notary role cannot notarise',
      ),
      t(
        admin.housing,
        'evidence.attest',
        EvidenceAttestArgs,
        { id: item.hash, statement: 'notarised', report: h('notarial certificate (2026)京方圆内经证字第1号') },
        'OK',
        'the notary office notarises the item',
      ),
    ])
  },
}
