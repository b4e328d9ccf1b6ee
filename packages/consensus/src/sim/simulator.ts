/**
 * The deterministic consensus simulator: N copies of the real state machine (machine.ts, the
 * one the node runs) over a virtual network, all randomness from one seeded PRNG, virtual time
 * from a priority queue of events. No real timers, no wall clock.
 *
 * A run: draw a scenario from the seed (voting powers, which validators are Byzantine and how,
 * network quality, partitions, crashes, the global stabilisation time GST), run until every
 * honest node decided `heights` heights or the liveness deadline passes, and check:
 *   agreement   no two honest nodes decide different values at one height
 *   validity    every decided value was proposed (created by some proposer) and is valid
 *   no double   no honest node ever emitted two different signed messages for one
 *   signing     (height, round, step), and every signature it emitted verifies
 *   evidence    every equivocation evidence an honest node reports verifies and names a
 *               Byzantine validator (counted apart for proposals and votes)
 *   liveness    after GST (and the last restart) all honest nodes decide all `heights`
 *               within a bound of virtual time (docs/consensus.md gives the bound)
 *
 * Network before GST: random delays with a heavy tail, drops, duplicates (hence reordering),
 * partitions that heal by GST, honest crashes that restart by GST (a restarted node keeps
 * only its signer record and its committed decisions, like a node's disk). After GST every
 * message between live nodes arrives within `deltaMs`. Lost messages are repaired like a real
 * node's gossip does: a node that made no progress for `gossipMs` re-sends every message it
 * holds for its height, and a node that sees a peer behind sends it decided values with their
 * commit certificates (checked by the receiver, as block sync does).
 */
import {
  type CommitCertificate,
  type CryptoSuite,
  DOMAIN,
  decode,
  encode,
  equalBytes,
  Proposal,
  type SignedProposal,
  type SignedVote,
  signingBytes,
  toHex,
  utf8,
  type ValidatorSet,
  Vote,
  verifyCommitFor,
  verifyDuplicateProposalEvidence,
  verifyDuplicateVoteEvidence,
} from '@govchain/core'
import { Consensus, type ConsensusOutput, type ConsensusTimeouts, type TimeoutKind } from '../machine.ts'
import { MemorySigner, MemorySignerStore, type Signer, type SignerLock, type SignerRecord } from '../signer.ts'
import { Prng } from './prng.ts'
import { EventQueue } from './queue.ts'

export type ByzantineMode = 'silent' | 'equivocate' | 'random'

export interface SimOptions {
  seed: number
  validators: number
  /** Number of Byzantine validators (default: the most tolerated, floor((n-1)/3)). */
  byzantine?: number
  heights: number
  suite: CryptoSuite
  /** 'mixed' (default within the fault bound) draws a mode per Byzantine node; beyond the bound the default is 'equivocate'. */
  byzantineMode?: 'mixed' | ByzantineMode
  log?: (line: string) => void
}

export interface SimResult {
  seed: number
  validators: number
  byzantine: number
  heights: number
  /** Heights decided by every honest node (== heights on success). */
  decidedHeights: number
  safetyViolations: string[]
  doubleSigns: string[]
  livenessFailure: string | undefined
  /** Hash of the whole event trace: equal digests = identical runs. */
  digest: string
  virtualTimeMs: number
  gstMs: number
  events: number
  messagesSent: number
  /** Evidence outputs of honest nodes (votes and proposals). */
  evidence: number
  /** Of which duplicate proposals. */
  proposalEvidence: number
  crashes: number
  syncs: number
  maxRound: number
  scenario: string
}

const SIM_CHAIN_ID = 'govchain-sim'
const SIM_TIMEOUTS: ConsensusTimeouts = { proposeMs: 300, prevoteMs: 150, precommitMs: 150, deltaMs: 50 }
/** Delivery bound between live nodes after GST. */
const SIM_DELTA_MS = 50
/** A node that decided nothing for this long re-sends what it holds for its height. */
const SIM_GOSSIP_MS = 600
/** Decisions per sync message. */
const SYNC_BATCH = 8
/** Hard stop on events per run: a runaway run is a liveness failure, not a hang. */
const EVENTS_MAX = 5_000_000

export function maxFaulty(n: number): number {
  return Math.floor((n - 1) / 3)
}

type Msg =
  | { kind: 'proposal'; height: number; proposal: SignedProposal; value: Uint8Array }
  | { kind: 'vote'; height: number; vote: SignedVote }
  | { kind: 'sync'; decisions: Decision[] }

interface Decision {
  height: number
  round: number
  value: Uint8Array
  certificate: CommitCertificate
}

type Ev =
  | { kind: 'deliver'; to: number; from: number; msg: Msg }
  | { kind: 'timeout'; node: number; inc: number; tk: TimeoutKind; height: number; round: number }
  | { kind: 'value'; node: number; inc: number; height: number; round: number }
  | { kind: 'gossip'; node: number; inc: number }
  | { kind: 'crash'; node: number }
  | { kind: 'restart'; node: number }
  | { kind: 'stable' }

interface SimNode {
  index: number
  byz: ByzantineMode | undefined
  privateKey: Uint8Array
  store: MemorySignerStore
  machine: Consensus | undefined
  /** Incarnation: events of a crashed incarnation are discarded. */
  inc: number
  up: boolean
  decided: Map<number, Decision>
  gossipHeight: number
  lastSyncSentMs: number[]
  valueCounter: number
}

interface Partition {
  fromMs: number
  toMs: number
  side: boolean[]
}

/** Verifications are cached per run by (key, message, signature): real signatures, each checked once. */
function cachingSuite(inner: CryptoSuite): CryptoSuite {
  // Keyed by the signature object (one object travels to every recipient), then compared on
  // the key and message bytes, so a hit is exactly a repeat of (key, message, signature).
  const cache = new WeakMap<Uint8Array, { publicKey: Uint8Array; message: Uint8Array; ok: boolean }[]>()
  const wrapper: CryptoSuite = {
    name: inner.name,
    backend: inner.backend,
    hashLength: inner.hashLength,
    publicKeyLength: inner.publicKeyLength,
    signatureLength: inner.signatureLength,
    symmetricKeyLength: inner.symmetricKeyLength,
    hash: (d) => inner.hash(d),
    hmac: (k, d) => inner.hmac(k, d),
    generateKeyPair: () => inner.generateKeyPair(),
    publicKeyFromPrivate: (k) => inner.publicKeyFromPrivate(k),
    sign: (k, m) => inner.sign(k, m),
    verify(publicKey, message, signature) {
      let entries = cache.get(signature)
      if (entries === undefined) {
        entries = []
        cache.set(signature, entries)
      }
      for (const e of entries) if (equalBytes(e.publicKey, publicKey) && equalBytes(e.message, message)) return e.ok
      const ok = inner.verify(publicKey, message, signature)
      // Bounded: a signature object is checked against a handful of (key, message) pairs at most.
      if (entries.length < 4) entries.push({ publicKey: publicKey.slice(), message: message.slice(), ok })
      return ok
    },
    encrypt: (p, m) => inner.encrypt(p, m),
    decrypt: (k, c) => inner.decrypt(k, c),
    seal: (k, p, a) => inner.seal(k, p, a),
    open: (k, s, a) => inner.open(k, s, a),
  }
  return wrapper
}

/** A Byzantine node's signer: signs anything, persists nothing. */
class RawSigner implements Signer {
  constructor(
    private readonly suite: CryptoSuite,
    private readonly privateKey: Uint8Array,
  ) {}
  signVote(vote: Vote): Uint8Array {
    return this.suite.sign(this.privateKey, signingBytes(DOMAIN.vote, encode(Vote, vote)))
  }
  signProposal(proposal: Proposal): Uint8Array {
    return this.suite.sign(this.privateKey, signingBytes(DOMAIN.proposal, encode(Proposal, proposal)))
  }
  lastSigned(): SignerRecord | undefined {
    return undefined
  }
  lockedValue(): SignerLock | undefined {
    return undefined
  }
}

/** Incremental 2x32-bit FNV-1a style hash of the trace (cheap; only compared between replays). */
class Digest {
  private h1 = 0x811c9dc5
  private h2 = 0x01000193
  add(s: string): void {
    let h1 = this.h1
    let h2 = this.h2
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h1 >>> 15)
    }
    this.h1 = h1
    this.h2 = h2
  }
  hex(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0')
  }
}

// Values: "sim|<height>|<ok|bad>|<creator>|<counter>|<padding>". valueId = suite hash; isValid
// = well formed, for this height, and marked ok (a Byzantine proposer may propose 'bad' ones).
const VALUE_PREFIX = 'sim|'

function parseValue(value: Uint8Array): { height: number; ok: boolean } | null {
  const s = new TextDecoder().decode(value)
  if (!s.startsWith(VALUE_PREFIX)) return null
  const parts = s.split('|')
  if (parts.length < 5) return null
  const height = Number(parts[1])
  if (!Number.isSafeInteger(height)) return null
  return { height, ok: parts[2] === 'ok' }
}

export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run()
}

/**
 * One seeded run. The constructor draws the scenario from the seed (powers, Byzantine nodes and
 * their modes, keys, GST, drop/duplicate/slow rates, partitions, crashes); `run` boots the nodes
 * and steps the event queue until every honest node has decided or the post-GST deadline passes.
 * The network, the adversary, the honest nodes' outputs and the checks are methods over the run's
 * state. Every draw from `rng` happens in a fixed order, so a seed replays the same run.
 */
class Simulation {
  private readonly n: number
  private readonly b: number
  private readonly heights: number
  private readonly rng: Prng
  private readonly suite: CryptoSuite
  private readonly log: ((line: string) => void) | undefined
  private readonly digest = new Digest()

  // ---------------------------------------------------------------- scenario
  private readonly byzIdx: Set<number>
  private readonly set: ValidatorSet
  private readonly nodes: SimNode[]
  private readonly honest: SimNode[]
  private readonly gstMs: number
  private readonly dropP: number
  private readonly dupP: number
  private readonly slowP: number
  private readonly partitions: Partition[] = []
  private readonly queue = new EventQueue<Ev>()
  private readonly nCrashes: number
  private stableMs: number
  private readonly scenario: string

  // ---------------------------------------------------------------- checks and counters
  private readonly safetyViolations: string[] = []
  private readonly doubleSigns: string[] = []
  /** Value id -> creator. */
  private readonly created = new Map<string, number>()
  private readonly canonical = new Map<number, { id: string; node: number }>()
  /** `${node}/${step}/${h}/${r}` -> bytes hex. */
  private readonly emitted = new Map<string, string>()
  private evidence = 0
  private proposalEvidence = 0
  private syncs = 0
  private messagesSent = 0
  private maxRound = 0
  private crashes = 0
  private events = 0
  private now = 0
  private deadlineMs = Number.POSITIVE_INFINITY
  private readonly idCache = new WeakMap<Uint8Array, Uint8Array | null>()
  /** The equivocating adversary's split of a height/round: which honest nodes saw which value. */
  private readonly splits = new Map<string, { groupA: boolean[]; idA: Uint8Array; idB: Uint8Array }>()

  constructor(private readonly opts: SimOptions) {
    const n = opts.validators
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError('validators must be 1..64')
    const b = opts.byzantine ?? maxFaulty(n)
    if (!Number.isInteger(b) || b < 0 || b > n) throw new RangeError('byzantine must be 0..validators')
    this.n = n
    this.b = b
    this.heights = opts.heights
    const rng = new Prng(opts.seed)
    this.rng = rng
    this.suite = cachingSuite(opts.suite)
    this.log = opts.log
    const beyondBound = b > maxFaulty(n)
    const modeOpt = opts.byzantineMode ?? (beyondBound ? 'equivocate' : 'mixed')

    const byzIdx = new Set(rng.shuffle([...Array(n).keys()]).slice(0, b))
    this.byzIdx = byzIdx
    let powers = new Array<number>(n).fill(1)
    if (!beyondBound && rng.chance(0.5)) {
      const w = powers.map(() => rng.int(1, 4))
      const total = w.reduce((a, x) => a + x, 0)
      const byzPower = [...byzIdx].reduce((a, i) => a + w[i]!, 0)
      // Within the bound means Byzantine power strictly below 1/3 of the total; keep equal powers otherwise.
      if (byzPower * 3 < total) powers = w
    }
    const keys: { privateKey: Uint8Array; publicKey: Uint8Array }[] = []
    for (let i = 0; i < n; i++) {
      for (;;) {
        const privateKey = rng.bytes(32)
        try {
          keys.push({ privateKey, publicKey: this.suite.publicKeyFromPrivate(privateKey) })
          break
        } catch {
          // a scalar out of range for SM2: draw again
        }
      }
    }
    this.set = {
      validators: keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey, votingPower: powers[i]! })),
    }
    const modes: ByzantineMode[] = ['silent', 'equivocate', 'random']
    this.nodes = keys.map((k, i) => ({
      index: i,
      byz: byzIdx.has(i) ? (modeOpt === 'mixed' ? rng.pick(modes) : modeOpt) : undefined,
      privateKey: k.privateKey,
      store: new MemorySignerStore(),
      machine: undefined,
      inc: 0,
      up: true,
      decided: new Map(),
      gossipHeight: 0,
      lastSyncSentMs: new Array(n).fill(Number.NEGATIVE_INFINITY),
      valueCounter: 0,
    }))
    this.honest = this.nodes.filter((x) => x.byz === undefined)

    const gstMs = rng.int(0, Math.min(this.heights, 20) * 300)
    this.gstMs = gstMs
    this.dropP = rng.chance(0.3) ? 0 : rng.float() * 0.3
    this.dupP = rng.float() * 0.1
    this.slowP = rng.float() * 0.2
    const nPartitions = gstMs === 0 ? 0 : rng.int(0, 3)
    for (let k = 0; k < nPartitions; k++) {
      const fromMs = rng.int(0, gstMs)
      const toMs = Math.min(gstMs, fromMs + rng.int(200, 3000))
      const side = this.nodes.map(() => rng.chance(0.5))
      this.partitions.push({ fromMs, toMs, side })
    }
    this.stableMs = gstMs
    this.nCrashes = gstMs === 0 || this.honest.length === 0 ? 0 : rng.int(0, 1 + Math.floor(n / 4))
    for (let k = 0; k < this.nCrashes; k++) {
      const node = rng.pick(this.honest).index
      const at = rng.int(0, gstMs)
      const back = Math.min(gstMs, at + rng.int(50, 3000))
      this.queue.push(at, { kind: 'crash', node })
      this.queue.push(back, { kind: 'restart', node })
      this.stableMs = Math.max(this.stableMs, back)
    }
    this.queue.push(this.stableMs, { kind: 'stable' })
    this.scenario =
      `powers=[${powers.join(',')}] byzantine=[${[...byzIdx].map((i) => `${i}:${this.nodes[i]!.byz}`).join(',')}] ` +
      `gstMs=${gstMs} drop=${this.dropP.toFixed(3)} dup=${this.dupP.toFixed(3)} slow=${this.slowP.toFixed(3)} ` +
      `partitions=${this.partitions.length} crashes=${this.nCrashes}`
    this.log?.(`seed ${opts.seed}: n=${n} b=${b} ${this.scenario}`)
  }

  // ---------------------------------------------------------------- values and checks

  // Arrow properties: the consensus machines call them as plain functions.
  private readonly valueId = (value: Uint8Array): Uint8Array | null => {
    let id = this.idCache.get(value)
    if (id === undefined) {
      id = parseValue(value) === null ? null : this.suite.hash(value)
      this.idCache.set(value, id)
    }
    return id
  }

  private readonly isValid = (height: number, value: Uint8Array): boolean => {
    const p = parseValue(value)
    return p?.ok === true && p.height === height
  }

  private newValue(node: SimNode, height: number, ok: boolean, heightField = height): Uint8Array {
    const pad = 'x'.repeat(this.rng.int(0, 64))
    const value = utf8(`${VALUE_PREFIX}${heightField}|${ok ? 'ok' : 'bad'}|${node.index}|${node.valueCounter++}|${pad}`)
    this.created.set(toHex(this.valueId(value)!), node.index)
    return value
  }

  private recordDecision(node: SimNode, d: Decision, via: string): void {
    node.decided.set(d.height, d)
    if (node.byz !== undefined) return
    const id = toHex(d.certificate.blockHash)
    this.digest.add(`D${node.index}:${d.height}:${d.round}:${id}`)
    this.log?.(`${this.now}ms node ${node.index} decides h=${d.height} r=${d.round} ${id.slice(0, 8)} (${via})`)
    if (!this.created.has(id))
      this.safetyViolations.push(`validity: node ${node.index} decided a value nobody proposed at height ${d.height}`)
    if (!this.isValid(d.height, d.value))
      this.safetyViolations.push(`validity: node ${node.index} decided an invalid value at height ${d.height}`)
    const c = this.canonical.get(d.height)
    if (c === undefined) this.canonical.set(d.height, { id, node: node.index })
    else if (c.id !== id) {
      this.safetyViolations.push(
        `agreement: height ${d.height}: node ${c.node} decided ${c.id.slice(0, 16)}, node ${node.index} decided ${id.slice(0, 16)}`,
      )
    }
  }

  private checkEmitted(
    node: SimNode,
    step: string,
    body: Uint8Array,
    signature: Uint8Array,
    height: number,
    round: number,
  ): void {
    const k = `${node.index}/${step}/${height}/${round}`
    const hex = toHex(body)
    const prev = this.emitted.get(k)
    if (prev === undefined) this.emitted.set(k, hex)
    else if (prev !== hex)
      this.doubleSigns.push(`node ${node.index} signed two different ${step}s at height ${height} round ${round}`)
    const domain = step === 'proposal' ? DOMAIN.proposal : DOMAIN.vote
    if (!this.suite.verify(this.set.validators[node.index]!.publicKey, signingBytes(domain, body), signature)) {
      this.doubleSigns.push(`node ${node.index} emitted a bad signature on a ${step} at ${height}/${round}`)
    }
  }

  // ---------------------------------------------------------------- network

  private partitioned(a: number, c: number): boolean {
    for (const p of this.partitions)
      if (this.now >= p.fromMs && this.now < p.toMs && p.side[a] !== p.side[c]) return true
    return false
  }

  private send(from: number, to: number, msg: Msg): void {
    if (from === to) return
    this.messagesSent++
    const rng = this.rng
    if (this.now < this.gstMs) {
      if (this.partitioned(from, to) || rng.chance(this.dropP)) return
      const copies = rng.chance(this.dupP) ? 2 : 1
      for (let c = 0; c < copies; c++) {
        const delay = rng.chance(this.slowP) ? rng.int(SIM_DELTA_MS, 2000) : rng.int(1, SIM_DELTA_MS)
        this.queue.push(this.now + delay, { kind: 'deliver', to, from, msg })
      }
    } else {
      this.queue.push(this.now + rng.int(1, SIM_DELTA_MS), { kind: 'deliver', to, from, msg })
    }
  }

  private broadcast(from: number, msg: Msg, only?: (to: number) => boolean): void {
    for (let to = 0; to < this.n; to++) if (to !== from && (only === undefined || only(to))) this.send(from, to, msg)
  }

  // ---------------------------------------------------------------- Byzantine adversary
  // One coordinated adversary controls every Byzantine key. 'equivocate': when a Byzantine
  // node proposes, it sends one value to a random half of the honest nodes and another value to
  // the other half, and every Byzantine node then votes each half's value to that half (and
  // sometimes splits honest proposals into value-vs-nil). 'random': votes for random values,
  // invalid proposals. 'silent': sends nothing.

  private byzSign(node: SimNode, vote: Vote): SignedVote {
    return {
      vote: encode(Vote, vote),
      signature: this.suite.sign(node.privateKey, signingBytes(DOMAIN.vote, encode(Vote, vote))),
    }
  }

  private byzSignProposal(node: SimNode, proposal: Proposal): SignedProposal {
    return {
      proposal: encode(Proposal, proposal),
      signature: this.suite.sign(node.privateKey, signingBytes(DOMAIN.proposal, encode(Proposal, proposal))),
    }
  }

  private splitFor(): boolean[] {
    return this.nodes.map((x) => x.byz !== undefined || this.rng.chance(0.5))
  }

  private byzantineProposal(node: SimNode, o: Extract<ConsensusOutput, { type: 'broadcastProposal' }>): void {
    const p = decode(Proposal, o.proposal.proposal)
    if (node.byz === 'equivocate') {
      const v2 = this.newValue(node, p.height, true)
      const p2: Proposal = { ...p, blockHash: this.valueId(v2)! }
      const sp2 = this.byzSignProposal(node, p2)
      const groupA = this.splitFor()
      this.splits.set(`${p.height}/${p.round}`, { groupA, idA: p.blockHash, idB: p2.blockHash })
      this.broadcast(node.index, proposalMsg(o.proposal, o.value), (to) => groupA[to]!)
      this.broadcast(node.index, proposalMsg(sp2, v2), (to) => !groupA[to]!)
    } else if (node.byz === 'random' && this.rng.chance(0.5)) {
      // an invalid value (marked bad, or for another height), properly signed
      const bad = this.rng.chance(0.5)
        ? this.newValue(node, p.height, false)
        : this.newValue(node, p.height, true, p.height + 1)
      const pb: Proposal = { ...p, blockHash: this.valueId(bad)! }
      this.broadcast(node.index, proposalMsg(this.byzSignProposal(node, pb), bad))
    } else this.broadcast(node.index, proposalMsg(o.proposal, o.value))
  }

  private byzantineVote(node: SimNode, o: Extract<ConsensusOutput, { type: 'broadcastVote' }>): void {
    const v = decode(Vote, o.vote.vote)
    const rng = this.rng
    if (node.byz === 'equivocate') {
      const s = this.splits.get(`${v.height}/${v.round}`)
      if (s !== undefined) {
        const a = this.byzSign(node, { ...v, blockHash: s.idA })
        const bb = this.byzSign(node, { ...v, blockHash: s.idB })
        this.broadcast(node.index, voteMsg(a), (to) => s.groupA[to]!)
        this.broadcast(node.index, voteMsg(bb), (to) => !s.groupA[to]!)
      } else if (v.blockHash !== undefined && rng.chance(0.3)) {
        const { blockHash: _, ...nil } = v
        const g = this.splitFor()
        this.broadcast(node.index, voteMsg(o.vote), (to) => g[to]!)
        this.broadcast(node.index, voteMsg(this.byzSign(node, nil)), (to) => !g[to]!)
      } else this.broadcast(node.index, voteMsg(o.vote))
    } else if (node.byz === 'random') {
      const r = rng.float()
      if (r < 0.3) this.broadcast(node.index, voteMsg(this.byzSign(node, { ...v, blockHash: rng.bytes(32) })))
      else if (r < 0.4)
        this.broadcast(node.index, voteMsg(this.byzSign(node, { ...v, round: v.round + rng.int(1, 3) })))
      else if (r < 0.5) {
        // conflicting votes to everyone: honest nodes keep the first and report evidence
        this.broadcast(node.index, voteMsg(o.vote))
        this.broadcast(node.index, voteMsg(this.byzSign(node, { ...v, blockHash: rng.bytes(32) })))
      } else this.broadcast(node.index, voteMsg(o.vote))
    }
  }

  // ---------------------------------------------------------------- every node's outputs

  /** A timeout or a value request of `node`'s machine, as a future event of this incarnation. */
  private schedule(node: SimNode, o: Extract<ConsensusOutput, { type: 'scheduleTimeout' | 'requestValue' }>): void {
    if (o.type === 'scheduleTimeout') {
      this.queue.push(this.now + o.durationMs, {
        kind: 'timeout',
        node: node.index,
        inc: node.inc,
        tk: o.kind,
        height: o.height,
        round: o.round,
      })
    } else {
      this.queue.push(this.now + this.rng.int(0, 10), {
        kind: 'value',
        node: node.index,
        inc: node.inc,
        height: o.height,
        round: o.round,
      })
    }
  }

  private byzantineOutputs(node: SimNode, outs: ConsensusOutput[]): void {
    for (const o of outs) {
      if (o.type === 'broadcastProposal') this.byzantineProposal(node, o)
      else if (o.type === 'broadcastVote') this.byzantineVote(node, o)
      else if (o.type === 'scheduleTimeout' || o.type === 'requestValue') this.schedule(node, o)
      else if (o.type === 'decide') {
        this.recordDecision(node, o, 'byzantine')
        this.outputs(node, node.machine!.start(o.height + 1, this.set))
      }
    }
  }

  /** What a node's machine asked for: sent, scheduled, checked and recorded (honest), or turned by the adversary. */
  private outputs(node: SimNode, outs: ConsensusOutput[]): void {
    if (node.byz !== undefined) {
      this.byzantineOutputs(node, outs)
      return
    }
    for (const o of outs) {
      switch (o.type) {
        case 'broadcastProposal': {
          const p = decode(Proposal, o.proposal.proposal)
          this.checkEmitted(node, 'proposal', o.proposal.proposal, o.proposal.signature, p.height, p.round)
          this.broadcast(node.index, { kind: 'proposal', height: p.height, proposal: o.proposal, value: o.value })
          break
        }
        case 'broadcastVote': {
          const v = decode(Vote, o.vote.vote)
          this.checkEmitted(node, v.type, o.vote.vote, o.vote.signature, v.height, v.round)
          if (v.round > this.maxRound) this.maxRound = v.round
          this.broadcast(node.index, { kind: 'vote', height: v.height, vote: o.vote })
          break
        }
        case 'scheduleTimeout':
        case 'requestValue':
          this.schedule(node, o)
          break
        case 'evidence':
          this.checkEvidence(node, o.evidence)
          break
        case 'decide':
          this.recordDecision(node, o, 'consensus')
          this.outputs(node, node.machine!.start(o.height + 1, this.set))
          break
      }
    }
  }

  /** Evidence an honest node reported must verify and name a Byzantine validator. */
  private checkEvidence(node: SimNode, e: Extract<ConsensusOutput, { type: 'evidence' }>['evidence']): void {
    this.evidence++
    let offender: number
    try {
      if (e.kind === 'proposal') {
        this.proposalEvidence++
        offender = verifyDuplicateProposalEvidence(this.suite, SIM_CHAIN_ID, this.set, e.evidence).proposerIndex
      } else offender = verifyDuplicateVoteEvidence(this.suite, SIM_CHAIN_ID, this.set, e.evidence).validatorIndex
    } catch (err) {
      this.doubleSigns.push(`node ${node.index} reported ${e.kind} evidence that does not verify: ${String(err)}`)
      return
    }
    if (!this.byzIdx.has(offender))
      this.doubleSigns.push(`node ${node.index} reported ${e.kind} evidence against honest validator ${offender}`)
  }

  // ---------------------------------------------------------------- nodes' lives

  private newMachine(node: SimNode): Consensus {
    const signer =
      node.byz === undefined
        ? new MemorySigner(this.opts.suite, node.privateKey, node.store)
        : new RawSigner(this.opts.suite, node.privateKey)
    return new Consensus({
      chainId: SIM_CHAIN_ID,
      suite: this.suite,
      validatorSet: this.set,
      myIndex: node.index,
      signer,
      timeouts: SIM_TIMEOUTS,
      valueId: this.valueId,
      isValid: this.isValid,
    })
  }

  private boot(node: SimNode): void {
    node.inc++
    node.up = true
    node.machine = this.newMachine(node)
    node.gossipHeight = 0
    if (node.byz === undefined)
      this.queue.push(this.now + SIM_GOSSIP_MS, { kind: 'gossip', node: node.index, inc: node.inc })
    let h = 1
    while (node.decided.has(h)) h++
    this.outputs(node, node.machine.start(h, this.set))
  }

  private applySync(node: SimNode, decisions: Decision[]): void {
    for (const d of decisions) {
      const m = node.machine!
      if (d.height !== m.height || node.decided.has(d.height)) continue
      const id = this.valueId(d.value)
      if (id === null || !this.isValid(d.height, d.value)) return
      try {
        verifyCommitFor(this.suite, SIM_CHAIN_ID, this.set, d.certificate, d.height, id)
      } catch {
        return
      }
      this.syncs++
      this.recordDecision(node, d, 'sync')
      this.outputs(node, m.start(d.height + 1, this.set))
    }
  }

  private deliver(to: SimNode, from: number, msg: Msg): void {
    if (!to.up || to.byz === 'silent') return
    const m = to.machine!
    if (msg.kind === 'sync') {
      this.applySync(to, msg.decisions)
      return
    }
    // A peer behind us: send it what we decided from its height on (honest nodes only, as block sync).
    if (msg.height < m.height && to.byz === undefined && this.now - to.lastSyncSentMs[from]! >= SIM_GOSSIP_MS / 2) {
      const decisions: Decision[] = []
      for (let h = msg.height; h < msg.height + SYNC_BATCH; h++) {
        const d = to.decided.get(h)
        if (d === undefined) break
        decisions.push(d)
      }
      if (decisions.length > 0) {
        to.lastSyncSentMs[from] = this.now
        this.send(to.index, from, { kind: 'sync', decisions })
      }
    }
    this.outputs(to, msg.kind === 'vote' ? m.onVote(msg.vote) : m.onProposal(msg.proposal, msg.value))
  }

  // ---------------------------------------------------------------- main loop

  /** Virtual time one height may take from round `fromRound` on, after GST (the liveness bound). */
  private heightBoundMs(fromRound: number): number {
    let ms = 0
    const t = SIM_TIMEOUTS
    for (let r = fromRound; r <= fromRound + this.n + 1; r++) {
      ms += t.proposeMs + t.prevoteMs + t.precommitMs + 3 * r * t.deltaMs + 4 * SIM_DELTA_MS
    }
    return ms
  }

  private allDone(): boolean {
    return this.honest.every((x) => x.decided.has(this.heights))
  }

  /** One event; the caller has set `now` to its time. */
  private step(ev: Ev): void {
    const now = this.now
    switch (ev.kind) {
      case 'deliver':
        this.digest.add(`${now}d${ev.from}>${ev.to}${ev.msg.kind}`)
        this.deliver(this.nodes[ev.to]!, ev.from, ev.msg)
        break
      case 'timeout': {
        const node = this.nodes[ev.node]!
        if (!node.up || node.inc !== ev.inc) break
        this.digest.add(`${now}t${ev.node}${ev.tk}${ev.height}/${ev.round}`)
        this.outputs(node, node.machine!.onTimeout(ev.tk, ev.height, ev.round))
        break
      }
      case 'value': {
        const node = this.nodes[ev.node]!
        if (!node.up || node.inc !== ev.inc) break
        this.digest.add(`${now}v${ev.node}`)
        this.outputs(node, node.machine!.onProposalValue(ev.height, ev.round, this.newValue(node, ev.height, true)))
        break
      }
      case 'gossip': {
        const node = this.nodes[ev.node]!
        if (!node.up || node.inc !== ev.inc) break
        const m = node.machine!
        if (m.height === node.gossipHeight) {
          this.digest.add(`${now}g${ev.node}`)
          const known = m.gossipMessages()
          for (const p of known.proposals) this.broadcast(node.index, proposalMsg(p.proposal, p.value))
          for (const v of known.votes) this.broadcast(node.index, voteMsg(v))
        }
        node.gossipHeight = m.height
        this.queue.push(now + SIM_GOSSIP_MS, { kind: 'gossip', node: node.index, inc: node.inc })
        break
      }
      case 'crash': {
        const node = this.nodes[ev.node]!
        if (!node.up) break
        this.digest.add(`${now}c${ev.node}`)
        this.log?.(`${now}ms node ${ev.node} crashes at height ${node.machine!.height} round ${node.machine!.round}`)
        this.crashes++
        node.up = false
        node.machine = undefined
        node.inc++
        break
      }
      case 'restart': {
        const node = this.nodes[ev.node]!
        if (node.up) break
        this.digest.add(`${now}r${ev.node}`)
        this.boot(node)
        this.log?.(`${now}ms node ${ev.node} restarts at height ${node.machine!.height} round ${node.machine!.round}`)
        break
      }
      case 'stable': {
        let r0 = 0
        let h0 = this.heights
        for (const x of this.honest) {
          r0 = Math.max(r0, x.machine?.round ?? 0)
          h0 = Math.min(h0, x.machine?.height ?? 1)
        }
        this.deadlineMs =
          now + 4 * SIM_GOSSIP_MS + this.heightBoundMs(r0) + Math.max(0, this.heights - h0) * this.heightBoundMs(0)
        this.log?.(`${now}ms stable (GST ${this.gstMs}ms, all honest up): deadline ${this.deadlineMs}ms`)
        break
      }
    }
  }

  run(): SimResult {
    for (const node of this.nodes) if (node.byz !== 'silent') this.boot(node)
    for (const node of this.nodes) if (node.byz === 'silent') node.up = false

    let livenessFailure: string | undefined
    while (!this.allDone()) {
      const next = this.queue.pop()
      if (next === undefined) {
        livenessFailure = 'event queue ran empty'
        break
      }
      if (next.time > this.deadlineMs) {
        this.now = this.deadlineMs
        break
      }
      this.now = next.time
      this.events++
      if (this.events > EVENTS_MAX) {
        livenessFailure = `more than ${EVENTS_MAX} events`
        break
      }
      this.step(next.item)
    }
    if (!this.allDone() && this.log !== undefined) this.logNodes(this.log)
    if (!this.allDone() && livenessFailure === undefined) {
      const behind = this.honest
        .filter((x) => !x.decided.has(this.heights))
        .map((x) => `${x.index}@h${x.machine?.height}r${x.machine?.round}`)
      livenessFailure = `not all honest nodes decided ${this.heights} heights by ${this.now}ms (stable at ${this.stableMs}ms): ${behind.join(' ')}`
    }
    let decidedHeights = this.heights
    for (const x of this.honest) {
      let h = 0
      while (x.decided.has(h + 1)) h++
      decidedHeights = Math.min(decidedHeights, h)
    }
    this.digest.add(
      `end${this.now}|${this.safetyViolations.length}|${this.doubleSigns.length}|${livenessFailure ?? ''}`,
    )
    return {
      seed: this.opts.seed,
      validators: this.n,
      byzantine: this.b,
      heights: this.heights,
      decidedHeights,
      safetyViolations: this.safetyViolations,
      doubleSigns: this.doubleSigns,
      livenessFailure,
      digest: this.digest.hex(),
      virtualTimeMs: this.now,
      gstMs: this.gstMs,
      events: this.events,
      messagesSent: this.messagesSent,
      evidence: this.evidence,
      proposalEvidence: this.proposalEvidence,
      crashes: this.crashes,
      syncs: this.syncs,
      maxRound: this.maxRound,
      scenario: this.scenario,
    }
  }

  /** Where each node stands and what it last signed: printed when a run does not finish. */
  private logNodes(log: (line: string) => void): void {
    for (const x of this.nodes) {
      const rec = x.store.record
      const signed =
        rec === undefined
          ? 'none'
          : `${rec.step}@${rec.height}/${rec.round}${rec.lock === undefined ? '' : ` lock@${rec.lock.round}`}`
      log(
        `node ${x.index}${x.byz === undefined ? '' : ` (${x.byz})`}: ${x.machine?.describe() ?? 'down'} signed=${signed}`,
      )
    }
  }
}

function voteMsg(vote: SignedVote): Msg {
  return { kind: 'vote', height: decode(Vote, vote.vote).height, vote }
}

function proposalMsg(proposal: SignedProposal, value: Uint8Array): Msg {
  return { kind: 'proposal', height: decode(Proposal, proposal.proposal).height, proposal, value }
}
