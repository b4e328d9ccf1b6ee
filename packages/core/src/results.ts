/**
 * What executing a transaction produces: its result code and its events. Results are part of
 * consensus (the header's resultsRoot commits to their encodings), so their shape is fixed
 * here with the deterministic codec and every field is bounded.
 */
import * as codec from './encoding/codec.ts'
import { hash32, LIMITS } from './types.ts'

/** Bounds on what a transaction may emit: results are hashed and stored by every node. */
export const EVENT_LIMITS = {
  eventsPerTx: LIMITS.eventsPerTx,
  typeBytes: 64,
  attributesPerEvent: 16,
  attributeKeyBytes: 64,
  attributeValueBytes: 1024,
  codeBytes: 64,
} as const

export const EventAttribute = codec.struct({
  key: codec.string(EVENT_LIMITS.attributeKeyBytes),
  value: codec.string(EVENT_LIMITS.attributeValueBytes),
})
export type EventAttribute = codec.Infer<typeof EventAttribute>

/** A module event: `type` is `<module>.<name>`; attributes keep the order the handler gave. */
export const TxEvent = codec.struct({
  type: codec.string(EVENT_LIMITS.typeBytes),
  attributes: codec.vec(EventAttribute, EVENT_LIMITS.attributesPerEvent),
})
export type TxEvent = codec.Infer<typeof TxEvent>

/** Result code of a transaction that succeeded. Any other code is a GovchainError code. */
export const OK = 'OK'

/** One transaction's outcome; the leaves of the header's resultsRoot are these encodings. */
export const TxResult = codec.struct({
  txHash: hash32,
  code: codec.string(EVENT_LIMITS.codeBytes),
  events: codec.vec(TxEvent, EVENT_LIMITS.eventsPerTx),
})
export type TxResult = codec.Infer<typeof TxResult>

export const TxResults = codec.vec(TxResult, LIMITS.txsPerBlock)
