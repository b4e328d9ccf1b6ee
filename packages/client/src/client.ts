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
import { fromHex, MODULE_NAME_PATTERN, toBase64 } from '@govchain/core'
import {
  type BlockInfo,
  bad,
  type ChainEvent,
  type ChainStats,
  parseBlock,
  parseStateAnswer,
  parseStats,
  parseStatus,
  parseSubmitTxs,
  parseSubmitted,
  parseTx,
  parseTxListPage,
  parseValidators,
  type StateAnswer,
  type Status,
  SUBMIT_TXS_MAX,
  type SubmitTxsAnswer,
  type TxListPage,
  type TxResult,
  type ValidatorsAnswer,
} from './answers.ts'
import { ApiError, SdkError } from './errors.ts'
import {
  EVENT_STREAM_DEFAULTS,
  type EventFilter,
  EventStream,
  type SubscribeOptions,
  type WebSocketConstructor,
} from './events.ts'
import { type FailoverEvent, HttpTransport, type JsonObject } from './transport.ts'

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
  /**
   * With several nodes: how long a node that takes over may take to reach the highest height
   * this client has seen (a status, a committed transaction) before it is passed over
   * (SDK_NODE_BEHIND); default 5 s. Reads after a fail-over never go back before a write.
   */
  catchUpMs?: number
}

export const CLIENT_DEFAULTS = {
  timeoutMs: 10_000,
  responseBytesMax: 32 * 1024 * 1024,
  waitTimeoutMs: 60_000,
  waitPollMs: 500,
  ...EVENT_STREAM_DEFAULTS,
} as const

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
  getJson(path: string): Promise<JsonObject>
}

// ---------------------------------------------------------------- argument checks

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
function checkPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 2048) {
    throw new SdkError('INVALID_ARGUMENT', 'path must start with / (at most 2048 characters)')
  }
}

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

/**
 * A client for one node (or several, with fail-over): each method checks its arguments, makes
 * one request through the transport and checks the answer's shape (answers.ts). The methods are
 * the object's own functions, so they may be passed around detached.
 */
export function createClient(options: ClientOptions): Client {
  const transport = new HttpTransport({
    ...(options?.urls === undefined ? { url: options?.url as string } : { urls: options.urls }),
    ...(options?.onFailover === undefined ? {} : { onFailover: options.onFailover }),
    ...(options?.fetch === undefined ? {} : { fetch: options.fetch }),
    timeoutMs: options?.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
    responseBytesMax: options?.responseBytesMax ?? CLIENT_DEFAULTS.responseBytesMax,
    ...(options?.catchUpMs === undefined ? {} : { catchUpMs: options.catchUpMs }),
  })
  const get = async (path: string): Promise<JsonObject> => (await transport.request('GET', path)).json
  const post = async (path: string, body: unknown): Promise<JsonObject> =>
    (await transport.request('POST', path, body)).json

  const tx = async (hashHex: string): Promise<TxResult> => {
    checkHex(hashHex, 'hash')
    const r = parseTx(await get(`/v1/txs/${hashHex.toLowerCase()}`))
    if (r.height !== undefined) transport.noteHeight(r.height)
    return r
  }

  return {
    get url() {
      return transport.url
    },
    transport,
    async status(): Promise<Status> {
      const s = parseStatus(await get('/v1/status'))
      transport.noteHeight(s.height)
      return s
    },
    async block(height: number | 'latest'): Promise<BlockInfo> {
      if (height !== 'latest') checkHeight(height)
      return parseBlock(await get(`/v1/blocks/${height}`), height)
    },
    async submitTx(txBytes: Uint8Array): Promise<{ hash: string }> {
      if (!(txBytes instanceof Uint8Array)) throw new SdkError('INVALID_ARGUMENT', 'txBytes must be a Uint8Array')
      return parseSubmitted(await post('/v1/txs', { tx: toBase64(txBytes) }))
    },
    async submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxsAnswer> {
      if (!Array.isArray(txs) || txs.length === 0 || txs.length > SUBMIT_TXS_MAX) {
        throw new SdkError('INVALID_ARGUMENT', `txs must be an array of 1 to ${SUBMIT_TXS_MAX} transactions`)
      }
      if (!txs.every((t) => t instanceof Uint8Array)) throw new SdkError('INVALID_ARGUMENT', 'txs must be Uint8Arrays')
      return parseSubmitTxs(await post('/v1/txs/batch', { txs: txs.map((t) => toBase64(t)) }), txs.length)
    },
    tx,
    async blockByHash(hashHex: string): Promise<BlockInfo> {
      checkHex(hashHex, 'hash')
      const b = parseBlock(await get(`/v1/blocks/by-hash/${hashHex.toLowerCase()}`), 'latest')
      if (b.hash !== hashHex.toLowerCase()) bad(`asked for block ${hashHex}, got ${b.hash}`)
      return b
    },
    async txList(o: { limit?: number; cursor?: string; height?: number } = {}): Promise<TxListPage> {
      if (o.height !== undefined) checkHeight(o.height)
      const q = new URLSearchParams()
      if (o.limit !== undefined) q.set('limit', String(o.limit))
      if (o.cursor !== undefined) q.set('cursor', o.cursor)
      if (o.height !== undefined) q.set('height', String(o.height))
      const text = q.toString()
      return parseTxListPage(await get(`/v1/txs${text === '' ? '' : `?${text}`}`))
    },
    stats: async (): Promise<ChainStats> => parseStats(await get('/v1/stats')),
    async waitForTx(hashHex: string, opts: WaitOptions = {}): Promise<TxResult> {
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
    },
    async state(module: string, keyHex: string, opts: { prove?: boolean; height?: number } = {}): Promise<StateAnswer> {
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
      return parseStateAnswer(await get(`/v1/state/${module}/${key}${qs}`), {
        module,
        key,
        prove: opts.prove,
        height: opts.height,
      })
    },
    validators: async (): Promise<ValidatorsAnswer> => parseValidators(await get('/v1/validators')),
    subscribe(filter: EventFilter, onEvent: (event: ChainEvent) => void, opts: SubscribeOptions = {}): () => void {
      const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
      if (typeof Ctor !== 'function') {
        throw new SdkError(
          'INVALID_ARGUMENT',
          'no WebSocket available: pass options.WebSocket (e.g. from the ws package)',
        )
      }
      const stream = new EventStream(
        { transport, WebSocket: Ctor, openTimeoutMs: options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs },
        filter,
        onEvent,
        opts,
      )
      return () => stream.stop()
    },
    async getJson(path: string): Promise<JsonObject> {
      checkPath(path)
      return get(path)
    },
  }
}
