/**
 * One HTTP exchange of the transport (transport.ts): the request out, the answer's status and
 * text back, never more than `maxBytes` of it. Two implementations: `fetchSend` over a WHATWG
 * `fetch` (browsers, and any fetch a caller injects) and, on Node, `nodeHttpSend` over
 * `node:http`/`node:https` with kept-alive connections (send-node.ts), which costs a third of the
 * CPU per request of Node's fetch. The package.json "imports" condition "#transport-platform"
 * picks the default, as core's "#crypto-platform" picks the crypto: a browser build never sees
 * a node: module.
 *
 * Contract, held by transport.test.ts for both implementations: an answer larger than
 * `maxBytes` (declared or read) throws SdkError SDK_BAD_RESPONSE; `signal` aborting ends the
 * exchange with a rejection; every other failure rejects with the underlying error, which the
 * transport turns into SDK_TIMEOUT (aborted) or SDK_NETWORK_ERROR.
 */
import { SdkError } from './errors.ts'

export interface HttpExchange {
  method: 'GET' | 'POST'
  /** The full URL. */
  url: string
  headers: Record<string, string>
  /** A JSON text, for POST. */
  body?: string
  signal: AbortSignal
  /** Larger answers are refused with SDK_BAD_RESPONSE before they are read in full. */
  maxBytes: number
  /** "METHOD /path", for error messages. */
  what: string
}

export interface HttpAnswer {
  status: number
  text: string
}

export type HttpSend = (exchange: HttpExchange) => Promise<HttpAnswer>

/** The SDK_BAD_RESPONSE for an answer over the limit. */
export function oversize(what: string, max: number, declared?: number): SdkError {
  return new SdkError(
    'SDK_BAD_RESPONSE',
    declared === undefined
      ? `${what}: answer exceeds ${max} bytes`
      : `${what}: answer of ${declared} bytes exceeds ${max}`,
  )
}

/** The exchange over a WHATWG fetch. */
export function fetchSend(fetchFn: typeof globalThis.fetch): HttpSend {
  return async (x) => {
    const res = await fetchFn(x.url, {
      method: x.method,
      signal: x.signal,
      headers: x.headers,
      ...(x.body === undefined ? {} : { body: x.body }),
    })
    return { status: res.status, text: await readLimited(res, x.maxBytes, x.what) }
  }
}

async function readLimited(res: Response, max: number, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN)
  if (declared > max) {
    await res.body?.cancel().catch(() => {})
    throw oversize(what, max, declared)
  }
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
      throw oversize(what, max)
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
