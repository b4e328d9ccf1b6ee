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
 * Browser-safe: `fetch` comes from globalThis unless injected.
 */
import { ApiError, SdkError } from './errors.ts'

export interface TransportOptions {
  /** The node's API base URL, e.g. http://127.0.0.1:26657 */
  url: string
  fetch?: typeof globalThis.fetch
  /** Per-request limit; a request still unanswered after it fails with SDK_TIMEOUT. */
  timeoutMs?: number
  /** Larger answers are refused (SDK_BAD_RESPONSE) before they are read in full. */
  responseBytesMax?: number
}

export const TRANSPORT_DEFAULTS = {
  timeoutMs: 10_000,
  responseBytesMax: 32 * 1024 * 1024,
} as const

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

async function readLimited(res: Response, max: number, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN)
  if (declared > max) throw new SdkError('SDK_BAD_RESPONSE', `${what}: answer of ${declared} bytes exceeds ${max}`)
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw new SdkError('SDK_BAD_RESPONSE', `${what}: answer exceeds ${max} bytes`)
    }
    chunks.push(value)
  }
  const all = new Uint8Array(total)
  let o = 0
  for (const c of chunks) {
    all.set(c, o)
    o += c.length
  }
  return new TextDecoder().decode(all)
}

/** JSON requests to one node API. Stateless apart from its options: share one per node. */
export class HttpTransport {
  readonly url: string
  readonly timeoutMs: number
  readonly responseBytesMax: number
  private readonly fetchFn: typeof globalThis.fetch

  constructor(options: TransportOptions) {
    if (typeof options?.url !== 'string' || !/^https?:\/\//.test(options.url)) {
      throw new SdkError('INVALID_ARGUMENT', 'url must be an http(s) URL')
    }
    this.url = options.url.replace(/\/+$/, '')
    // Bound: browsers throw "Illegal invocation" when fetch runs with a `this` other than the window.
    const f = options.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined)
    if (typeof f !== 'function') throw new SdkError('INVALID_ARGUMENT', 'no fetch available: pass options.fetch')
    this.fetchFn = f
    this.timeoutMs = options.timeoutMs ?? TRANSPORT_DEFAULTS.timeoutMs
    this.responseBytesMax = options.responseBytesMax ?? TRANSPORT_DEFAULTS.responseBytesMax
  }

  /** One request; resolves with a JSON object answer of a 2xx status, else throws (see the module comment). */
  async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<JsonAnswer> {
    const what = `${method} ${path}`
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    const onAbort = (): void => controller.abort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    let res: Response
    let text: string
    try {
      try {
        const headers: Record<string, string> = { accept: 'application/json' }
        const init: RequestInit = { method, signal: controller.signal, headers }
        if (body !== undefined) {
          init.body = JSON.stringify(body)
          headers['content-type'] = 'application/json'
        }
        res = await this.fetchFn(`${this.url}${path}`, init)
      } catch (e) {
        if (controller.signal.aborted) throw new SdkError('SDK_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`)
        throw new SdkError('SDK_NETWORK_ERROR', `${what}: ${(e as Error)?.message ?? String(e)}`, {
          details: { url: `${this.url}${path}` },
        })
      }
      try {
        text = await readLimited(res, this.responseBytesMax, what)
      } catch (e) {
        if (e instanceof SdkError) throw e
        if (controller.signal.aborted) {
          throw new SdkError('SDK_TIMEOUT', `${what}: answer not complete within ${timeoutMs} ms`)
        }
        throw new SdkError('SDK_NETWORK_ERROR', `${what}: ${(e as Error)?.message ?? String(e)}`)
      }
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!res.ok) {
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
