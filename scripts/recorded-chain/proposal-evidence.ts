/**
 * Recorded-chain extension for proposal equivocation (issue 19, docs/adr/0026): housing's key
 * signed two different proposals for one (height, round) of height 2, when it was in the set.
 * Police's validator reports them (housing, jailed by vote evidence in block 6, stays at power
 * 0); the same round again (the same block with another polRound) is a duplicate; one
 * proposal twice proves nothing.
 */
import { codec, DOMAIN, Proposal, signingBytes } from '@govchain/core'
import { ProposalEvidenceArgs } from '@govchain/governance/schema'
import type { Extension } from './extension.ts'

export const proposalEvidenceExtension: Extension = {
  name: 'proposal-evidence',
  record(ctx) {
    const { rec, suite, validator } = ctx
    const t = rec.tx.bind(rec)
    const height = 2
    const proposerIndex = rec
      .governance()
      .validatorSetAt(height)
      .validators.findIndex((v) => v.id === 'housing')
    const signed = (fill: number, polRound?: number) => {
      const p: Proposal = {
        chainId: rec.genesis.chainId,
        height,
        round: 1,
        blockHash: new Uint8Array(32).fill(fill),
        proposerIndex,
      }
      if (polRound !== undefined) p.polRound = polRound
      const proposal = codec.encode(Proposal, p)
      return { proposal, signature: suite.sign(validator.housing.privateKey, signingBytes(DOMAIN.proposal, proposal)) }
    }
    const a = signed(0xc1)
    rec.block(60_000, [
      t(
        validator.police,
        'governance.proposalEvidence',
        ProposalEvidenceArgs,
        { proposalA: a, proposalB: a },
        'EVIDENCE_INVALID',
        'one proposal twice proves nothing',
      ),
      t(
        validator.police,
        'governance.proposalEvidence',
        ProposalEvidenceArgs,
        { proposalA: a, proposalB: signed(0xc2) },
        'OK',
        'two different proposals of one round: recorded (housing, jailed in block 6, stays at 0)',
      ),
      t(
        validator.market,
        'governance.proposalEvidence',
        ProposalEvidenceArgs,
        { proposalA: a, proposalB: signed(0xc1, 0) },
        'GOV_EVIDENCE_DUPLICATE',
        'the same round again (another polRound) from another validator',
      ),
    ])
  },
}
