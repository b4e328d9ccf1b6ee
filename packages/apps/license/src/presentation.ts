/**
 * The short 亮证 QR (issue 15 item 6, docs/adr/0025-short-presentation-qr.md): an https verify
 * URL naming the licence and carrying a token the holder signs in the wallet, valid for a
 * minute, so a screenshot goes stale. Browser-safe and pure: the node (POST
 * /v1/licenses/presentations/verify) and the browser's offline check run the same code.
 *
 * The token is a JWS (RFC 7515) over a JWT Claims Set (RFC 7519) with registered claim names:
 *   {"iss": holder DID, "sub": licence id, "aud": verifier URL, "iat", "exp", "jti": nonce}
 * serialised as JSON in exactly that order. The URL carries the claim values as query parameters
 * and the JWS in its compact serialisation with the payload detached (RFC 7515 Appendix F):
 *   <aud>?c=<sub>&iss=<iss>&iat=<iat>&exp=<exp>&jti=<jti>&t=<b64url header>..<b64url signature>
 * The verifier rebuilds the payload from the parameters and its own audience, so each value
 * travels once and the URL fits a low-density QR. alg: "EdDSA" (Ed25519, RFC 8037) on intl,
 * "SM2SM3" (SM2 with SM3, as the licence credentials: credential.ts) on gm.
 */
import type { CryptoSuite, ErrorCode, SigningKey, ToSign } from '@govchain/core'
import { GovchainError, signNow, utf8 } from '@govchain/core'
import { base64urlDecode, base64urlEncode, JWS_ALG, STATUS_CODES } from './credential.ts'
import { type EffectiveStatus, effectiveStatus, type LicenseRecord, parseLicenseId } from './schema.ts'

export const PRESENTATION_LIMITS = {
  /** Lifetime of a token unless the wallet is told otherwise (seconds). */
  defaultLifetimeS: 60,
  minLifetimeS: 5,
  maxLifetimeS: 300,
  /** Clock difference between the holder's phone and the verifier that is tolerated (seconds). */
  skewS: 15,
  /** 96-bit nonce (jti), base64url. */
  nonceBytes: 12,
  urlChars: 1024,
} as const

const DID_RE = /^did:govchain:[1-9A-HJ-NP-Za-km-z]{1,32}$/
const NONCE_RE = /^[A-Za-z0-9_-]{16}$/
const SECONDS_RE = /^[1-9][0-9]{0,10}$/

/** What the URL carries (claim values and the detached JWS). */
export interface LicensePresentation {
  /** The licence id (sub). */
  c: string
  /** The holder DID (iss). */
  iss: string
  iat: number
  exp: number
  jti: string
  /** Compact JWS with detached payload: `<header>..<signature>`. */
  t: string
}

/** The JWT Claims Set the token signs, in its one serialisation. */
export function presentationPayload(p: Omit<LicensePresentation, 't'>, audience: string): string {
  return JSON.stringify({ iss: p.iss, sub: p.c, aud: audience, iat: p.iat, exp: p.exp, jti: p.jti })
}

function malformed(message: string): GovchainError {
  return new GovchainError('LICENSE_PRESENTATION_MALFORMED', message)
}

function randomNonce(): string {
  const b = new Uint8Array(PRESENTATION_LIMITS.nonceBytes)
  globalThis.crypto.getRandomValues(b)
  return base64urlEncode(b)
}

export interface SignPresentationInput {
  suite: CryptoSuite
  /** A current key of the holder DID (bytes or a KeySigner). */
  privateKey: SigningKey
  holder: string
  licenseId: string
  /** The verify page's URL without query, e.g. https://zwfw.example.cn/verify. */
  audience: string
  nowMs: number
  lifetimeS?: number
  /** Tests only; default 96 random bits. */
  nonce?: string
}

/** The holder signs a presentation of their licence; throws INVALID_ARGUMENT on a bad input. */
export function signPresentation(input: SignPresentationInput): LicensePresentation {
  return signNow(input.suite, input.privateKey, () => presentationToSign(input))
}

/** A presentation before the holder's signature (signPresentation's checks; the same bytes). */
export function presentationToSign(input: Omit<SignPresentationInput, 'privateKey'>): ToSign<LicensePresentation> {
  const lifetime = input.lifetimeS ?? PRESENTATION_LIMITS.defaultLifetimeS
  if (
    !Number.isInteger(lifetime) ||
    lifetime < PRESENTATION_LIMITS.minLifetimeS ||
    lifetime > PRESENTATION_LIMITS.maxLifetimeS
  ) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `lifetime must be ${PRESENTATION_LIMITS.minLifetimeS}-${PRESENTATION_LIMITS.maxLifetimeS} s`,
    )
  }
  if (parseLicenseId(input.licenseId) === undefined)
    throw new GovchainError('INVALID_ARGUMENT', 'not a licence identifier')
  if (!DID_RE.test(input.holder)) throw new GovchainError('INVALID_ARGUMENT', 'holder must be a DID')
  const iat = Math.floor(input.nowMs / 1000)
  const claims = {
    c: input.licenseId,
    iss: input.holder,
    iat,
    exp: iat + lifetime,
    jti: input.nonce ?? randomNonce(),
  }
  const header = base64urlEncode(utf8(JSON.stringify({ alg: JWS_ALG[input.suite.name] })))
  const signingInput = `${header}.${base64urlEncode(utf8(presentationPayload(claims, input.audience)))}`
  return {
    message: utf8(signingInput),
    finish: (signature) => ({ ...claims, t: `${header}..${base64urlEncode(signature)}` }),
  }
}

/**
 * The QR's URL: the audience with the presentation as its query. Every value is already
 * URL-safe (licence id [0-9A-Z.], DID [0-9A-Za-z:], digits, base64url, '.'; RFC 3986 allows ':'
 * in a query), so none is percent-encoded: the QR stays smaller.
 */
export function presentationUrl(audience: string, p: LicensePresentation): string {
  return `${audience}?c=${p.c}&iss=${p.iss}&iat=${p.iat}&exp=${p.exp}&jti=${p.jti}&t=${p.t}`
}

/** The presentation in a verify URL's query, or undefined when it has none (`c` and `t` absent). */
function presentationFromQuery(query: URLSearchParams): LicensePresentation | undefined {
  if (!query.has('c') && !query.has('t')) return undefined
  const text = (name: string): string => {
    const v = query.get(name)
    if (v === null || v.length === 0 || v.length > 256) throw malformed(`${name} is missing or too long`)
    return v
  }
  const seconds = (name: string): number => {
    const v = text(name)
    if (!SECONDS_RE.test(v)) throw malformed(`${name} is not a time in seconds`)
    return Number(v)
  }
  return { c: text('c'), iss: text('iss'), iat: seconds('iat'), exp: seconds('exp'), jti: text('jti'), t: text('t') }
}

/**
 * Reads a scanned or pasted verify URL: its presentation and the audience it names (origin and
 * path). Throws LICENSE_PRESENTATION_MALFORMED when it is not one.
 */
export function parsePresentationUrl(url: string): { audience: string; presentation: LicensePresentation } {
  if (typeof url !== 'string' || url.length > PRESENTATION_LIMITS.urlChars) throw malformed('not a verify URL')
  let u: URL
  try {
    u = new URL(url.trim())
  } catch {
    throw malformed('not a URL')
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw malformed('not an http(s) URL')
  const presentation = presentationFromQuery(u.searchParams)
  if (presentation === undefined) throw malformed('the URL carries no presentation (c, t)')
  return { audience: `${u.origin}${u.pathname}`, presentation }
}

// ---------------------------------------------------------------- verdict

type PresentationCheckName = 'format' | 'chain_record' | 'holder' | 'signature' | 'time' | 'status'

interface PresentationCheck {
  check: PresentationCheckName
  ok: boolean
  code?: ErrorCode
  message: string
  messageZh: string
}

/** `presentation_expired`: the token is stale (ask the holder to refresh); the licence may be fine. */
type PresentationVerdictName = 'valid' | 'presentation_expired' | Exclude<EffectiveStatus, 'active'> | 'invalid'

export interface PresentationVerdict {
  valid: boolean
  verdict: PresentationVerdictName
  reasons: ErrorCode[]
  checks: PresentationCheck[]
  licenseId: string | undefined
  holder: string | undefined
  /** When the token stops being accepted (exp + allowed skew), ms. */
  expiresAtMs: number | undefined
  status: EffectiveStatus | 'not_found' | undefined
  atHeight: number
  atTimeMs: number
}

export interface EvaluatePresentationInput {
  suite: CryptoSuite
  /** This verifier's audience: its verify page URL without query. */
  audience: string
  presentation: LicensePresentation
  /** The on-chain record of licence `c` (undefined: absent). */
  record: LicenseRecord | undefined
  /** The current keys of DID `iss` (empty when it is unknown or deactivated). */
  holderKeys: readonly Uint8Array[]
  /** The verifier's clock (ms), for the token's expiry only. */
  nowMs: number
  atHeight: number
  /** Block time of `atHeight`, for the licence's own status and validity. */
  atTimeMs: number
}

const STATUS_ZH: Record<Exclude<EffectiveStatus, 'active'>, string> = {
  suspended: '证照已暂停',
  revoked: '证照已注销',
  expired: '证照已过期',
  superseded: '证照已被新版本替代',
  not_yet_valid: '证照尚未生效',
}

/**
 * The verdict on a presentation: format, the licence on chain, holder = the licence's holder,
 * the signature by a current key of that DID, the token's time window, the licence's status.
 * Pure (the clock is an input): the node and the browser decide alike.
 */
export function evaluatePresentation(input: EvaluatePresentationInput): PresentationVerdict {
  const { suite, presentation: p, record } = input
  const checks: PresentationCheck[] = []
  const add = (
    check: PresentationCheckName,
    ok: boolean,
    message: string,
    messageZh: string,
    code?: ErrorCode,
  ): void => {
    checks.push(ok || code === undefined ? { check, ok, message, messageZh } : { check, ok, code, message, messageZh })
  }
  const done = (
    licenseId: string | undefined,
    status: PresentationVerdict['status'],
    expiresAtMs?: number,
  ): PresentationVerdict => {
    const failed = (name: PresentationCheckName) => checks.some((c) => c.check === name && !c.ok)
    let verdict: PresentationVerdictName = 'invalid'
    if (!failed('format') && !failed('chain_record') && !failed('holder') && !failed('signature')) {
      if (failed('time'))
        verdict =
          checks.find((c) => c.check === 'time')?.code === 'LICENSE_PRESENTATION_EXPIRED'
            ? 'presentation_expired'
            : 'invalid'
      else if (status !== undefined && status !== 'not_found') verdict = status === 'active' ? 'valid' : status
    }
    return {
      valid: verdict === 'valid',
      verdict,
      reasons: checks.filter((c) => !c.ok && c.code !== undefined).map((c) => c.code!),
      checks,
      licenseId,
      holder: licenseId === undefined ? undefined : p.iss,
      expiresAtMs,
      status,
      atHeight: input.atHeight,
      atTimeMs: input.atTimeMs,
    }
  }

  // Format: every value as signed, the lifetime within bounds, the header this chain's algorithm.
  const problem = formatProblem(suite, p)
  if (problem !== undefined) {
    add('format', false, `not a licence presentation: ${problem}`, '亮证码格式错误', 'LICENSE_PRESENTATION_MALFORMED')
    return done(undefined, undefined)
  }
  add('format', true, 'signed presentation token (JWS, RFC 7515)', '亮证码格式正确')
  const expiresAtMs = (p.exp + PRESENTATION_LIMITS.skewS) * 1000

  if (record === undefined) {
    add('chain_record', false, `licence ${p.c} is not on chain`, '链上无此证照记录', 'LICENSE_NOT_FOUND')
    return done(p.c, 'not_found', expiresAtMs)
  }
  add('chain_record', true, `licence found on chain at height ${input.atHeight}`, '链上找到证照记录')

  const holderOk = record.holder === p.iss
  add(
    'holder',
    holderOk,
    holderOk ? 'presented by the licence holder' : `presented by ${p.iss}, but the licence holder is ${record.holder}`,
    holderOk ? '出示人为持证主体' : '出示人不是持证主体',
    'LICENSE_PRESENTATION_HOLDER_MISMATCH',
  )
  const [header, , sig] = p.t.split('.') as [string, string, string]
  const signingInput = utf8(`${header}.${base64urlEncode(utf8(presentationPayload(p, input.audience)))}`)
  const signature = base64urlDecode(sig)
  const sigOk = input.holderKeys.some((k) => {
    try {
      return suite.verify(k, signingInput, signature)
    } catch {
      return false
    }
  })
  add(
    'signature',
    sigOk,
    sigOk
      ? "signed for this verifier by a current key of the holder's DID"
      : `the token does not verify with a current key of ${p.iss} for ${input.audience}`,
    sigOk ? '持证人签名有效' : '持证人签名无效（或非本核验方的亮证码）',
    'LICENSE_PRESENTATION_BAD_SIGNATURE',
  )
  const now = Math.floor(input.nowMs / 1000)
  if (p.iat > now + PRESENTATION_LIMITS.skewS) {
    add(
      'time',
      false,
      `issued ${p.iat - now} s in the future (clock skew beyond ${PRESENTATION_LIMITS.skewS} s)`,
      '亮证码时间晚于核验方时钟',
      'LICENSE_PRESENTATION_NOT_YET_VALID',
    )
  } else if (now > p.exp + PRESENTATION_LIMITS.skewS) {
    add(
      'time',
      false,
      `expired ${now - p.exp} s ago: ask the holder to refresh`,
      '已过期，请让持证人刷新',
      'LICENSE_PRESENTATION_EXPIRED',
    )
  } else {
    add('time', true, `fresh (expires in ${Math.max(0, p.exp - now)} s)`, '亮证码在有效期内')
  }

  const status = effectiveStatus(record, input.atTimeMs)
  if (status === 'active') add('status', true, `active at height ${input.atHeight}`, '证照状态有效')
  else add('status', false, `${status} at height ${input.atHeight}`, STATUS_ZH[status], STATUS_CODES[status])
  return done(p.c, status, expiresAtMs)
}

function formatProblem(suite: CryptoSuite, p: LicensePresentation): string | undefined {
  if (parseLicenseId(p.c) === undefined) return 'c is not a licence identifier'
  if (!DID_RE.test(p.iss)) return 'iss is not a DID'
  if (!NONCE_RE.test(p.jti)) return 'jti is not a 96-bit nonce'
  if (!Number.isSafeInteger(p.iat) || !Number.isSafeInteger(p.exp) || p.iat <= 0) return 'iat/exp are not times'
  const lifetime = p.exp - p.iat
  if (lifetime < PRESENTATION_LIMITS.minLifetimeS || lifetime > PRESENTATION_LIMITS.maxLifetimeS)
    return `lifetime ${lifetime} s is outside ${PRESENTATION_LIMITS.minLifetimeS}-${PRESENTATION_LIMITS.maxLifetimeS} s`
  const parts = typeof p.t === 'string' ? p.t.split('.') : []
  if (parts.length !== 3 || parts[1] !== '') return 't is not a JWS with a detached payload (header..signature)'
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(parts[0]!)))
    if (base64urlDecode(parts[2]!).length !== 64) return 'the signature is not 64 bytes'
  } catch {
    return 'the JWS header or signature does not decode'
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'the JWS header is not an object'
  const h = header as Record<string, unknown>
  if (h.alg !== JWS_ALG[suite.name]) return `alg ${String(h.alg)} is not this chain's (${JWS_ALG[suite.name]})`
  // RFC 7515 §4.1.11: a critical extension this verifier does not know must be refused.
  if ('crit' in h || 'b64' in h) return 'the JWS header asks for extensions this verifier does not support'
  return undefined
}
