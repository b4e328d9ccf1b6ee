/**
 * The governance module through executeBlock: proposals pass with more than 2/3 of the active
 * organisations and take effect at a height boundary (validator changes at p + 2 at the
 * earliest), expire, get rejected, fail atomically; equivocation evidence takes a validator's
 * voting power away.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  codec,
  DOMAIN,
  demoCreditCode,
  hashValidatorSet,
  Proposal,
  signingBytes,
  suites,
  toHex,
  Vote,
} from '@govchain/core'
import { type GovernanceKeeper, type IdentityKeeper, setAt } from '@govchain/distribution'
import { FAKE_CA_PEM, GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { EvidenceArgs, type ProposalAction, ProposalEvidenceArgs, ProposeArgs, VoteArgs } from '../src/schema.ts'

const suite = suites.intl

function setup(n = 4) {
  const c = makeConsortium(suite, n)
  const g = new GovChain(suite, c.genesis)
  g.step()
  const gov = () => g.keeper<GovernanceKeeper>('governance')
  const id = () => g.keeper<IdentityKeeper>('identity')
  const propose = (
    org: string,
    actions: ProposalAction[],
    o: { effectiveHeight?: number; expiresHeight?: number } = {},
  ) =>
    tx(suite, c.operators[org]!, 'governance', 'propose', ProposeArgs, {
      title: 'test',
      actions,
      effectiveHeight: o.effectiveHeight ?? 0,
      expiresHeight: o.expiresHeight ?? g.height + 50,
    })
  const vote = (org: string, proposalId: number, approve = true) =>
    tx(suite, c.operators[org]!, 'governance', 'vote', VoteArgs, { proposalId, approve })
  return { ...c, g, gov, id, propose, vote }
}

function newOrg(idText: string, operatorPublicKey: Uint8Array): ProposalAction {
  return {
    type: 'addOrganisation',
    value: {
      id: idText,
      name: '北京市人力资源和社会保障局',
      nameEn: 'HRSS',
      code: demoCreditCode(9, '110000'),
      level: 'city',
      regionCode: '110000',
      region: '北京市',
      caCertPem: FAKE_CA_PEM,
      operatorPublicKey,
      identityAuthority: false,
    },
  }
}

describe('governance proposals', () => {
  it('admits an organisation and its validator with > 2/3 of the organisations, from p + 2', () => {
    const t = setup(4)
    const operator = suite.generateKeyPair()
    const validator = suite.generateKeyPair()
    const actions: ProposalAction[] = [
      newOrg('hrss', operator.publicKey),
      { type: 'addValidator', value: { id: 'hrss', orgId: 'hrss', publicKey: validator.publicKey, power: 10 } },
    ]
    const [created] = t.g.step([t.propose('market', actions)])
    assert.equal(created!.code, 'OK')
    assert.equal(t.gov().proposal(1)!.status, 'voting')
    // 2 of 4 is not more than 2/3; 3 of 4 is.
    const [v2] = t.g.step([t.vote('housing', 1)])
    assert.equal(v2!.code, 'OK')
    assert.equal(t.gov().proposal(1)!.status, 'voting')
    const [again] = t.g.step([t.vote('housing', 1)])
    assert.equal(again!.code, 'GOV_ALREADY_VOTED')
    const [v3] = t.g.step([t.vote('police', 1)])
    const p = t.g.height
    assert.equal(v3!.code, 'OK')
    const rec = t.gov().proposal(1)!
    assert.equal(rec.status, 'passed')
    assert.equal(rec.decidedHeight, p)
    assert.equal(rec.appliedFromHeight, p + 2)
    assert.deepEqual(
      t
        .gov()
        .validatorSetAt(p + 1)
        .validators.map((v) => v.id),
      ['market', 'housing', 'police', 'tax'],
    )
    assert.deepEqual(
      t
        .gov()
        .validatorSetAt(p + 2)
        .validators.map((v) => v.id),
      ['market', 'housing', 'police', 'tax', 'hrss'],
    )
    assert.equal(t.id().organisation('hrss')!.status, 'pending')
    const [closed] = t.g.step([t.vote('tax', 1)])
    assert.equal(closed!.code, 'GOV_PROPOSAL_CLOSED')
    // The keeper answers for the latest committed height (p + 1): admitted from p + 2.
    assert.equal(t.id().organisation('hrss')!.status, 'pending')
    t.g.step()
    assert.equal(t.id().organisation('hrss')!.status, 'active')
    // The new organisation's admin acts (and votes) from then on; 5 organisations now.
    assert.equal(t.id().officerByKey(operator.publicKey)!.officerId, 'hrss-admin')
    assert.deepEqual(t.id().activeOrganisationIds(), ['market', 'housing', 'police', 'tax', 'hrss'])
  })

  it('removes a validator and an organisation; a removed organisation no longer votes or acts', () => {
    const t = setup(4)
    t.g.step([t.propose('market', [{ type: 'removeOrganisation', value: { orgId: 'tax' } }])])
    t.g.step([t.vote('housing', 1), t.vote('police', 1)])
    const p = t.g.height
    assert.equal(t.gov().proposal(1)!.appliedFromHeight, p + 2)
    assert.ok(
      t
        .gov()
        .validatorSetAt(p + 1)
        .validators.some((v) => v.id === 'tax'),
    )
    assert.ok(
      !t
        .gov()
        .validatorSetAt(p + 2)
        .validators.some((v) => v.id === 'tax'),
    )
    t.g.step()
    t.g.step()
    assert.equal(t.id().organisation('tax')!.status, 'removed')
    // Its officers are no registered senders any more: the proposal never reaches a block.
    const removed = t.g.stepAll([t.propose('tax', [{ type: 'removeValidator', value: { id: 'market' } }])])
    assert.deepEqual(removed, { results: [], dropped: ['TX_SENDER_UNREGISTERED'] })
    // 3 active organisations: 2 yes is not enough, 3 is.
    t.g.step([t.propose('market', [{ type: 'setValidatorPower', value: { id: 'police', power: 20 } }])])
    t.g.step([t.vote('housing', 2)])
    assert.equal(t.gov().proposal(2)!.status, 'voting')
    t.g.step([t.vote('police', 2)])
    assert.equal(t.gov().proposal(2)!.status, 'passed')
    const h = t.g.height
    assert.equal(
      t
        .gov()
        .validatorSetAt(h + 2)
        .validators.find((v) => v.id === 'police')!.votingPower,
      20,
    )
  })

  it('rejects when a quorum is out of reach; expires after expiresHeight; failed proposals change nothing', () => {
    const t = setup(4)
    t.g.step([t.propose('market', [{ type: 'removeValidator', value: { id: 'tax' } }])])
    t.g.step([t.vote('tax', 1, false)])
    assert.equal(t.gov().proposal(1)!.status, 'voting')
    t.g.step([t.vote('police', 1, false)])
    assert.equal(t.gov().proposal(1)!.status, 'rejected')

    t.g.step([
      t.propose('market', [{ type: 'removeValidator', value: { id: 'tax' } }], { expiresHeight: t.g.height + 2 }),
    ])
    t.g.step()
    t.g.step()
    const [late] = t.g.step([t.vote('housing', 2)])
    assert.equal(late!.code, 'GOV_PROPOSAL_CLOSED')

    // Passes, but its action no longer applies (duplicate validator key): failed, set unchanged.
    const before = hashValidatorSet(suite, t.gov().validatorSetAt(t.g.height + 5))
    t.g.step([
      t.propose('market', [
        {
          type: 'addValidator',
          value: { id: 'twin', orgId: 'market', publicKey: t.validators.housing!.publicKey, power: 5 },
        },
      ]),
    ])
    t.g.step([t.vote('housing', 3), t.vote('police', 3)])
    const failed = t.gov().proposal(3)!
    assert.equal(failed.status, 'failed')
    assert.equal(failed.failure, 'GOV_VALIDATOR_EXISTS')
    assert.deepEqual(hashValidatorSet(suite, t.gov().validatorSetAt(t.g.height + 5)), before)

    // Removing every validator is refused when applied.
    t.g.step([
      t.propose(
        'market',
        ['market', 'housing', 'police', 'tax'].map(
          (v) => ({ type: 'removeValidator', value: { id: v } }) as ProposalAction,
        ),
      ),
    ])
    t.g.step([t.vote('housing', 4), t.vote('police', 4)])
    assert.equal(t.gov().proposal(4)!.failure, 'GOV_VALIDATOR_SET_EMPTY')
  })

  it('checks proposals and voters: admin only, bad heights and actions are GOV_BAD_PROPOSAL', () => {
    const t = setup(3)
    const stranger = suite.generateKeyPair()
    // A key no module registered can neither propose nor vote: left out of the block.
    const unknown = t.g.stepAll([
      tx(suite, stranger, 'governance', 'propose', ProposeArgs, {
        title: 'x',
        actions: [{ type: 'removeValidator', value: { id: 'market' } }],
        effectiveHeight: 0,
        expiresHeight: 100,
      }),
      tx(suite, stranger, 'governance', 'vote', VoteArgs, { proposalId: 1, approve: true }),
    ])
    assert.deepEqual(unknown, { results: [], dropped: ['TX_SENDER_UNREGISTERED', 'TX_SENDER_UNREGISTERED'] })
    // A registered key that is not an officer (a validator's consensus key) is refused by the module.
    const validatorKey = t.validators.market!
    const results = t.g.step([
      tx(suite, validatorKey, 'governance', 'propose', ProposeArgs, {
        title: 'x',
        actions: [{ type: 'removeValidator', value: { id: 'market' } }],
        effectiveHeight: 0,
        expiresHeight: 100,
      }),
      t.propose('market', []),
      t.propose('market', [{ type: 'removeValidator', value: { id: 'market' } }], { effectiveHeight: 1 }),
      t.propose('market', [
        { type: 'addValidator', value: { id: 'X', orgId: 'market', publicKey: stranger.publicKey, power: 1 } },
      ]),
      t.propose('market', [{ type: 'setParams', value: {} }]),
      tx(suite, validatorKey, 'governance', 'vote', VoteArgs, { proposalId: 1, approve: true }),
      t.vote('market', 99),
    ])
    assert.deepEqual(
      results.map((r) => r.code),
      [
        'IDENTITY_NOT_OFFICER',
        'GOV_BAD_PROPOSAL',
        'GOV_BAD_PROPOSAL',
        'GOV_BAD_PROPOSAL',
        'GOV_BAD_PROPOSAL',
        'IDENTITY_NOT_OFFICER',
        'GOV_PROPOSAL_NOT_FOUND',
      ],
    )
  })

  it('sets chain parameters from the stated height', () => {
    const t = setup(3)
    const at = t.g.height + 10
    t.g.step([
      t.propose('market', [{ type: 'setParams', value: { blockMaxTxs: 77, timeoutProposeMs: 4000 } }], {
        effectiveHeight: at,
      }),
    ])
    // 2 of 3 is exactly 2/3: not enough.
    t.g.step([t.vote('housing', 1)])
    assert.equal(t.gov().proposal(1)!.status, 'voting')
    t.g.step([t.vote('police', 1)])
    assert.equal(t.gov().proposal(1)!.appliedFromHeight, at)
    assert.equal(t.gov().paramsAt(at - 1).blockMaxTxs, t.genesis.params.blockMaxTxs)
    assert.equal(t.gov().paramsAt(at).blockMaxTxs, 77)
    assert.equal(t.gov().paramsAt(at).timeoutProposeMs, 4000)
    assert.equal(t.gov().paramsAt(at).timeoutPrevoteMs, t.genesis.params.timeoutPrevoteMs)
  })
})

/** The evidence event of `result` names housing at the previous height; housing is in the set of h + 1, not h + 2. */
function assertHousingPenalised(
  t: ReturnType<typeof setup>,
  result: { events: { type: string; attributes: { key: string; value: string }[] }[] },
  at: { round: string; type: string },
) {
  const h = t.g.height
  assert.deepEqual(
    result.events.map((e) => [e.type, Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))]),
    [
      [
        'governance.evidence',
        { validatorId: 'housing', height: String(h - 1), ...at, jailedFromHeight: String(h + 2) },
      ],
    ],
  )
  const ids = (height: number) =>
    t
      .gov()
      .validatorSetAt(height)
      .validators.map((v) => v.id)
  assert.ok(ids(h + 1).includes('housing'))
  assert.deepEqual(ids(h + 2), ['market', 'police', 'tax'])
}

describe('equivocation evidence', () => {
  function conflictingVotes(t: ReturnType<typeof setup>, who: string, height: number, sameBlock = false) {
    const index = t
      .gov()
      .validatorSetAt(height)
      .validators.findIndex((v) => v.id === who)
    const key = t.validators[who]!
    const sign = (blockHash: Uint8Array) => {
      const vote = codec.encode(Vote, {
        chainId: t.genesis.chainId,
        type: 'prevote',
        height,
        round: 0,
        blockHash,
        validatorIndex: index,
      })
      return { vote, signature: suite.sign(key.privateKey, signingBytes(DOMAIN.vote, vote)) }
    }
    const a = new Uint8Array(32).fill(1)
    return { voteA: sign(a), voteB: sign(sameBlock ? a : new Uint8Array(32).fill(2)) }
  }

  it('a double-signing validator is caught and loses its voting power from h + 2', () => {
    const t = setup(4)
    t.g.step()
    // The validators' nodes report equivocation, signing with their consensus keys.
    const reporter = t.validators.police!
    const evidence = conflictingVotes(t, 'housing', t.g.height)
    const results = t.g.step([
      tx(suite, reporter, 'governance', 'evidence', EvidenceArgs, conflictingVotes(t, 'housing', t.g.height, true)),
      tx(suite, reporter, 'governance', 'evidence', EvidenceArgs, evidence),
      tx(suite, t.validators.market!, 'governance', 'evidence', EvidenceArgs, evidence),
    ])
    assert.deepEqual(
      results.map((r) => r.code),
      ['EVIDENCE_INVALID', 'OK', 'GOV_EVIDENCE_DUPLICATE'],
    )
    const h = t.g.height
    assertHousingPenalised(t, results[1]!, { round: '0', type: 'prevote' })
    const rec = t
      .gov()
      .validators()
      .find((v) => v.id === 'housing')!
    assert.equal(rec.jailedAtHeight, h)
    // Governance decides: re-weighting lifts the penalty.
    const [pr] = t.g.step([
      tx(suite, t.operators.market!, 'governance', 'propose', ProposeArgs, {
        title: 'pardon',
        actions: [{ type: 'setValidatorPower', value: { id: 'housing', power: 5 } }],
        effectiveHeight: 0,
        expiresHeight: t.g.height + 10,
      }),
    ])
    assert.equal(pr!.code, 'OK')
    t.g.step([
      tx(suite, t.operators.police!, 'governance', 'vote', VoteArgs, { proposalId: 1, approve: true }),
      tx(suite, t.operators.tax!, 'governance', 'vote', VoteArgs, { proposalId: 1, approve: true }),
    ])
    const back = t
      .gov()
      .validatorSetAt(t.g.height + 2)
      .validators.find((v) => v.id === 'housing')
    assert.equal(back?.votingPower, 5)
    assert.equal(
      t
        .gov()
        .validators()
        .find((v) => v.id === 'housing')!.jailedAtHeight,
      undefined,
    )
    assert.equal(toHex(setAt(t.gov().validators(), 1).validators[1]!.publicKey), toHex(t.validators.housing!.publicKey))
  })

  it('refuses evidence signed by a non-validator or too old', () => {
    const t = setup(3)
    t.g.step()
    const forged = conflictingVotes(t, 'market', t.g.height)
    const impostor = suite.generateKeyPair()
    const resign = (sv: { vote: Uint8Array }) => ({
      vote: sv.vote,
      signature: suite.sign(impostor.privateKey, signingBytes(DOMAIN.vote, sv.vote)),
    })
    const reporter = t.validators.housing!
    const [bad] = t.g.step([
      tx(suite, reporter, 'governance', 'evidence', EvidenceArgs, {
        voteA: resign(forged.voteA),
        voteB: resign(forged.voteB),
      }),
    ])
    assert.equal(bad!.code, 'EVIDENCE_INVALID')
    const future = conflictingVotes(t, 'market', t.g.height + 5)
    const [tooNew] = t.g.step([tx(suite, reporter, 'governance', 'evidence', EvidenceArgs, future)])
    assert.equal(tooNew!.code, 'GOV_EVIDENCE_TOO_OLD')
    // The impostor's own key is no registered sender: its evidence never reaches a block.
    const byImpostor = t.g.stepAll([
      tx(suite, impostor, 'governance', 'evidence', EvidenceArgs, conflictingVotes(t, 'market', t.g.height)),
    ])
    assert.deepEqual(byImpostor, { results: [], dropped: ['TX_SENDER_UNREGISTERED'] })
  })
})

describe('proposal equivocation evidence (ADR 0026)', () => {
  type Body = { height: number; round: number; fill: number; polRound?: number; chainId?: string }
  function signedProposal(t: ReturnType<typeof setup>, who: string, b: Body, key = t.validators[who]!) {
    const proposerIndex = t
      .gov()
      .validatorSetAt(b.height)
      .validators.findIndex((v) => v.id === who)
    const p: Proposal = {
      chainId: b.chainId ?? t.genesis.chainId,
      height: b.height,
      round: b.round,
      blockHash: new Uint8Array(32).fill(b.fill),
      proposerIndex,
    }
    if (b.polRound !== undefined) p.polRound = b.polRound
    const proposal = codec.encode(Proposal, p)
    return { proposal, signature: suite.sign(key.privateKey, signingBytes(DOMAIN.proposal, proposal)) }
  }
  const submit = (t: ReturnType<typeof setup>, reporter: string, a: ProposalEvidenceArgs) =>
    tx(suite, t.validators[reporter]!, 'governance', 'proposalEvidence', ProposalEvidenceArgs, a)

  it('two different proposals for one round: recorded once, power 0 from h + 2 as for votes', () => {
    const t = setup(4)
    t.g.step()
    const at = { height: t.g.height, round: 1 }
    const evidence = {
      proposalA: signedProposal(t, 'housing', { ...at, fill: 1 }),
      proposalB: signedProposal(t, 'housing', { ...at, fill: 2 }),
    }
    // The same block with another polRound is a different proposal too (a second report of the round).
    const polEvidence = {
      proposalA: evidence.proposalA,
      proposalB: signedProposal(t, 'housing', { ...at, fill: 1, polRound: 0 }),
    }
    const results = t.g.step([submit(t, 'police', evidence), submit(t, 'market', polEvidence)])
    assert.deepEqual(
      results.map((r) => r.code),
      ['OK', 'GOV_EVIDENCE_DUPLICATE'],
    )
    const h = t.g.height
    assertHousingPenalised(t, results[0]!, { round: '1', type: 'proposal' })
    assert.equal(
      t
        .gov()
        .validators()
        .find((v) => v.id === 'housing')!.jailedAtHeight,
      h,
    )
    // Another round of the same height is another offence, recorded; the power is already 0 from h + 2.
    const [again] = t.g.step([
      submit(t, 'police', {
        proposalA: signedProposal(t, 'housing', { height: at.height, round: 2, fill: 1 }),
        proposalB: signedProposal(t, 'housing', { height: at.height, round: 2, fill: 3 }),
      }),
    ])
    assert.equal(again!.code, 'OK')
    assert.equal(again!.events[0]!.attributes.find((a) => a.key === 'jailedFromHeight')!.value, 'none')
  })

  it('refuses what proves no equivocation, with a code, and changes nothing', () => {
    const t = setup(4)
    t.g.step()
    const at = { height: t.g.height, round: 0 }
    const a = signedProposal(t, 'housing', { ...at, fill: 1 })
    const impostor = suite.generateKeyPair()
    const before = t.gov().validators()
    const cases: [string, ProposalEvidenceArgs, string][] = [
      ['the same proposal twice', { proposalA: a, proposalB: a }, 'EVIDENCE_INVALID'],
      [
        'different rounds',
        { proposalA: a, proposalB: signedProposal(t, 'housing', { ...at, round: 1, fill: 2 }) },
        'EVIDENCE_INVALID',
      ],
      [
        'different proposers',
        { proposalA: a, proposalB: signedProposal(t, 'police', { ...at, fill: 2 }) },
        'EVIDENCE_INVALID',
      ],
      [
        'another chain',
        { proposalA: a, proposalB: signedProposal(t, 'housing', { ...at, fill: 2, chainId: 'other-chain' }) },
        'EVIDENCE_INVALID',
      ],
      [
        'signed by another key',
        { proposalA: a, proposalB: signedProposal(t, 'housing', { ...at, fill: 2 }, impostor) },
        'EVIDENCE_INVALID',
      ],
      [
        'undecodable',
        { proposalA: { proposal: new Uint8Array([1, 2]), signature: a.signature }, proposalB: a },
        'EVIDENCE_INVALID',
      ],
      [
        'from the future',
        {
          proposalA: signedProposal(t, 'housing', { height: at.height + 5, round: 0, fill: 1 }),
          proposalB: signedProposal(t, 'housing', { height: at.height + 5, round: 0, fill: 2 }),
        },
        'GOV_EVIDENCE_TOO_OLD',
      ],
    ]
    const results = t.g.step(cases.map(([, args]) => submit(t, 'police', args)))
    assert.deepEqual(
      results.map((r, i) => [cases[i]![0], r.code]),
      cases.map(([what, , code]) => [what, code]),
    )
    for (const r of results) assert.deepEqual(r.events, [])
    assert.deepEqual(t.gov().validators(), before)
    // Real duplicate-vote evidence sent to proposalEvidence: its votes do not decode as proposals.
    const index = t
      .gov()
      .validatorSetAt(at.height)
      .validators.findIndex((v) => v.id === 'housing')
    const signVote = (fill: number) => {
      const vote = codec.encode(Vote, {
        chainId: t.genesis.chainId,
        type: 'prevote',
        height: at.height,
        round: 0,
        blockHash: new Uint8Array(32).fill(fill),
        validatorIndex: index,
      })
      return { vote, signature: suite.sign(t.validators.housing!.privateKey, signingBytes(DOMAIN.vote, vote)) }
    }
    const [wrongShape] = t.g.step([
      tx(suite, t.validators.police!, 'governance', 'proposalEvidence', EvidenceArgs, {
        voteA: signVote(1),
        voteB: signVote(2),
      }),
    ])
    assert.equal(wrongShape!.code, 'EVIDENCE_INVALID')
    assert.deepEqual(t.gov().validators(), before)
  })
})
