/**
 * Validator sets, vote signing bytes, commit certificates and equivocation evidence (duplicate
 * votes, duplicate proposals): what a
 * light client (the SDK, the portal, another chain) needs to check that a block is final without
 * trusting the node that served it, and what consensus uses to count voting power.
 *
 * Quorums are counted in voting power: "more than two thirds" is power * 3 > total * 2, and
 * "more than one third" is power * 3 > total. Both products stay exact in doubles because the
 * total voting power is capped at MAX_TOTAL_VOTING_POWER (2^50, so 3 * total < 2^53).
 */
import { equalBytes, toHex } from './bytes.ts'
import type { CryptoSuite } from './crypto/suite.ts'
import { encode } from './encoding/codec.ts'
import { GovchainError } from './errors.ts'
import {
  type CommitCertificate,
  DOMAIN,
  type DuplicateProposalEvidence,
  type DuplicateVoteEvidence,
  decode,
  Proposal,
  type SignedProposal,
  type SignedVote,
  signingBytes,
  ValidatorSet,
  Vote,
} from './types.ts'

/** Cap on the sum of voting power: keeps quorum arithmetic exact in IEEE doubles. */
export const MAX_TOTAL_VOTING_POWER = 2 ** 50

/** Sum of the voting power; throws VALIDATOR_SET_INVALID when a power is not a positive safe integer or the sum exceeds the cap. */
export function totalVotingPower(set: ValidatorSet): number {
  let total = 0
  for (const v of set.validators) {
    if (!Number.isSafeInteger(v.votingPower) || v.votingPower <= 0) {
      throw new GovchainError('VALIDATOR_SET_INVALID', `validator ${v.id} has voting power ${v.votingPower}`)
    }
    total += v.votingPower
    if (total > MAX_TOTAL_VOTING_POWER) {
      throw new GovchainError('VALIDATOR_SET_INVALID', `total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`)
    }
  }
  return total
}

/**
 * Checks what the protocol relies on: at least one validator, positive powers within the cap,
 * keys of the suite's length, no key or id twice (a repeated key would count one signer twice).
 */
export function validateValidatorSet(suite: CryptoSuite, set: ValidatorSet): void {
  if (set.validators.length === 0) throw new GovchainError('VALIDATOR_SET_INVALID', 'validator set is empty')
  totalVotingPower(set)
  const keys = new Set<string>()
  const ids = new Set<string>()
  for (const v of set.validators) {
    if (v.publicKey.length !== suite.publicKeyLength) {
      throw new GovchainError('VALIDATOR_SET_INVALID', `validator ${v.id} key has ${v.publicKey.length} bytes`)
    }
    const k = toHex(v.publicKey)
    if (keys.has(k)) throw new GovchainError('VALIDATOR_SET_INVALID', `public key of ${v.id} appears twice`)
    if (ids.has(v.id)) throw new GovchainError('VALIDATOR_SET_INVALID', `validator id ${v.id} appears twice`)
    keys.add(k)
    ids.add(v.id)
  }
}

/** More than two thirds of `total`. */
export function hasQuorum(power: number, total: number): boolean {
  return power * 3 > total * 2
}

/** More than one third of `total`: at least one honest validator is among them. */
export function exceedsOneThird(power: number, total: number): boolean {
  return power * 3 > total
}

/** The validator-set hash that block headers carry: the suite hash of its canonical encoding. */
export function hashValidatorSet(suite: CryptoSuite, set: ValidatorSet): Uint8Array {
  return suite.hash(encode(ValidatorSet, set))
}

/** The exact bytes a validator signs for a vote: domain tag, then the encoded vote that travels. */
export function voteSignBytes(vote: Vote): Uint8Array {
  return signingBytes(DOMAIN.vote, encode(Vote, vote))
}

/** The exact bytes a proposer signs for a proposal. */
export function proposalSignBytes(proposal: Proposal): Uint8Array {
  return signingBytes(DOMAIN.proposal, encode(Proposal, proposal))
}

function invalidCert(reason: string, details?: Record<string, unknown>): never {
  throw new GovchainError('CERTIFICATE_INVALID', `commit certificate invalid: ${reason}`, details)
}

/**
 * Verifies that more than two thirds of `validatorSet`'s voting power signed a precommit for
 * `cert.blockHash` at (cert.height, cert.round) on `chainId`. Each signature is checked over
 * the canonical precommit the validator sent (the encoding is canonical, so the bytes rebuilt
 * from the certificate are the bytes that were signed). Every signature must verify, not only
 * a quorum of them. Throws CERTIFICATE_INVALID naming the first problem found; returns the
 * signed power.
 */
export function verifyCommitCertificate(
  suite: CryptoSuite,
  chainId: string,
  validatorSet: ValidatorSet,
  cert: CommitCertificate,
): number {
  const total = totalVotingPower(validatorSet)
  const seen = new Set<number>()
  let power = 0
  for (const s of cert.signatures) {
    const validator = validatorSet.validators[s.validatorIndex]
    if (validator === undefined) {
      invalidCert(`unknown validator index ${s.validatorIndex}`, { validatorIndex: s.validatorIndex })
    }
    if (seen.has(s.validatorIndex)) {
      invalidCert(`duplicate signer ${s.validatorIndex}`, { validatorIndex: s.validatorIndex })
    }
    seen.add(s.validatorIndex)
    const msg = voteSignBytes({
      chainId,
      type: 'precommit',
      height: cert.height,
      round: cert.round,
      blockHash: cert.blockHash,
      validatorIndex: s.validatorIndex,
    })
    if (!suite.verify(validator.publicKey, msg, s.signature)) {
      invalidCert(`bad signature of validator ${s.validatorIndex}`, { validatorIndex: s.validatorIndex })
    }
    power += validator.votingPower
  }
  if (!hasQuorum(power, total)) {
    invalidCert(`signed power ${power} is not more than 2/3 of ${total}`, { power, total })
  }
  return power
}

/** verifyCommitCertificate, and the certificate is for this height and block. */
export function verifyCommitFor(
  suite: CryptoSuite,
  chainId: string,
  validatorSet: ValidatorSet,
  cert: CommitCertificate,
  height: number,
  blockHash: Uint8Array,
): number {
  if (cert.height !== height) invalidCert(`certificate is for height ${cert.height}, expected ${height}`)
  if (!equalBytes(cert.blockHash, blockHash)) invalidCert('certificate is for another block')
  return verifyCommitCertificate(suite, chainId, validatorSet, cert)
}

/**
 * Light-client skipping check: a certificate made by `signingSet` is trusted from `trustedSet`
 * when validators of the trusted set holding more than one third of its power signed it (at
 * least one of them is honest, and an honest validator signs only what it verified). Signers
 * are matched by public key. The certificate must also verify against `signingSet` in full.
 */
export function verifyCommitTrusting(
  suite: CryptoSuite,
  chainId: string,
  trustedSet: ValidatorSet,
  signingSet: ValidatorSet,
  cert: CommitCertificate,
): number {
  verifyCommitCertificate(suite, chainId, signingSet, cert)
  const trustedTotal = totalVotingPower(trustedSet)
  const trustedPower = new Map(trustedSet.validators.map((v) => [toHex(v.publicKey), v.votingPower]))
  let power = 0
  for (const s of cert.signatures)
    power += trustedPower.get(toHex(signingSet.validators[s.validatorIndex]!.publicKey)) ?? 0
  if (!exceedsOneThird(power, trustedTotal)) {
    invalidCert(`trusted power ${power} is not more than 1/3 of ${trustedTotal}`, { power, total: trustedTotal })
  }
  return power
}

function bad(reason: string): never {
  throw new GovchainError('EVIDENCE_INVALID', `evidence invalid: ${reason}`)
}

export interface Equivocation {
  validatorIndex: number
  height: number
  round: number
  type: Vote['type']
}

/**
 * Checks duplicate-vote evidence: two validly signed votes by the same validator of
 * `validatorSet` for the same (chain, height, round, type) with different block hashes (nil
 * counts as a block hash). Throws EVIDENCE_INVALID otherwise; returns who equivocated where.
 */
export function verifyDuplicateVoteEvidence(
  suite: CryptoSuite,
  chainId: string,
  validatorSet: ValidatorSet,
  evidence: DuplicateVoteEvidence,
): Equivocation {
  const open = (sv: SignedVote): Vote => {
    let v: Vote
    try {
      v = decode(Vote, sv.vote)
    } catch {
      return bad('a vote does not decode')
    }
    const validator = validatorSet.validators[v.validatorIndex] ?? bad(`unknown validator index ${v.validatorIndex}`)
    if (!suite.verify(validator.publicKey, signingBytes(DOMAIN.vote, sv.vote), sv.signature)) bad('bad signature')
    return v
  }
  const a = open(evidence.voteA)
  const b = open(evidence.voteB)
  if (a.chainId !== chainId || b.chainId !== chainId) bad('vote for another chain')
  if (a.validatorIndex !== b.validatorIndex) bad('votes by different validators')
  if (a.height !== b.height || a.round !== b.round || a.type !== b.type) bad('votes for different steps')
  const same =
    a.blockHash === undefined || b.blockHash === undefined
      ? a.blockHash === b.blockHash
      : equalBytes(a.blockHash, b.blockHash)
  if (same) bad('votes are for the same block')
  return { validatorIndex: a.validatorIndex, height: a.height, round: a.round, type: a.type }
}

export interface ProposalEquivocation {
  proposerIndex: number
  height: number
  round: number
}

/**
 * Checks duplicate-proposal evidence (docs/adr/0026): two proposals validly signed by the same
 * validator of `validatorSet` for the same (chain, height, round) whose signed bodies differ, that
 * is another block hash or another polRound (the other fields are equal by then). The decoded
 * fields are compared, never the signatures: one body signed twice is no equivocation. Whether the
 * signer was that round's scheduled proposer is not checked here (consensus drops a proposal from
 * anyone else before it can become evidence, and a validator signing a proposal it was not
 * scheduled for has equivocated no less). Throws EVIDENCE_INVALID otherwise; returns who
 * equivocated where.
 */
export function verifyDuplicateProposalEvidence(
  suite: CryptoSuite,
  chainId: string,
  validatorSet: ValidatorSet,
  evidence: DuplicateProposalEvidence,
): ProposalEquivocation {
  const open = (sp: SignedProposal): Proposal => {
    let p: Proposal
    try {
      p = decode(Proposal, sp.proposal)
    } catch {
      return bad('a proposal does not decode')
    }
    const validator = validatorSet.validators[p.proposerIndex] ?? bad(`unknown validator index ${p.proposerIndex}`)
    if (!suite.verify(validator.publicKey, signingBytes(DOMAIN.proposal, sp.proposal), sp.signature))
      bad('bad signature')
    return p
  }
  const a = open(evidence.proposalA)
  const b = open(evidence.proposalB)
  if (a.chainId !== chainId || b.chainId !== chainId) bad('proposal for another chain')
  if (a.proposerIndex !== b.proposerIndex) bad('proposals by different validators')
  if (a.height !== b.height || a.round !== b.round) bad('proposals for different rounds')
  // Everything else is equal now: the bodies differ exactly when the block hash or polRound does.
  if (equalBytes(a.blockHash, b.blockHash) && a.polRound === b.polRound) bad('proposals are the same')
  return { proposerIndex: a.proposerIndex, height: a.height, round: a.round }
}
