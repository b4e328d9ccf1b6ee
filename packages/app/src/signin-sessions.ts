/**
 * Sign-in challenges and sessions of a browser-facing server (the portal; ADR 0032). Pure
 * bookkeeping over an injected clock and random source, so every rule is tested without a
 * server:
 *  - a challenge is random (32 bytes), lives CHALLENGE_TTL_MS and is answered once: `take`
 *    removes it, so a replayed answer finds nothing (CHALLENGE_UNKNOWN); an expired one is
 *    CHALLENGE_EXPIRED. `peek` checks without using it, so a refused answer changes nothing;
 *  - a session has a random id (the cookie value) and its own random CSRF token (OWASP's
 *    synchronizer token pattern); it ends after SESSION_IDLE_MS without use or SESSION_MAX_MS
 *    in all (SESSION_REQUIRED);
 *  - both tables are bounded (SIGNIN_BUSY), expired entries are swept as new ones come.
 */
import { timingSafeEqual } from 'node:crypto'
import { GovchainError, toHex } from '@govchain/core'

export const SIGNIN_LIMITS = {
  challengeTtlMs: 2 * 60_000,
  sessionIdleMs: 15 * 60_000,
  sessionMaxMs: 8 * 60 * 60_000,
  challengesMax: 10_000,
  sessionsMax: 10_000,
  randomBytes: 32,
} as const

/** Who a session is: the key that signed in and what the chain says it belongs to. */
export interface SignInSubject {
  kind: 'officer' | 'did'
  /** The officer id or the DID. */
  id: string
  publicKey: string
  orgId?: string
  roles?: string[]
}

export interface Session {
  id: string
  csrf: string
  subject: SignInSubject
  createdMs: number
  lastUsedMs: number
}

export interface SignInSessionsOptions {
  now: () => number
  random: (bytes: number) => Uint8Array
  limits?: Partial<SignInLimits>
}

export type SignInLimits = { [K in keyof typeof SIGNIN_LIMITS]: number }

/** Constant-time equality of a token of this server and what a request sent. */
function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(given, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

export class SignInSessions {
  private readonly challenges = new Map<string, number>()
  private readonly sessions = new Map<string, Session>()
  private readonly limits: SignInLimits

  constructor(private readonly options: SignInSessionsOptions) {
    this.limits = { ...SIGNIN_LIMITS, ...options.limits }
  }

  private token(): string {
    return toHex(this.options.random(this.limits.randomBytes))
  }

  private sweep(now: number): void {
    for (const [c, exp] of this.challenges) if (exp <= now) this.challenges.delete(c)
    for (const [id, s] of this.sessions) if (this.ended(s, now)) this.sessions.delete(id)
  }

  private ended(s: Session, now: number): boolean {
    return now - s.lastUsedMs >= this.limits.sessionIdleMs || now - s.createdMs >= this.limits.sessionMaxMs
  }

  /** A new single-use challenge (hex) and when it expires. */
  issueChallenge(): { challenge: string; expiresMs: number } {
    const now = this.options.now()
    if (this.challenges.size >= this.limits.challengesMax) this.sweep(now)
    if (this.challenges.size >= this.limits.challengesMax) throw new GovchainError('SIGNIN_BUSY')
    const challenge = this.token()
    const expiresMs = now + this.limits.challengeTtlMs
    this.challenges.set(challenge, expiresMs)
    return { challenge, expiresMs }
  }

  /** Throws CHALLENGE_UNKNOWN or CHALLENGE_EXPIRED; changes nothing. */
  peekChallenge(challenge: string): void {
    const exp = this.challenges.get(challenge)
    if (exp === undefined) throw new GovchainError('CHALLENGE_UNKNOWN')
    if (exp <= this.options.now()) throw new GovchainError('CHALLENGE_EXPIRED')
  }

  /** Uses the challenge up (once): a second take of it is CHALLENGE_UNKNOWN. */
  takeChallenge(challenge: string): void {
    this.peekChallenge(challenge)
    this.challenges.delete(challenge)
  }

  /** Opens a session for `subject`. */
  open(subject: SignInSubject): Session {
    const now = this.options.now()
    if (this.sessions.size >= this.limits.sessionsMax) this.sweep(now)
    if (this.sessions.size >= this.limits.sessionsMax) throw new GovchainError('SIGNIN_BUSY')
    const s: Session = { id: this.token(), csrf: this.token(), subject, createdMs: now, lastUsedMs: now }
    this.sessions.set(s.id, s)
    return s
  }

  /** The live session with this id (SESSION_REQUIRED when there is none); touches nothing. */
  private live(id: string | undefined, now: number): Session {
    const s = id === undefined ? undefined : this.sessions.get(id)
    if (s === undefined || this.ended(s, now)) throw new GovchainError('SESSION_REQUIRED')
    return s
  }

  /** The live session with this id, its idle time restarted; SESSION_REQUIRED when there is none. */
  use(id: string | undefined): Session {
    const now = this.options.now()
    const s = this.live(id, now)
    s.lastUsedMs = now
    return s
  }

  /**
   * For a state-changing call: the live session whose CSRF token `csrf` is. SESSION_REQUIRED or
   * CSRF_MISMATCH otherwise, and then the session is left as it was.
   */
  useForChange(id: string | undefined, csrf: string | undefined): Session {
    const now = this.options.now()
    const s = this.live(id, now)
    if (csrf === undefined || !sameToken(s.csrf, csrf)) throw new GovchainError('CSRF_MISMATCH')
    s.lastUsedMs = now
    return s
  }

  close(id: string): void {
    this.sessions.delete(id)
  }

  /** Open sessions and challenges (for tests and diagnostics). */
  counts(): { sessions: number; challenges: number } {
    return { sessions: this.sessions.size, challenges: this.challenges.size }
  }
}
