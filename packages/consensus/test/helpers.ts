/** Test fixture: a validator set with known keys, machines, and hand-signed messages from any validator. */
import {
  DOMAIN,
  decode,
  encode,
  Proposal,
  type SignedProposal,
  type SignedVote,
  signingBytes,
  suites,
  utf8,
  type ValidatorSet,
  Vote,
} from '@govchain/core'
import { Consensus, type ConsensusOutput, type ConsensusTimeouts } from '../src/machine.ts'
import { proposerIndex } from '../src/proposer.ts'
import { MemorySigner, MemorySignerStore } from '../src/signer.ts'

export const suite = suites.intl
export const CHAIN = 'test-chain'
export const TIMEOUTS: ConsensusTimeouts = { proposeMs: 1000, prevoteMs: 500, precommitMs: 500, deltaMs: 100 }

/** Values are "val:<anything>"; ones containing "bad" are invalid; anything else is undecodable. */
export const value = (s: string): Uint8Array => utf8(`val:${s}`)
const valueId = (v: Uint8Array): Uint8Array | null =>
  new TextDecoder().decode(v).startsWith('val:') ? suite.hash(v) : null
const isValid = (_h: number, v: Uint8Array): boolean => !new TextDecoder().decode(v).includes('bad')

export class Fixture {
  readonly privs: Uint8Array[]
  readonly set: ValidatorSet
  readonly n: number

  constructor(powers: number[] = [1, 1, 1, 1]) {
    this.n = powers.length
    this.privs = powers.map((_, i) => new Uint8Array(32).fill(i + 1))
    this.set = {
      validators: powers.map((p, i) => ({
        id: `v${i}`,
        publicKey: suite.publicKeyFromPrivate(this.privs[i]!),
        votingPower: p,
      })),
    }
  }

  machine(
    myIndex: number | undefined,
    store = new MemorySignerStore(),
    futureRounds?: number,
  ): { m: Consensus; store: MemorySignerStore } {
    const m = new Consensus({
      chainId: CHAIN,
      suite,
      validatorSet: this.set,
      ...(myIndex === undefined ? {} : { myIndex, signer: new MemorySigner(suite, this.privs[myIndex]!, store) }),
      timeouts: TIMEOUTS,
      valueId,
      isValid,
      ...(futureRounds === undefined ? {} : { futureRounds }),
    })
    return { m, store }
  }

  proposer(height: number, round: number): number {
    return proposerIndex(this.set, height, round)
  }

  /** A round in [from, ...) whose proposer is not `not`. */
  roundNotProposedBy(height: number, not: number, from = 0): number {
    let r = from
    while (this.proposer(height, r) === not) r++
    return r
  }

  vote(i: number, type: 'prevote' | 'precommit', height: number, round: number, v: Uint8Array | null): SignedVote {
    const vote: Vote = { chainId: CHAIN, type, height, round, validatorIndex: i }
    if (v !== null) vote.blockHash = valueId(v)!
    const body = encode(Vote, vote)
    return { vote: body, signature: suite.sign(this.privs[i]!, signingBytes(DOMAIN.vote, body)) }
  }

  proposal(
    height: number,
    round: number,
    v: Uint8Array,
    polRound?: number,
    proposer = this.proposer(height, round),
  ): {
    proposal: SignedProposal
    value: Uint8Array
  } {
    const p: Proposal = { chainId: CHAIN, height, round, blockHash: valueId(v)!, proposerIndex: proposer }
    if (polRound !== undefined) p.polRound = polRound
    const body = encode(Proposal, p)
    return {
      proposal: { proposal: body, signature: suite.sign(this.privs[proposer]!, signingBytes(DOMAIN.proposal, body)) },
      value: v,
    }
  }
}

export function ofType<T extends ConsensusOutput['type']>(
  outs: ConsensusOutput[],
  type: T,
): Extract<ConsensusOutput, { type: T }>[] {
  return outs.filter((o): o is Extract<ConsensusOutput, { type: T }> => o.type === type)
}

/** The votes among outputs, decoded. */
export function votesOut(outs: ConsensusOutput[]): Vote[] {
  return ofType(outs, 'broadcastVote').map((o) => decodeVote(o.vote))
}

export function decodeVote(v: SignedVote): Vote {
  return decode(Vote, v.vote)
}
export function hashOf(v: Uint8Array): Uint8Array {
  return valueId(v)!
}
