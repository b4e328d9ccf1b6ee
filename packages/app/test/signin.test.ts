/**
 * Portal sign-in (issue 18, ADR 0032): single-use challenges with a short life, sessions that
 * end when idle, CSRF tokens on every state-changing call, and the routes over them with real
 * suite signatures (both suites). Every refusal has its code and changes nothing: no session
 * opens, a refused answer leaves its challenge usable, a refused change leaves the session as it was.
 */
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { describe, it } from 'node:test'
import { GovchainError, getSuite, portalSignInMessage, type SuiteName, toHex } from '@govchain/core'
import { CSRF_HEADER, type SignInAnswer, signInRoutes } from '../src/signin-http.ts'
import { SIGNIN_LIMITS, SignInSessions, type SignInSubject } from '../src/signin-sessions.ts'

/** A clock the test moves and a counter as the random source: every run is the same. */
function fixture() {
  let now = 1_000_000
  let counter = 0
  const sessions = new SignInSessions({
    now: () => now,
    random: (n) => {
      counter += 1
      const b = new Uint8Array(n)
      new DataView(b.buffer).setUint32(0, counter)
      return b
    },
  })
  return { sessions, advance: (ms: number) => (now += ms) }
}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    assert.ok(e instanceof GovchainError, String(e))
    return e.code
  }
  return 'NO_ERROR'
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof GovchainError, String(e))
    return e.code
  }
  return 'NO_ERROR'
}

const SUBJECT: SignInSubject = { kind: 'officer', id: 'housing-clerk', publicKey: '00', orgId: 'housing', roles: [] }

describe('sign-in challenges', () => {
  it('a challenge is answered once: a replay is CHALLENGE_UNKNOWN', () => {
    const { sessions } = fixture()
    const { challenge } = sessions.issueChallenge()
    sessions.takeChallenge(challenge)
    assert.equal(
      code(() => sessions.takeChallenge(challenge)),
      'CHALLENGE_UNKNOWN',
    )
  })

  it('a challenge expires after its time to live', () => {
    const { sessions, advance } = fixture()
    const { challenge, expiresMs } = sessions.issueChallenge()
    assert.equal(expiresMs - 1_000_000, SIGNIN_LIMITS.challengeTtlMs)
    advance(SIGNIN_LIMITS.challengeTtlMs)
    assert.equal(
      code(() => sessions.peekChallenge(challenge)),
      'CHALLENGE_EXPIRED',
    )
    assert.equal(
      code(() => sessions.takeChallenge(challenge)),
      'CHALLENGE_EXPIRED',
    )
  })

  it('an unknown challenge is refused', () => {
    const { sessions } = fixture()
    assert.equal(
      code(() => sessions.peekChallenge('ab'.repeat(32))),
      'CHALLENGE_UNKNOWN',
    )
  })

  it('outstanding challenges are bounded (SIGNIN_BUSY), expired ones make room', () => {
    let now = 0
    const sessions = new SignInSessions({
      now: () => now,
      random: (n) => crypto.getRandomValues(new Uint8Array(n)),
      limits: { challengesMax: 3 },
    })
    for (let i = 0; i < 3; i++) sessions.issueChallenge()
    assert.equal(
      code(() => sessions.issueChallenge()),
      'SIGNIN_BUSY',
    )
    now += SIGNIN_LIMITS.challengeTtlMs
    sessions.issueChallenge()
    assert.equal(sessions.counts().challenges, 1)
  })
})

describe('sessions and CSRF tokens', () => {
  it('a session ends after the idle time; each use restarts it', () => {
    const { sessions, advance } = fixture()
    const s = sessions.open(SUBJECT)
    assert.notEqual(s.id, s.csrf)
    advance(SIGNIN_LIMITS.sessionIdleMs - 1)
    assert.equal(sessions.use(s.id).id, s.id)
    advance(SIGNIN_LIMITS.sessionIdleMs - 1)
    assert.equal(sessions.use(s.id).id, s.id)
    advance(SIGNIN_LIMITS.sessionIdleMs)
    assert.equal(
      code(() => sessions.use(s.id)),
      'SESSION_REQUIRED',
    )
  })

  it('a session ends after its maximum life even when in use', () => {
    const { sessions, advance } = fixture()
    const s = sessions.open(SUBJECT)
    for (let t = 0; t < SIGNIN_LIMITS.sessionMaxMs; t += SIGNIN_LIMITS.sessionIdleMs / 2) {
      sessions.use(s.id)
      advance(SIGNIN_LIMITS.sessionIdleMs / 2)
    }
    assert.equal(
      code(() => sessions.use(s.id)),
      'SESSION_REQUIRED',
    )
  })

  it('a change needs the session and its CSRF token; a refusal leaves the session as it was', () => {
    const { sessions, advance } = fixture()
    const s = sessions.open(SUBJECT)
    assert.equal(
      code(() => sessions.useForChange(undefined, s.csrf)),
      'SESSION_REQUIRED',
    )
    assert.equal(
      code(() => sessions.useForChange(s.id, undefined)),
      'CSRF_MISMATCH',
    )
    assert.equal(
      code(() => sessions.useForChange(s.id, s.id)),
      'CSRF_MISMATCH',
    )
    assert.equal(
      code(() => sessions.useForChange(s.id, `${s.csrf}0`)),
      'CSRF_MISMATCH',
    )
    // The refused calls did not restart the idle time.
    advance(SIGNIN_LIMITS.sessionIdleMs)
    assert.equal(
      code(() => sessions.use(s.id)),
      'SESSION_REQUIRED',
    )
  })

  it('a closed session is gone', () => {
    const { sessions } = fixture()
    const s = sessions.open(SUBJECT)
    assert.equal(sessions.useForChange(s.id, s.csrf).id, s.id)
    sessions.close(s.id)
    assert.equal(
      code(() => sessions.use(s.id)),
      'SESSION_REQUIRED',
    )
  })
})

for (const suiteName of ['intl', 'gm'] as SuiteName[]) {
  describe(`sign-in routes (${suiteName})`, () => {
    const suite = getSuite(suiteName)
    const officer = suite.generateKeyPair()
    const stranger = suite.generateKeyPair()
    const chainId = 'govchain-test'
    const host = '127.0.0.1:8080'

    function routes(secure = false) {
      const f = fixture()
      const lookups: string[] = []
      const r = signInRoutes({
        sessions: f.sessions,
        suite,
        chainId,
        secure,
        idleMs: SIGNIN_LIMITS.sessionIdleMs,
        // Stands in for the node API's identity indexes (the browser test reads the real chain).
        lookupKey: async (key) => {
          lookups.push(toHex(key))
          return toHex(key) === toHex(officer.publicKey)
            ? { ...SUBJECT, publicKey: toHex(officer.publicKey) }
            : undefined
        },
      })
      return { ...f, r, lookups }
    }
    const headers = (extra: IncomingHttpHeaders = {}): IncomingHttpHeaders => ({ host, ...extra })
    const challengeOf = async (r: ReturnType<typeof routes>['r']) =>
      ((await r.handle('POST', '/session/challenge', headers(), undefined)) as { body: { challenge: string } }).body
        .challenge
    const answer = (challenge: string, key: { privateKey: Uint8Array; publicKey: Uint8Array }, signHost = host) =>
      JSON.stringify({
        challenge,
        publicKey: toHex(key.publicKey),
        signature: toHex(suite.sign(key.privateKey, portalSignInMessage({ chainId, host: signHost, challenge }))),
      })
    const cookieOf = (a: SignInAnswer) => a.headers!['set-cookie']!.split(';')[0]!

    it('signs in with the challenge signed by a registered key: HttpOnly, SameSite=Strict cookie and a CSRF token', async () => {
      const { r, sessions } = routes()
      const challenge = await challengeOf(r)
      const a = (await r.handle('POST', '/session', headers(), answer(challenge, officer)))!
      assert.equal(a.status, 200)
      const setCookie = a.headers!['set-cookie']!
      assert.match(setCookie, /^govchain_session=[0-9a-f]{64}; /)
      assert.match(setCookie, /; HttpOnly/)
      assert.match(setCookie, /; SameSite=Strict/)
      assert.match(setCookie, /; Path=\//)
      assert.match(setCookie, new RegExp(`; Max-Age=${SIGNIN_LIMITS.sessionIdleMs / 1000}`))
      assert.doesNotMatch(setCookie, /Secure/)
      const body = a.body as { subject: SignInSubject; csrf: string }
      assert.equal(body.subject.id, 'housing-clerk')
      assert.match(body.csrf, /^[0-9a-f]{64}$/)
      assert.equal(sessions.counts().sessions, 1)
      // The same answer again: the challenge is used up.
      assert.equal(
        await codeOf(r.handle('POST', '/session', headers(), answer(challenge, officer))),
        'CHALLENGE_UNKNOWN',
      )
      assert.equal(sessions.counts().sessions, 1)
      // GET /session reads it back through the cookie.
      const got = (await r.handle('GET', '/session', headers({ cookie: cookieOf(a) }), undefined))!
      assert.equal((got.body as { csrf: string }).csrf, body.csrf)
    })

    it('over https the cookie is Secure and __Host- prefixed', async () => {
      const { r } = routes(true)
      const a = (await r.handle('POST', '/session', headers(), answer(await challengeOf(r), officer)))!
      assert.match(a.headers!['set-cookie']!, /^__Host-govchain_session=[0-9a-f]{64}; .*; Secure; SameSite=Strict$/)
    })

    it('a wrong signature, another host or an unregistered key is refused, and the challenge stays usable', async () => {
      const { r, sessions, lookups } = routes()
      const challenge = await challengeOf(r)
      const forged = JSON.parse(answer(challenge, stranger)) as Record<string, string>
      forged.publicKey = toHex(officer.publicKey)
      assert.equal(
        await codeOf(r.handle('POST', '/session', headers(), JSON.stringify(forged))),
        'SIGNIN_SIGNATURE_INVALID',
      )
      assert.equal(
        await codeOf(r.handle('POST', '/session', headers(), answer(challenge, officer, 'evil.example:8080'))),
        'SIGNIN_SIGNATURE_INVALID',
      )
      assert.deepEqual(lookups, [], 'a bad signature is refused before the chain is asked')
      assert.equal(
        await codeOf(r.handle('POST', '/session', headers(), answer(challenge, stranger))),
        'SIGNIN_KEY_UNKNOWN',
      )
      assert.equal(await codeOf(r.handle('POST', '/session', headers(), '{"challenge":1}')), 'INVALID_ARGUMENT')
      assert.equal(await codeOf(r.handle('POST', '/session', headers(), 'not json')), 'INVALID_ARGUMENT')
      assert.deepEqual(sessions.counts(), { sessions: 0, challenges: 1 })
      const a = (await r.handle('POST', '/session', headers(), answer(challenge, officer)))!
      assert.equal(a.status, 200)
    })

    it('an expired challenge is refused', async () => {
      const { r, advance, sessions } = routes()
      const challenge = await challengeOf(r)
      advance(SIGNIN_LIMITS.challengeTtlMs + 1)
      assert.equal(
        await codeOf(r.handle('POST', '/session', headers(), answer(challenge, officer))),
        'CHALLENGE_EXPIRED',
      )
      assert.equal(sessions.counts().sessions, 0)
    })

    it('sign-out is a change: it needs the CSRF token', async () => {
      const { r } = routes()
      const a = (await r.handle('POST', '/session', headers(), answer(await challengeOf(r), officer)))!
      const cookie = cookieOf(a)
      const csrf = (a.body as { csrf: string }).csrf
      assert.equal(await codeOf(r.handle('POST', '/session/logout', headers({ cookie }), undefined)), 'CSRF_MISMATCH')
      assert.equal(
        code(() => r.requireChange(headers({ cookie }))),
        'CSRF_MISMATCH',
      )
      assert.equal(
        code(() => r.requireChange(headers({ [CSRF_HEADER]: csrf }))),
        'SESSION_REQUIRED',
      )
      assert.equal(r.requireChange(headers({ cookie, [CSRF_HEADER]: csrf })).csrf, csrf)
      const out = (await r.handle('POST', '/session/logout', headers({ cookie, [CSRF_HEADER]: csrf }), undefined))!
      assert.match(out.headers!['set-cookie']!, /^govchain_session=; Max-Age=0;/)
      const after = (await r.handle('GET', '/session', headers({ cookie }), undefined))!
      assert.deepEqual([after.status, after.body, after.headers], [200, { signedIn: false }, undefined])
    })
  })
}
