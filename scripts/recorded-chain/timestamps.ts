/**
 * Recorded-chain extension for trusted time (issue 17, docs/adr/0024-trusted-timestamps.md):
 * governance registers a time-stamping authority (a real `openssl ts` TSA made at recording
 * time), an item gets its RFC 3161 token, and a token from an unregistered TSA is refused. The
 * tokens are in the recorded transactions, so the replay needs no TSA.
 *
 * The TSA stamps with the wall clock, so the chain's time jumps to the recording moment first.
 */
import { EvidenceSubmitArgs, EvidenceTimestampArgs } from '@govchain/evidence/schema'
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import { makeOpensslTsa } from '../../packages/apps/evidence/test/tsa-fixture.ts'
import type { Extension } from './extension.ts'

export const timestampsExtension: Extension = {
  name: 'timestamps',
  record(ctx) {
    const { rec, suite, admin, h } = ctx
    const t = rec.tx.bind(rec)
    const hash = suite.name === 'gm' ? 'sm3' : 'sha256'
    const registered = makeOpensslTsa({ name: 'Recorded TSA' })
    const unregistered = makeOpensslTsa({ name: 'Unregistered TSA' })
    try {
      rec.block(60_000, [
        t(
          admin.market,
          'governance.propose',
          ProposeArgs,
          {
            title: 'trust the recorded TSA',
            actions: [
              { type: 'addTimestampAuthority', value: { id: 'recorded-tsa', certificate: registered.certificate } },
            ],
            effectiveHeight: 0,
            expiresHeight: rec.height + 20,
          },
          'OK',
          'a TSA proposed by its certificate',
        ),
      ])
      const proposalId = rec.governance().proposalIds(1)[0]!
      rec.block(
        60_000,
        (['housing', 'police', 'tax'] as const).map((o) =>
          t(admin[o], 'governance.vote', VoteArgs, { proposalId, approve: true }, 'OK', `${o} votes for the TSA`),
        ),
      )
      const doc = h('enforcement record with trusted time')
      const item = t(
        admin.market,
        'evidence.submit',
        EvidenceSubmitArgs,
        { kind: 'enforcement-record', contentHash: doc },
        'OK',
        'an item to timestamp',
      )
      // To the recording moment (the TSA's clock), less a minute.
      rec.block(Math.max(60_000, Date.now() - 60_000 - rec.nextTime(0)), [item])
      const token = registered.stamp(doc, hash)
      rec.block(120_000, [
        t(
          admin.market,
          'evidence.timestamp',
          EvidenceTimestampArgs,
          { id: item.hash, token: unregistered.stamp(doc, hash) },
          'EVIDENCE_TSA_UNREGISTERED',
          'a token from a TSA governance never registered',
        ),
        t(
          admin.market,
          'evidence.timestamp',
          EvidenceTimestampArgs,
          { id: item.hash, token },
          'OK',
          'a registered TSA’s token',
        ),
      ])
    } finally {
      registered.close()
      unregistered.close()
    }
  },
}
