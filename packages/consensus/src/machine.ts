/**
 * Tendermint consensus (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus", 2018,
 * Algorithm 1) as a deterministic state machine: inputs in, outputs out, nothing else. No I/O,
 * no clock, no randomness; the node (and the simulator) deliver messages, fire the timeouts it
 * asks for, answer requestValue, and act on decisions. Line numbers in comments are those of
 * Algorithm 1. docs/consensus.md explains the rules, the bounds and the deviations.
 *
 * Bounds (a Byzantine peer must not make memory grow): messages are kept only for the current
 * height and the next one; per (height, round, type, validator) only the first vote is kept (a
 * conflicting second one becomes evidence, once); per (height, round) only the first proposal
 * from the round's proposer (a validly signed, different second one becomes evidence, once:
 * docs/adr/0026); rounds beyond `round + futureRounds` are not stored, only each
 * validator's highest round is remembered (for the round skip of line 55).
 */
import {
  type CommitCertificate,
  type CommitSignature,
  type CryptoSuite,
  DOMAIN,
  decode,
  type EquivocationEvidence,
  encode,
  equalBytes,
  exceedsOneThird,
  GovchainError,
  hashValidatorSet,
  hasQuorum,
  Proposal,
  type SignedProposal,
  type SignedVote,
  signingBytes,
  toHex,
  totalVotingPower,
  type ValidatorSet,
  Vote,
  type VoteType,
  validateValidatorSet,
} from '@govchain/core'
import { proposerAt, proposerSchedule } from './proposer.ts'
import type { Signer } from './signer.ts'

export type TimeoutKind = 'propose' | 'prevote' | 'precommit'
/** 'idle' before the first start; 'decided' after line 49 until the node starts the next height. */
export type Step = 'idle' | 'propose' | 'prevote' | 'precommit' | 'decided'

export interface ConsensusTimeouts {
  proposeMs: number
  prevoteMs: number
  precommitMs: number
  /** Added per round to each timeout, so that after GST timeouts eventually exceed message delays. */
  deltaMs: number
}

export interface ConsensusConfig {
  chainId: string
  suite: CryptoSuite
  validatorSet: ValidatorSet
  /** This node's index in the validator set; undefined = observer (never signs, still decides). */
  myIndex?: number
  /** Required for a validator. */
  signer?: Signer
  timeouts: ConsensusTimeouts
  /** The id (block hash) of a proposed value; null when the bytes do not decode as a value. */
  valueId(value: Uint8Array): Uint8Array | null
  /** Application validity of a value at a height (the node executes the block here). Called at most once per value and height. */
  isValid(height: number, value: Uint8Array): boolean
  /** Rounds above the current one for which messages are stored (default 8). */
  futureRounds?: number
}

export type ConsensusInput =
  | { type: 'start'; height: number; validatorSet: ValidatorSet; myIndex?: number }
  | { type: 'proposal'; proposal: SignedProposal; value: Uint8Array }
  | { type: 'vote'; vote: SignedVote }
  | { type: 'timeout'; kind: TimeoutKind; height: number; round: number }
  | { type: 'proposalValue'; height: number; round: number; value: Uint8Array }

export type ConsensusOutput =
  | { type: 'broadcastProposal'; proposal: SignedProposal; value: Uint8Array }
  | { type: 'broadcastVote'; vote: SignedVote }
  | { type: 'scheduleTimeout'; kind: TimeoutKind; height: number; round: number; durationMs: number }
  | { type: 'requestValue'; height: number; round: number }
  | { type: 'decide'; height: number; round: number; value: Uint8Array; certificate: CommitCertificate }
  /** Conflicting votes, or conflicting proposals of a round's proposer: once per offence. */
  | { type: 'evidence'; evidence: EquivocationEvidence }

export interface ConsensusStats {
  proposalsReceived: number
  votesReceived: number
  /** Undecodable, wrong chain, unknown validator, wrong proposer, value not matching its id. */
  invalid: number
  badSignature: number
  duplicate: number
  /** For a height other than the current and the next (or before the first start, or after deciding). */
  wrongHeight: number
  /** Beyond round + futureRounds: only the sender's highest round is remembered. */
  futureRound: number
  /** Conflicting votes (each produced one evidence output). */
  equivocations: number
  /** A second, different, validly signed proposal from a round's proposer. */
  conflictingProposals: number
  /** Rounds whose proposer equivocated (each produced one evidence output). */
  proposalEquivocations: number
  /** Signatures the signer refused (after a restart): the vote or proposal was not sent. */
  signRefused: number
  roundSkips: number
}

const NIL = 'nil'
export const DEFAULT_FUTURE_ROUNDS = 8

interface SetInfo {
  set: ValidatorSet
  hashHex: string
  total: number
  powers: number[]
  schedule: number[]
}

interface StoredVote {
  signed: SignedVote
  key: string
}

class Tally {
  /** The first vote of each validator: counted in `total` (for "2f+1 of any value") and in `power`. */
  readonly votes: (StoredVote | undefined)[]
  /**
   * Later, conflicting votes of equivocating validators, kept only for nil or a value whose
   * bytes we hold (so at most (values + 1) per validator) and counted for their value: the paper
   * counts messages from distinct senders per value, and a proof-of-lock seen by one honest node
   * may include an equivocator's "other" vote; dropping it could stall that lock forever.
   */
  readonly extras = new Map<string, StoredVote & { index: number }>()
  readonly power = new Map<string, number>()
  /** Power of first votes (any value, nil included). */
  total = 0
  /** The first non-nil value key that reached more than 2/3. */
  quorumKey: string | undefined
  /** Validators already reported for equivocating here (evidence once per validator). */
  reported: Set<number> | undefined
  constructor(n: number) {
    this.votes = new Array(n).fill(undefined)
  }
  add(index: number, vote: StoredVote, power: number, totalPower: number): void {
    this.votes[index] = vote
    this.total += power
    this.count(vote.key, power, totalPower)
  }
  addExtra(index: number, vote: StoredVote, power: number, totalPower: number): void {
    this.extras.set(`${index}/${vote.key}`, { ...vote, index })
    this.count(vote.key, power, totalPower)
  }
  private count(key: string, power: number, totalPower: number): void {
    const p = (this.power.get(key) ?? 0) + power
    this.power.set(key, p)
    if (this.quorumKey === undefined && key !== NIL && hasQuorum(p, totalPower)) this.quorumKey = key
  }
  powerOf(key: string): number {
    return this.power.get(key) ?? 0
  }
  /** Every kept vote (first and extra) for `key`, by validator index. */
  signaturesFor(key: string): CommitSignature[] {
    const out: CommitSignature[] = []
    this.votes.forEach((v, validatorIndex) => {
      if (v !== undefined && v.key === key) out.push({ validatorIndex, signature: v.signed.signature })
    })
    for (const e of this.extras.values())
      if (e.key === key) out.push({ validatorIndex: e.index, signature: e.signed.signature })
    return out.sort((a, b) => a.validatorIndex - b.validatorIndex)
  }
  /** Every kept vote for `key` (the proof-of-lock when they are prevotes). */
  signedFor(key: string): SignedVote[] {
    const out: SignedVote[] = []
    for (const v of this.votes) if (v !== undefined && v.key === key) out.push(v.signed)
    for (const e of this.extras.values()) if (e.key === key) out.push(e.signed)
    return out
  }
  all(): SignedVote[] {
    const out: SignedVote[] = []
    for (const v of this.votes) if (v !== undefined) out.push(v.signed)
    for (const e of this.extras.values()) out.push(e.signed)
    return out
  }
}

interface StoredProposal {
  signed: SignedProposal
  proposal: Proposal
  value: Uint8Array
  key: string
}

interface RoundState {
  proposal: StoredProposal | undefined
  /** The proposer's equivocation here was reported (evidence once per height and round). */
  proposalReported: boolean
  prevotes: Tally
  precommits: Tally
  line34: boolean
  line36: boolean
  line47: boolean
}

interface HeightState {
  height: number
  info: SetInfo
  rounds: Map<number, RoundState>
  /** Highest round each validator has sent a validly signed message for (-1 = none). */
  maxRound: number[]
  /** Value bytes by id (hex): first proposal per round, plus values that a quorum may decide. */
  values: Map<string, Uint8Array>
  validity: Map<string, boolean>
}

interface Locked {
  key: string
  value: Uint8Array
  round: number
}

function newStats(): ConsensusStats {
  return {
    proposalsReceived: 0,
    votesReceived: 0,
    invalid: 0,
    badSignature: 0,
    duplicate: 0,
    wrongHeight: 0,
    futureRound: 0,
    equivocations: 0,
    conflictingProposals: 0,
    proposalEquivocations: 0,
    signRefused: 0,
    roundSkips: 0,
  }
}

export class Consensus {
  readonly stats: ConsensusStats = newStats()
  private readonly cfg: ConsensusConfig
  private readonly futureRounds: number
  private readonly setCache = new Map<string, SetInfo>()
  private cur: HeightState | undefined
  private next: HeightState | undefined
  private myIndex: number | undefined
  private roundP = 0
  private stepP: Step = 'idle'
  private locked: Locked | undefined
  private valid: Locked | undefined
  /** requestValue outstanding for (height, round). */
  private awaiting: { height: number; round: number } | undefined
  private out: ConsensusOutput[] = []

  constructor(config: ConsensusConfig) {
    if (config.myIndex !== undefined && config.signer === undefined) {
      throw new GovchainError('INVALID_ARGUMENT', 'a validator (myIndex set) needs a signer')
    }
    const fr = config.futureRounds ?? DEFAULT_FUTURE_ROUNDS
    if (!Number.isSafeInteger(fr) || fr < 1 || fr > 1000)
      throw new GovchainError('INVALID_ARGUMENT', 'futureRounds must be 1..1000')
    this.cfg = config
    this.futureRounds = fr
    this.myIndex = config.myIndex
    validateValidatorSet(config.suite, config.validatorSet)
  }

  get height(): number {
    return this.cur?.height ?? 0
  }
  get round(): number {
    return this.roundP
  }
  get step(): Step {
    return this.stepP
  }
  get lockedRound(): number {
    return this.locked?.round ?? -1
  }
  get lockedValue(): Uint8Array | undefined {
    return this.locked?.value
  }
  get validRound(): number {
    return this.valid?.round ?? -1
  }
  get validValue(): Uint8Array | undefined {
    return this.valid?.value
  }

  /** One entry point for every input; the same outputs as the specific methods. */
  handle(input: ConsensusInput): ConsensusOutput[] {
    switch (input.type) {
      case 'start':
        return this.start(input.height, input.validatorSet, input.myIndex)
      case 'proposal':
        return this.onProposal(input.proposal, input.value)
      case 'vote':
        return this.onVote(input.vote)
      case 'timeout':
        return this.onTimeout(input.kind, input.height, input.round)
      case 'proposalValue':
        return this.onProposalValue(input.height, input.round, input.value)
    }
  }

  /**
   * Starts `height` with `validatorSet` (after the node committed height-1, synced, or
   * restarted). Heights only move forward. Restores the lock and the round from the signer's
   * persisted record when it is for this height.
   */
  start(height: number, validatorSet: ValidatorSet, myIndex?: number): ConsensusOutput[] {
    if (!Number.isSafeInteger(height) || height < 1) throw new GovchainError('INVALID_ARGUMENT', `bad height ${height}`)
    if (this.cur !== undefined && height <= this.cur.height) {
      throw new GovchainError('INVALID_ARGUMENT', `start(${height}) does not move past height ${this.cur.height}`)
    }
    const info = this.setInfo(validatorSet)
    const me = myIndex ?? this.myIndex
    if (me !== undefined && (!Number.isInteger(me) || me < 0 || me >= validatorSet.validators.length)) {
      throw new GovchainError('INVALID_ARGUMENT', `validator index ${me} is not in the set`)
    }
    if (me !== undefined && this.cfg.signer === undefined) throw new GovchainError('INVALID_ARGUMENT', 'no signer')
    this.out = []
    this.myIndex = me
    const buffered = this.next !== undefined && this.next.height === height ? this.next : undefined
    this.next = undefined
    // Messages buffered for this height were checked against the previous set; if the set
    // changed they are replayed (and re-verified) against the new one below.
    const reuse = buffered !== undefined && buffered.info.hashHex === info.hashHex
    this.cur = reuse ? buffered : this.newHeight(height, info)
    this.locked = undefined
    this.valid = undefined
    this.awaiting = undefined
    this.roundP = 0
    this.stepP = 'propose'

    let startRound = 0
    const rec = this.cfg.signer?.lastSigned()
    if (me !== undefined && rec !== undefined && rec.height === height) {
      startRound = rec.round
      if (rec.lock !== undefined && rec.lock.height === height) {
        // The record names the lock (round, block hash); the signer's store holds its value and
        // proof-of-lock. A value that is missing or is not the named one leaves the node unable
        // to honour its lock: it stops rather than risk prevoting against it.
        const payload = this.cfg.signer!.lockedValue()
        const id = payload === undefined ? null : this.cfg.valueId(payload.value)
        if (payload === undefined || id === null || !equalBytes(id, rec.lock.blockHash)) {
          throw new GovchainError('SIGNER_STATE_DAMAGED', 'the signer record names a lock whose value is not stored', {
            height,
            round: rec.lock.round,
          })
        }
        const key = toHex(id)
        this.cur.values.set(key, payload.value)
        this.locked = { key, value: payload.value, round: rec.lock.round }
        this.valid = this.locked
        // The proof-of-lock, checked like any received vote, so we can pass it on.
        for (const signed of payload.proof) this.restoreVote(signed)
      }
      // Re-send our recent votes of this height: peers may have missed them while we were down.
      for (const signed of rec.votes) {
        const v = decode(Vote, signed.vote)
        if (v.validatorIndex !== me || v.height !== height) continue
        this.acceptOwnVote(signed)
        this.out.push({ type: 'broadcastVote', vote: signed })
      }
    }
    this.startRound(startRound)
    if (buffered !== undefined && !reuse) this.replay(buffered)
    this.reevaluateAll()
    return this.flush()
  }

  onProposal(signed: SignedProposal, value: Uint8Array): ConsensusOutput[] {
    this.out = []
    this.stats.proposalsReceived++
    this.receiveProposal(signed, value)
    return this.flush()
  }

  onVote(signed: SignedVote): ConsensusOutput[] {
    this.out = []
    this.stats.votesReceived++
    this.receiveVote(signed)
    return this.flush()
  }

  /** Lines 57, 61, 65. Stale timeouts (other height, round or step) are ignored. */
  onTimeout(kind: TimeoutKind, height: number, round: number): ConsensusOutput[] {
    this.out = []
    if (this.cur === undefined || height !== this.cur.height || round !== this.roundP || this.stepP === 'decided') {
      return this.flush()
    }
    if (kind === 'propose' && this.stepP === 'propose') {
      this.stepP = 'prevote'
      this.castVote('prevote', undefined) // line 59
      this.evaluateCurrentRound()
    } else if (kind === 'prevote' && this.stepP === 'prevote') {
      this.stepP = 'precommit'
      this.castVote('precommit', undefined) // line 63
      this.evaluateCurrentRound()
    } else if (kind === 'precommit') {
      this.startRound(this.roundP + 1) // line 67
    }
    return this.flush()
  }

  /** The answer to requestValue: proposes it if still proposer at (height, round) in the propose step (line 16). */
  onProposalValue(height: number, round: number, value: Uint8Array): ConsensusOutput[] {
    this.out = []
    const a = this.awaiting
    if (
      a !== undefined &&
      this.cur !== undefined &&
      a.height === height &&
      a.round === round &&
      height === this.cur.height &&
      round === this.roundP &&
      this.stepP === 'propose'
    ) {
      this.awaiting = undefined
      this.propose(value, -1)
      this.evaluateCurrentRound()
    }
    return this.flush()
  }

  /** The current height's stored messages (first proposal per round, all kept votes), for gossip and catch-up. */
  knownMessages(): { proposals: { proposal: SignedProposal; value: Uint8Array }[]; votes: SignedVote[] } {
    return this.messagesOf(this.cur === undefined ? [] : [...this.cur.rounds.keys()])
  }

  /**
   * What a stalled peer needs from us to make progress (what a node re-sends when its height
   * makes no progress): the current and previous round, and the proof-of-lock rounds in play
   * (our locked and valid rounds, the POL rounds of the proposals of those rounds).
   */
  gossipMessages(): { proposals: { proposal: SignedProposal; value: Uint8Array }[]; votes: SignedVote[] } {
    const hs = this.cur
    if (hs === undefined) return { proposals: [], votes: [] }
    const rounds = new Set<number>([this.roundP, this.roundP - 1, this.lockedRound, this.validRound])
    for (const r of [this.roundP, this.roundP - 1]) {
      const pol = hs.rounds.get(r)?.proposal?.proposal.polRound
      if (pol !== undefined) rounds.add(pol)
    }
    return this.messagesOf([...rounds].filter((r) => r >= 0).sort((a, b) => a - b))
  }

  private messagesOf(rounds: number[]): {
    proposals: { proposal: SignedProposal; value: Uint8Array }[]
    votes: SignedVote[]
  } {
    const proposals: { proposal: SignedProposal; value: Uint8Array }[] = []
    const votes: SignedVote[] = []
    if (this.cur !== undefined) {
      for (const r of rounds) {
        const rs = this.cur.rounds.get(r)
        if (rs === undefined) continue
        if (rs.proposal !== undefined) proposals.push({ proposal: rs.proposal.signed, value: rs.proposal.value })
        for (const t of [rs.prevotes, rs.precommits]) votes.push(...t.all())
      }
    }
    return { proposals, votes }
  }

  /** A one-line summary for logs and status pages: height/round/step, lock, and the current round's tallies. */
  describe(): string {
    const hs = this.cur
    if (hs === undefined) return 'idle'
    const rs = hs.rounds.get(this.roundP)
    const short = (k: string | undefined): string => (k === undefined ? '-' : k.slice(0, 6))
    const tally = (t: Tally | undefined): string =>
      t === undefined
        ? ''
        : `${[...t.power.entries()].map(([k, p]) => `${short(k)}:${p}`).join(',')} by ${t.votes.map((v) => short(v?.key)).join(',')}`
    return (
      `h=${hs.height} r=${this.roundP} ${this.stepP} locked=${this.lockedRound}/${short(this.locked?.key)} ` +
      `valid=${this.validRound}/${short(this.valid?.key)} proposal=${short(rs?.proposal?.key)}` +
      `${rs?.proposal?.proposal.polRound === undefined ? '' : `(pol ${rs.proposal.proposal.polRound})`} ` +
      `prevotes[${tally(rs?.prevotes)}] precommits[${tally(rs?.precommits)}] maxRound=[${hs.maxRound.join(',')}]`
    )
  }

  /** Number of stored messages and values (current and next height): the bound under floods. */
  storedMessageCount(): number {
    let n = 0
    for (const hs of [this.cur, this.next]) {
      if (hs === undefined) continue
      n += hs.values.size + hs.validity.size
      for (const rs of hs.rounds.values()) {
        if (rs.proposal !== undefined) n++
        n += rs.prevotes.all().length + rs.precommits.all().length
      }
    }
    return n
  }

  // ------------------------------------------------------------------ receiving

  private flush(): ConsensusOutput[] {
    const o = this.out
    this.out = []
    return o
  }

  private setInfo(set: ValidatorSet): SetInfo {
    validateValidatorSet(this.cfg.suite, set)
    const hashHex = toHex(hashValidatorSet(this.cfg.suite, set))
    let info = this.setCache.get(hashHex)
    if (info === undefined) {
      const powers = set.validators.map((v) => v.votingPower)
      info = { set, hashHex, total: totalVotingPower(set), powers, schedule: proposerSchedule(powers) }
      // A handful of sets is plenty: sets change rarely, and this bounds the cache.
      if (this.setCache.size >= 4) this.setCache.delete(this.setCache.keys().next().value as string)
      this.setCache.set(hashHex, info)
    }
    return info
  }

  private newHeight(height: number, info: SetInfo): HeightState {
    return {
      height,
      info,
      rounds: new Map(),
      maxRound: new Array(info.powers.length).fill(-1),
      values: new Map(),
      validity: new Map(),
    }
  }

  private heightState(height: number): HeightState | undefined {
    const cur = this.cur
    if (cur === undefined) return undefined
    if (height === cur.height) return this.stepP === 'decided' ? undefined : cur
    if (height === cur.height + 1) {
      this.next ??= this.newHeight(height, cur.info)
      return this.next
    }
    return undefined
  }

  private roundState(hs: HeightState, round: number): RoundState {
    let rs = hs.rounds.get(round)
    if (rs === undefined) {
      const n = hs.info.powers.length
      rs = {
        proposal: undefined,
        proposalReported: false,
        prevotes: new Tally(n),
        precommits: new Tally(n),
        line34: false,
        line36: false,
        line47: false,
      }
      hs.rounds.set(round, rs)
    }
    return rs
  }

  private verify(hs: HeightState, index: number, domain: Uint8Array, body: Uint8Array, signature: Uint8Array): boolean {
    const v = hs.info.set.validators[index]!
    return this.cfg.suite.verify(v.publicKey, signingBytes(domain, body), signature)
  }

  /**
   * A validly signed message beyond the stored round window only raises the sender's highest
   * round (verified only when it would raise it, so a flood costs no memory and bounded work).
   */
  private farRound(
    hs: HeightState,
    index: number,
    round: number,
    domain: Uint8Array,
    signed: { body: Uint8Array; signature: Uint8Array },
  ): void {
    this.stats.futureRound++
    if (round <= hs.maxRound[index]!) return
    if (!this.verify(hs, index, domain, signed.body, signed.signature)) {
      this.stats.badSignature++
      return
    }
    hs.maxRound[index] = round
    if (hs === this.cur) this.tryRoundSkip()
  }

  private receiveVote(signed: SignedVote): void {
    let vote: Vote
    try {
      vote = decode(Vote, signed.vote)
    } catch {
      this.stats.invalid++
      return
    }
    if (vote.chainId !== this.cfg.chainId || signed.signature.length !== this.cfg.suite.signatureLength) {
      this.stats.invalid++
      return
    }
    const hs = this.heightState(vote.height)
    if (hs === undefined) {
      this.stats.wrongHeight++
      return
    }
    const index = vote.validatorIndex
    if (index >= hs.info.powers.length) {
      this.stats.invalid++
      return
    }
    const roundNow = hs === this.cur ? this.roundP : 0
    if (vote.round > roundNow + this.futureRounds) {
      this.farRound(hs, index, vote.round, DOMAIN.vote, { body: signed.vote, signature: signed.signature })
      return
    }
    const rs = this.roundState(hs, vote.round)
    const tally = vote.type === 'prevote' ? rs.prevotes : rs.precommits
    const existing = tally.votes[index]
    const key = vote.blockHash === undefined ? NIL : toHex(vote.blockHash)
    if (existing !== undefined) {
      if (equalBytes(existing.signed.vote, signed.vote) || tally.extras.has(`${index}/${key}`)) {
        this.stats.duplicate++
        return
      }
      const keep = key === NIL || hs.values.has(key)
      const report = tally.reported?.has(index) !== true
      if (!keep && !report) {
        this.stats.duplicate++
        return
      }
      if (!this.verify(hs, index, DOMAIN.vote, signed.vote, signed.signature)) {
        this.stats.badSignature++
        return
      }
      if (report) {
        // The second vote proves equivocation: evidence once per (height, round, type, validator).
        tally.reported ??= new Set()
        tally.reported.add(index)
        this.stats.equivocations++
        this.out.push({
          type: 'evidence',
          evidence: { kind: 'vote', evidence: { voteA: existing.signed, voteB: signed } },
        })
      }
      if (keep) {
        tally.addExtra(index, { signed, key }, hs.info.powers[index]!, hs.info.total)
        if (hs === this.cur) this.afterMessage(vote.round, false)
      }
      return
    }
    if (!this.verify(hs, index, DOMAIN.vote, signed.vote, signed.signature)) {
      this.stats.badSignature++
      return
    }
    tally.add(index, { signed, key }, hs.info.powers[index]!, hs.info.total)
    if (vote.round > hs.maxRound[index]!) hs.maxRound[index] = vote.round
    if (hs === this.cur) this.afterMessage(vote.round, false)
  }

  /** Stores a verified vote of the current height without running the rules (used while restoring). */
  private restoreVote(signed: SignedVote): void {
    const hs = this.cur!
    let vote: Vote
    try {
      vote = decode(Vote, signed.vote)
    } catch {
      return
    }
    const index = vote.validatorIndex
    if (vote.chainId !== this.cfg.chainId || vote.height !== hs.height || index >= hs.info.powers.length) return
    if (!this.verify(hs, index, DOMAIN.vote, signed.vote, signed.signature)) return
    const rs = this.roundState(hs, vote.round)
    const tally = vote.type === 'prevote' ? rs.prevotes : rs.precommits
    const key = vote.blockHash === undefined ? NIL : toHex(vote.blockHash)
    const existing = tally.votes[index]
    if (existing === undefined) tally.add(index, { signed, key }, hs.info.powers[index]!, hs.info.total)
    else if (existing.key !== key && !tally.extras.has(`${index}/${key}`)) {
      tally.addExtra(index, { signed, key }, hs.info.powers[index]!, hs.info.total)
    }
  }

  private receiveProposal(signed: SignedProposal, value: Uint8Array): void {
    let p: Proposal
    try {
      p = decode(Proposal, signed.proposal)
    } catch {
      this.stats.invalid++
      return
    }
    if (p.chainId !== this.cfg.chainId || signed.signature.length !== this.cfg.suite.signatureLength) {
      this.stats.invalid++
      return
    }
    const hs = this.heightState(p.height)
    if (hs === undefined) {
      this.stats.wrongHeight++
      return
    }
    if (
      p.proposerIndex !== proposerAt(hs.info.schedule, p.height, p.round) ||
      (p.polRound !== undefined && p.polRound >= p.round)
    ) {
      this.stats.invalid++
      return
    }
    const roundNow = hs === this.cur ? this.roundP : 0
    if (p.round > roundNow + this.futureRounds) {
      this.farRound(hs, p.proposerIndex, p.round, DOMAIN.proposal, {
        body: signed.proposal,
        signature: signed.signature,
      })
      return
    }
    const rs = this.roundState(hs, p.round)
    const existing = rs.proposal
    if (existing !== undefined && equalBytes(existing.signed.proposal, signed.proposal)) {
      this.stats.duplicate++
      return
    }
    // Signature before hashing the value: a value may be megabytes, a signature check is cheap.
    if (!this.verify(hs, p.proposerIndex, DOMAIN.proposal, signed.proposal, signed.signature)) {
      this.stats.badSignature++
      return
    }
    if (existing !== undefined) {
      // An equivocating proposer: two bodies it signed for one (height, round) prove it, whatever
      // the values are (docs/adr/0026). Evidence once per (height, round).
      this.stats.conflictingProposals++
      if (!rs.proposalReported) {
        rs.proposalReported = true
        this.stats.proposalEquivocations++
        this.out.push({
          type: 'evidence',
          evidence: { kind: 'proposal', evidence: { proposalA: existing.signed, proposalB: signed } },
        })
      }
    }
    const id = this.cfg.valueId(value)
    if (id === null || !equalBytes(id, p.blockHash)) {
      this.stats.invalid++
      return
    }
    const key = toHex(id)
    if (existing !== undefined) {
      // Its second value is kept only when more than a third of the round's prevotes or
      // precommits name it (some honest node follows it, and we may need its bytes to decide);
      // that bounds what a proposer can make us store.
      const wanted = hs.info.total
      if (
        !hs.values.has(key) &&
        (exceedsOneThird(rs.precommits.powerOf(key), wanted) || exceedsOneThird(rs.prevotes.powerOf(key), wanted))
      ) {
        hs.values.set(key, value)
        if (hs === this.cur) this.afterMessage(p.round, true)
      }
      return
    }
    rs.proposal = { signed, proposal: p, value, key }
    if (!hs.values.has(key)) hs.values.set(key, value)
    if (p.round > hs.maxRound[p.proposerIndex]!) hs.maxRound[p.proposerIndex] = p.round
    if (hs === this.cur) this.afterMessage(p.round, true)
  }

  /** Re-verifies messages buffered against a validator set that turned out not to be this height's. */
  private replay(old: HeightState): void {
    for (const rs of old.rounds.values()) {
      if (rs.proposal !== undefined) this.receiveProposal(rs.proposal.signed, rs.proposal.value)
      for (const t of [rs.prevotes, rs.precommits]) for (const v of t.all()) this.receiveVote(v)
    }
  }

  // ------------------------------------------------------------------ rules

  /** After a stored message of `round`: line 49 (for that round, or every round when a value arrived), 55, then the current round's rules. */
  private afterMessage(round: number, newValue: boolean): void {
    if (this.stepP === 'decided') return
    if (newValue ? this.tryDecideAny() : this.tryDecide(round)) return
    if (round > this.roundP && this.tryRoundSkip()) return
    this.evaluateCurrentRound()
  }

  private reevaluateAll(): void {
    if (this.stepP === 'decided') return
    if (this.tryDecideAny()) return
    this.tryRoundSkip()
    this.evaluateCurrentRound()
  }

  private isValidValue(hs: HeightState, key: string): boolean {
    let ok = hs.validity.get(key)
    if (ok === undefined) {
      const value = hs.values.get(key)
      ok = value !== undefined && this.cfg.isValid(hs.height, value)
      hs.validity.set(key, ok)
    }
    return ok
  }

  private tryDecideAny(): boolean {
    const hs = this.cur!
    for (const r of hs.rounds.keys()) if (this.tryDecide(r)) return true
    return false
  }

  /** Line 49: more than 2/3 precommits for id(v) in round r and the bytes of v (from any round's proposal), v valid: decide. */
  private tryDecide(round: number): boolean {
    const hs = this.cur!
    const rs = hs.rounds.get(round)
    const key = rs?.precommits.quorumKey
    if (rs === undefined || key === undefined || this.stepP === 'decided') return false
    const value = hs.values.get(key)
    if (value === undefined || !this.isValidValue(hs, key)) return false
    const signatures = rs.precommits.signaturesFor(key)
    const blockHash = this.cfg.valueId(value)!
    this.stepP = 'decided'
    this.awaiting = undefined
    const certificate: CommitCertificate = { height: hs.height, round, blockHash, signatures }
    this.out.push({ type: 'decide', height: hs.height, round, value, certificate })
    return true
  }

  /**
   * Line 55, counted per validator: when validators holding more than 1/3 of the power have
   * sent validly signed messages of rounds >= r > round_p (at least one of them honest), jump
   * to the largest such r.
   */
  private tryRoundSkip(): boolean {
    const hs = this.cur!
    if (this.stepP === 'decided') return false
    const order = hs.maxRound.map((r, i) => [r, i] as const).filter(([r]) => r > this.roundP)
    order.sort((a, b) => b[0] - a[0] || a[1] - b[1])
    let power = 0
    for (const [r, i] of order) {
      power += hs.info.powers[i]!
      if (exceedsOneThird(power, hs.info.total)) {
        this.stats.roundSkips++
        this.startRound(r)
        return true
      }
    }
    return false
  }

  private timeoutMs(kind: TimeoutKind, round: number): number {
    const t = this.cfg.timeouts
    const base = kind === 'propose' ? t.proposeMs : kind === 'prevote' ? t.prevoteMs : t.precommitMs
    return base + round * t.deltaMs
  }

  private schedule(kind: TimeoutKind, round: number): void {
    const height = this.cur!.height
    this.out.push({ type: 'scheduleTimeout', kind, height, round, durationMs: this.timeoutMs(kind, round) })
  }

  /** Lines 11-21. The proposer also schedules timeoutPropose, in case its value never comes. */
  private startRound(round: number): void {
    const hs = this.cur!
    this.roundP = round
    this.stepP = 'propose'
    this.awaiting = undefined
    this.roundState(hs, round)
    if (this.myIndex !== undefined && proposerAt(hs.info.schedule, hs.height, round) === this.myIndex) {
      // line 15 (validRound < round always holds, except right after a restart in the lock's round,
      // where the signer refuses to propose anyway)
      if (this.valid !== undefined && this.valid.round < round) this.propose(this.valid.value, this.valid.round)
      else {
        this.awaiting = { height: hs.height, round }
        this.out.push({ type: 'requestValue', height: hs.height, round }) // line 18
      }
    }
    this.schedule('propose', round) // line 21
    this.evaluateCurrentRound()
  }

  /** Rules on the current round, applied until none fires: 22, 28, 36, 44, 34, 47. */
  private evaluateCurrentRound(): void {
    const hs = this.cur!
    for (;;) {
      if (this.stepP === 'decided') return
      const round = this.roundP
      const rs = this.roundState(hs, round)
      const p = rs.proposal
      if (this.stepP === 'propose' && p !== undefined) {
        const vr = p.proposal.polRound
        if (vr === undefined) {
          // line 22
          const ok = this.isValidValue(hs, p.key) && (this.locked === undefined || this.locked.key === p.key)
          this.stepP = 'prevote'
          this.castVote('prevote', ok ? p : undefined)
          continue
        }
        // line 28 (vr < round is checked on receipt)
        if (hasQuorum(hs.rounds.get(vr)?.prevotes.powerOf(p.key) ?? 0, hs.info.total)) {
          const ok =
            this.isValidValue(hs, p.key) &&
            (this.locked === undefined || this.locked.round <= vr || this.locked.key === p.key)
          this.stepP = 'prevote'
          this.castVote('prevote', ok ? p : undefined)
          continue
        }
      }
      if (
        (this.stepP === 'prevote' || this.stepP === 'precommit') &&
        p !== undefined &&
        !rs.line36 &&
        hasQuorum(rs.prevotes.powerOf(p.key), hs.info.total) &&
        this.isValidValue(hs, p.key)
      ) {
        // line 36
        rs.line36 = true
        const v: Locked = { key: p.key, value: p.value, round }
        this.valid = v
        if (this.stepP === 'prevote') {
          this.locked = v
          this.stepP = 'precommit'
          this.castVote('precommit', p)
        }
        continue
      }
      if (this.stepP === 'prevote' && hasQuorum(rs.prevotes.powerOf(NIL), hs.info.total)) {
        // line 44
        this.stepP = 'precommit'
        this.castVote('precommit', undefined)
        continue
      }
      if (this.stepP === 'prevote' && !rs.line34 && hasQuorum(rs.prevotes.total, hs.info.total)) {
        rs.line34 = true // line 34
        this.schedule('prevote', round)
      }
      if (!rs.line47 && hasQuorum(rs.precommits.total, hs.info.total)) {
        rs.line47 = true // line 47
        this.schedule('precommit', round)
      }
      return
    }
  }

  // ------------------------------------------------------------------ sending

  private propose(value: Uint8Array, validRound: number): void {
    const hs = this.cur!
    const id = this.cfg.valueId(value)
    if (id === null || this.myIndex === undefined) {
      this.stats.invalid++
      return
    }
    const proposal: Proposal = {
      chainId: this.cfg.chainId,
      height: hs.height,
      round: this.roundP,
      blockHash: id,
      proposerIndex: this.myIndex,
    }
    if (validRound >= 0) proposal.polRound = validRound
    let signature: Uint8Array
    try {
      signature = this.cfg.signer!.signProposal(proposal)
    } catch (e) {
      if (e instanceof GovchainError && e.code === 'SIGNER_REFUSED') {
        this.stats.signRefused++
        return
      }
      throw e
    }
    const signed: SignedProposal = { proposal: encode(Proposal, proposal), signature }
    const rs = this.roundState(hs, this.roundP)
    if (rs.proposal === undefined) {
      const key = toHex(id)
      rs.proposal = { signed, proposal, value, key }
      if (!hs.values.has(key)) hs.values.set(key, value)
    }
    this.out.push({ type: 'broadcastProposal', proposal: signed, value })
  }

  /** Signs and sends a vote for `p`'s value (undefined = nil), and counts it as received from ourselves. */
  private castVote(type: VoteType, p: StoredProposal | undefined): void {
    if (this.myIndex === undefined) return
    const hs = this.cur!
    const vote: Vote = {
      chainId: this.cfg.chainId,
      type,
      height: hs.height,
      round: this.roundP,
      validatorIndex: this.myIndex,
    }
    if (p !== undefined) vote.blockHash = p.proposal.blockHash
    let signature: Uint8Array
    try {
      const lock =
        type === 'precommit' && p !== undefined
          ? { value: p.value, proof: this.roundState(hs, this.roundP).prevotes.signedFor(p.key) }
          : undefined
      signature = this.cfg.signer!.signVote(vote, lock)
    } catch (e) {
      if (e instanceof GovchainError && e.code === 'SIGNER_REFUSED') {
        this.stats.signRefused++
        return
      }
      throw e
    }
    const signed: SignedVote = { vote: encode(Vote, vote), signature }
    this.acceptOwnVote(signed)
    this.out.push({ type: 'broadcastVote', vote: signed })
    // Our own precommit can complete a quorum (line 49); callers set the step before calling.
    if (type === 'precommit') this.tryDecide(vote.round)
  }

  private acceptOwnVote(signed: SignedVote): void {
    const hs = this.cur!
    const vote = decode(Vote, signed.vote)
    const rs = this.roundState(hs, vote.round)
    const tally = vote.type === 'prevote' ? rs.prevotes : rs.precommits
    if (tally.votes[vote.validatorIndex] !== undefined) return
    const key = vote.blockHash === undefined ? NIL : toHex(vote.blockHash)
    tally.add(vote.validatorIndex, { signed, key }, hs.info.powers[vote.validatorIndex]!, hs.info.total)
    if (vote.round > hs.maxRound[vote.validatorIndex]!) hs.maxRound[vote.validatorIndex] = vote.round
  }
}

export function createConsensus(config: ConsensusConfig): Consensus {
  return new Consensus(config)
}
