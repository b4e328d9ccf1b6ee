/**
 * The consensus signer's state in the chain store (consensus/signer.ts): the safety record,
 * written before every signature, and two lock payload slots holding a locked block and its
 * proof-of-lock, written once per lock.
 *
 * Records written before the split (one record, `consensus-signer`, with the locked block inside)
 * are read as version 1 and rewritten in the split form on the first load; a record of the split
 * form, when present, wins over a version 1 record beside it (a restore may leave both).
 */
import { blockHash } from '@govchain/app'
import {
  decodeSignerLock,
  decodeSignerRecord,
  encodeSignerLock,
  encodeSignerRecord,
  SIGNER_RECENT_VOTES_MAX,
  SignerLock,
  type SignerLockSlot,
  type SignerRecord,
  type SignerStore,
  SignerVote,
} from '@govchain/consensus'
import { Block, type CryptoSuite, codec, GovchainError, LIMITS } from '@govchain/core'
import type { ChainStore } from '@govchain/store'

/** The safety record (split form). */
export const SIGNER_RECORD = 'consensus-signer-v2'
const LOCK_SLOTS = ['consensus-signer-lock-0', 'consensus-signer-lock-1'] as const
/** The record before the split: the lock held the whole block. */
export const SIGNER_RECORD_V1 = 'consensus-signer'

const SignerRecordV1 = codec.struct({
  height: codec.u64,
  round: codec.u32,
  step: codec.literals(['proposal', 'prevote', 'precommit'] as const),
  signBytes: codec.bytes(1024),
  signature: codec.bytes(128),
  lock: codec.option(SignerLock),
  votes: codec.vec(SignerVote, SIGNER_RECENT_VOTES_MAX),
})

type RecordStore = Pick<ChainStore, 'getRecord' | 'putRecordSync' | 'putRecordsSync'>

/** A signer's whole state: what a restore carries from one store to another. */
export interface SignerState {
  record: SignerRecord
  /** The payload the record's lock names, if it has one. */
  lock?: SignerLock
}

/** The height, round and step a store's signer last signed, in either form, without rewriting it. */
export function lastSignedStep(
  store: Pick<ChainStore, 'getRecord'>,
): Pick<SignerRecord, 'height' | 'round' | 'step'> | undefined {
  const v2 = store.getRecord(SIGNER_RECORD)
  const v1 = v2 === undefined ? store.getRecord(SIGNER_RECORD_V1) : undefined
  const r =
    v2 !== undefined
      ? decodeSignerRecord(v2)
      : v1 === undefined
        ? undefined
        : codec.decode(SignerRecordV1, v1, LIMITS.blockBytes + 64 * 1024)
  return r === undefined ? undefined : { height: r.height, round: r.round, step: r.step }
}

/**
 * The signer's state of a store, a version 1 record converted (in memory) to the split form.
 * `suite` identifies the locked block (its header hash) for the conversion.
 */
export function readSignerState(store: Pick<ChainStore, 'getRecord'>, suite: CryptoSuite): SignerState | undefined {
  const v2 = store.getRecord(SIGNER_RECORD)
  if (v2 !== undefined) {
    const record = decodeSignerRecord(v2)
    const slot = record.lock?.slot
    const payload = slot === 0 || slot === 1 ? store.getRecord(LOCK_SLOTS[slot]) : undefined
    return payload === undefined ? { record } : { record, lock: decodeSignerLock(payload) }
  }
  const v1 = store.getRecord(SIGNER_RECORD_V1)
  if (v1 === undefined) return undefined
  const old = codec.decode(SignerRecordV1, v1, LIMITS.blockBytes + 64 * 1024)
  const { lock, ...rest } = old
  const record: SignerRecord = rest
  if (lock === undefined) return { record }
  let hash: Uint8Array
  try {
    hash = blockHash(suite, codec.decode(Block, lock.value).header)
  } catch (e) {
    throw new GovchainError(
      'SIGNER_STATE_DAMAGED',
      `the signer record's locked value is not a block: ${(e as Error).message}`,
    )
  }
  record.lock = { height: lock.height, round: lock.round, blockHash: hash, slot: 0 }
  return { record, lock }
}

/**
 * Writes a signer state in the split form: the payload and the record naming it in one store
 * transaction, one sync (as a locking precommit is saved), so no crash leaves a record naming a
 * slot whose payload is not there.
 */
export function writeSignerState(store: RecordStore, state: SignerState): void {
  const slot = state.record.lock?.slot
  const record = { name: SIGNER_RECORD, value: encodeSignerRecord(state.record) }
  store.putRecordsSync(
    state.lock !== undefined && (slot === 0 || slot === 1)
      ? [{ name: LOCK_SLOTS[slot], value: encodeSignerLock(state.lock) }, record]
      : [record],
  )
}

/** The SignerStore of a node: the chain store's records, a version 1 record upgraded on load. */
export function chainSignerStore(store: RecordStore, suite: CryptoSuite): SignerStore {
  return {
    load: () => {
      if (store.getRecord(SIGNER_RECORD) === undefined && store.getRecord(SIGNER_RECORD_V1) !== undefined) {
        writeSignerState(store, readSignerState(store, suite)!)
      }
      const b = store.getRecord(SIGNER_RECORD)
      return b === undefined ? undefined : decodeSignerRecord(b)
    },
    save: (record) => store.putRecordSync(SIGNER_RECORD, encodeSignerRecord(record)),
    loadLock: (slot: SignerLockSlot) => {
      const b = store.getRecord(LOCK_SLOTS[slot])
      return b === undefined ? undefined : decodeSignerLock(b)
    },
    saveLock: (slot: SignerLockSlot, lock: SignerLock) => store.putRecordSync(LOCK_SLOTS[slot], encodeSignerLock(lock)),
    // A locking precommit: the payload and the record in one LMDB transaction, one sync.
    saveWithLock: (slot, lock, record) =>
      store.putRecordsSync([
        { name: LOCK_SLOTS[slot], value: encodeSignerLock(lock) },
        { name: SIGNER_RECORD, value: encodeSignerRecord(record) },
      ]),
  }
}
