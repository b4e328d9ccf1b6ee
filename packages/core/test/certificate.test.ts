import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { concatBytes } from '../src/bytes.ts'
import {
  exceedsOneThird,
  hashValidatorSet,
  hasQuorum,
  MAX_TOTAL_VOTING_POWER,
  proposalSignBytes,
  totalVotingPower,
  validateValidatorSet,
  verifyCommitCertificate,
  verifyCommitFor,
  verifyCommitTrusting,
  verifyDuplicateProposalEvidence,
  verifyDuplicateVoteEvidence,
  voteSignBytes,
} from '../src/certificate.ts'
import { suites } from '../src/crypto/index.ts'
import type { CryptoSuite } from '../src/crypto/suite.ts'
import { GovchainError } from '../src/errors.ts'
import {
  type CommitCertificate,
  DOMAIN,
  type DuplicateProposalEvidence,
  type DuplicateVoteEvidence,
  encode,
  Proposal,
  type SignedProposal,
  type SignedVote,
  type ValidatorSet,
  Vote,
} from '../src/types.ts'

const CHAIN = 'test-chain'

function fixture(suite: CryptoSuite, powers: number[], keyOffset = 1) {
  const privs = powers.map((_, i) => new Uint8Array(32).fill(i + keyOffset))
  const keys = privs.map((k) => suite.publicKeyFromPrivate(k))
  const set: ValidatorSet = {
    validators: powers.map((p, i) => ({ id: `v${i}`, publicKey: keys[i]!, votingPower: p })),
  }
  const blockHash = new Uint8Array(32).fill(7)
  const sign = (i: number, vote: Vote): SignedVote => {
    const body = encode(Vote, vote)
    return { vote: body, signature: suite.sign(privs[i]!, concatBytes(DOMAIN.vote, body)) }
  }
  const cert = (signers: number[], height = 5, round = 1): CommitCertificate => ({
    height,
    round,
    blockHash,
    signatures: signers.map((i) => ({
      validatorIndex: i,
      signature: sign(i, { chainId: CHAIN, type: 'precommit', height, round, blockHash, validatorIndex: i }).signature,
    })),
  })
  const signProposal = (i: number, p: Proposal): SignedProposal => {
    const body = encode(Proposal, p)
    return { proposal: body, signature: suite.sign(privs[i]!, concatBytes(DOMAIN.proposal, body)) }
  }
  return { set, privs, blockHash, sign, signProposal, cert }
}

function rejects(fn: () => unknown, code: string, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof GovchainError && e.code === code && reason.test(e.message))
}

for (const name of ['intl', 'gm'] as const) {
  const suite = suites[name]
  describe(`commit certificates (${name})`, () => {
    const f = fixture(suite, [1, 1, 1, 1])

    test('voteSignBytes is the domain tag followed by the encoded vote that travels', () => {
      const vote: Vote = { chainId: CHAIN, type: 'prevote', height: 1, round: 0, validatorIndex: 2 }
      assert.deepEqual(voteSignBytes(vote), concatBytes(DOMAIN.vote, encode(Vote, vote)))
      const p: Proposal = { chainId: CHAIN, height: 1, round: 0, blockHash: f.blockHash, proposerIndex: 0 }
      assert.deepEqual(proposalSignBytes(p), concatBytes(DOMAIN.proposal, encode(Proposal, p)))
    })

    test('more than 2/3 verifies and returns the signed power', () => {
      assert.equal(verifyCommitCertificate(suite, CHAIN, f.set, f.cert([0, 1, 2])), 3)
      assert.equal(verifyCommitCertificate(suite, CHAIN, f.set, f.cert([3, 1, 2, 0])), 4)
      assert.equal(verifyCommitFor(suite, CHAIN, f.set, f.cert([0, 1, 2]), 5, f.blockHash), 3)
    })

    test('exactly 2/3 is not enough', () => {
      const six = fixture(suite, [1, 1, 1, 1, 1, 1])
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, six.set, six.cert([0, 1, 2, 3])),
        'CERTIFICATE_INVALID',
        /not more than 2\/3/,
      )
      assert.equal(verifyCommitCertificate(suite, CHAIN, six.set, six.cert([0, 1, 2, 3, 4])), 5)
    })

    test('rejects an unknown validator index, a duplicate signer, a bad signature', () => {
      const c = f.cert([0, 1, 2])
      rejects(
        () =>
          verifyCommitCertificate(suite, CHAIN, f.set, {
            ...c,
            signatures: [...c.signatures, { validatorIndex: 9, signature: c.signatures[0]!.signature }],
          }),
        'CERTIFICATE_INVALID',
        /unknown validator index 9/,
      )
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, f.set, { ...c, signatures: [...c.signatures, c.signatures[1]!] }),
        'CERTIFICATE_INVALID',
        /duplicate signer 1/,
      )
      const swapped = {
        ...c,
        signatures: [c.signatures[0]!, { validatorIndex: 1, signature: c.signatures[2]!.signature }, c.signatures[2]!],
      }
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, f.set, swapped),
        'CERTIFICATE_INVALID',
        /bad signature of validator 1/,
      )
    })

    test('signatures are bound to chain, height, round and block', () => {
      const c = f.cert([0, 1, 2])
      rejects(() => verifyCommitCertificate(suite, 'other-chain', f.set, c), 'CERTIFICATE_INVALID', /bad signature/)
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, f.set, { ...c, height: 6 }),
        'CERTIFICATE_INVALID',
        /bad signature/,
      )
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, f.set, { ...c, round: 2 }),
        'CERTIFICATE_INVALID',
        /bad signature/,
      )
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, f.set, { ...c, blockHash: new Uint8Array(32) }),
        'CERTIFICATE_INVALID',
        /bad signature/,
      )
      rejects(
        () => verifyCommitFor(suite, CHAIN, f.set, c, 4, f.blockHash),
        'CERTIFICATE_INVALID',
        /height 5, expected 4/,
      )
      rejects(
        () => verifyCommitFor(suite, CHAIN, f.set, c, 5, new Uint8Array(32)),
        'CERTIFICATE_INVALID',
        /another block/,
      )
    })

    test('power is weighted', () => {
      const w = fixture(suite, [5, 1, 1, 1])
      assert.equal(verifyCommitCertificate(suite, CHAIN, w.set, w.cert([0, 1])), 6)
      rejects(
        () => verifyCommitCertificate(suite, CHAIN, w.set, w.cert([1, 2, 3])),
        'CERTIFICATE_INVALID',
        /3 is not more than 2\/3 of 8/,
      )
    })

    test('trusting verification needs more than 1/3 of the trusted set', () => {
      const c = f.cert([0, 1, 2])
      // A trusted set sharing only validator 0 (1 of 3 power): not enough.
      const other = fixture(suite, [1, 1, 1], 50).set
      const trusted = { validators: [f.set.validators[0]!, ...other.validators.slice(1)] }
      rejects(() => verifyCommitTrusting(suite, CHAIN, trusted, f.set, c), 'CERTIFICATE_INVALID', /trusted power 1/)
      const trusted2 = { validators: [f.set.validators[0]!, f.set.validators[1]!, other.validators[2]!] }
      assert.equal(verifyCommitTrusting(suite, CHAIN, trusted2, f.set, c), 2)
    })

    test('duplicate-vote evidence', () => {
      const base: Vote = {
        chainId: CHAIN,
        type: 'prevote',
        height: 3,
        round: 2,
        blockHash: f.blockHash,
        validatorIndex: 1,
      }
      const { blockHash: _, ...nil } = base
      const ev: DuplicateVoteEvidence = { voteA: f.sign(1, base), voteB: f.sign(1, nil) }
      assert.deepEqual(verifyDuplicateVoteEvidence(suite, CHAIN, f.set, ev), {
        validatorIndex: 1,
        height: 3,
        round: 2,
        type: 'prevote',
      })
      rejects(
        () => verifyDuplicateVoteEvidence(suite, CHAIN, f.set, { voteA: ev.voteA, voteB: ev.voteA }),
        'EVIDENCE_INVALID',
        /same block/,
      )
      rejects(
        () =>
          verifyDuplicateVoteEvidence(suite, CHAIN, f.set, { voteA: ev.voteA, voteB: f.sign(1, { ...nil, round: 3 }) }),
        'EVIDENCE_INVALID',
        /different steps/,
      )
      rejects(
        () =>
          verifyDuplicateVoteEvidence(suite, CHAIN, f.set, {
            voteA: ev.voteA,
            voteB: f.sign(2, { ...nil, validatorIndex: 2 }),
          }),
        'EVIDENCE_INVALID',
        /different validators/,
      )
      rejects(
        () =>
          verifyDuplicateVoteEvidence(suite, CHAIN, f.set, {
            voteA: ev.voteA,
            voteB: { ...ev.voteB, signature: ev.voteA.signature },
          }),
        'EVIDENCE_INVALID',
        /bad signature/,
      )
    })

    test('duplicate-proposal evidence: another block hash or another polRound', () => {
      const base: Proposal = { chainId: CHAIN, height: 3, round: 2, blockHash: f.blockHash, proposerIndex: 1 }
      const other = { ...base, blockHash: new Uint8Array(32).fill(9) }
      const ev: DuplicateProposalEvidence = { proposalA: f.signProposal(1, base), proposalB: f.signProposal(1, other) }
      const found = { proposerIndex: 1, height: 3, round: 2 }
      assert.deepEqual(verifyDuplicateProposalEvidence(suite, CHAIN, f.set, ev), found)
      // The same block with another proof-of-lock round is a different proposal too.
      const pol = { proposalA: ev.proposalA, proposalB: f.signProposal(1, { ...base, polRound: 0 }) }
      assert.deepEqual(verifyDuplicateProposalEvidence(suite, CHAIN, f.set, pol), found)
      assert.deepEqual(
        verifyDuplicateProposalEvidence(suite, CHAIN, f.set, { proposalA: pol.proposalB, proposalB: ev.proposalB }),
        found,
      )
    })

    test('duplicate-proposal evidence: each refusal', () => {
      const base: Proposal = { chainId: CHAIN, height: 3, round: 2, blockHash: f.blockHash, proposerIndex: 1 }
      const other: Proposal = { ...base, blockHash: new Uint8Array(32).fill(9) }
      const a = f.signProposal(1, base)
      const check = (proposalA: SignedProposal, proposalB: SignedProposal) => () =>
        verifyDuplicateProposalEvidence(suite, CHAIN, f.set, { proposalA, proposalB })
      rejects(check(a, a), 'EVIDENCE_INVALID', /proposals are the same/)
      // The same body signed again (another signature) is still one proposal.
      const resigned = { proposal: a.proposal, signature: f.signProposal(1, base).signature }
      rejects(check(a, resigned), 'EVIDENCE_INVALID', /proposals are the same/)
      rejects(check(a, f.signProposal(1, { ...other, round: 3 })), 'EVIDENCE_INVALID', /different rounds/)
      rejects(check(a, f.signProposal(1, { ...other, height: 4 })), 'EVIDENCE_INVALID', /different rounds/)
      rejects(check(a, f.signProposal(2, { ...other, proposerIndex: 2 })), 'EVIDENCE_INVALID', /different validators/)
      rejects(check(a, f.signProposal(1, { ...other, chainId: 'other-chain' })), 'EVIDENCE_INVALID', /another chain/)
      rejects(check(a, { ...f.signProposal(1, other), signature: a.signature }), 'EVIDENCE_INVALID', /bad signature/)
      // Signed by another key than the proposer index names.
      rejects(check(a, f.signProposal(2, other)), 'EVIDENCE_INVALID', /bad signature/)
      // A vote's signature under the vote domain does not pass for a proposal.
      const body = encode(Proposal, other)
      const voteDomain = { proposal: body, signature: suite.sign(f.privs[1]!, concatBytes(DOMAIN.vote, body)) }
      rejects(check(a, voteDomain), 'EVIDENCE_INVALID', /bad signature/)
      rejects(check(a, f.signProposal(1, { ...other, proposerIndex: 9 })), 'EVIDENCE_INVALID', /unknown validator/)
      rejects(check(a, { proposal: new Uint8Array([1, 2, 3]), signature: a.signature }), 'EVIDENCE_INVALID', /decode/)
    })
  })
}

describe('validator sets', () => {
  const suite = suites.intl
  const f = fixture(suite, [1, 2, 3])

  test('total power, quorum arithmetic', () => {
    assert.equal(totalVotingPower(f.set), 6)
    assert.equal(hasQuorum(4, 6), false)
    assert.equal(hasQuorum(5, 6), true)
    assert.equal(exceedsOneThird(2, 6), false)
    assert.equal(exceedsOneThird(3, 6), true)
  })

  test('hash is deterministic and covers powers', () => {
    assert.deepEqual(hashValidatorSet(suite, f.set), hashValidatorSet(suite, structuredClone(f.set)))
    const changed = structuredClone(f.set)
    changed.validators[0]!.votingPower = 9
    assert.notDeepEqual(hashValidatorSet(suite, f.set), hashValidatorSet(suite, changed))
  })

  test('invalid sets are rejected with VALIDATOR_SET_INVALID', () => {
    const bad = (s: ValidatorSet, re: RegExp) =>
      rejects(() => validateValidatorSet(suite, s), 'VALIDATOR_SET_INVALID', re)
    bad({ validators: [] }, /empty/)
    bad({ validators: [{ ...f.set.validators[0]!, votingPower: 0 }] }, /voting power 0/)
    bad(
      { validators: [{ ...f.set.validators[0]!, votingPower: MAX_TOTAL_VOTING_POWER }, f.set.validators[1]!] },
      /exceeds/,
    )
    bad({ validators: [f.set.validators[0]!, { ...f.set.validators[0]!, id: 'x' }] }, /appears twice/)
    bad({ validators: [f.set.validators[0]!, { ...f.set.validators[1]!, id: 'v0' }] }, /id v0 appears twice/)
    bad({ validators: [{ ...f.set.validators[0]!, publicKey: new Uint8Array(5) }] }, /key has 5 bytes/)
    validateValidatorSet(suite, f.set)
  })
})
