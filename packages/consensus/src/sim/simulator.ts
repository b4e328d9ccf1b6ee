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
  const n = opts.validators
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError('validators must be 1..64')
  const b = opts.byzantine ?? maxFaulty(n)
  if (!Number.isInteger(b) || b < 0 || b > n) throw new RangeError('byzantine must be 0..validators')
  const heights = opts.heights
  const rng = new Prng(opts.seed)
  const suite = cachingSuite(opts.suite)
  const log = opts.log
  const digest = new Digest()
  const beyondBound = b > maxFaulty(n)
  const modeOpt = opts.byzantineMode ?? (beyondBound ? 'equivocate' : 'mixed')

  // ---------------------------------------------------------------- scenario
  const byzIdx = new Set(rng.shuffle([...Array(n).keys()]).slice(0, b))
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
        keys.push({ privateKey, publicKey: suite.publicKeyFromPrivate(privateKey) })
        break
      } catch {
        // a scalar out of range for SM2: draw again
      }
    }
  }
  const set: ValidatorSet = {
    validators: keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey, votingPower: powers[i]! })),
  }
  const modes: ByzantineMode[] = ['silent', 'equivocate', 'random']
  const nodes: SimNode[] = keys.map((k, i) => ({
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
  const honest = nodes.filter((x) => x.byz === undefined)

  const gstMs = rng.int(0, Math.min(heights, 20) * 300)
  const dropP = rng.chance(0.3) ? 0 : rng.float() * 0.3
  const dupP = rng.float() * 0.1
  const slowP = rng.float() * 0.2
  const partitions: Partition[] = []
  const nPartitions = gstMs === 0 ? 0 : rng.int(0, 3)
  for (let k = 0; k < nPartitions; k++) {
    const fromMs = rng.int(0, gstMs)
    const toMs = Math.min(gstMs, fromMs + rng.int(200, 3000))
    const side = nodes.map(() => rng.chance(0.5))
    partitions.push({ fromMs, toMs, side })
  }
  const queue = new EventQueue<Ev>()
  let crashes = 0
  let stableMs = gstMs
  const nCrashes = gstMs === 0 || honest.length === 0 ? 0 : rng.int(0, 1 + Math.floor(n / 4))
  for (let k = 0; k < nCrashes; k++) {
    const node = rng.pick(honest).index
    const at = rng.int(0, gstMs)
    const back = Math.min(gstMs, at + rng.int(50, 3000))
    queue.push(at, { kind: 'crash', node })
    queue.push(back, { kind: 'restart', node })
    stableMs = Math.max(stableMs, back)
  }
  queue.push(stableMs, { kind: 'stable' })
  const scenario =
    `powers=[${powers.join(',')}] byzantine=[${[...byzIdx].map((i) => `${i}:${nodes[i]!.byz}`).join(',')}] ` +
    `gstMs=${gstMs} drop=${dropP.toFixed(3)} dup=${dupP.toFixed(3)} slow=${slowP.toFixed(3)} ` +
    `partitions=${partitions.length} crashes=${nCrashes}`
  log?.(`seed ${opts.seed}: n=${n} b=${b} ${scenario}`)

  // ---------------------------------------------------------------- checks
  const safetyViolations: string[] = []
  const doubleSigns: string[] = []
  const created = new Map<string, number>() // value id -> creator
  const canonical = new Map<number, { id: string; node: number }>()
  const emitted = new Map<string, string>() // `${node}/${step}/${h}/${r}` -> bytes hex
  let evidence = 0
  let proposalEvidence = 0
  let syncs = 0
  let messagesSent = 0
  let maxRound = 0

  const idCache = new WeakMap<Uint8Array, Uint8Array | null>()
  const valueId = (value: Uint8Array): Uint8Array | null => {
    let id = idCache.get(value)
    if (id === undefined) {
      id = parseValue(value) === null ? null : suite.hash(value)
      idCache.set(value, id)
    }
    return id
  }
  const isValid = (height: number, value: Uint8Array): boolean => {
    const p = parseValue(value)
    return p?.ok === true && p.height === height
  }
  const newValue = (node: SimNode, height: number, ok: boolean, heightField = height): Uint8Array => {
    const pad = 'x'.repeat(rng.int(0, 64))
    const value = utf8(`${VALUE_PREFIX}${heightField}|${ok ? 'ok' : 'bad'}|${node.index}|${node.valueCounter++}|${pad}`)
    created.set(toHex(valueId(value)!), node.index)
    return value
  }

  const recordDecision = (node: SimNode, d: Decision, via: string, now: number): void => {
    node.decided.set(d.height, d)
    if (node.byz !== undefined) return
    const id = toHex(d.certificate.blockHash)
    digest.add(`D${node.index}:${d.height}:${d.round}:${id}`)
    log?.(`${now}ms node ${node.index} decides h=${d.height} r=${d.round} ${id.slice(0, 8)} (${via})`)
    if (!created.has(id))
      safetyViolations.push(`validity: node ${node.index} decided a value nobody proposed at height ${d.height}`)
    if (!isValid(d.height, d.value))
      safetyViolations.push(`validity: node ${node.index} decided an invalid value at height ${d.height}`)
    const c = canonical.get(d.height)
    if (c === undefined) canonical.set(d.height, { id, node: node.index })
    else if (c.id !== id) {
      safetyViolations.push(
        `agreement: height ${d.height}: node ${c.node} decided ${c.id.slice(0, 16)}, node ${node.index} decided ${id.slice(0, 16)}`,
      )
    }
  }

  const checkEmitted = (
    node: SimNode,
    step: string,
    body: Uint8Array,
    signature: Uint8Array,
    height: number,
    round: number,
  ): void => {
    const k = `${node.index}/${step}/${height}/${round}`
    const hex = toHex(body)
    const prev = emitted.get(k)
    if (prev === undefined) emitted.set(k, hex)
    else if (prev !== hex)
      doubleSigns.push(`node ${node.index} signed two different ${step}s at height ${height} round ${round}`)
    const domain = step === 'proposal' ? DOMAIN.proposal : DOMAIN.vote
    if (!suite.verify(set.validators[node.index]!.publicKey, signingBytes(domain, body), signature)) {
      doubleSigns.push(`node ${node.index} emitted a bad signature on a ${step} at ${height}/${round}`)
    }
  }

  // ---------------------------------------------------------------- network
  let now = 0
  const partitioned = (a: number, c: number): boolean => {
    for (const p of partitions) if (now >= p.fromMs && now < p.toMs && p.side[a] !== p.side[c]) return true
    return false
  }
  const send = (from: number, to: number, msg: Msg): void => {
    if (from === to) return
    messagesSent++
    if (now < gstMs) {
      if (partitioned(from, to) || rng.chance(dropP)) return
      const copies = rng.chance(dupP) ? 2 : 1
      for (let c = 0; c < copies; c++) {
        const delay = rng.chance(slowP) ? rng.int(SIM_DELTA_MS, 2000) : rng.int(1, SIM_DELTA_MS)
        queue.push(now + delay, { kind: 'deliver', to, from, msg })
      }
    } else {
      queue.push(now + rng.int(1, SIM_DELTA_MS), { kind: 'deliver', to, from, msg })
    }
  }
  const broadcast = (from: number, msg: Msg, only?: (to: number) => boolean): void => {
    for (let to = 0; to < n; to++) if (to !== from && (only === undefined || only(to))) send(from, to, msg)
  }
  const voteMsg = (vote: SignedVote): Msg => ({ kind: 'vote', height: decode(Vote, vote.vote).height, vote })
  const proposalMsg = (proposal: SignedProposal, value: Uint8Array): Msg => ({
    kind: 'proposal',
    height: decode(Proposal, proposal.proposal).height,
    proposal,
    value,
  })

  // ---------------------------------------------------------------- Byzantine adversary
  // One coordinated adversary controls every Byzantine key. 'equivocate': when a Byzantine
  // node proposes, it sends one value to a random half of the honest nodes and another value to
  // the other half, and every Byzantine node then votes each half's value to that half (and
  // sometimes splits honest proposals into value-vs-nil). 'random': votes for random values,
  // invalid proposals. 'silent': sends nothing.
  const splits = new Map<string, { groupA: boolean[]; idA: Uint8Array; idB: Uint8Array }>()
  const byzSign = (node: SimNode, vote: Vote): SignedVote => ({
    vote: encode(Vote, vote),
    signature: suite.sign(node.privateKey, signingBytes(DOMAIN.vote, encode(Vote, vote))),
  })
  const splitFor = (): boolean[] => {
    const g = nodes.map((x) => x.byz !== undefined || rng.chance(0.5))
    return g
  }
  const byzantineOutputs = (node: SimNode, outs: ConsensusOutput[]): void => {
    for (const o of outs) {
      if (o.type === 'broadcastProposal') {
        const p = decode(Proposal, o.proposal.proposal)
        if (node.byz === 'equivocate') {
          const v2 = newValue(node, p.height, true)
          const p2: Proposal = { ...p, blockHash: valueId(v2)! }
          const sp2: SignedProposal = {
            proposal: encode(Proposal, p2),
            signature: suite.sign(node.privateKey, signingBytes(DOMAIN.proposal, encode(Proposal, p2))),
          }
          const groupA = splitFor()
          splits.set(`${p.height}/${p.round}`, { groupA, idA: p.blockHash, idB: p2.blockHash })
          broadcast(node.index, proposalMsg(o.proposal, o.value), (to) => groupA[to]!)
          broadcast(node.index, proposalMsg(sp2, v2), (to) => !groupA[to]!)
        } else if (node.byz === 'random' && rng.chance(0.5)) {
          // an invalid value (marked bad, or for another height), properly signed
          const bad = rng.chance(0.5) ? newValue(node, p.height, false) : newValue(node, p.height, true, p.height + 1)
          const pb: Proposal = { ...p, blockHash: valueId(bad)! }
          const sp: SignedProposal = {
            proposal: encode(Proposal, pb),
            signature: suite.sign(node.privateKey, signingBytes(DOMAIN.proposal, encode(Proposal, pb))),
          }
          broadcast(node.index, proposalMsg(sp, bad))
        } else broadcast(node.index, proposalMsg(o.proposal, o.value))
      } else if (o.type === 'broadcastVote') {
        const v = decode(Vote, o.vote.vote)
        if (node.byz === 'equivocate') {
          const s = splits.get(`${v.height}/${v.round}`)
          if (s !== undefined) {
            const a = byzSign(node, { ...v, blockHash: s.idA })
            const bb = byzSign(node, { ...v, blockHash: s.idB })
            broadcast(node.index, voteMsg(a), (to) => s.groupA[to]!)
            broadcast(node.index, voteMsg(bb), (to) => !s.groupA[to]!)
          } else if (v.blockHash !== undefined && rng.chance(0.3)) {
            const { blockHash: _, ...nil } = v
            const g = splitFor()
            broadcast(node.index, voteMsg(o.vote), (to) => g[to]!)
            broadcast(node.index, voteMsg(byzSign(node, nil)), (to) => !g[to]!)
          } else broadcast(node.index, voteMsg(o.vote))
        } else if (node.byz === 'random') {
          const r = rng.float()
          if (r < 0.3) broadcast(node.index, voteMsg(byzSign(node, { ...v, blockHash: rng.bytes(32) })))
          else if (r < 0.4) broadcast(node.index, voteMsg(byzSign(node, { ...v, round: v.round + rng.int(1, 3) })))
          else if (r < 0.5) {
            // conflicting votes to everyone: honest nodes keep the first and report evidence
            broadcast(node.index, voteMsg(o.vote))
            broadcast(node.index, voteMsg(byzSign(node, { ...v, blockHash: rng.bytes(32) })))
          } else broadcast(node.index, voteMsg(o.vote))
        }
      } else if (o.type === 'scheduleTimeout') {
        queue.push(now + o.durationMs, {
          kind: 'timeout',
          node: node.index,
          inc: node.inc,
          tk: o.kind,
          height: o.height,
          round: o.round,
        })
      } else if (o.type === 'requestValue') {
        queue.push(now + rng.int(0, 10), {
          kind: 'value',
          node: node.index,
          inc: node.inc,
          height: o.height,
          round: o.round,
        })
      } else if (o.type === 'decide') {
        recordDecision(node, o, 'byzantine', now)
        run(node, node.machine!.start(o.height + 1, set))
      }
    }
  }

  // ---------------------------------------------------------------- honest nodes
  const run = (node: SimNode, outs: ConsensusOutput[]): void => {
    if (node.byz !== undefined) {
      byzantineOutputs(node, outs)
      return
    }
    for (const o of outs) {
      switch (o.type) {
        case 'broadcastProposal': {
          const p = decode(Proposal, o.proposal.proposal)
          checkEmitted(node, 'proposal', o.proposal.proposal, o.proposal.signature, p.height, p.round)
          broadcast(node.index, { kind: 'proposal', height: p.height, proposal: o.proposal, value: o.value })
          break
        }
        case 'broadcastVote': {
          const v = decode(Vote, o.vote.vote)
          checkEmitted(node, v.type, o.vote.vote, o.vote.signature, v.height, v.round)
          if (v.round > maxRound) maxRound = v.round
          broadcast(node.index, { kind: 'vote', height: v.height, vote: o.vote })
          break
        }
        case 'scheduleTimeout':
          queue.push(now + o.durationMs, {
            kind: 'timeout',
            node: node.index,
            inc: node.inc,
            tk: o.kind,
            height: o.height,
            round: o.round,
          })
          break
        case 'requestValue':
          queue.push(now + rng.int(0, 10), {
            kind: 'value',
            node: node.index,
            inc: node.inc,
            height: o.height,
            round: o.round,
          })
          break
        case 'evidence': {
          evidence++
          const e = o.evidence
          let offender: number
          try {
            if (e.kind === 'proposal') {
              proposalEvidence++
              offender = verifyDuplicateProposalEvidence(suite, SIM_CHAIN_ID, set, e.evidence).proposerIndex
            } else offender = verifyDuplicateVoteEvidence(suite, SIM_CHAIN_ID, set, e.evidence).validatorIndex
          } catch (err) {
            doubleSigns.push(`node ${node.index} reported ${e.kind} evidence that does not verify: ${String(err)}`)
            break
          }
          if (!byzIdx.has(offender))
            doubleSigns.push(`node ${node.index} reported ${e.kind} evidence against honest validator ${offender}`)
          break
        }
        case 'decide':
          recordDecision(node, o, 'consensus', now)
          run(node, node.machine!.start(o.height + 1, set))
          break
      }
    }
  }

  const newMachine = (node: SimNode): Consensus => {
    const signer =
      node.byz === undefined
        ? new MemorySigner(opts.suite, node.privateKey, node.store)
        : new RawSigner(opts.suite, node.privateKey)
    return new Consensus({
      chainId: SIM_CHAIN_ID,
      suite,
      validatorSet: set,
      myIndex: node.index,
      signer,
      timeouts: SIM_TIMEOUTS,
      valueId,
      isValid,
    })
  }

  const boot = (node: SimNode): void => {
    node.inc++
    node.up = true
    node.machine = newMachine(node)
    node.gossipHeight = 0
    if (node.byz === undefined) queue.push(now + SIM_GOSSIP_MS, { kind: 'gossip', node: node.index, inc: node.inc })
    let h = 1
    while (node.decided.has(h)) h++
    run(node, node.machine.start(h, set))
  }

  const applySync = (node: SimNode, decisions: Decision[]): void => {
    for (const d of decisions) {
      const m = node.machine!
      if (d.height !== m.height || node.decided.has(d.height)) continue
      const id = valueId(d.value)
      if (id === null || !isValid(d.height, d.value)) return
      try {
        verifyCommitFor(suite, SIM_CHAIN_ID, set, d.certificate, d.height, id)
      } catch {
        return
      }
      syncs++
      recordDecision(node, d, 'sync', now)
      run(node, m.start(d.height + 1, set))
    }
  }

  const deliver = (to: SimNode, from: number, msg: Msg): void => {
    if (!to.up || to.byz === 'silent') return
    const m = to.machine!
    if (msg.kind === 'sync') {
      applySync(to, msg.decisions)
      return
    }
    // A peer behind us: send it what we decided from its height on (honest nodes only, as block sync).
    if (msg.height < m.height && to.byz === undefined && now - to.lastSyncSentMs[from]! >= SIM_GOSSIP_MS / 2) {
      const decisions: Decision[] = []
      for (let h = msg.height; h < msg.height + SYNC_BATCH; h++) {
        const d = to.decided.get(h)
        if (d === undefined) break
        decisions.push(d)
      }
      if (decisions.length > 0) {
        to.lastSyncSentMs[from] = now
        send(to.index, from, { kind: 'sync', decisions })
      }
    }
    run(to, msg.kind === 'vote' ? m.onVote(msg.vote) : m.onProposal(msg.proposal, msg.value))
  }

  // ---------------------------------------------------------------- main loop
  for (const node of nodes) if (node.byz !== 'silent') boot(node)
  for (const node of nodes) if (node.byz === 'silent') node.up = false

  const heightBoundMs = (fromRound: number): number => {
    let ms = 0
    const t = SIM_TIMEOUTS
    for (let r = fromRound; r <= fromRound + n + 1; r++) {
      ms += t.proposeMs + t.prevoteMs + t.precommitMs + 3 * r * t.deltaMs + 4 * SIM_DELTA_MS
    }
    return ms
  }
  let deadlineMs = Number.POSITIVE_INFINITY
  const allDone = (): boolean => honest.every((x) => x.decided.has(heights))
  let events = 0
  let livenessFailure: string | undefined

  while (!allDone()) {
    const next = queue.pop()
    if (next === undefined) {
      livenessFailure = 'event queue ran empty'
      break
    }
    if (next.time > deadlineMs) {
      now = deadlineMs
      break
    }
    now = next.time
    events++
    if (events > EVENTS_MAX) {
      livenessFailure = `more than ${EVENTS_MAX} events`
      break
    }
    const ev = next.item
    switch (ev.kind) {
      case 'deliver':
        digest.add(`${now}d${ev.from}>${ev.to}${ev.msg.kind}`)
        deliver(nodes[ev.to]!, ev.from, ev.msg)
        break
      case 'timeout': {
        const node = nodes[ev.node]!
        if (!node.up || node.inc !== ev.inc) break
        digest.add(`${now}t${ev.node}${ev.tk}${ev.height}/${ev.round}`)
        run(node, node.machine!.onTimeout(ev.tk, ev.height, ev.round))
        break
      }
      case 'value': {
        const node = nodes[ev.node]!
        if (!node.up || node.inc !== ev.inc) break
        digest.add(`${now}v${ev.node}`)
        run(node, node.machine!.onProposalValue(ev.height, ev.round, newValue(node, ev.height, true)))
        break
      }
      case 'gossip': {
        const node = nodes[ev.node]!
        if (!node.up || node.inc !== ev.inc) break
        const m = node.machine!
        if (m.height === node.gossipHeight) {
          digest.add(`${now}g${ev.node}`)
          const known = m.gossipMessages()
          for (const p of known.proposals) broadcast(node.index, proposalMsg(p.proposal, p.value))
          for (const v of known.votes) broadcast(node.index, voteMsg(v))
        }
        node.gossipHeight = m.height
        queue.push(now + SIM_GOSSIP_MS, { kind: 'gossip', node: node.index, inc: node.inc })
        break
      }
      case 'crash': {
        const node = nodes[ev.node]!
        if (!node.up) break
        digest.add(`${now}c${ev.node}`)
        log?.(`${now}ms node ${ev.node} crashes at height ${node.machine!.height} round ${node.machine!.round}`)
        crashes++
        node.up = false
        node.machine = undefined
        node.inc++
        break
      }
      case 'restart': {
        const node = nodes[ev.node]!
        if (node.up) break
        digest.add(`${now}r${ev.node}`)
        boot(node)
        log?.(`${now}ms node ${ev.node} restarts at height ${node.machine!.height} round ${node.machine!.round}`)
        break
      }
      case 'stable': {
        let r0 = 0
        let h0 = heights
        for (const x of honest) {
          r0 = Math.max(r0, x.machine?.round ?? 0)
          h0 = Math.min(h0, x.machine?.height ?? 1)
        }
        deadlineMs = now + 4 * SIM_GOSSIP_MS + heightBoundMs(r0) + Math.max(0, heights - h0) * heightBoundMs(0)
        log?.(`${now}ms stable (GST ${gstMs}ms, all honest up): deadline ${deadlineMs}ms`)
        break
      }
    }
  }
  if (!allDone() && log !== undefined) {
    for (const x of nodes) {
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
  if (!allDone() && livenessFailure === undefined) {
    const behind = honest
      .filter((x) => !x.decided.has(heights))
      .map((x) => `${x.index}@h${x.machine?.height}r${x.machine?.round}`)
    livenessFailure = `not all honest nodes decided ${heights} heights by ${now}ms (stable at ${stableMs}ms): ${behind.join(' ')}`
  }
  let decidedHeights = heights
  for (const x of honest) {
    let h = 0
    while (x.decided.has(h + 1)) h++
    decidedHeights = Math.min(decidedHeights, h)
  }
  digest.add(`end${now}|${safetyViolations.length}|${doubleSigns.length}|${livenessFailure ?? ''}`)
  return {
    seed: opts.seed,
    validators: n,
    byzantine: b,
    heights,
    decidedHeights,
    safetyViolations,
    doubleSigns,
    livenessFailure,
    digest: digest.hex(),
    virtualTimeMs: now,
    gstMs,
    events,
    messagesSent,
    evidence,
    proposalEvidence,
    crashes,
    syncs,
    maxRound,
    scenario,
  }
}
