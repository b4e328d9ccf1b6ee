/**
 * JSON calls to the module routes of the node API (licences: docs/license-api.md, catalogue and
 * sharing: docs/sharing-api.md) and to the department's data gateway. Errors are the SDK's
 * ApiError / SdkError with the node's code, so the pages show them like every other error.
 * Answers are read as data to display; anything that decides a verdict is re-checked in the
 * browser with the light client.
 */
import type { StateJson } from '@govchain/app/route-kit'
import { ApiError, HttpTransport } from '@govchain/client'
import { sameOriginFetch } from './csrf.ts'

const REQUEST_TIMEOUT_MS = 15_000
const ANSWER_BYTES_MAX = 16 * 1024 * 1024

/** One transport per base URL (node API or the department's gateway): the SDK's, with its limits and error model. */
const transports = new Map<string, HttpTransport>()
/** The consortium's nodes, each mapped to the one fail-over transport over all of them (routeNodesThrough). */
const nodeTransports = new Map<string, HttpTransport>()

/**
 * Calls to any of the consortium's node URLs go through `transport`, the app client's
 * transport over every node (issue 15: no single node): a page that names the node it last
 * read from still fails over to the next when that node stops answering.
 */
export function routeNodesThrough(urls: readonly string[], transport: HttpTransport): void {
  nodeTransports.clear()
  for (const u of urls) nodeTransports.set(u.replace(/\/+$/, ''), transport)
}

function transportFor(base: string): HttpTransport {
  const node = nodeTransports.get(base.replace(/\/+$/, ''))
  if (node !== undefined) return node
  // '' (or a path) is this page's own server: the portal server's demo mailbox, a gateway proxy.
  const url = /^https?:\/\//.test(base) ? base : new URL(base === '' ? '/' : base, globalThis.location.href).href
  let t = transports.get(url)
  if (t === undefined) {
    t = new HttpTransport({
      url,
      timeoutMs: REQUEST_TIMEOUT_MS,
      responseBytesMax: ANSWER_BYTES_MAX,
      // This page's own server: its session cookie and CSRF token (session.ts).
      ...(url.startsWith(globalThis.location.origin) ? { fetch: sameOriginFetch } : {}),
    })
    if (transports.size >= 16) transports.clear()
    transports.set(url, t)
  }
  return t
}

export async function callJson<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return (await transportFor(base).request(method, path, body)).json as T
}

export function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}

/** True when a route is not served by this node (module not enabled yet). */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.code === 'NOT_FOUND'
}

// ---------------------------------------------------------------- proofs as the pages read them

// Answer types come from the routes' schemas in the application packages (views.ts), the very
// schemas the node serialises with: they cannot drift from what the node sends. Each
// application's page API (src/portal/api.ts) reads them through these helpers.

/**
 * A state proof as the pages read it. The schema's proof parts are nullable (the same object
 * answers without a proof); the pages ask with prove=true, where the node sends every part, and
 * the light client refuses material that lacks one.
 */
export type ProofMaterial = StateJson & { proof: string; headerBytes: string; certificate: string }
/** `T` with each `proof` in it (in arrays too) read as ProofMaterial. */
export type WithProofs<T> = T extends readonly (infer U)[]
  ? WithProofs<U>[]
  : T extends object
    ? {
        [K in keyof T]: K extends 'proof'
          ? null extends T[K]
            ? ProofMaterial | null
            : ProofMaterial
          : WithProofs<T[K]>
      }
    : T

/** The identity authority's binding of a DID to its holder's keyed pseudonym (data sharing). */
export interface SubjectCredential {
  did: string
  subject: string
  issuerOrg: string
  issuerKey: string
  signature: string
}

// ---------------------------------------------------------------- demo credential mailbox (servePortal)

export interface MailboxEntry {
  holder: string
  licenseId: string
  credential: string
  timeMs: number
}

/**
 * Every mailbox request is signed (holderAuth over the path, ±5 minutes): the holder reads its
 * own entries; an officer hands a credential over (path /demo/credentials/<holder>/<licenceId>)
 * and, for a renewal, reads back one its organisation issued.
 */
export const mailboxPaths = {
  list: '/demo/credentials',
  put: (holder: string, licenseId: string) => `/demo/credentials/${holder}/${licenseId}`,
  issued: (licenseId: string) => `/demo/credentials/issued/${encodeURIComponent(licenseId)}`,
}

export const mailbox = {
  list: (auth: Record<string, string>) =>
    callJson<{ items: MailboxEntry[] }>('', 'GET', `${mailboxPaths.list}${qs(auth)}`),
  issued: (licenseId: string, auth: Record<string, string>) =>
    callJson<{ items: MailboxEntry[] }>('', 'GET', `${mailboxPaths.issued(licenseId)}${qs(auth)}`),
  put: (entry: Omit<MailboxEntry, 'timeMs'>, auth: Record<string, string>) =>
    callJson<{ ok: true }>('', 'POST', mailboxPaths.list, { ...entry, auth }),
}
