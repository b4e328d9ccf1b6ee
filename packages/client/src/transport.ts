/**
 * The one HTTP transport to a govchain node's JSON API: the SDK's client, the application
 * readers, the portal and the data gateway all send their requests through it, so every caller
 * has the same limits (a deadline per request, a ceiling on answer bytes read) and the same
 * error model:
 *
 *   the node answered {code, message[, details]}   ApiError with the node's code and HTTP status
 *   the node answered an error without a code      ApiError SDK_BAD_RESPONSE
 *   no connection / reset                          SdkError SDK_NETWORK_ERROR
 *   no complete answer before the deadline         SdkError SDK_TIMEOUT
 *   an answer too large, or not a JSON object      SdkError SDK_BAD_RESPONSE
 *
 * Several nodes (`urls`): requests go to the current node and fail over, in order, to the next
 * when it gives no answer (SDK_NETWORK_ERROR, SDK_TIMEOUT) or says it cannot serve (HTTP 502,
 * 503, 504); a node's own refusal (any other 4xx/5xx with a code) is final and not retried
 * elsewhere. The node that answered becomes the current one, so a sequence of calls (a challenge
 * and its use) stays on one node while it is up. `onFailover` lets a UI show each switch;
 * `rankByHealth()` orders the nodes by a /v1/health probe. Every node is one department's view
 * of the same chain; answers are verified with the light client where correctness matters.
 *
 * Read your writes across a fail-over: the transport keeps the highest committed height its
 * caller has seen (`noteHeight`; the client notes every status and committed transaction). A
 * node that takes over is asked for its /v1/status first and gets the request only once it has
 * reached that height, polled for up to `catchUpMs`; one still behind then is passed over like a
 * silent one (SdkError SDK_NODE_BEHIND). So a page that saw its transaction commit on one node
 * never reads the state before it from the next. A height restored from an earlier session
 * (`noteHeight(h, { restored: true })`, the portal's tab after a page load) has the first node
 * probed as well.
 *
 * Browser-safe. Each exchange goes through `send.ts`: an injected `fetch`, else on Node `node:http`
 * with kept-alive connections (send-node.ts), else the global `fetch`.
 */
import { platformSend } from '#transport-platform'
import { ApiError, SdkError } from './errors.ts'
import { fetchSend, type HttpSend } from './send.ts'

export interface TransportOptions {
  /** The node's API base URL, e.g. http://127.0.0.1:26657 (or give `urls`). */
  url?: string
  /** Several nodes' API base URLs, in order of preference (at most TRANSPORT_NODES_MAX). */
  urls?: readonly string[]
  /** Called when a request moves from one node to the next. */
  onFailover?: (event: FailoverEvent) => void
  fetch?: typeof globalThis.fetch
  /** Per-request limit; a request still unanswered after it fails with SDK_TIMEOUT. */
  timeoutMs?: number
  /** Larger answers are refused (SDK_BAD_RESPONSE) before they are read in full. */
  responseBytesMax?: number
  /**
   * How long a node that takes over may take to reach the highest height the caller has seen
   * before it is passed over (SDK_NODE_BEHIND); 0 passes a node that is behind over at once.
   */
  catchUpMs?: number
}

export const TRANSPORT_DEFAULTS = {
  timeoutMs: 10_000,
  responseBytesMax: 32 * 1024 * 1024,
  /** rankByHealth's probe deadline per node; also each height probe of a node taking over. */
  probeTimeoutMs: 2_000,
  /** A node taking over has this long to reach the height the caller has seen. */
  catchUpMs: 5_000,
  /** How often a node taking over is asked for its height meanwhile. */
  catchUpPollMs: 100,
} as const

/** Nodes one transport knows at most (a consortium's validators and observers). */
export const TRANSPORT_NODES_MAX = 64

export interface FailoverEvent {
  /** The node that gave no answer. */
  from: string
  /** The node tried next. */
  to: string
  /** Why: the error `from` produced. */
  error: SdkError
}

/** An error that says "this node cannot answer now", not "the answer is no". */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === 502 || e.status === 503 || e.status === 504
  return (
    e instanceof SdkError &&
    (e.code === 'SDK_NETWORK_ERROR' || e.code === 'SDK_TIMEOUT' || e.code === 'SDK_NODE_BEHIND')
  )
}

const normaliseUrl = (u: unknown): string => {
  if (typeof u !== 'string' || !/^https?:\/\/[^\s]+$/.test(u)) {
    throw new SdkError('INVALID_ARGUMENT', 'url must be an http(s) URL')
  }
  return u.replace(/\/+$/, '')
}

export type JsonObject = Record<string, unknown>

export interface JsonAnswer {
  status: number
  json: JsonObject
}

export interface RequestOptions {
  /** Overrides the transport's deadline for this request. */
  timeoutMs?: number
  /** Ends the request early (SDK_TIMEOUT 'aborted'). */
  signal?: AbortSignal
}

/** JSON requests to a node API, failing over between nodes. Share one per set of nodes. */
export class HttpTransport {
  /** Every node, in the current order of preference. */
  readonly urls: readonly string[]
  readonly timeoutMs: number
  readonly responseBytesMax: number
  readonly catchUpMs: number
  private readonly send: HttpSend
  private readonly onFailover: ((event: FailoverEvent) => void) | undefined
  private order: string[]
  private floor = 0
  /** A floor restored from an earlier session: the current node has not been seen to reach it either. */
  private probeCurrent = false

  constructor(options: TransportOptions) {
    const given = options?.urls ?? (options?.url === undefined ? [] : [options.url])
    if (!Array.isArray(given) || given.length === 0 || given.length > TRANSPORT_NODES_MAX) {
      throw new SdkError('INVALID_ARGUMENT', `give url, or urls with 1..${TRANSPORT_NODES_MAX} nodes`)
    }
    this.order = [...new Set(given.map(normaliseUrl))]
    this.urls = this.order
    this.onFailover = options.onFailover
    if (options.fetch !== undefined) {
      if (typeof options.fetch !== 'function') throw new SdkError('INVALID_ARGUMENT', 'options.fetch is not a function')
      this.send = fetchSend(options.fetch)
    } else if (platformSend !== undefined) {
      this.send = platformSend // Node: node:http (send-node.ts)
    } else {
      if (typeof globalThis.fetch !== 'function') {
        throw new SdkError('INVALID_ARGUMENT', 'no fetch available: pass options.fetch')
      }
      // Bound: browsers throw "Illegal invocation" when fetch runs with a `this` other than the window.
      this.send = fetchSend(globalThis.fetch.bind(globalThis))
    }
    this.timeoutMs = options.timeoutMs ?? TRANSPORT_DEFAULTS.timeoutMs
    this.responseBytesMax = options.responseBytesMax ?? TRANSPORT_DEFAULTS.responseBytesMax
    const catchUpMs = options.catchUpMs ?? TRANSPORT_DEFAULTS.catchUpMs
    if (!Number.isSafeInteger(catchUpMs) || catchUpMs < 0) {
      throw new SdkError('INVALID_ARGUMENT', 'catchUpMs must be a whole number of milliseconds ≥ 0')
    }
    this.catchUpMs = catchUpMs
  }

  /**
   * The highest committed height the caller has seen (0: none yet). A node that takes over
   * answers only once it has reached it (see the module comment).
   */
  get heightFloor(): number {
    return this.floor
  }

  /**
   * Records a committed height the caller has seen; lower or malformed heights change nothing.
   * `restored`: a height kept from an earlier session (a page's storage), which the current node
   * has not been seen to reach either: the next request probes it too, not only a node taking over.
   */
  noteHeight(height: number, options: { restored?: boolean } = {}): void {
    if (!Number.isSafeInteger(height) || height <= this.floor) return
    this.floor = height
    if (options.restored === true) this.probeCurrent = true
  }

  /** The node requests go to now. */
  get url(): string {
    return this.order[0] as string
  }

  /**
   * One request; resolves with a JSON object answer of a 2xx status, else throws (see the module
   * comment). With several nodes, a node that cannot answer is passed over for the next.
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<JsonAnswer> {
    const tried = [...this.order]
    for (let i = 0; ; i++) {
      const node = tried[i] as string
      try {
        if ((i > 0 || this.probeCurrent) && this.floor > 0) await this.caughtUp(node, options)
        const answer = await this.requestAt(node, method, path, body, options)
        this.probeCurrent = false
        if (i > 0) this.prefer(node)
        return answer
      } catch (e) {
        const next = tried[i + 1]
        if (next === undefined || !isUnavailable(e) || options.signal?.aborted === true) throw e
        this.onFailover?.({ from: node, to: next, error: e as SdkError })
      }
    }
  }

  /**
   * Probes every node's /v1/health (TRANSPORT_DEFAULTS.probeTimeoutMs each, in parallel) and
   * orders them: healthy first, fastest first; unhealthy and silent ones keep their order after.
   * Resolves with the new order.
   */
  async rankByHealth(probeTimeoutMs: number = TRANSPORT_DEFAULTS.probeTimeoutMs): Promise<readonly string[]> {
    const results = await Promise.all(
      this.order.map(async (node, index) => {
        const started = Date.now()
        try {
          const health = await this.requestAt(node, 'GET', '/v1/health', undefined, { timeoutMs: probeTimeoutMs })
          return { node, index, ok: health.json.ok !== false, ms: Date.now() - started }
        } catch {
          return { node, index, ok: false, ms: Number.POSITIVE_INFINITY }
        }
      }),
    )
    results.sort((a, b) => Number(b.ok) - Number(a.ok) || a.ms - b.ms || a.index - b.index)
    this.order.splice(0, this.order.length, ...results.map((r) => r.node))
    return this.urls
  }

  /**
   * Resolves once `node` reports (GET /v1/status) a height at or above the floor; polls for up to
   * catchUpMs, then throws SDK_NODE_BEHIND. A probe that gets no answer throws its own error.
   */
  private async caughtUp(node: string, options: RequestOptions): Promise<void> {
    const floor = this.floor
    const deadline = Date.now() + this.catchUpMs
    const probeMs = Math.min(options.timeoutMs ?? this.timeoutMs, TRANSPORT_DEFAULTS.probeTimeoutMs)
    for (;;) {
      const status = await this.requestAt(node, 'GET', '/v1/status', undefined, {
        timeoutMs: probeMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
      const height = status.json.height
      if (typeof height === 'number' && height >= floor) return
      const left = deadline - Date.now()
      if (left <= 0 || options.signal?.aborted === true) {
        throw new SdkError('SDK_NODE_BEHIND', `${node} is at height ${String(height)}, below ${floor} already seen`, {
          details: { node, height, floor },
        })
      }
      await new Promise((r) => setTimeout(r, Math.min(left, TRANSPORT_DEFAULTS.catchUpPollMs)))
    }
  }

  /** Makes `node` the current one, the others keeping their order. */
  private prefer(node: string): void {
    const i = this.order.indexOf(node)
    if (i > 0) {
      this.order.splice(i, 1)
      this.order.unshift(node)
    }
  }

  private async requestAt(
    node: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: RequestOptions,
  ): Promise<JsonAnswer> {
    const what = `${method} ${path}`
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    const onAbort = (): void => controller.abort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    let res: { status: number; text: string }
    try {
      const headers: Record<string, string> = { accept: 'application/json' }
      let sent: string | undefined
      if (body !== undefined) {
        sent = JSON.stringify(body)
        headers['content-type'] = 'application/json'
      }
      res = await this.send({
        method,
        url: `${node}${path}`,
        headers,
        ...(sent === undefined ? {} : { body: sent }),
        signal: controller.signal,
        maxBytes: this.responseBytesMax,
        what,
      })
    } catch (e) {
      if (e instanceof SdkError) throw e
      if (controller.signal.aborted) {
        throw new SdkError('SDK_TIMEOUT', `${what}: no complete answer within ${timeoutMs} ms`)
      }
      throw new SdkError('SDK_NETWORK_ERROR', `${what}: ${(e as Error)?.message ?? String(e)}`, {
        details: { url: `${node}${path}` },
      })
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const text = res.text
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (res.status < 200 || res.status > 299) {
      const o = typeof parsed === 'object' && parsed !== null ? (parsed as JsonObject) : undefined
      if (o !== undefined && typeof o.code === 'string') {
        const message = typeof o.message === 'string' ? o.message : o.code
        const details = typeof o.details === 'object' && o.details !== null ? (o.details as JsonObject) : undefined
        throw new ApiError(o.code, message, res.status, details)
      }
      throw new ApiError('SDK_BAD_RESPONSE', `${what}: HTTP ${res.status} without an error code`, res.status, {
        body: text.slice(0, 200),
      })
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SdkError('SDK_BAD_RESPONSE', `${what}: answer is not a JSON object`, { status: res.status })
    }
    return { status: res.status, json: parsed as JsonObject }
  }

  /** GET of an API path: the answer's JSON object. */
  async get(path: string, options?: RequestOptions): Promise<JsonObject> {
    return (await this.request('GET', path, undefined, options)).json
  }

  /** GET that resolves undefined for a 404 (an absent record), else like `get`. */
  async find(path: string, options?: RequestOptions): Promise<JsonObject | undefined> {
    try {
      return await this.get(path, options)
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined
      throw e
    }
  }

  /** POST of a JSON body: the answer's JSON object. */
  async post(path: string, body: unknown, options?: RequestOptions): Promise<JsonObject> {
    return (await this.request('POST', path, body, options)).json
  }
}
