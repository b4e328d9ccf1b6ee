/**
 * The consensus signer: the one place a validator key signs proposals and votes, and the guard
 * that makes a restart unable to equivocate.
 *
 * Before a signature leaves, the signer durably stores what it signed (height, round, step, the
 * exact bytes and the signature) through its SignerStore. It then refuses to sign anything at an
 * earlier (height, round, step), and at the same (height, round, step) it only hands back the
 * signature of the identical bytes it already signed. Steps are ordered proposal < prevote <
 * precommit. A non-nil precommit also stores the lock (lockedRound and the locked value's id), so
 * a restarted node restores it instead of losing it: without that, a node that precommitted v in
 * round r could, after a crash, prevote another value in round r' > r and help two values reach
 * a quorum.
 *
 * The record written before every signature holds only what safety needs (a few hundred bytes to
 * a few KB: the step, the signed bytes, the lock's round and block hash, the recent own votes).
 * The locked value itself (the block, up to LIMITS.blockBytes) and its proof-of-lock are liveness
 * data: written once when the lock is taken, into one of two slots, never the slot the current
 * record points at, so a crash between the two writes leaves the record and the payload it names
 * intact (the record is written second and names its slot). A store with transactions writes
 * both at once instead (`saveWithLock`: one sync, both or neither after a crash; the node's LMDB).
 */
import {
  type CryptoSuite,
  codec,
  DOMAIN,
  decode,
  encode,
  equalBytes,
  GovchainError,
  type KeySigner,
  LIMITS,
  memorySigner,
  Proposal,
  signingBytes,
  Vote,
} from '@govchain/core'

export type SignStep = 'proposal' | 'prevote' | 'precommit'
const STEP_ORDER: Record<SignStep, number> = { proposal: 0, prevote: 1, precommit: 2 }

export const SignerVote = codec.struct({ vote: codec.bytes(256), signature: codec.bytes(128) })
export type SignerVote = codec.Infer<typeof SignerVote>

export const SignerLock = codec.struct({
  height: codec.u64,
  round: codec.u32,
  /** The locked value's bytes (the proposed block), so a restarted proposer can re-propose it. */
  value: codec.bytes(LIMITS.blockBytes),
  /**
   * The proof-of-lock: the prevotes (more than 2/3) for the value at `round`. A restarted node
   * re-sends them; otherwise a POL that only this node had seen (say one that includes an
   * equivocator's vote) is gone, nobody else can accept the locked value, and the lock blocks
   * every other value forever.
   */
  proof: codec.vec(SignerVote, LIMITS.validators * 2),
})
export type SignerLock = codec.Infer<typeof SignerLock>

/** What a non-nil precommit locks on: the value and its proof-of-lock. */
export interface LockInfo {
  value: Uint8Array
  proof: SignerVote[]
}

/**
 * What safety needs of a lock: the height and round of the non-nil precommit, the id (block hash)
 * of the value it precommitted, and the slot of the SignerStore holding that value and its
 * proof-of-lock (SignerLock).
 */
const SignerLockRef = codec.struct({
  height: codec.u64,
  round: codec.u32,
  blockHash: codec.bytes(64),
  slot: codec.u8,
})

/** The lock payload slots of a SignerStore. */
export type SignerLockSlot = 0 | 1

/** Own votes of the current height kept in the record, newest last. */
export const SIGNER_RECENT_VOTES_MAX = 8

/** What the signer persists before every signature; store it as bytes with encodeSignerRecord. */
export const SignerRecord = codec.struct({
  height: codec.u64,
  round: codec.u32,
  step: codec.literals(['proposal', 'prevote', 'precommit'] as const),
  /** The exact signed body (encoded Vote or Proposal, without the domain tag). */
  signBytes: codec.bytes(1024),
  signature: codec.bytes(128),
  /** The last non-nil precommit's lock at `lock.height` (kept while height stays the same). */
  lock: codec.option(SignerLockRef),
  /**
   * The last SIGNER_RECENT_VOTES_MAX votes signed at `height`, so a restarted node can re-send
   * them (like CometBFT's WAL): a prevote lost before a crash may otherwise be needed by the
   * others forever, and the signer would rightly refuse to sign it again.
   */
  votes: codec.vec(SignerVote, SIGNER_RECENT_VOTES_MAX),
})
export type SignerRecord = codec.Infer<typeof SignerRecord>

export function encodeSignerRecord(record: SignerRecord): Uint8Array {
  return encode(SignerRecord, record)
}
/** The record's size bound: a signed body, a signature and SIGNER_RECENT_VOTES_MAX votes, with room. */
export const SIGNER_RECORD_BYTES_MAX = 16 * 1024

export function decodeSignerRecord(bytes: Uint8Array): SignerRecord {
  return decode(SignerRecord, bytes, SIGNER_RECORD_BYTES_MAX)
}
export function encodeSignerLock(lock: SignerLock): Uint8Array {
  return encode(SignerLock, lock)
}
export function decodeSignerLock(bytes: Uint8Array): SignerLock {
  return decode(SignerLock, bytes, LIMITS.blockBytes + 64 * 1024)
}

/**
 * Durable storage of the last record and of two lock payload slots. Every save must be durable
 * when it returns (e.g. LMDB putSync); the signer orders them (payload first, then the record).
 */
export interface SignerStore {
  load(): SignerRecord | undefined
  save(record: SignerRecord): void
  loadLock(slot: SignerLockSlot): SignerLock | undefined
  saveLock(slot: SignerLockSlot, lock: SignerLock): void
  /**
   * The lock payload and the record naming it in one durable, atomic write (both or neither after
   * a crash), where the storage has transactions: one sync per locking precommit instead of two.
   * Without it the signer calls saveLock, then save.
   */
  saveWithLock?(slot: SignerLockSlot, lock: SignerLock, record: SignerRecord): void
}

/** What consensus needs from a signer. Throws SIGNER_REFUSED rather than sign twice. */
export interface Signer {
  /** Signature over signingBytes(DOMAIN.vote, encode(Vote, vote)). `lock`: what a non-nil precommit locks on, persisted with it. */
  signVote(vote: Vote, lock?: LockInfo): Uint8Array
  /** Signature over signingBytes(DOMAIN.proposal, encode(Proposal, proposal)). */
  signProposal(proposal: Proposal): Uint8Array
  /** The last persisted record (what a restart starts from). */
  lastSigned(): SignerRecord | undefined
  /**
   * The value and proof-of-lock that lastSigned().lock names, when the store still holds them
   * (it does unless the store was damaged; the payload is written before the record naming it).
   */
  lockedValue(): SignerLock | undefined
}

/** Keeps the record in memory: the simulator's "disk" (a crash keeps exactly this object). */
export class MemorySignerStore implements SignerStore {
  record: SignerRecord | undefined
  readonly locks: [SignerLock | undefined, SignerLock | undefined] = [undefined, undefined]
  saves = 0
  /** Bytes written by save and saveLock, as encoded: what a disk store would write. */
  bytesWritten = 0
  constructor(record?: SignerRecord) {
    this.record = record
  }
  load(): SignerRecord | undefined {
    return this.record
  }
  save(record: SignerRecord): void {
    this.bytesWritten += encodeSignerRecord(record).length
    this.record = record
    this.saves++
  }
  loadLock(slot: SignerLockSlot): SignerLock | undefined {
    return this.locks[slot]
  }
  saveLock(slot: SignerLockSlot, lock: SignerLock): void {
    this.bytesWritten += encodeSignerLock(lock).length
    this.locks[slot] = lock
  }
}

function compareStep(h: number, r: number, s: SignStep, rec: SignerRecord): number {
  if (h !== rec.height) return h < rec.height ? -1 : 1
  if (r !== rec.round) return r < rec.round ? -1 : 1
  return STEP_ORDER[s] - STEP_ORDER[rec.step]
}

/**
 * The double-sign guard over a validator key, wherever that key lives (a KeySigner: memory, the
 * encrypted keystore, a PKCS#11 token).
 */
export class LocalSigner implements Signer {
  private record: SignerRecord | undefined

  constructor(
    private readonly key: KeySigner,
    private readonly store: SignerStore,
  ) {
    this.record = store.load()
  }

  lastSigned(): SignerRecord | undefined {
    return this.record
  }

  lockedValue(): SignerLock | undefined {
    const ref = this.record?.lock
    if (ref === undefined || (ref.slot !== 0 && ref.slot !== 1)) return undefined
    const lock = this.store.loadLock(ref.slot)
    return lock !== undefined && lock.height === ref.height && lock.round === ref.round ? lock : undefined
  }

  signVote(vote: Vote, lockInfo?: LockInfo): Uint8Array {
    const lock =
      vote.type === 'precommit' && vote.blockHash !== undefined && lockInfo !== undefined
        ? {
            payload: { height: vote.height, round: vote.round, value: lockInfo.value, proof: lockInfo.proof },
            blockHash: vote.blockHash,
          }
        : undefined
    return this.sign(vote.height, vote.round, vote.type, encode(Vote, vote), DOMAIN.vote, lock)
  }

  signProposal(proposal: Proposal): Uint8Array {
    return this.sign(proposal.height, proposal.round, 'proposal', encode(Proposal, proposal), DOMAIN.proposal)
  }

  private sign(
    height: number,
    round: number,
    step: SignStep,
    body: Uint8Array,
    domain: Uint8Array,
    lock?: { payload: SignerLock; blockHash: Uint8Array },
  ): Uint8Array {
    const last = this.record
    if (last !== undefined) {
      const c = compareStep(height, round, step, last)
      const at = { height, round, step, last: { height: last.height, round: last.round, step: last.step } }
      if (c < 0)
        throw new GovchainError(
          'SIGNER_REFUSED',
          `signer refused: ${step} ${height}/${round} is before the last signed step`,
          at,
        )
      if (c === 0) {
        if (equalBytes(body, last.signBytes)) return last.signature.slice()
        throw new GovchainError('SIGNER_REFUSED', `signer refused: different ${step} at ${height}/${round}`, at)
      }
    }
    const signature = this.key.sign(signingBytes(domain, body))
    let keptLock = last?.lock !== undefined && last.lock.height === height ? last.lock : undefined
    // The payload goes to the slot the current record does not name, durably, before the record
    // (or with it, in one atomic write, where the store offers one).
    const lockSlot: SignerLockSlot = last?.lock?.slot === 0 ? 1 : 0
    const together = lock !== undefined && this.store.saveWithLock !== undefined
    if (lock !== undefined) {
      if (!together) this.store.saveLock(lockSlot, lock.payload)
      keptLock = { height, round, blockHash: lock.blockHash, slot: lockSlot }
    }
    const votes = last !== undefined && last.height === height ? last.votes.slice() : []
    if (step !== 'proposal') {
      votes.push({ vote: body, signature })
      if (votes.length > SIGNER_RECENT_VOTES_MAX) votes.shift()
    }
    const record: SignerRecord = { height, round, step, signBytes: body, signature, votes }
    if (keptLock !== undefined) record.lock = keptLock
    // Durable before the signature leaves this function: that is the whole point.
    if (together) this.store.saveWithLock!(lockSlot, lock!.payload, record)
    else this.store.save(record)
    this.record = record
    return signature.slice()
  }
}

/** LocalSigner over a MemorySignerStore; `store` survives a simulated crash. */
export class MemorySigner extends LocalSigner {
  readonly memory: MemorySignerStore
  constructor(suite: CryptoSuite, privateKey: Uint8Array, memory: MemorySignerStore = new MemorySignerStore()) {
    super(memorySigner(suite, privateKey), memory)
    this.memory = memory
  }
}
