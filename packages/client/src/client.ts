/**
 * A typed client for a govchain node's HTTP + WebSocket API (docs: the node's /docs and
 * /openapi.json). Browser-safe: fetch and WebSocket come from globalThis unless injected
 * (Node 20 has fetch but no WebSocket: pass `WebSocket` from the `ws` package).
 *
 * Every failure is an SdkError with a code: the node's own `{code, message}` answers become
 * ApiError with the HTTP status; no answer is SDK_NETWORK_ERROR, a late one SDK_TIMEOUT, an
 * answer of the wrong shape SDK_BAD_RESPONSE. Nothing the node says is trusted for
 * correctness: verify state with the LightClient.
 */
import { BlockHeader, decode, fromBase64, fromHex, MODULE_NAME_PATTERN, type SuiteName, toBase64 } from '@govchain/core'
import { ApiError, SdkError } from './errors.ts'
import { type FailoverEvent, HttpTransport, type JsonAnswer } from './transport.ts'

/** The subset of the WHATWG WebSocket the client uses; `ws` and browsers both provide it. */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null
  close(code?: number, reason?: string): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export interface ClientOptions {
  /** The node's API base URL, e.g. http://127.0.0.1:26657 (or give `urls`). */
  url?: string
  /**
   * Several nodes, in order of preference: requests fail over to the next node when one gives
   * no answer (see HttpTransport); the event stream moves on to the next node when it drops.
   */
  urls?: readonly string[]
  /** Called on each fail-over, e.g. to tell the user which node answers now. */
  onFailover?: (event: FailoverEvent) => void
  fetch?: typeof globalThis.fetch
  WebSocket?: WebSocketConstructor
  /** Per-request limit; a request still unanswered after it fails with SDK_TIMEOUT. */
  timeoutMs?: number
  /** Larger answers are refused (SDK_BAD_RESPONSE) before they are read in full. */
  responseBytesMax?: number
}

export const CLIENT_DEFAULTS = {
  timeoutMs: 10_000,
  responseBytesMax: 32 * 1024 * 1024,
  waitTimeoutMs: 60_000,
  waitPollMs: 500,
  reconnectAttemptsMax: 10,
  reconnectDelayMs: 500,
  reconnectDelayMaxMs: 30_000,
  eventBytesMax: 1024 * 1024,
} as const

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

export type EventType = 'block' | 'tx' | 'event'
export interface EventFilter {
  types?: EventType[]
  /** Module events of this module only. */
  module?: string
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

export interface SubscribeOptions {
  onError?: (error: SdkError) => void
  onOpen?: () => void
  /** Reconnects after a dropped connection, with doubling delays; 0 = never. */
  reconnectAttemptsMax?: number
  reconnectDelayMs?: number
  /**
   * A connection not open within this time is given up for the next node (a node that hangs
   * accepts the TCP connection and never answers). Default: the client's timeoutMs.
   */
  openTimeoutMs?: number
  /**
   * With no event for this long, the stream is taken for dead and moves to the next node. Off by
   * default; a block stream can set it, since blocks come at least every emptyBlockIntervalMs.
   */
  idleTimeoutMs?: number
}

export interface WaitOptions {
  timeoutMs?: number
  pollMs?: number
  signal?: AbortSignal
}

export interface Client {
  /** The node requests go to now (with several nodes, the one that last answered). */
  readonly url: string
  /** The HTTP transport every request of this client goes through (share it with readers). */
  readonly transport: HttpTransport
  status(): Promise<Status>
  /** A committed block by height, or the latest one. */
  block(height: number | 'latest'): Promise<BlockInfo>
  /** Submits SignedTx bytes; resolves with the hash once the node accepted it into its mempool (202). */
  submitTx(txBytes: Uint8Array): Promise<{ hash: string }>
  /**
   * Submits up to SUBMIT_TXS_MAX SignedTx byte strings in one request (POST /v1/txs/batch).
   * Resolves with one item per transaction, in order: `{hash}` when the node accepted it into
   * its mempool, `{code, message}` when it refused it (as submitTx would have thrown). Rejects
   * only when the request as a whole fails (RATE_LIMITED, PAYLOAD_TOO_LARGE, network...).
   */
  submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxsAnswer>
  tx(hashHex: string): Promise<TxResult>
  /** A committed block by its hash (hex); BLOCK_NOT_FOUND when no committed block has it. */
  blockByHash(hashHex: string): Promise<BlockInfo>
  /** Committed transactions newest first (or one block's, in order), a page at a time: pass `next` back as `cursor`. */
  txList(options?: { limit?: number; cursor?: string; height?: number }): Promise<TxListPage>
  /** Chain totals per module and the recent rates. */
  stats(): Promise<ChainStats>
  /** Polls until the transaction is committed or failed; SDK_TIMEOUT after timeoutMs. */
  waitForTx(hashHex: string, options?: WaitOptions): Promise<TxResult>
  state(module: string, keyHex: string, options?: { prove?: boolean; height?: number }): Promise<StateAnswer>
  validators(): Promise<ValidatorsAnswer>
  /** Streams events; returns a function that stops the stream. */
  subscribe(filter: EventFilter, onEvent: (event: ChainEvent) => void, options?: SubscribeOptions): () => void
  /**
   * GET of any API path (module routes such as /v1/organisations) with the same limits and error
   * model: a JSON object, or ApiError with the node's code. Typed readers build on it.
   */
  getJson(path: string): Promise<Record<string, unknown>>
}

// ---------------------------------------------------------------- shape checks

type Json = Record<string, unknown>

function bad(what: string, details?: Record<string, unknown>): never {
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
function optInt(o: Json, k: string): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : int(o, k)
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
function txEvents(v: unknown): TxEvent[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) bad('events is not an array')
  return v.map((x) => {
    const o = obj(x, 'event')
    const attributes: Record<string, string> = {}
    const a = o.attributes
    if (typeof a === 'object' && a !== null) {
      for (const [k, val] of Object.entries(a)) if (typeof val === 'string') attributes[k] = val
    }
    return { module: str(o, 'module'), type: str(o, 'type'), attributes }
  })
}

function checkHeight(height: number): void {
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new SdkError('INVALID_ARGUMENT', `height must be a non-negative integer, got ${height}`)
  }
}
function checkHex(hex: string, what: string): void {
  try {
    fromHex(hex)
  } catch {
    throw new SdkError('INVALID_ARGUMENT', `${what} must be an even-length hex string`)
  }
}

// ---------------------------------------------------------------- helpers

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SdkError('SDK_TIMEOUT', 'aborted'))
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new SdkError('SDK_TIMEOUT', 'aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export function createClient(options: ClientOptions): Client {
  const transport = new HttpTransport({
    ...(options?.urls === undefined ? { url: options?.url as string } : { urls: options.urls }),
    ...(options?.onFailover === undefined ? {} : { onFailover: options.onFailover }),
    ...(options?.fetch === undefined ? {} : { fetch: options.fetch }),
    timeoutMs: options?.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
    responseBytesMax: options?.responseBytesMax ?? CLIENT_DEFAULTS.responseBytesMax,
  })
  const request = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonAnswer> =>
    transport.request(method, path, body)

  async function status(): Promise<Status> {
    const { json: o } = await request('GET', '/v1/status')
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

  async function block(height: number | 'latest'): Promise<BlockInfo> {
    if (height !== 'latest') checkHeight(height)
    const { json: o } = await request('GET', `/v1/blocks/${height}`)
    return parseBlock(o, height)
  }

  async function blockByHash(hashHex: string): Promise<BlockInfo> {
    checkHex(hashHex, 'hash')
    const { json: o } = await request('GET', `/v1/blocks/by-hash/${hashHex.toLowerCase()}`)
    const b = parseBlock(o, 'latest')
    if (b.hash !== hashHex.toLowerCase()) bad(`asked for block ${hashHex}, got ${b.hash}`)
    return b
  }

  async function txList(options: { limit?: number; cursor?: string; height?: number } = {}): Promise<TxListPage> {
    if (options.height !== undefined) checkHeight(options.height)
    const q = new URLSearchParams()
    if (options.limit !== undefined) q.set('limit', String(options.limit))
    if (options.cursor !== undefined) q.set('cursor', options.cursor)
    if (options.height !== undefined) q.set('height', String(options.height))
    const text = q.toString()
    const { json: o } = await request('GET', `/v1/txs${text === '' ? '' : `?${text}`}`)
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

  async function stats(): Promise<ChainStats> {
    const { json: o } = await request('GET', '/v1/stats')
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

  function parseBlock(o: Json, height: number | 'latest'): BlockInfo {
    const headerBytes = b64(o, 'headerBytes')
    let header: BlockHeader
    try {
      header = decode(BlockHeader, headerBytes)
    } catch {
      return bad('headerBytes is not an encoded BlockHeader')
    }
    if (height !== 'latest' && header.height !== height) bad(`asked for block ${height}, got ${header.height}`)
    const txHashes = o.txHashes ?? []
    if (!Array.isArray(txHashes) || !txHashes.every((h) => typeof h === 'string')) bad('txHashes')
    const next = optB64(o, 'nextValidatorSet')
    return {
      height: header.height,
      header,
      headerBytes,
      hash: str(o, 'hash'),
      txHashes: txHashes as string[],
      certificate: b64(o, 'certificate'),
      ...(next === undefined ? {} : { nextValidatorSet: next }),
    }
  }

  async function submitTx(txBytes: Uint8Array): Promise<{ hash: string }> {
    if (!(txBytes instanceof Uint8Array)) throw new SdkError('INVALID_ARGUMENT', 'txBytes must be a Uint8Array')
    const { json: o } = await request('POST', '/v1/txs', { tx: toBase64(txBytes) })
    return { hash: str(o, 'hash') }
  }

  async function submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxsAnswer> {
    if (!Array.isArray(txs) || txs.length === 0 || txs.length > SUBMIT_TXS_MAX) {
      throw new SdkError('INVALID_ARGUMENT', `txs must be an array of 1 to ${SUBMIT_TXS_MAX} transactions`)
    }
    if (!txs.every((t) => t instanceof Uint8Array)) throw new SdkError('INVALID_ARGUMENT', 'txs must be Uint8Arrays')
    const { json: o } = await request('POST', '/v1/txs/batch', { txs: txs.map((t) => toBase64(t)) })
    const results = o.results
    if (!Array.isArray(results) || results.length !== txs.length) bad('results: one per transaction')
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

  function parseTx(hashHex: string, o: Json): TxResult {
    const s = o.status
    if (s !== 'pending' && s !== 'committed' && s !== 'failed') bad(`tx status ${String(s)}`)
    const height = optInt(o, 'height')
    const index = optInt(o, 'index')
    const code = typeof o.code === 'string' ? o.code : undefined
    const events = txEvents(o.events)
    return {
      hash: typeof o.hash === 'string' ? o.hash : hashHex,
      status: s,
      ...(height === undefined ? {} : { height }),
      ...(index === undefined ? {} : { index }),
      ...(code === undefined ? {} : { code }),
      events,
    }
  }

  async function tx(hashHex: string): Promise<TxResult> {
    checkHex(hashHex, 'hash')
    const { json } = await request('GET', `/v1/txs/${hashHex.toLowerCase()}`)
    return parseTx(hashHex, json)
  }

  async function waitForTx(hashHex: string, opts: WaitOptions = {}): Promise<TxResult> {
    const waitMs = opts.timeoutMs ?? CLIENT_DEFAULTS.waitTimeoutMs
    const pollMs = Math.max(10, opts.pollMs ?? CLIENT_DEFAULTS.waitPollMs)
    const deadline = Date.now() + waitMs
    for (;;) {
      try {
        const r = await tx(hashHex)
        if (r.status !== 'pending') return r
      } catch (e) {
        // 404: the node has not seen it yet (gossip, or it just restarted); keep waiting. Others are final.
        if (!(e instanceof ApiError && e.status === 404)) throw e
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new SdkError('SDK_TIMEOUT', `transaction ${hashHex} not committed within ${waitMs} ms`, {
          details: { hash: hashHex },
        })
      }
      await sleep(Math.min(pollMs, left), opts.signal)
    }
  }

  async function state(
    module: string,
    keyHex: string,
    opts: { prove?: boolean; height?: number } = {},
  ): Promise<StateAnswer> {
    if (typeof module !== 'string' || !MODULE_NAME_PATTERN.test(module)) {
      throw new SdkError('INVALID_ARGUMENT', `invalid module name ${String(module)}`)
    }
    checkHex(keyHex, 'key')
    const key = keyHex.toLowerCase()
    const q = new URLSearchParams()
    if (opts.prove) q.set('prove', 'true')
    if (opts.height !== undefined) {
      checkHeight(opts.height)
      q.set('height', String(opts.height))
    }
    const qs = q.toString() === '' ? '' : `?${q}`
    const { json: o } = await request('GET', `/v1/state/${module}/${key}${qs}`)
    // The answer must be about what was asked: a proof of some other key proves nothing here.
    if (str(o, 'module') !== module) bad(`asked for module ${module}, got ${String(o.module)}`)
    if (str(o, 'key').toLowerCase() !== key) bad(`asked for key ${key}, got ${String(o.key)}`)
    const height = int(o, 'height')
    if (opts.height !== undefined && height !== opts.height) bad(`asked for height ${opts.height}, got ${height}`)
    const answer: StateAnswer = { module, key, value: optB64(o, 'value'), height }
    const proof = optB64(o, 'proof')
    const headerBytes = optB64(o, 'headerBytes')
    const certificate = optB64(o, 'certificate')
    const validatorSet = optB64(o, 'validatorSet')
    if (proof !== undefined) answer.proof = proof
    if (headerBytes !== undefined) answer.headerBytes = headerBytes
    if (certificate !== undefined) answer.certificate = certificate
    if (validatorSet !== undefined) answer.validatorSet = validatorSet
    if (opts.prove && (proof === undefined || headerBytes === undefined || certificate === undefined)) {
      bad('asked for a proof, the answer has none')
    }
    return answer
  }

  async function validators(): Promise<ValidatorsAnswer> {
    const { json: o } = await request('GET', '/v1/validators')
    return { validatorSet: b64(o, 'encoded'), validators: validatorInfos(o.validators) }
  }

  function subscribe(
    filter: EventFilter,
    onEvent: (event: ChainEvent) => void,
    opts: SubscribeOptions = {},
  ): () => void {
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (typeof Ctor !== 'function') {
      throw new SdkError(
        'INVALID_ARGUMENT',
        'no WebSocket available: pass options.WebSocket (e.g. from the ws package)',
      )
    }
    const q = new URLSearchParams()
    if (filter.types !== undefined && filter.types.length > 0) q.set('types', filter.types.join(','))
    if (filter.module !== undefined) q.set('module', filter.module)
    const qs = q.toString() === '' ? '' : `?${q}`
    // Each reconnection after a drop goes to the next node (with one node, the same one).
    let nodeIndex = transport.urls.indexOf(transport.url)
    const wsUrlNow = (): string =>
      `${(transport.urls[nodeIndex % transport.urls.length] as string).replace(/^http/, 'ws')}/v1/events${qs}`
    const attemptsMax = opts.reconnectAttemptsMax ?? CLIENT_DEFAULTS.reconnectAttemptsMax
    const delay0 = opts.reconnectDelayMs ?? CLIENT_DEFAULTS.reconnectDelayMs
    let stopped = false
    let attempts = 0
    let socket: WebSocketLike | undefined
    let retryTimer: ReturnType<typeof setTimeout> | undefined
    const report = (e: SdkError): void => opts.onError?.(e)

    const openTimeoutMs = opts.openTimeoutMs ?? options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs
    let watchdog: ReturnType<typeof setTimeout> | undefined
    const connect = (): void => {
      let ws: WebSocketLike
      const wsUrl = wsUrlNow()
      try {
        ws = new Ctor(wsUrl)
      } catch (e) {
        report(new SdkError('SDK_NETWORK_ERROR', `cannot open ${wsUrl}: ${(e as Error)?.message ?? String(e)}`))
        scheduleReconnect()
        return
      }
      socket = ws
      // A hung node: give this connection up (its close, whenever it comes, is ignored) and move on.
      const abandon = (why: string): void => {
        if (socket !== ws || stopped) return
        socket = undefined
        report(new SdkError('SDK_TIMEOUT', `event stream ${wsUrl}: ${why}`))
        try {
          ws.close(4000, why)
        } catch {}
        scheduleReconnect()
      }
      const arm = (ms: number | undefined, why: string): void => {
        if (watchdog !== undefined) clearTimeout(watchdog)
        watchdog = ms === undefined ? undefined : setTimeout(() => abandon(why), ms)
      }
      arm(openTimeoutMs, `not open within ${openTimeoutMs} ms`)
      ws.onopen = () => {
        if (socket !== ws) return
        attempts = 0
        arm(opts.idleTimeoutMs, `no event for ${opts.idleTimeoutMs} ms`)
        opts.onOpen?.()
      }
      ws.onmessage = (ev) => {
        if (stopped || socket !== ws) return
        if (opts.idleTimeoutMs !== undefined) arm(opts.idleTimeoutMs, `no event for ${opts.idleTimeoutMs} ms`)
        const data = ev.data
        if (typeof data !== 'string' || data.length > CLIENT_DEFAULTS.eventBytesMax) {
          report(new SdkError('SDK_BAD_RESPONSE', 'event is not a JSON text message within the size limit'))
          return
        }
        let msg: unknown
        try {
          msg = JSON.parse(data)
        } catch {
          report(new SdkError('SDK_BAD_RESPONSE', 'event is not JSON'))
          return
        }
        const t = (msg as Json | null)?.type
        if (typeof msg !== 'object' || msg === null || (t !== 'block' && t !== 'tx' && t !== 'event')) {
          report(new SdkError('SDK_BAD_RESPONSE', 'event without a known type'))
          return
        }
        onEvent(msg as ChainEvent)
      }
      ws.onerror = () => {
        // The close event follows; reconnection is decided there.
      }
      ws.onclose = (ev) => {
        if (socket !== ws) return // given up already (abandon) or replaced
        socket = undefined
        if (watchdog !== undefined) clearTimeout(watchdog)
        if (stopped) return
        report(new SdkError('SDK_NETWORK_ERROR', `event stream closed (${ev?.code ?? 'no code'})`))
        scheduleReconnect()
      }
    }
    const scheduleReconnect = (): void => {
      if (stopped) return
      nodeIndex++
      if (attempts >= attemptsMax) {
        report(new SdkError('SDK_NETWORK_ERROR', `event stream: gave up after ${attempts} reconnection attempts`))
        return
      }
      const delayMs = Math.min(delay0 * 2 ** attempts, CLIENT_DEFAULTS.reconnectDelayMaxMs)
      attempts++
      retryTimer = setTimeout(connect, delayMs)
    }

    connect()
    return () => {
      stopped = true
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      if (watchdog !== undefined) clearTimeout(watchdog)
      socket?.close(1000, 'unsubscribed')
      socket = undefined
    }
  }

  async function getJson(path: string): Promise<Json> {
    if (typeof path !== 'string' || !path.startsWith('/') || path.length > 2048) {
      throw new SdkError('INVALID_ARGUMENT', 'path must start with / (at most 2048 characters)')
    }
    return (await request('GET', path)).json
  }

  return {
    get url() {
      return transport.url
    },
    transport,
    status,
    block,
    submitTx,
    submitTxs,
    tx,
    blockByHash,
    txList,
    stats,
    waitForTx,
    state,
    validators,
    subscribe,
    getJson,
  }
}
