/**
 * The gateway's HTTP plumbing, shared by its provider listener (mutual TLS) and its local API:
 * bounded request bodies, coded JSON answers that never reset a client still writing, and the
 * refusal a handler throws.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isSdkError } from '@govchain/client'
import { type ErrorCode, GovchainError, isErrorCode, isGovchainError } from '@govchain/core'

/** The largest request body either listener reads. */
export const GATEWAY_BODY_BYTES_MAX = 1024 * 1024

/** A request refused with a code (answered, logged and, for the provider, counted for the chain). */
export class Refused extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The code to answer for `e`: a refusal's or a GovchainError's own, an SdkError's when core
 * catalogues it (SDK_BAD_RESPONSE, 502: a node answer its route's schema refused), else `fallback`.
 */
export function codeOf(e: unknown, fallback: ErrorCode): ErrorCode {
  if (e instanceof Refused || isGovchainError(e)) return e.code
  return isSdkError(e) && isErrorCode(e.code) ? e.code : fallback
}

/**
 * A request body of at most GATEWAY_BODY_BYTES_MAX. Oversize is PAYLOAD_TOO_LARGE, which the
 * caller answers as coded JSON (413) — after the rest of the body was read and dropped (send).
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const tooLarge = () => new GovchainError('PAYLOAD_TOO_LARGE', undefined, { bytesMax: GATEWAY_BODY_BYTES_MAX })
    if (Number(req.headers['content-length'] ?? 0) > GATEWAY_BODY_BYTES_MAX) return reject(tooLarge())
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > GATEWAY_BODY_BYTES_MAX) {
        if (!over) reject(tooLarge())
        over = true
        chunks.length = 0
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (!over) resolveBody(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}

/** What a refused request's unread body may still cost before the answer goes out anyway. */
const DRAIN_BYTES_MAX = 16 * GATEWAY_BODY_BYTES_MAX
const DRAIN_TIMEOUT_MS = 10_000

/**
 * Reads what is left of a request's body and drops it, up to DRAIN_BYTES_MAX or
 * DRAIN_TIMEOUT_MS. An answer sent while the client is still writing, followed by closing the
 * connection (a client that said `Connection: close`), makes the kernel reset it, and the client
 * sees the reset instead of the answer (issue 13, Low: oversize bodies got a reset, not a 413).
 */
function drainBody(req: IncomingMessage): Promise<void> {
  return new Promise((done) => {
    let bytes = 0
    const finish = () => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', finish)
      req.off('error', finish)
      req.off('close', finish)
      done()
    }
    const onData = (c: Buffer) => {
      bytes += c.length
      if (bytes > DRAIN_BYTES_MAX) finish()
    }
    const timer = setTimeout(finish, DRAIN_TIMEOUT_MS)
    req.on('data', onData)
    req.on('end', finish)
    req.on('error', finish)
    req.on('close', finish)
    req.resume()
  })
}

/** Answers JSON once the request was read to its end (drainBody): refusals included, never a reset. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  const write = () => {
    if (res.headersSent || res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }
  const req = res.req as IncomingMessage | undefined
  if (req === undefined || req.complete || req.destroyed) write()
  else void drainBody(req).then(write)
}
