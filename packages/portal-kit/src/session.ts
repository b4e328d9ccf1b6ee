/**
 * The page's session with its portal server (ADR 0032): sign in by signing the server's
 * single-use challenge with the person's key (portalSignInMessage), after which the server's
 * HttpOnly cookie carries the session and every state-changing call to the server carries the
 * session's CSRF token in X-CSRF-Token (sameOriginFetch adds it).
 */
import type { SessionAnswer, SessionSubjectView } from '@govchain/app/portal-views'
import { ApiError } from '@govchain/client'
import { type AsyncSigner, portalSignInMessage, toHex } from '@govchain/core'
import { callAnswer, callWith, portalView } from './api.ts'
import { setCsrfToken } from './csrf.ts'
import { checkSessionState } from './startup-answers.ts'

/** Who the server says the session is: an active officer or a DID, as the chain has it. */
export type SessionSubject = SessionSubjectView

/** A signed-in session as the server answers it (its schema: `@govchain/app/portal-views`). */
export type PortalSession = SessionAnswer

function remember(s: PortalSession): PortalSession {
  setCsrfToken(s.csrf)
  return s
}

/** Signs in with `signer`: the server's challenge, signed for this chain and this portal's host. */
export async function signInWith(signer: AsyncSigner, chainId: string): Promise<PortalSession> {
  const { challenge } = await callAnswer('', 'POST', '/session/challenge', portalView('SignInChallengeAnswer'), {})
  const signature = await signer.sign(portalSignInMessage({ chainId, host: location.host, challenge }))
  return remember(
    await callAnswer('', 'POST', '/session', portalView('SessionAnswer'), {
      challenge,
      publicKey: toHex(signer.publicKey),
      signature: toHex(signature),
    }),
  )
}

/** The current session (after a reload the cookie may still hold one); undefined when there is none. */
export async function currentSession(): Promise<PortalSession | undefined> {
  // Read on every first load: checked without TypeBox (startup-answers.ts), for the home page's budget.
  const s = await callWith('', 'GET', '/session', checkSessionState)
  return s.signedIn ? remember(s) : undefined
}

export async function signOut(): Promise<void> {
  try {
    await callAnswer('', 'POST', '/session/logout', portalView('OkAnswer'), {})
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 'SESSION_REQUIRED')) throw e
  } finally {
    setCsrfToken(undefined)
  }
}
