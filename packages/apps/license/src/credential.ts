/**
 * Licence credentials (the off-chain half of an electronic licence) and their verification,
 * shared by the node (POST /v1/licenses/verify) and the SDK (issuer, holder and offline
 * verifier), so a verdict is computed the same way everywhere. docs/adr/0007.
 *
 * Format: an SD-JWT (IETF SD-JWT, RFC 9901; SD-JWT VC, draft-ietf-oauth-sd-jwt-vc), compact
 * serialisation `<issuer-signed JWT>~<disclosure>~...~` without key binding.
 *   intl: JWS alg "EdDSA" (Ed25519, RFC 8037), `_sd_alg` "sha-256": standard libraries (jose,
 *         @sd-jwt/*) verify it given the issuer's public key.
 *   gm:   JWS alg "SM2SM3": SM2 signature (GB/T 32918.2) with SM3 and the default
 *         distinguishing ID "1234567812345678" over the ASCII signing input, signature r||s
 *         (64 bytes, base64url); `_sd_alg` "sm3"; the key as JWK {kty:"EC", crv:"SM2", x, y}.
 * Every licence field is a selectively disclosable claim (a disclosure [salt, name, value] with
 * a 128-bit random salt; the payload holds only base64url(hash(disclosure)) digests), so the
 * holder shows only what a verifier needs, and the hash of the issuer-signed JWT that goes on
 * chain is a salted commitment that reveals nothing.
 *
 * QR payloads: `GCL1:` + base45 (RFC 9285) of deflate(binary LicenceQr), QR alphanumeric mode.
 */

import type { CryptoSuite, SigningKey, SuiteName, ToSign } from '@govchain/core'
import {
  codec,
  decode,
  type ErrorCode,
  encode,
  equalBytes,
  GovchainError,
  hash32,
  packQrPayload,
  signNow,
  toHex,
  unpackQrPayload,
  utf8,
} from '@govchain/core'
import {
  type EffectiveStatus,
  effectiveStatus,
  LICENSE_LIMITS,
  type LicenseRecord,
  type LicenseTypeRecord,
  parseLicenseId,
} from './schema.ts'

const { bytes, option, string, struct, u64, union, vec } = codec

export const CREDENTIAL_LIMITS = {
  /** A whole compact SD-JWT (text). */
  credentialChars: 16 * 1024,
  disclosures: 64,
  disclosureChars: 2048,
  qrChars: 8 * 1024,
  /** Inflated QR record: bounds decompression of hostile input. */
  qrInflatedBytes: 16 * 1024,
} as const

export const JWS_ALG: Record<SuiteName, string> = { intl: 'EdDSA', gm: 'SM2SM3' }
export const SD_ALG: Record<SuiteName, string> = { intl: 'sha-256', gm: 'sm3' }
export const CREDENTIAL_TYP = 'dc+sd-jwt'

// ---------------------------------------------------------------- base64url

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64URL_CHARS = /^[A-Za-z0-9_-]*$/

export function base64urlEncode(b: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!
  }
  const rest = b.length - i
  if (rest === 1) {
    const n = b[i]! << 16
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8)
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!
  }
  return out
}

/** Strict: unpadded base64url with zero pad bits (the one canonical form), else throws. */
export function base64urlDecode(s: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 === 1 || !B64URL_CHARS.test(s)) throw malformed('not base64url')
  // The last character of a 2- or 3-character tail carries 4 or 2 unused bits, which must be zero.
  const tail = s.length % 4
  if (tail !== 0 && (B64URL.indexOf(s[s.length - 1]!) & (tail === 2 ? 0x0f : 0x03)) !== 0)
    throw malformed('base64url has non-zero pad bits')
  // Checked above to be canonical, so the platform's decoder (forgiving base64, no padding) reads it.
  const bin = atob(s.replaceAll('-', '+').replaceAll('_', '/'))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function malformed(message: string, details?: Record<string, unknown>): GovchainError {
  return new GovchainError('LICENSE_CREDENTIAL_MALFORMED', message, details)
}

const textDecoder = new TextDecoder('utf-8', { fatal: true })
function jsonOf(b64: string, what: string): unknown {
  try {
    return JSON.parse(textDecoder.decode(base64urlDecode(b64)))
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw malformed(`${what} is not JSON`)
  }
}
function b64json(value: unknown): string {
  return base64urlEncode(utf8(JSON.stringify(value)))
}

// ---------------------------------------------------------------- keys as JWK

export interface Jwk {
  kty: string
  crv: string
  x: string
  y?: string
}

/** The suite public key as a JWK: Ed25519 {kty: OKP, crv: Ed25519, x}; SM2 {kty: EC, crv: SM2, x, y}. */
export function publicKeyJwk(suite: CryptoSuite, publicKey: Uint8Array): Jwk {
  if (suite.name === 'intl') {
    if (publicKey.length !== 32) throw new GovchainError('CRYPTO_INVALID_KEY', 'Ed25519 key is 32 bytes')
    return { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(publicKey) }
  }
  if (publicKey.length !== 65 || publicKey[0] !== 4)
    throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 key is 04||x||y')
  return {
    kty: 'EC',
    crv: 'SM2',
    x: base64urlEncode(publicKey.subarray(1, 33)),
    y: base64urlEncode(publicKey.subarray(33)),
  }
}

// ---------------------------------------------------------------- SD-JWT

export interface Disclosure {
  /** The disclosure exactly as it travels (base64url). */
  encoded: string
  salt: string
  name: string
  value: unknown
  /** base64url(hash(ascii(encoded))): what the payload's _sd holds. */
  digest: string
}

export interface ParsedSdJwt {
  /** The issuer-signed JWT (header.payload.signature). */
  jwt: string
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: string
  signature: Uint8Array
  disclosures: Disclosure[]
}

export function disclosureDigest(suite: CryptoSuite, encoded: string): string {
  return base64urlEncode(suite.hash(utf8(encoded)))
}

/** The credential hash recorded on chain: suite.hash(utf8(issuer-signed JWT)). */
export function credentialHash(suite: CryptoSuite, jwt: string): Uint8Array {
  return suite.hash(utf8(jwt))
}

/** Splits and decodes a compact SD-JWT. Throws LICENSE_CREDENTIAL_MALFORMED; checks no signature. */
export function parseSdJwt(suite: CryptoSuite, compact: string): ParsedSdJwt {
  if (typeof compact !== 'string' || compact.length === 0) throw malformed('credential must be a non-empty string')
  if (compact.length > CREDENTIAL_LIMITS.credentialChars) throw malformed('credential is too long')
  const parts = compact.split('~')
  const jwt = parts[0]!
  // With no key-binding JWT the serialisation ends with '~' (an empty last part).
  const last = parts[parts.length - 1]
  if (parts.length < 2 || last !== '') throw malformed('not an SD-JWT (expected <jwt>~<disclosures>~)')
  const discParts = parts.slice(1, -1)
  if (discParts.length > CREDENTIAL_LIMITS.disclosures) throw malformed('too many disclosures')
  const segs = jwt.split('.')
  if (segs.length !== 3) throw malformed('the issuer-signed JWT must have three parts')
  const [h, p, s] = segs as [string, string, string]
  const header = jsonOf(h, 'JWT header')
  const payload = jsonOf(p, 'JWT payload')
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw malformed('JWT header is not an object')
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw malformed('JWT payload is not an object')
  }
  const signature = base64urlDecode(s)
  const seen = new Set<string>()
  const disclosures = discParts.map((encoded, i) => {
    if (encoded.length === 0 || encoded.length > CREDENTIAL_LIMITS.disclosureChars) {
      throw malformed(`disclosure ${i} is empty or too long`)
    }
    const arr = jsonOf(encoded, `disclosure ${i}`)
    if (!Array.isArray(arr) || arr.length !== 3 || typeof arr[0] !== 'string' || typeof arr[1] !== 'string') {
      throw malformed(`disclosure ${i} is not [salt, name, value]`)
    }
    if (arr[1] === '_sd' || arr[1] === '...') throw malformed(`disclosure ${i} uses a reserved claim name`)
    const digest = disclosureDigest(suite, encoded)
    if (seen.has(digest)) throw malformed(`disclosure ${i} appears twice`)
    seen.add(digest)
    return { encoded, salt: arr[0], name: arr[1], value: arr[2] as unknown, digest }
  })
  return {
    jwt,
    header: header as Record<string, unknown>,
    payload: payload as Record<string, unknown>,
    signingInput: `${h}.${p}`,
    signature,
    disclosures,
  }
}

export function verifySdJwtSignature(suite: CryptoSuite, publicKey: Uint8Array, parsed: ParsedSdJwt): boolean {
  if (parsed.header.alg !== JWS_ALG[suite.name]) return false
  return suite.verify(publicKey, utf8(parsed.signingInput), parsed.signature)
}

function randomSalt(): string {
  const b = new Uint8Array(16)
  globalThis.crypto.getRandomValues(b)
  return base64urlEncode(b)
}

export interface IssueSdJwtInput {
  suite: CryptoSuite
  /** The issuer's key: its bytes or a KeySigner. */
  privateKey: SigningKey
  header?: Record<string, unknown>
  /** Claims in clear (never personal data). */
  claims: Record<string, unknown>
  /** Selectively disclosable claims (each becomes one disclosure). */
  disclosable: Record<string, unknown>
  /** Salt source (default: 128 random bits from the platform CSPRNG); tests may inject one. */
  salt?: () => string
}

export interface IssuedSdJwt {
  /** The compact SD-JWT with every disclosure (what the holder keeps). */
  credential: string
  jwt: string
  disclosures: string[]
  /** suite.hash(utf8(jwt)). */
  hash: Uint8Array
}

/** Signs an SD-JWT. Digests in `_sd` are sorted, so their order reveals nothing. */
export function issueSdJwt(input: IssueSdJwtInput): IssuedSdJwt {
  return signNow(input.suite, input.privateKey, () => sdJwtToSign(input))
}

/** An SD-JWT before its issuer's signature: the JWS signing input, and the credential it makes. */
export function sdJwtToSign(input: Omit<IssueSdJwtInput, 'privateKey'>): ToSign<IssuedSdJwt> {
  const { suite } = input
  const salt = input.salt ?? randomSalt
  const disclosures: string[] = []
  const digests: string[] = []
  for (const [name, value] of Object.entries(input.disclosable)) {
    if (value === undefined) continue
    const encoded = b64json([salt(), name, value])
    disclosures.push(encoded)
    digests.push(disclosureDigest(suite, encoded))
  }
  digests.sort()
  const header = { alg: JWS_ALG[suite.name], typ: CREDENTIAL_TYP, ...input.header }
  const payload = { ...input.claims, _sd: digests, _sd_alg: SD_ALG[suite.name] }
  const signingInput = `${b64json(header)}.${b64json(payload)}`
  return {
    message: utf8(signingInput),
    finish: (signature) => {
      const jwt = `${signingInput}.${base64urlEncode(signature)}`
      return {
        credential: `${jwt}~${disclosures.map((d) => `${d}~`).join('')}`,
        jwt,
        disclosures,
        hash: credentialHash(suite, jwt),
      }
    },
  }
}

/** A presentation with only the disclosures of `names` (holder side; no new signature needed). */
export function presentSdJwt(suite: CryptoSuite, compact: string, names: readonly string[]): string {
  const parsed = parseSdJwt(suite, compact)
  const keep = new Set(names)
  const chosen = parsed.disclosures.filter((d) => keep.has(d.name))
  return `${parsed.jwt}~${chosen.map((d) => `${d.encoded}~`).join('')}`
}

// ---------------------------------------------------------------- licence credentials

export const LICENSE_CLAIMS = {
  issuerPrefix: 'urn:govchain:org:',
  typePrefix: 'urn:govchain:license-type:',
} as const

export interface LicenseCredentialInput {
  suite: CryptoSuite
  chainId: string
  /** The issuing officer's key, bytes or a KeySigner (the same key that sends the issue transaction). */
  privateKey: SigningKey
  id: string
  type: Pick<LicenseTypeRecord, 'code' | 'name' | 'nameEn' | 'fields'>
  issuer: { orgId: string; name?: string }
  holder: string
  validFromMs: number
  validUntilMs: number
  issuedAtMs: number
  /** Field values by field name (the type's fields); every one becomes a disclosure. */
  fields: Record<string, string>
  salt?: () => string
}

/**
 * Issues a licence credential: public metadata in clear (GB/T 36903 core metadata: licence
 * identifier, type, issuing authority, validity, holder DID — no personal data), every field
 * of the licence as a disclosure. Throws INVALID_ARGUMENT for unknown or missing required fields.
 */
export function issueLicenseCredential(input: LicenseCredentialInput): IssuedSdJwt {
  return signNow(input.suite, input.privateKey, () => licenseCredentialToSign(input))
}

/** A licence credential before the issuing officer's signature (issueLicenseCredential's checks). */
export function licenseCredentialToSign(input: Omit<LicenseCredentialInput, 'privateKey'>): ToSign<IssuedSdJwt> {
  const known = new Map(input.type.fields.map((f) => [f.name, f]))
  for (const name of Object.keys(input.fields)) {
    if (!known.has(name))
      throw new GovchainError('INVALID_ARGUMENT', `field ${name} is not a field of ${input.type.code}`)
    if (typeof input.fields[name] !== 'string')
      throw new GovchainError('INVALID_ARGUMENT', `field ${name} must be text`)
  }
  for (const f of input.type.fields) {
    if (f.required && (input.fields[f.name] === undefined || input.fields[f.name] === '')) {
      throw new GovchainError('INVALID_ARGUMENT', `required field ${f.name} (${f.label}) is missing`)
    }
  }
  if (parseLicenseId(input.id) === undefined)
    throw new GovchainError('INVALID_ARGUMENT', 'id is not a licence identifier')
  const claims: Record<string, unknown> = {
    iss: `${LICENSE_CLAIMS.issuerPrefix}${input.issuer.orgId}`,
    sub: input.holder,
    vct: `${LICENSE_CLAIMS.typePrefix}${input.type.code}`,
    jti: input.id,
    iat: Math.floor(input.issuedAtMs / 1000),
    nbf: Math.floor(input.validFromMs / 1000),
    ...(input.validUntilMs === 0 ? {} : { exp: Math.floor(input.validUntilMs / 1000) }),
    // GB/T 36903 core metadata that is not personal; the status lives on chain under (chain, jti).
    license: {
      chain: input.chainId,
      type: input.type.code,
      typeName: input.type.name,
      issuer: input.issuer.orgId,
      ...(input.issuer.name === undefined ? {} : { issuerName: input.issuer.name }),
    },
  }
  return sdJwtToSign({
    suite: input.suite,
    claims,
    disclosable: input.fields,
    ...(input.salt === undefined ? {} : { salt: input.salt }),
  })
}

// ---------------------------------------------------------------- verdicts

export type CheckName =
  | 'format'
  | 'chain_record'
  | 'credential_hash'
  | 'signature'
  | 'issuer_authorised'
  | 'claims'
  | 'disclosures'
  | 'status'

export interface VerdictCheck {
  check: CheckName
  ok: boolean
  code?: ErrorCode
  message: string
  messageZh: string
}

export type VerdictName = 'valid' | Exclude<EffectiveStatus, 'active'> | 'invalid'

export interface DisclosedField {
  name: string
  label: string
  labelEn: string
  value: unknown
}

export interface LicenseVerdict {
  valid: boolean
  verdict: VerdictName
  reasons: ErrorCode[]
  checks: VerdictCheck[]
  /** The licence id the credential names (jti), when it parsed. */
  licenseId: string | undefined
  disclosed: DisclosedField[]
  /** Effective status at `atTimeMs` (block time of `atHeight`), when the record is known. */
  status: EffectiveStatus | 'not_found' | undefined
  atHeight: number
  atTimeMs: number
}

export interface EvaluateInput {
  suite: CryptoSuite
  /** The chain the verifier trusts; a credential of another chain is rejected. */
  chainId: string
  credential: string
  /** `credential` already parsed (parseSdJwt), so a caller that read its licence id parses once. */
  parsed?: ParsedSdJwt
  /** The on-chain record of the credential's licence id at `atHeight` (undefined: absent). */
  record: LicenseRecord | undefined
  /** The licence type (labels and field names), when known. */
  type?: LicenseTypeRecord | undefined
  atHeight: number
  /** Block time of `atHeight` (or a later time the caller vouches for, for expiry). */
  atTimeMs: number
}

/** The reason code of each licence status but active (verdicts of credentials and presentations). */
export const STATUS_CODES: Record<Exclude<EffectiveStatus, 'active'>, ErrorCode> = {
  suspended: 'LICENSE_SUSPENDED',
  revoked: 'LICENSE_REVOKED',
  expired: 'LICENSE_EXPIRED',
  superseded: 'LICENSE_SUPERSEDED',
  not_yet_valid: 'LICENSE_NOT_YET_VALID',
}
const STATUS_ZH: Record<EffectiveStatus, string> = {
  active: '有效',
  suspended: '已暂停',
  revoked: '已撤销',
  expired: '已过期',
  superseded: '已被新版本替代',
  not_yet_valid: '尚未生效',
}

/** Reads the licence id a credential names (jti), without verifying anything; undefined if it does not parse. */
export function credentialLicenseId(suite: CryptoSuite, credential: string): string | undefined {
  const parsed = tryParseSdJwt(suite, credential)
  return parsed === undefined ? undefined : licenseIdOf(parsed)
}

/** parseSdJwt, or undefined when the credential does not parse (evaluateLicense reports why). */
export function tryParseSdJwt(suite: CryptoSuite, credential: string): ParsedSdJwt | undefined {
  try {
    return parseSdJwt(suite, credential)
  } catch {
    return undefined
  }
}

/** The licence id (`jti`) a parsed credential names, when it is a well-formed one. */
export function licenseIdOf(parsed: ParsedSdJwt): string | undefined {
  const jti = parsed.payload.jti
  return typeof jti === 'string' && parseLicenseId(jti) !== undefined ? jti : undefined
}

/** Hex characters of the seal fingerprint printed under the licence's seal. */
export const SEAL_FINGERPRINT_HEX = 12

/**
 * The fingerprint that binds the printed seal to the issuer's signature: the first
 * SEAL_FINGERPRINT_HEX hex digits (upper case) of suite.hash(JWS signature bytes) of the
 * issuer-signed JWT. Every presentation of a credential shares it (disclosures do not change the
 * JWT), so a verifier recomputes it from the QR's credential and compares it with the page.
 * Throws LICENSE_CREDENTIAL_MALFORMED when the credential does not parse.
 */
export function sealFingerprint(suite: CryptoSuite, credential: string): string {
  const sig = parseSdJwt(suite, credential).signature
  return toHex(suite.hash(sig)).slice(0, SEAL_FINGERPRINT_HEX).toUpperCase()
}

/**
 * The verdict on a credential given the chain's record of its licence: every check, in order,
 * with its reason. Pure: no clock, no I/O — the node and the offline SDK run the same code.
 */
export function evaluateLicense(input: EvaluateInput): LicenseVerdict {
  const { suite, record } = input
  const checks: VerdictCheck[] = []
  const add = (check: CheckName, ok: boolean, message: string, messageZh: string, code?: ErrorCode): void => {
    checks.push(ok || code === undefined ? { check, ok, message, messageZh } : { check, ok, code, message, messageZh })
  }
  const done = (status: LicenseVerdict['status'], licenseId: string | undefined, disclosed: DisclosedField[]) => {
    const reasons = checks.filter((c) => !c.ok && c.code !== undefined).map((c) => c.code!)
    const cryptoOk = checks.filter((c) => c.check !== 'status').every((c) => c.ok)
    let verdict: VerdictName = 'invalid'
    if (cryptoOk && status !== undefined && status !== 'not_found') verdict = status === 'active' ? 'valid' : status
    return {
      valid: verdict === 'valid',
      verdict,
      reasons,
      checks,
      licenseId,
      disclosed,
      status,
      atHeight: input.atHeight,
      atTimeMs: input.atTimeMs,
    }
  }

  let parsed: ParsedSdJwt
  try {
    parsed = input.parsed ?? parseSdJwt(suite, input.credential)
  } catch (e) {
    add(
      'format',
      false,
      `not a licence credential: ${(e as Error).message}`,
      '凭证格式错误',
      'LICENSE_CREDENTIAL_MALFORMED',
    )
    return done(undefined, undefined, [])
  }
  const p = parsed.payload
  const lic = (typeof p.license === 'object' && p.license !== null ? p.license : {}) as Record<string, unknown>
  const jti = typeof p.jti === 'string' ? p.jti : undefined
  if (jti === undefined || parseLicenseId(jti) === undefined) {
    add(
      'format',
      false,
      'the credential names no valid licence identifier (jti)',
      '凭证缺少有效的证照标识',
      'LICENSE_CREDENTIAL_MALFORMED',
    )
    return done(undefined, undefined, [])
  }
  if (parsed.header.alg !== JWS_ALG[suite.name]) {
    add(
      'format',
      false,
      `signature algorithm ${String(parsed.header.alg)} is not this chain's (${JWS_ALG[suite.name]})`,
      '签名算法与本链密码套件不符',
      'LICENSE_CREDENTIAL_MALFORMED',
    )
    return done(undefined, jti, [])
  }
  if (lic.chain !== input.chainId) {
    add(
      'format',
      false,
      `credential is for chain ${String(lic.chain)}, not ${input.chainId}`,
      '凭证不属于本链',
      'LICENSE_WRONG_CHAIN',
    )
    return done(undefined, jti, [])
  }
  add('format', true, 'SD-JWT licence credential parsed', '凭证格式正确')

  if (record === undefined) {
    add(
      'chain_record',
      false,
      `licence ${jti} is not on chain at height ${input.atHeight}`,
      '链上无此证照记录',
      'LICENSE_NOT_FOUND',
    )
    add(
      'issuer_authorised',
      false,
      'no authorised issuance of this licence is recorded on chain',
      '链上无授权机构签发此证照的记录',
      'LICENSE_ISSUER_NOT_AUTHORISED',
    )
    return done('not_found', jti, [])
  }
  add(
    'chain_record',
    true,
    `licence found on chain at height ${input.atHeight}`,
    `链上找到证照记录(高度 ${input.atHeight})`,
  )

  const hashOk = equalBytes(credentialHash(suite, parsed.jwt), record.credentialHash)
  add(
    'credential_hash',
    hashOk,
    hashOk
      ? 'credential matches the on-chain hash'
      : 'credential does not match the hash recorded on chain (altered or not this licence)',
    hashOk ? '凭证与链上哈希一致' : '凭证与链上哈希不一致(已被篡改或非此证照)',
    'LICENSE_CREDENTIAL_HASH_MISMATCH',
  )
  const sigOk = verifySdJwtSignature(suite, record.issuerKey, parsed)
  add(
    'signature',
    sigOk,
    sigOk
      ? "signed by the issuing officer's key recorded on chain"
      : "signature does not verify with the issuing officer's key",
    sigOk ? '签名有效(链上记录的签发人员密钥)' : '签名无效',
    'LICENSE_SIGNATURE_INVALID',
  )
  const issOk = p.iss === `${LICENSE_CLAIMS.issuerPrefix}${record.issuerOrg}` && hashOk && sigOk
  add(
    'issuer_authorised',
    issOk,
    issOk
      ? `${record.issuerOrg} was authorised for this type when it issued (height ${record.issuedHeight})`
      : `the credential's issuer ${String(p.iss)} is not the authorised issuer recorded on chain`,
    issOk
      ? `签发机构 ${record.issuerOrg} 在签发时(高度 ${record.issuedHeight})具有该证照类型的签发授权`
      : '签发机构未获授权',
    'LICENSE_ISSUER_NOT_AUTHORISED',
  )
  const claimErrors: string[] = []
  if (p.sub !== record.holder) claimErrors.push('sub')
  if (p.vct !== `${LICENSE_CLAIMS.typePrefix}${record.typeCode}`) claimErrors.push('vct')
  if (jti !== record.id) claimErrors.push('jti')
  if (p.nbf !== Math.floor(record.validFromMs / 1000)) claimErrors.push('nbf')
  if ((record.validUntilMs === 0 ? undefined : Math.floor(record.validUntilMs / 1000)) !== p.exp)
    claimErrors.push('exp')
  add(
    'claims',
    claimErrors.length === 0,
    claimErrors.length === 0
      ? 'identifier, holder, type and validity agree with the on-chain record'
      : `claims disagree with the on-chain record: ${claimErrors.join(', ')}`,
    claimErrors.length === 0 ? '证照标识、持证主体、类型和有效期与链上一致' : '凭证声明与链上记录不一致',
    'LICENSE_CLAIMS_MISMATCH',
  )

  const sd = Array.isArray(p._sd) ? new Set(p._sd.filter((x): x is string => typeof x === 'string')) : new Set<string>()
  const fieldsByName = new Map((input.type?.fields ?? []).map((f) => [f.name, f]))
  const bad: string[] = []
  const disclosed: DisclosedField[] = []
  for (const d of parsed.disclosures) {
    if (!sd.has(d.digest)) {
      bad.push(d.name)
      continue
    }
    const f = fieldsByName.get(d.name)
    disclosed.push({ name: d.name, label: f?.label ?? d.name, labelEn: f?.labelEn ?? d.name, value: d.value })
  }
  if (p._sd_alg !== SD_ALG[suite.name]) bad.push(`_sd_alg ${String(p._sd_alg)}`)
  add(
    'disclosures',
    bad.length === 0,
    bad.length === 0
      ? `${disclosed.length} disclosed field(s), all covered by the signature`
      : `disclosure(s) not covered by the signed digests (altered): ${bad.join(', ')}`,
    bad.length === 0 ? `出示字段 ${disclosed.length} 项,均经签名保护` : '出示的字段被篡改',
    'LICENSE_DISCLOSURE_INVALID',
  )

  const status = effectiveStatus(record, input.atTimeMs)
  if (status === 'active') {
    add('status', true, `active at height ${input.atHeight}`, `状态有效(高度 ${input.atHeight})`)
  } else {
    const why = record.reason === undefined ? '' : `: ${record.reasonCode ?? ''} ${record.reason}`.trimEnd()
    add(
      'status',
      false,
      `${status} at height ${input.atHeight}${status === 'suspended' || status === 'revoked' ? why : ''}`,
      `${STATUS_ZH[status]}(高度 ${input.atHeight})`,
      STATUS_CODES[status],
    )
  }
  return done(status, jti, disclosed)
}

// ---------------------------------------------------------------- QR payloads

export const QR_PREFIX = 'GCL1:'

/** The licence record's state proof, as `GET /v1/state/license/<key>?prove=true` gives it. */
export const QrProof = struct({
  height: u64,
  value: bytes(4096),
  proof: bytes(16 * 1024),
  headerBytes: bytes(2048),
  certificate: bytes(32 * 1024),
})
export type QrProof = codec.Infer<typeof QrProof>

/**
 * A compact SD-JWT as the bytes its base64url parts decode to (JSON header and payload, raw
 * signature, JSON disclosures): ~25% smaller than the text, and deflate then shrinks the JSON.
 * The text is rebuilt exactly, since unpadded base64url with zero pad bits is canonical.
 */
export const QrCredential = struct({
  header: bytes(1024),
  payload: bytes(CREDENTIAL_LIMITS.credentialChars),
  signature: bytes(128),
  disclosures: vec(bytes(CREDENTIAL_LIMITS.disclosureChars), CREDENTIAL_LIMITS.disclosures),
})
export type QrCredential = codec.Infer<typeof QrCredential>

export function credentialToQr(compact: string): QrCredential {
  const parts = compact.split('~')
  const segs = (parts[0] ?? '').split('.')
  if (segs.length !== 3 || parts.length < 2 || parts[parts.length - 1] !== '') throw malformed('not an SD-JWT')
  const [h, p, s] = segs as [string, string, string]
  return {
    header: base64urlDecode(h),
    payload: base64urlDecode(p),
    signature: base64urlDecode(s),
    disclosures: parts.slice(1, -1).map((d) => base64urlDecode(d)),
  }
}

export function credentialFromQr(c: QrCredential): string {
  const jwt = `${base64urlEncode(c.header)}.${base64urlEncode(c.payload)}.${base64urlEncode(c.signature)}`
  return `${jwt}~${c.disclosures.map((d) => `${base64urlEncode(d)}~`).join('')}`
}

export const LicenseQr = union({
  /** The SD-JWT with the holder's chosen disclosures, and optionally the proof of its record. */
  full: struct({ chainId: string(64), credential: QrCredential, proof: option(QrProof) }),
  /** A reference (printed licence too large for the full form): needs a node to check. */
  ref: struct({ chainId: string(64), licenseId: string(LICENSE_LIMITS.idBytes), credentialHash: hash32 }),
})
export type LicenseQr = codec.Infer<typeof LicenseQr>

/** RFC 9285 base45, now in core (the evidence QR uses it too); re-exported for this package's users. */
export { base45Decode, base45Encode } from '@govchain/core'

export function encodeLicenseQr(qr: LicenseQr): string {
  return packQrPayload(QR_PREFIX, encode(LicenseQr, qr))
}

/** Decodes `GCL1:...`; throws LICENSE_CREDENTIAL_MALFORMED on anything else. */
export function decodeLicenseQr(text: string): LicenseQr {
  const raw = unpackQrPayload(
    text,
    QR_PREFIX,
    { maxChars: CREDENTIAL_LIMITS.qrChars, maxInflatedBytes: CREDENTIAL_LIMITS.qrInflatedBytes },
    malformed,
  )
  try {
    return decode(LicenseQr, raw)
  } catch {
    throw malformed('QR payload does not decode')
  }
}
