/**
 * How the stores lay their records out. Shared by every engine so that a record written by
 * one engine reads the same through another (and a copy tool can move data between them).
 */
import { codec, EVENT_LIMITS, GovchainError, hash32, LIMITS, TxEvent } from '@govchain/core'

/** Heights as 8-byte big-endian keys: byte order = numeric order, so range scans work. */
export function heightKey(height: number): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new GovchainError('INVALID_ARGUMENT', `height must be a non-negative safe integer, got ${height}`)
  }
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(height), false)
  return out
}

export const MetaRecord = codec.struct({ height: codec.u64, blockHash: hash32, stateRoot: hash32 })

/** Value of the tx index (the key is the tx hash). */
export const TxIndexRecord = codec.struct({
  height: codec.u64,
  index: codec.u32,
  code: codec.string(EVENT_LIMITS.codeBytes),
  events: codec.vec(TxEvent, EVENT_LIMITS.eventsPerTx),
})

/** The leading fields of a TxIndexRecord: what the replay guard asks for every transaction. */
const TxIndexHead = codec.struct({
  height: codec.u64,
  index: codec.u32,
  code: codec.string(EVENT_LIMITS.codeBytes),
})

/**
 * Height and code of a stored TxIndexRecord, read from its first fields only: the replay guard
 * asks for every transaction admitted and every transaction executed, and the events behind
 * them are of no use to it. The whole record is checked where it is read in full (getTxResult).
 */
export function txIndexHead(bytes: Uint8Array): { height: number; code: string } {
  try {
    const { height, code } = TxIndexHead.read(new codec.Reader(bytes))
    return { height, code }
  } catch (e) {
    throw new GovchainError('STORE_CORRUPT', 'stored tx index record does not decode', {
      cause: e instanceof GovchainError ? e.code : String(e),
    })
  }
}

/** Names of opaque records are short, printable identifiers. */
export function checkRecordName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._/-]{1,64}$/.test(name)) {
    throw new GovchainError('INVALID_ARGUMENT', 'record name must be 1-64 characters of [A-Za-z0-9._/-]')
  }
}

/**
 * Records hold the consensus signer's last step, which includes the value it is locked on (a
 * whole proposed block, so a restarted validator keeps its lock): the bound is one block plus
 * room for the rest. A bound still keeps a bug from filling the disk.
 */
export const RECORD_BYTES_MAX = LIMITS.blockBytes + 64 * 1024

export function checkRecordValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array) || value.length > RECORD_BYTES_MAX) {
    throw new GovchainError('INVALID_ARGUMENT', `record must be a Uint8Array of at most ${RECORD_BYTES_MAX} bytes`)
  }
}

/** Runs a decoder over stored bytes; a failure means the store is damaged, not bad input. */
export function decodeStored<T>(c: codec.Codec<T>, bytes: Uint8Array, what: string): T {
  try {
    return codec.decode(c, bytes)
  } catch (e) {
    throw new GovchainError('STORE_CORRUPT', `stored ${what} does not decode`, {
      cause: e instanceof GovchainError ? e.code : String(e),
    })
  }
}
