/**
 * The protocol's wire types: transactions, blocks, votes, proposals, commit certificates,
 * validator sets and equivocation evidence. Every one of them is hashed or signed, so every
 * one of them is defined here once with the deterministic codec (docs/adr/0002).
 *
 * Signatures cover the exact bytes that travel: a signed envelope carries the encoded body as
 * bytes, and verifiers check the signature over those bytes (with a domain tag), never over a
 * re-encoding.
 */
import { concatBytes, utf8 } from './bytes.ts'
import {
  bytes,
  type Codec,
  decode,
  encode,
  fixedBytes,
  type Infer,
  literals,
  option,
  string,
  struct,
  u16,
  u32,
  u64,
  vec,
} from './encoding/codec.ts'

/** Limits: everything that arrives from outside is bounded. */
export const LIMITS = {
  chainIdBytes: 64,
  nameBytes: 64,
  moduleBytes: 32,
  methodBytes: 48,
  argsBytes: 256 * 1024,
  txBytes: 300 * 1024,
  signaturesPerTx: 8,
  txsPerBlock: 10_000,
  blockBytes: 16 * 1024 * 1024,
  validators: 256,
  publicKeyBytes: 65,
  eventsPerTx: 32,
} as const

export const hash32 = fixedBytes(32)
export const signature64 = fixedBytes(64)
export const publicKey = bytes(LIMITS.publicKeyBytes)

/** Domain tags prefixed to signed bytes, so a signature for one purpose never verifies for another. */
export const DOMAIN = {
  tx: utf8('govchain/tx/v1\0'),
  proposal: utf8('govchain/proposal/v1\0'),
  vote: utf8('govchain/vote/v1\0'),
  message: utf8('govchain/message/v1\0'),
  portalSignIn: utf8('govchain/portal-signin/v1\0'),
} as const

/**
 * The bytes a portal user's key signs to sign in (docs/adr/0032-portal-sign-in.md):
 * DOMAIN.portalSignIn || utf8(chainId \n host \n challenge). `host` is the portal's Host (name and
 * port) and `challenge` the server's single-use random challenge (hex), so a signature answers
 * one challenge of one portal of one chain.
 */
export function portalSignInMessage(input: { chainId: string; host: string; challenge: string }): Uint8Array {
  return signingBytes(DOMAIN.portalSignIn, utf8(`${input.chainId}\n${input.host}\n${input.challenge}`))
}

export function signingBytes(domain: Uint8Array, body: Uint8Array): Uint8Array {
  return concatBytes(domain, body)
}

// ---------------------------------------------------------------- transactions

/**
 * The signed body of a transaction. Replay guard: `nonce` is unique per sender and the body is
 * valid only up to `validUntilHeight`; the chain remembers committed transaction ids until then.
 */
export const TxBody = struct({
  chainId: string(LIMITS.chainIdBytes),
  sender: publicKey,
  nonce: u64,
  validUntilHeight: u64,
  module: string(LIMITS.moduleBytes),
  method: string(LIMITS.methodBytes),
  args: bytes(LIMITS.argsBytes),
})
export type TxBody = Infer<typeof TxBody>

export const TxSignature = struct({ publicKey, signature: signature64 })
export type TxSignature = Infer<typeof TxSignature>

/** What travels: the body's exact bytes and the signatures over them (first = sender). */
export const SignedTx = struct({
  body: bytes(LIMITS.argsBytes + 1024),
  signatures: vec(TxSignature, LIMITS.signaturesPerTx),
})
export type SignedTx = Infer<typeof SignedTx>

// ---------------------------------------------------------------- validators

export const Validator = struct({
  id: string(LIMITS.nameBytes),
  publicKey,
  votingPower: u64,
})
export type Validator = Infer<typeof Validator>

export const ValidatorSet = struct({ validators: vec(Validator, LIMITS.validators) })
export type ValidatorSet = Infer<typeof ValidatorSet>

// ---------------------------------------------------------------- blocks

export const BlockHeader = struct({
  chainId: string(LIMITS.chainIdBytes),
  height: u64,
  /** Milliseconds since the Unix epoch, chosen by the proposer, checked by validators. */
  timeMs: u64,
  previousHash: hash32,
  txRoot: hash32,
  /** Root of the state tree after executing this block's transactions. */
  stateRoot: hash32,
  resultsRoot: hash32,
  validatorSetHash: hash32,
  nextValidatorSetHash: hash32,
  /** Hash of the commit certificate of the previous block (zero at height 1). */
  lastCommitHash: hash32,
  proposer: string(LIMITS.nameBytes),
})
export type BlockHeader = Infer<typeof BlockHeader>

// ---------------------------------------------------------------- votes and certificates

export const VoteType = literals(['prevote', 'precommit'] as const)
export type VoteType = Infer<typeof VoteType>

export const Vote = struct({
  chainId: string(LIMITS.chainIdBytes),
  type: VoteType,
  height: u64,
  round: u32,
  /** Absent = a vote for nil. */
  blockHash: option(hash32),
  validatorIndex: u16,
})
export type Vote = Infer<typeof Vote>

export const SignedVote = struct({ vote: bytes(256), signature: signature64 })
export type SignedVote = Infer<typeof SignedVote>

export const CommitSignature = struct({ validatorIndex: u16, signature: signature64 })
export type CommitSignature = Infer<typeof CommitSignature>

/**
 * More than two thirds of the voting power precommitted `blockHash` at (height, round).
 * Each signature is over the canonical Vote {chainId, 'precommit', height, round, blockHash,
 * validatorIndex}, which is exactly what the validator signed and sent.
 */
export const CommitCertificate = struct({
  height: u64,
  round: u32,
  blockHash: hash32,
  signatures: vec(CommitSignature, LIMITS.validators),
})
export type CommitCertificate = Infer<typeof CommitCertificate>

export const Block = struct({
  header: BlockHeader,
  txs: vec(bytes(LIMITS.txBytes), LIMITS.txsPerBlock),
  /** Certificate for the previous block (absent at height 1). */
  lastCommit: option(CommitCertificate),
})
export type Block = Infer<typeof Block>

export const Proposal = struct({
  chainId: string(LIMITS.chainIdBytes),
  height: u64,
  round: u32,
  /** The round of the proof-of-lock this value carries; absent = -1 in the paper. */
  polRound: option(u32),
  blockHash: hash32,
  proposerIndex: u16,
})
export type Proposal = Infer<typeof Proposal>

export const SignedProposal = struct({ proposal: bytes(512), signature: signature64 })
export type SignedProposal = Infer<typeof SignedProposal>

/** Two signed votes by one validator for the same (height, round, type) and different blocks. */
export const DuplicateVoteEvidence = struct({ voteA: SignedVote, voteB: SignedVote })
export type DuplicateVoteEvidence = Infer<typeof DuplicateVoteEvidence>

/**
 * Two signed proposals by one round's proposer for the same (height, round) whose bodies differ
 * (another block hash or another polRound). ADR 0026.
 */
export const DuplicateProposalEvidence = struct({ proposalA: SignedProposal, proposalB: SignedProposal })
export type DuplicateProposalEvidence = Infer<typeof DuplicateProposalEvidence>

/** Equivocation evidence as consensus reports it and the consensus source puts it on chain. */
export type EquivocationEvidence =
  | { kind: 'vote'; evidence: DuplicateVoteEvidence }
  | { kind: 'proposal'; evidence: DuplicateProposalEvidence }

export type { Codec }
export { decode, encode }
