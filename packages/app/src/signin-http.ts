/**
 * The sign-in routes of a browser-facing server (the portal; ADR 0032), over SignInSessions:
 *
 *   POST /session/challenge                         → { challenge, expiresMs }
 *   POST /session { challenge, publicKey, signature } → Set-Cookie + { signedIn: true, subject, csrf, idleMs }
 *        signature: the key's suite signature over portalSignInMessage(chainId, Host, challenge);
 *        the key must be registered on chain (lookupKey: an active officer's or a DID's key)
 *   GET  /session                                   → { signedIn: true, subject, csrf, idleMs } | { signedIn: false }
 *   POST /session/logout  (session + CSRF)          → clears the cookie
 *
 * The session cookie is HttpOnly, SameSite=Strict, Path=/, with Max-Age the idle time (renewed on
 * each use); over https it is Secure and named with the __Host- prefix (RFC 6265bis). The CSRF
 * token travels in the X-CSRF-Token header (OWASP's synchronizer token pattern): `requireChange`
 * is what every state-changing route of the server calls first. The answers' schemas are in
 * portal-views.ts, which the pages check them against.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { type CryptoSuite, fromHex, GovchainError, portalSignInMessage } from '@govchain/core'
import { parseCookie, stringifySetCookie } from 'cookie'
import type { OkAnswer, SessionAnswer, SessionStateAnswer, SignInChallengeAnswer } from './portal-views.ts'
import type { Session, SignInSessions, SignInSubject } from './signin-sessions.ts'

export const CSRF_HEADER = 'x-csrf-token'

export interface SignInRoutesOptions {
  sessions: SignInSessions
  suite: CryptoSuite
  chainId: string
  /** Who holds this key on chain now (an active officer, a DID), read through the node API. */
  lookupKey(publicKey: Uint8Array): Promise<SignInSubject | undefined>
  /** Served over https: the cookie is Secure and __Host- prefixed. */
  secure: boolean
  idleMs: number
}

export interface SignInAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export interface SignInRoutes {
  /** The answer when `path` is a sign-in route, else undefined. `body` is the request body text (POST). */
  handle(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: string | undefined,
  ): Promise<SignInAnswer | undefined>
  /** The session of a state-changing request: SESSION_REQUIRED or CSRF_MISMATCH when it has none or lacks the token. */
  requireChange(headers: IncomingHttpHeaders): Session
  /** The session of a reading request that needs one (SESSION_REQUIRED). */
  require(headers: IncomingHttpHeaders): Session
}

const HEX = (max: number) => new RegExp(`^[0-9a-f]{2,${max}}$`)

function cookieName(secure: boolean): string {
  return secure ? '__Host-govchain_session' : 'govchain_session'
}

function parseSignIn(body: string | undefined): { challenge: string; publicKey: string; signature: string } {
  let o: { challenge?: unknown; publicKey?: unknown; signature?: unknown }
  try {
    o = JSON.parse(body ?? '') as typeof o
  } catch {
    throw new GovchainError('INVALID_ARGUMENT', 'the body must be JSON')
  }
  if (
    typeof o?.challenge !== 'string' ||
    !HEX(128).test(o.challenge) ||
    typeof o.publicKey !== 'string' ||
    !HEX(256).test(o.publicKey) ||
    typeof o.signature !== 'string' ||
    !HEX(256).test(o.signature)
  ) {
    throw new GovchainError('INVALID_ARGUMENT', 'challenge, publicKey and signature (hex) are required')
  }
  return { challenge: o.challenge, publicKey: o.publicKey, signature: o.signature }
}

export function signInRoutes(o: SignInRoutesOptions): SignInRoutes {
  const name = cookieName(o.secure)
  const maxAge = Math.floor(o.idleMs / 1000)
  const setCookie = (value: string, age: number) =>
    stringifySetCookie({ name, value, httpOnly: true, sameSite: 'strict', path: '/', maxAge: age, secure: o.secure })
  const sessionId = (headers: IncomingHttpHeaders): string | undefined =>
    headers.cookie === undefined ? undefined : parseCookie(headers.cookie)[name]
  const csrfOf = (headers: IncomingHttpHeaders): string | undefined => {
    const v = headers[CSRF_HEADER]
    return typeof v === 'string' ? v : undefined
  }
  const view = (s: Session): SessionAnswer => ({ signedIn: true, subject: s.subject, csrf: s.csrf, idleMs: o.idleMs })

  const signIn = async (headers: IncomingHttpHeaders, body: string | undefined): Promise<SignInAnswer> => {
    const a = parseSignIn(body)
    // Checks first, in order of cost; the challenge is used up only by a sign-in that succeeds.
    o.sessions.peekChallenge(a.challenge)
    const publicKey = fromHex(a.publicKey)
    const message = portalSignInMessage({ chainId: o.chainId, host: headers.host ?? '', challenge: a.challenge })
    let ok = false
    try {
      ok = o.suite.verify(publicKey, message, fromHex(a.signature))
    } catch {
      ok = false
    }
    if (!ok) throw new GovchainError('SIGNIN_SIGNATURE_INVALID')
    const subject = await o.lookupKey(publicKey)
    if (subject === undefined) throw new GovchainError('SIGNIN_KEY_UNKNOWN')
    o.sessions.takeChallenge(a.challenge)
    const s = o.sessions.open(subject)
    return { status: 200, body: view(s), headers: { 'set-cookie': setCookie(s.id, maxAge) } }
  }

  return {
    handle: async (method, path, headers, body) => {
      if (path === '/session/challenge' && method === 'POST') {
        const challenge: SignInChallengeAnswer = o.sessions.issueChallenge()
        return { status: 200, body: challenge }
      }
      if (path === '/session' && method === 'POST') return signIn(headers, body)
      if (path === '/session' && method === 'GET') {
        // Asking is not an error: a page loading without a session gets signedIn false (a 401
        // here would be logged by the browser on every page load).
        const id = sessionId(headers)
        let s: Session
        try {
          s = o.sessions.use(id)
        } catch {
          const none: SessionStateAnswer = { signedIn: false }
          return { status: 200, body: none }
        }
        return { status: 200, body: view(s), headers: { 'set-cookie': setCookie(s.id, maxAge) } }
      }
      if (path === '/session/logout' && method === 'POST') {
        const s = o.sessions.useForChange(sessionId(headers), csrfOf(headers))
        o.sessions.close(s.id)
        const ok: OkAnswer = { ok: true }
        return { status: 200, body: ok, headers: { 'set-cookie': setCookie('', 0) } }
      }
      if (path === '/session' || path.startsWith('/session/')) {
        return { status: 405, body: { code: 'METHOD_NOT_ALLOWED', message: `${method} ${path}` } }
      }
      return undefined
    },
    requireChange: (headers) => o.sessions.useForChange(sessionId(headers), csrfOf(headers)),
    require: (headers) => o.sessions.use(sessionId(headers)),
  }
}
