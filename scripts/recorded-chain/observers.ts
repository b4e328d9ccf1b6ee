/**
 * Recorded-chain extension for observer nodes (issue 18, docs/operations.md "Observer nodes"):
 * governance registers two observers (a court's and an auditor's node) by proposal and votes,
 * then removes one; a proposal with a key of the wrong length is refused when made, and one
 * removing an observer nobody registered passes the vote but fails to apply
 * (GOV_OBSERVER_NOT_FOUND) and changes nothing.
 */
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import type { Extension } from './extension.ts'

export const observersExtension: Extension = {
  name: 'observers',
  record(ctx) {
    const { rec, admin, key } = ctx
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
    rec.block(60_000, [
      propose(
        'observers for the court and the audit office',
        [
          {
            type: 'addObserver',
            value: { id: 'court-observer', orgId: 'police', publicKey: key('court-observer').publicKey },
          },
          {
            type: 'addObserver',
            value: { id: 'audit-observer', orgId: 'tax', publicKey: key('audit-observer').publicKey },
          },
        ],
        'OK',
        'two observer nodes proposed (node id, organisation, key)',
      ),
      propose(
        'an observer with a short key',
        [{ type: 'addObserver', value: { id: 'short-key', orgId: 'police', publicKey: new Uint8Array(7) } }],
        'GOV_BAD_PROPOSAL',
        'an observer key of the wrong length is refused when proposed',
      ),
    ])
    const added = rec.governance().proposalIds(1)[0]!
    rec.block(60_000, votes(added, 'the observers'))
    rec.block(60_000, [
      propose(
        'remove the audit observer',
        [{ type: 'removeObserver', value: { id: 'audit-observer' } }],
        'OK',
        'an observer removal proposed',
      ),
      propose(
        'remove an observer nobody registered',
        [{ type: 'removeObserver', value: { id: 'ghost-observer' } }],
        'OK',
        'passes the vote, then fails to apply (GOV_OBSERVER_NOT_FOUND)',
      ),
    ])
    const [ghost, removal] = rec.governance().proposalIds(2) as [number, number]
    rec.block(60_000, [...votes(removal, 'the removal'), ...votes(ghost, 'the unknown removal')])
    const g = rec.governance()
    const outcome = [added, removal, ghost].map((id) => `${g.proposal(id)?.status}:${g.proposal(id)?.failure ?? ''}`)
    if (outcome.join(' ') !== 'passed: passed: failed:GOV_OBSERVER_NOT_FOUND')
      throw new Error(`observers extension: unexpected outcomes ${outcome.join(' ')}`)
  },
}
