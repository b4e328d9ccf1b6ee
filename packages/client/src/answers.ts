/**
 * The node API's answers as the client returns them, and the checks that turn a JSON body into
 * one: a field of the wrong type, a block other than the one asked for or a proof of another key
 * is SDK_BAD_RESPONSE, never a value passed on. Pure functions of the body; client.ts does the
 * requests.
 */
import { BlockHeader, decode, fromBase64, type SuiteName } from '@govchain/core'
import { SdkError } from './errors.ts'
import type { JsonObject as Json } from './transport.ts'

/** Transactions in one submitTxs call at most (the node's limit for POST /v1/txs/batch). */
export const SUBMIT_TXS_MAX = 1000

/** One transaction's outcome in submitTxs: accepted (`hash`) or refused (`code`, `message`). */
export type SubmitTxsItem = { hash: string } | { code: string; message: string; details?: Record<string, unknown> }

export interface SubmitTxsAnswer {
  accepted: number
  /** One per submitted transaction, in order. */
  results: SubmitTxsItem[]
}

export interface ValidatorInfo {
  id: string
  votingPower: number
  /** hex */
  publicKey: string
}

export interface Status {
  chainId: string
  suite: SuiteName
  /** The answering node's name. */
  node: string
  height: number
  latestBlockHash: string
  stateRoot: string
  validators: ValidatorInfo[]
  /** The peers the node is connected to. */
  peers: PeerInfo[]
  catchingUp: boolean
  /**
   * Block sync cannot go on: every peer ahead holds blocks only from `base` (they pruned), above
   * the `height` this node needs; it gets further only from a snapshot.
   */
  syncBlocked?: { code: 'PRUNED'; height: number; base: number } | null
  /** Consensus round at the current height, when the node reports it. */
  round?: number
  mempool?: { size: number; bytes: number }
}

export interface PeerInfo {
  id: string
  address?: string
}

export interface BlockInfo {
  height: number
  /** Decoded from headerBytes (the bytes the certificate signs), not from the node's JSON. */
  header: BlockHeader
  headerBytes: Uint8Array
  /** hex of suite.hash(headerBytes), as the node reports it. */
  hash: string
  txHashes: string[]
  /** Encoded CommitCertificate for this height. */
  certificate: Uint8Array
  /** Encoded ValidatorSet for height + 1, when the node sends it (it changes at this block). */
  nextValidatorSet?: Uint8Array
}

export type TxStatus = 'pending' | 'committed' | 'failed'

export interface TxResult {
  hash: string
  status: TxStatus
  height?: number
  index?: number
  /** The failure code of a failed transaction. */
  code?: string
  events: TxEvent[]
}

/** A module event emitted by a committed transaction. */
export interface TxEvent {
  module: string
  type: string
  attributes: Record<string, string>
}

/** One committed transaction in a list (GET /v1/txs): who sent what, and what it did. */
export interface TxListItem {
  hash: string
  height: number
  index: number
  /** The block's time. */
  timeMs: number
  /** `?` for a transaction whose body does not decode. */
  module: string
  method: string
  /** The sender's public key, hex. */
  sender: string
  code: string
  events: TxEvent[]
}

export interface TxListPage {
  items: TxListItem[]
  /** Pass back as `cursor` for the next page; null at the end. */
  next: string | null
}

export interface ChainStats {
  height: number
  /** The totals count blocks from this height. */
  fromHeight: number
  txs: number
  failed: number
  modules: { module: string; txs: number }[]
  recent: { blocks: number; txs: number; spanMs: number; avgBlockTimeMs: number | null; txPerSecond: number | null }
}

export interface StateAnswer {
  module: string
  /** hex of the module-local key */
  key: string
  /** Absent: the node claims there is no value (verify the proof of absence). */
  value: Uint8Array | undefined
  height: number
  /** Present when asked with prove: true. */
  proof?: Uint8Array
  headerBytes?: Uint8Array
  certificate?: Uint8Array
  validatorSet?: Uint8Array
}

export interface ValidatorsAnswer {
  /** Encoded ValidatorSet: what a LightClient trusts (only if you trust the node you got it from). */
  validatorSet: Uint8Array
  validators: ValidatorInfo[]
}

/** One message of /v1/events; fields beyond `type` depend on the type (see the node's docs). */
export type ChainEvent =
  | { type: 'block'; height: number; hash: string; txCount: number; timeMs: number; proposer: string }
  | { type: 'tx'; height: number; index: number; hash: string; code: string | null }
  | {
      type: 'event'
      height: number
      txHash: string
      module: string
      name: string
      attributes: Record<string, string>
    }

/** An event message's size limit (the stream's `eventBytesMax`). */
export const EVENT_BYTES_MAX = 1024 * 1024

// ---------------------------------------------------------------- shape checks

export function bad(what: string, details?: Record<string, unknown>): never {
  throw new SdkError('SDK_BAD_RESPONSE', `unexpected response: ${what}`, details === undefined ? {} : { details })
}
function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${what} is not an object`)
  return v as Json
}
function str(o: Json, k: string): string {
  const v = o[k]
  if (typeof v !== 'string') bad(`${k} is not a string`)
  return v
}
function int(o: Json, k: string): number {
  const v = o[k]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`${k} is not a non-negative integer`)
  return v
}
/** The node's Hex32: 32 bytes, lowercase hex. */
function isHex32(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)
}
function hex32(o: Json, k: string): string {
  const v = o[k]
  if (!isHex32(v)) bad(`${k} is not 32 bytes of lowercase hex`)
  return v
}
/** A field the answer must have, null or read by `read`; null is undefined. */
function nullable<T>(o: Json, k: string, read: (o: Json, k: string) => T): T | undefined {
  if (!(k in o)) bad(`${k} is missing`)
  return o[k] === null ? undefined : read(o, k)
}
function b64(o: Json, k: string): Uint8Array {
  try {
    return fromBase64(str(o, k))
  } catch (e) {
    if (e instanceof SdkError) throw e
    return bad(`${k} is not base64`)
  }
}
function optB64(o: Json, k: string): Uint8Array | undefined {
  return o[k] === undefined || o[k] === null ? undefined : b64(o, k)
}
function validatorInfos(v: unknown): ValidatorInfo[] {
  if (!Array.isArray(v)) bad('validators is not an array')
  return v.map((x) => {
    const o = obj(x, 'validator')
    return { id: str(o, 'id'), votingPower: int(o, 'votingPower'), publicKey: str(o, 'publicKey') }
  })
}

function peerInfos(v: unknown): PeerInfo[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) bad('peers is not an array')
  return v.map((x) => {
    const o = obj(x, 'peer')
    return typeof o.address === 'string' ? { id: str(o, 'id'), address: o.address } : { id: str(o, 'id') }
  })
}
function stringAttributes(a: unknown): Record<string, string> {
  const attributes: Record<string, string> = {}
  if (typeof a === 'object' && a !== null) {
    for (const [k, val] of Object.entries(a)) if (typeof val === 'string') attributes[k] = val
  }
  return attributes
}
function txEvents(v: unknown): TxEvent[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) bad('events is not an array')
  return v.map((x) => {
    const o = obj(x, 'event')
    return { module: str(o, 'module'), type: str(o, 'type'), attributes: stringAttributes(o.attributes) }
  })
}

// ---------------------------------------------------------------- answers

/** GET /v1/status. */
export function parseStatus(o: Json): Status {
  const suite = str(o, 'suite')
  if (suite !== 'gm' && suite !== 'intl') bad(`unknown suite ${suite}`)
  return {
    chainId: str(o, 'chainId'),
    suite,
    node: str(o, 'node'),
    height: int(o, 'height'),
    latestBlockHash: str(o, 'latestBlockHash'),
    stateRoot: str(o, 'stateRoot'),
    validators: validatorInfos(o.validators),
    peers: peerInfos(o.peers),
    catchingUp: o.catchingUp === true,
    ...(typeof o.syncBlocked === 'object' && o.syncBlocked !== null
      ? {
          syncBlocked: {
            code: 'PRUNED' as const,
            height: int(o.syncBlocked as Json, 'height'),
            base: int(o.syncBlocked as Json, 'base'),
          },
        }
      : {}),
    ...(typeof o.round === 'number' ? { round: o.round } : {}),
    ...(typeof o.mempool === 'object' && o.mempool !== null
      ? { mempool: { size: int(o.mempool as Json, 'size'), bytes: int(o.mempool as Json, 'bytes') } }
      : {}),
  }
}

/** The block header's 32-byte hash fields, as the node's BlockHeaderSchema lists them. */
const HEADER_HEX32 = [
  'previousHash',
  'txRoot',
  'stateRoot',
  'resultsRoot',
  'validatorSetHash',
  'nextValidatorSetHash',
  'lastCommitHash',
] as const

/** GET /v1/blocks/:height (or by hash: `height` 'latest' skips the height check). */
export function parseBlock(o: Json, height: number | 'latest'): BlockInfo {
  const headerBytes = b64(o, 'headerBytes')
  let header: BlockHeader
  try {
    header = decode(BlockHeader, headerBytes)
  } catch {
    return bad('headerBytes is not an encoded BlockHeader')
  }
  if (height !== 'latest' && header.height !== height) bad(`asked for block ${height}, got ${header.height}`)
  // What the node's BlockSchema requires (@govchain/app/node-views), although the client reads
  // the header from headerBytes: an answer the node could not have served is refused.
  int(o, 'height')
  const json = obj(o.header, 'header')
  for (const k of HEADER_HEX32) hex32(json, k)
  str(json, 'chainId')
  int(json, 'height')
  int(json, 'timeMs')
  str(json, 'proposer')
  const txHashes = o.txHashes
  if (!Array.isArray(txHashes) || !txHashes.every(isHex32)) bad('txHashes')
  const next = o.nextValidatorSet === undefined ? undefined : b64(o, 'nextValidatorSet')
  return {
    height: header.height,
    header,
    headerBytes,
    hash: hex32(o, 'hash'),
    txHashes: txHashes as string[],
    certificate: b64(o, 'certificate'),
    ...(next === undefined ? {} : { nextValidatorSet: next }),
  }
}

/** GET /v1/txs. */
export function parseTxListPage(o: Json): TxListPage {
  if (!Array.isArray(o.items)) bad('items is not an array')
  const items = (o.items as unknown[]).map((v): TxListItem => {
    const x = obj(v, 'item')
    return {
      hash: str(x, 'hash'),
      height: int(x, 'height'),
      index: int(x, 'index'),
      timeMs: int(x, 'timeMs'),
      module: str(x, 'module'),
      method: str(x, 'method'),
      sender: str(x, 'sender'),
      code: str(x, 'code'),
      events: txEvents(x.events),
    }
  })
  if (o.next !== null && typeof o.next !== 'string') bad('next')
  return { items, next: o.next as string | null }
}

/** GET /v1/stats. */
export function parseStats(o: Json): ChainStats {
  if (!Array.isArray(o.modules)) bad('modules is not an array')
  const r = obj(o.recent, 'recent')
  const nullable = (k: string): number | null => (r[k] === null ? null : typeof r[k] === 'number' ? r[k] : bad(k))
  return {
    height: int(o, 'height'),
    fromHeight: int(o, 'fromHeight'),
    txs: int(o, 'txs'),
    failed: int(o, 'failed'),
    modules: (o.modules as unknown[]).map((m) => {
      const x = obj(m, 'module')
      return { module: str(x, 'module'), txs: int(x, 'txs') }
    }),
    recent: {
      blocks: int(r, 'blocks'),
      txs: int(r, 'txs'),
      spanMs: int(r, 'spanMs'),
      avgBlockTimeMs: nullable('avgBlockTimeMs'),
      txPerSecond: nullable('txPerSecond'),
    },
  }
}

/** POST /v1/txs: the accepted transaction's hash. */
export function parseSubmitted(o: Json): { hash: string } {
  return { hash: str(o, 'hash') }
}

/** POST /v1/txs/batch, for `count` transactions sent. */
export function parseSubmitTxs(o: Json, count: number): SubmitTxsAnswer {
  const results = o.results
  if (!Array.isArray(results) || results.length !== count) bad('results: one per transaction')
  const items = (results as unknown[]).map((r, i): SubmitTxsItem => {
    if (typeof r !== 'object' || r === null) return bad(`results[${i}]`)
    const x = r as Json
    if (typeof x.hash === 'string') return { hash: x.hash }
    if (typeof x.code !== 'string') return bad(`results[${i}]: neither hash nor code`)
    const message = typeof x.message === 'string' ? x.message : x.code
    return typeof x.details === 'object' && x.details !== null
      ? { code: x.code, message, details: x.details as Json }
      : { code: x.code, message }
  })
  return { accepted: items.filter((i) => 'hash' in i).length, results: items }
}

/** GET /v1/txs/:hash. */
export function parseTx(o: Json): TxResult {
  const s = o.status
  if (s !== 'pending' && s !== 'committed' && s !== 'failed') bad(`tx status ${String(s)}`)
  // As the node's TxSchema (@govchain/app/node-views): height, index and code present, null while pending.
  const height = nullable(o, 'height', int)
  const index = nullable(o, 'index', int)
  const code = nullable(o, 'code', str)
  if (!Array.isArray(o.events)) bad('events is not an array')
  for (const e of o.events) {
    const attributes = obj(obj(e, 'event').attributes, 'event attributes')
    if (!Object.values(attributes).every((v) => typeof v === 'string')) bad('event attributes are not all strings')
  }
  const events = txEvents(o.events)
  return {
    hash: hex32(o, 'hash'),
    status: s,
    ...(height === undefined ? {} : { height }),
    ...(index === undefined ? {} : { index }),
    ...(code === undefined ? {} : { code }),
    events,
  }
}

/**
 * GET /v1/state/:module/:key — about what was asked: a proof of some other key, or at another
 * height, proves nothing here.
 */
export function parseStateAnswer(
  o: Json,
  asked: { module: string; key: string; prove?: boolean | undefined; height?: number | undefined },
): StateAnswer {
  const { module, key } = asked
  if (str(o, 'module') !== module) bad(`asked for module ${module}, got ${String(o.module)}`)
  if (str(o, 'key').toLowerCase() !== key) bad(`asked for key ${key}, got ${String(o.key)}`)
  const height = int(o, 'height')
  if (asked.height !== undefined && height !== asked.height) bad(`asked for height ${asked.height}, got ${height}`)
  const answer: StateAnswer = { module, key, value: optB64(o, 'value'), height }
  const proof = optB64(o, 'proof')
  const headerBytes = optB64(o, 'headerBytes')
  const certificate = optB64(o, 'certificate')
  const validatorSet = optB64(o, 'validatorSet')
  if (proof !== undefined) answer.proof = proof
  if (headerBytes !== undefined) answer.headerBytes = headerBytes
  if (certificate !== undefined) answer.certificate = certificate
  if (validatorSet !== undefined) answer.validatorSet = validatorSet
  if (asked.prove && (proof === undefined || headerBytes === undefined || certificate === undefined)) {
    bad('asked for a proof, the answer has none')
  }
  return answer
}

/** GET /v1/validators. */
export function parseValidators(o: Json): ValidatorsAnswer {
  return { validatorSet: b64(o, 'encoded'), validators: validatorInfos(o.validators) }
}

/**
 * One message of the event stream (/v1/events): a JSON text within EVENT_BYTES_MAX whose `type`
 * is known and whose fields have that type's kinds. Attributes that are not strings are dropped,
 * as in a transaction's events.
 */
export function parseEvent(data: unknown): ChainEvent {
  if (typeof data !== 'string' || data.length > EVENT_BYTES_MAX) {
    bad('event is not a JSON text message within the size limit')
  }
  let msg: unknown
  try {
    msg = JSON.parse(data)
  } catch {
    bad('event is not JSON')
  }
  const o = obj(msg, 'event')
  switch (o.type) {
    case 'block':
      return {
        type: 'block',
        height: int(o, 'height'),
        hash: str(o, 'hash'),
        txCount: int(o, 'txCount'),
        timeMs: int(o, 'timeMs'),
        proposer: str(o, 'proposer'),
      }
    case 'tx':
      return {
        type: 'tx',
        height: int(o, 'height'),
        index: int(o, 'index'),
        hash: str(o, 'hash'),
        code: o.code === null || o.code === undefined ? null : str(o, 'code'),
      }
    case 'event':
      return {
        type: 'event',
        height: int(o, 'height'),
        txHash: str(o, 'txHash'),
        module: str(o, 'module'),
        name: str(o, 'name'),
        attributes: stringAttributes(o.attributes),
      }
    default:
      return bad('event without a known type')
  }
}
