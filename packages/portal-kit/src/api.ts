/**
 * JSON calls to the module routes of the node API (licences: docs/license-api.md, catalogue and
 * sharing: docs/sharing-api.md), to the department's data gateway and to this page's own portal
 * server. Errors are the SDK's ApiError / SdkError with the node's code, so the pages show them
 * like every other error. Every answer is checked against the schema its route answers with
 * (callAnswer; ADR 0019): a malformed one is SdkError SDK_BAD_RESPONSE naming the field, not a
 * value of the wrong type. Answers are read as data to display; anything that decides a verdict
 * is re-checked in the browser with the light client.
 */
import type { SubjectCredentialView } from '@govchain/app/portal-views'
import type { StateJson } from '@govchain/app/route-kit'
import { ApiError, HttpTransport } from '@govchain/client'
import type { Static, TSchema } from '@sinclair/typebox'
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

/**
 * One JSON call, its answer checked against `schema`, the one its route answers with (a view of
 * the application's views.ts, the gateway's or the portal server's), by checkAnswer of
 * `@govchain/app/answer`: SdkError SDK_BAD_RESPONSE (`details.path`: the first field that does
 * not match) for an answer of another shape, labelled `METHOD path` without the query, as
 * getAnswer labels it. The checker is loaded with the first call, while the request is under
 * way, and so may the schema be (a promise of it): neither is in the home page's first load.
 */
export async function callAnswer<S extends TSchema>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  schema: S | Promise<S>,
  body?: unknown,
): Promise<Static<S>> {
  const [answer, { checkAnswer, requestLabel }, s] = await Promise.all([
    transportFor(base).request(method, path, body),
    import('@govchain/app/answer'),
    schema,
  ])
  return checkAnswer(s, answer.json, requestLabel(method, path))
}

/** A call whose answer `check` checks: the shell's two startup reads (startup-answers.ts). */
export async function callWith<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  check: (json: unknown) => T,
  body?: unknown,
): Promise<T> {
  return check((await transportFor(base).request(method, path, body)).json)
}

type PortalViews = typeof import('@govchain/app/portal-views')
/**
 * A schema of the portal server's own answers (sign-in, demo mailbox), loaded with the first call
 * that reads one: TypeBox's type builder stays out of the home page's first load too.
 */
export const portalView = <K extends keyof PortalViews>(name: K): Promise<PortalViews[K]> =>
  import('@govchain/app/portal-views').then((v) => v[name])

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

/** The identity authority's binding of a DID to its holder's keyed pseudonym (data sharing; in /config.json). */
export type SubjectCredential = SubjectCredentialView

// ---------------------------------------------------------------- demo credential mailbox (servePortal)

export type { MailboxEntry } from '@govchain/app/portal-views'

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
    callAnswer('', 'GET', `${mailboxPaths.list}${qs(auth)}`, portalView('MailboxAnswer')),
  issued: (licenseId: string, auth: Record<string, string>) =>
    callAnswer('', 'GET', `${mailboxPaths.issued(licenseId)}${qs(auth)}`, portalView('MailboxAnswer')),
  put: (entry: { holder: string; licenseId: string; credential: string }, auth: Record<string, string>) =>
    callAnswer('', 'POST', mailboxPaths.list, portalView('OkAnswer'), { ...entry, auth }),
}
