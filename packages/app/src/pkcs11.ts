/**
 * The `pkcs11` key backend (docs/adr/0023-key-custody.md): a validator's or officer's key lives
 * on a PKCS#11 token (an HSM; SoftHSM2 in the tests) and never leaves it. A key file then holds
 * only a reference — module, token label, key label, public key — and the token signs through
 * pkcs11js (PKCS#11 v2.40 / v3.0 `C_Sign`, synchronous, as consensus needs).
 *
 *   intl: Ed25519 keys, CKK_EC_EDWARDS with CKM_EDDSA (PKCS#11 v3.0 §2.3.14). Tested against
 *         SoftHSM2.
 *   gm:   no software token implements SM2, so the mechanism is the vendor's (CKM_VENDOR_DEFINED
 *         range, e.g. an SM2-with-SM3 mechanism that computes Z_A itself) and is configured in
 *         the reference (`mechanism`). Untested here (docs/operations.md says so); every opened
 *         key signs a probe that is checked with the suite's own verify, so a wrong mechanism is
 *         refused at start rather than producing bad votes.
 *
 * The PIN comes from GOVCHAIN_PKCS11_PIN or the first line of the file GOVCHAIN_PKCS11_PIN_FILE
 * names. pkcs11js is an optional dependency, loaded on first use (PKCS11_UNAVAILABLE without it).
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { createSecureContext } from 'node:tls'
import { GovchainError, getSuite, type KeySigner, type SuiteName, toHex, utf8 } from '@govchain/core'
import { secretFromEnvironment } from './secret-env.ts'

export const PKCS11_REF_KIND = 'govchain-pkcs11'

/** PKCS#11 v3.0 values (pkcs11js 2.1 does not name the Edwards ones). */
export const PKCS11 = {
  CKO_PRIVATE_KEY: 3,
  CKO_PUBLIC_KEY: 2,
  CKK_EC_EDWARDS: 0x40,
  CKM_EC_EDWARDS_KEY_PAIR_GEN: 0x1055,
  CKM_EDDSA: 0x1057,
  CKU_USER: 1,
  CKF_RW_SESSION: 2,
  CKF_SERIAL_SESSION: 4,
  CKA_CLASS: 0x0,
  CKA_TOKEN: 0x1,
  CKA_PRIVATE: 0x2,
  CKA_LABEL: 0x3,
  CKA_VALUE: 0x11,
  CKA_KEY_TYPE: 0x100,
  CKA_SENSITIVE: 0x103,
  CKA_SIGN: 0x108,
  CKA_VERIFY: 0x10a,
  CKA_EXTRACTABLE: 0x162,
  CKA_EC_PARAMS: 0x180,
  CKA_EC_POINT: 0x181,
  CKA_ID: 0x102,
  CKK_EC: 0x3,
  CKM_EC_KEY_PAIR_GEN: 0x1040,
} as const

/** DER of the Ed25519 object identifier 1.3.101.112 (RFC 8410), the CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_EC_PARAMS = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x70)

/** DER of the P-256 object identifier 1.2.840.10045.3.1.7 (RFC 5480 secp256r1), the CKA_EC_PARAMS of a TLS key. */
const P256_EC_PARAMS = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07)

/** What a key file holds for a key on a token. */
export interface Pkcs11KeyRef {
  kind: typeof PKCS11_REF_KIND
  version: 1
  suite: SuiteName
  /** The PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string
  /** The token's label (CK_TOKEN_INFO.label). */
  token: string
  /** The key pair's CKA_LABEL. */
  label: string
  /** The suite public key (hex), checked against the token's at every open. */
  publicKey: string
  /** The signing mechanism; default CKM_EDDSA for intl; required for gm (the vendor's SM2 mechanism). */
  mechanism?: number
  description?: string
}

export function isPkcs11KeyRef(json: unknown): json is Pkcs11KeyRef {
  return typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === PKCS11_REF_KIND
}

// pkcs11js's surface as used here (its own types are a CommonJS namespace).
interface P11 {
  load(path: string): void
  C_Initialize(): void
  C_GetSlotList(tokenPresent?: boolean): Buffer[]
  C_GetTokenInfo(slot: Buffer): { label: string }
  C_OpenSession(slot: Buffer, flags: number): Buffer
  C_CloseSession(session: Buffer): void
  C_Login(session: Buffer, userType: number, pin?: string): void
  C_FindObjectsInit(session: Buffer, template: Attr[]): void
  C_FindObjects(session: Buffer, max: number): Buffer[]
  C_FindObjectsFinal(session: Buffer): void
  C_GetAttributeValue(session: Buffer, object: Buffer, template: Attr[]): Attr[]
  C_SignInit(session: Buffer, mechanism: { mechanism: number }, key: Buffer): void
  C_Sign(session: Buffer, data: Buffer, out: Buffer): Buffer
  C_CreateObject(session: Buffer, template: Attr[]): Buffer
  C_SetAttributeValue(session: Buffer, object: Buffer, template: Attr[]): void
  C_GenerateKeyPair(
    session: Buffer,
    mechanism: { mechanism: number },
    publicTemplate: Attr[],
    privateTemplate: Attr[],
  ): { publicKey: Buffer; privateKey: Buffer }
}
interface Attr {
  type: number
  value?: number | boolean | string | Buffer
}

/** One loaded, initialised library per path, and one logged-in session per (module, token). */
const modules = new Map<string, P11>()
const sessions = new Map<string, Buffer>()

function p11Error(e: unknown, what: string): GovchainError {
  const message = e instanceof Error ? e.message : String(e)
  if (/CKR_PIN_INCORRECT|CKR_PIN_LEN_RANGE|CKR_PIN_LOCKED/.test(message)) {
    return new GovchainError('PKCS11_LOGIN_FAILED', `${what}: ${message}`)
  }
  return new GovchainError('PKCS11_FAILED', `${what}: ${message}`)
}

function moduleAt(path: string): P11 {
  const loaded = modules.get(path)
  if (loaded !== undefined) return loaded
  let PKCS11Class: new () => P11
  try {
    PKCS11Class = (createRequire(import.meta.url)('pkcs11js') as { PKCS11: new () => P11 }).PKCS11
  } catch (e) {
    throw new GovchainError('PKCS11_UNAVAILABLE', `the pkcs11js binding cannot be loaded: ${(e as Error).message}`)
  }
  const p = new PKCS11Class()
  try {
    p.load(path)
    try {
      p.C_Initialize()
    } catch (e) {
      // Another user of the library in this process (OpenSSL's PKCS#11 engine, for a TLS key)
      // initialised it first: the library is shared, and so is its state.
      if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test((e as Error).message)) throw e
    }
  } catch (e) {
    throw new GovchainError('PKCS11_UNAVAILABLE', `PKCS#11 module ${path}: ${(e as Error).message}`)
  }
  modules.set(path, p)
  return p
}

/** The PIN of this process's tokens: GOVCHAIN_PKCS11_PIN, or the first line of GOVCHAIN_PKCS11_PIN_FILE. */
export function pkcs11PinFromEnvironment(): string | undefined {
  return secretFromEnvironment('GOVCHAIN_PKCS11_PIN', 'PKCS11_LOGIN_FAILED')
}

function sessionOf(module: string, token: string, pin: string | undefined): { p: P11; session: Buffer } {
  const p = moduleAt(module)
  const key = `${module}\u0000${token}`
  const open = sessions.get(key)
  if (open !== undefined) return { p, session: open }
  const userPin = pin ?? pkcs11PinFromEnvironment()
  if (userPin === undefined) {
    throw new GovchainError('PKCS11_LOGIN_FAILED', `token "${token}" needs its PIN: set GOVCHAIN_PKCS11_PIN(_FILE)`)
  }
  let slot: Buffer | undefined
  const seen: string[] = []
  try {
    for (const s of p.C_GetSlotList(true)) {
      const label = p.C_GetTokenInfo(s).label.trim()
      if (label !== '') seen.push(JSON.stringify(label))
      if (label === token) {
        slot = s
        break
      }
    }
  } catch (e) {
    throw p11Error(e, 'listing tokens')
  }
  if (slot === undefined) {
    const present = seen.length === 0 ? 'it has no initialised token' : `its tokens: ${seen.sort().join(', ')}`
    throw new GovchainError('PKCS11_TOKEN_NOT_FOUND', `no token labelled "${token}" in ${module} (${present})`)
  }
  let session: Buffer
  try {
    session = p.C_OpenSession(slot, PKCS11.CKF_RW_SESSION | PKCS11.CKF_SERIAL_SESSION)
  } catch (e) {
    throw p11Error(e, `opening a session on token "${token}"`)
  }
  try {
    p.C_Login(session, PKCS11.CKU_USER, userPin)
  } catch (e) {
    p.C_CloseSession(session)
    throw p11Error(e, `logging in to token "${token}"`)
  }
  sessions.set(key, session)
  return { p, session }
}

function findOne(p: P11, session: Buffer, cls: number, label: string): Buffer | undefined {
  try {
    p.C_FindObjectsInit(session, [
      { type: PKCS11.CKA_CLASS, value: cls },
      { type: PKCS11.CKA_LABEL, value: label },
    ])
    const found = p.C_FindObjects(session, 2)
    p.C_FindObjectsFinal(session)
    if (found.length > 1) throw new GovchainError('PKCS11_FAILED', `two objects on the token are labelled "${label}"`)
    return found[0]
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw p11Error(e, `finding "${label}"`)
  }
}

function mechanismOf(ref: Pick<Pkcs11KeyRef, 'suite' | 'mechanism'>): number {
  if (ref.mechanism !== undefined) return ref.mechanism
  if (ref.suite === 'intl') return PKCS11.CKM_EDDSA
  throw new GovchainError(
    'INVALID_ARGUMENT',
    'a gm key on a token needs the vendor SM2 signing mechanism in the reference (mechanism); see docs/operations.md',
  )
}

/** The Ed25519 public key in a CKA_EC_POINT (a DER OCTET STRING of the 32 bytes, or the raw 32). */
function ed25519Point(point: Buffer): Uint8Array {
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return new Uint8Array(point.subarray(2))
  if (point.length === 32) return new Uint8Array(point)
  throw new GovchainError('PKCS11_FAILED', `unexpected CKA_EC_POINT of ${point.length} bytes`)
}

/**
 * A signer over a key on a token. Opens (and logs in) once per process and token; checks that the
 * token holds the key, that its public key is the reference's, and that a probe signature
 * verifies with the suite. Throws PKCS11_UNAVAILABLE, PKCS11_TOKEN_NOT_FOUND, PKCS11_LOGIN_FAILED,
 * PKCS11_KEY_NOT_FOUND, PKCS11_FAILED or CONFIG_INVALID.
 */
export function openPkcs11Signer(ref: Pkcs11KeyRef, opts: { pin?: string } = {}): KeySigner {
  const suite = getSuite(ref.suite)
  const mechanism = mechanismOf(ref)
  const { p, session } = sessionOf(ref.module, ref.token, opts.pin)
  const key = findOne(p, session, PKCS11.CKO_PRIVATE_KEY, ref.label)
  if (key === undefined) {
    throw new GovchainError('PKCS11_KEY_NOT_FOUND', `token "${ref.token}" holds no private key "${ref.label}"`)
  }
  const publicKey = Uint8Array.from(Buffer.from(ref.publicKey, 'hex'))
  if (ref.suite === 'intl') {
    const pub = findOne(p, session, PKCS11.CKO_PUBLIC_KEY, ref.label)
    if (pub !== undefined) {
      const point = p.C_GetAttributeValue(session, pub, [{ type: PKCS11.CKA_EC_POINT }])[0]!.value as Buffer
      if (toHex(ed25519Point(point)) !== ref.publicKey.toLowerCase()) {
        throw new GovchainError('CONFIG_INVALID', `key "${ref.label}" on the token is not the reference's public key`)
      }
    }
  }
  const sign = (message: Uint8Array): Uint8Array => {
    try {
      p.C_SignInit(session, { mechanism }, key)
      return new Uint8Array(p.C_Sign(session, Buffer.from(message), Buffer.alloc(suite.signatureLength)))
    } catch (e) {
      throw p11Error(e, `signing with "${ref.label}"`)
    }
  }
  const probe = utf8(`govchain pkcs11 probe ${ref.label}`)
  if (!suite.verify(publicKey, probe, sign(probe))) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `the token's signature with "${ref.label}" does not verify under the reference's public key (mechanism 0x${mechanism.toString(16)})`,
    )
  }
  return { suite: ref.suite, backend: 'pkcs11', publicKey, sign }
}

export interface Pkcs11Target {
  module: string
  token: string
  label: string
  pin?: string
}

function refOf(t: Pkcs11Target, suite: SuiteName, publicKey: Uint8Array, description?: string): Pkcs11KeyRef {
  return {
    kind: PKCS11_REF_KIND,
    version: 1,
    suite,
    module: t.module,
    token: t.token,
    label: t.label,
    publicKey: toHex(publicKey),
    ...(description === undefined ? {} : { description }),
  }
}

const privateTemplate = (label: string): Attr[] => [
  { type: PKCS11.CKA_TOKEN, value: true },
  { type: PKCS11.CKA_PRIVATE, value: true },
  { type: PKCS11.CKA_SENSITIVE, value: true },
  { type: PKCS11.CKA_EXTRACTABLE, value: false },
  { type: PKCS11.CKA_SIGN, value: true },
  { type: PKCS11.CKA_LABEL, value: label },
]

function refuseTaken(p: P11, session: Buffer, label: string): void {
  if (findOne(p, session, PKCS11.CKO_PRIVATE_KEY, label) !== undefined) {
    throw new GovchainError('HOME_NOT_EMPTY', `the token already holds a key labelled "${label}"`)
  }
}

/** Generates an Ed25519 key pair on the token (non-extractable) and returns its reference. intl only. */
export function generatePkcs11Key(t: Pkcs11Target, description?: string): Pkcs11KeyRef {
  const { p, session } = sessionOf(t.module, t.token, t.pin)
  refuseTaken(p, session, t.label)
  const publicKey = generateEcPair(
    p,
    session,
    t.label,
    PKCS11.CKM_EC_EDWARDS_KEY_PAIR_GEN,
    [
      { type: PKCS11.CKA_TOKEN, value: true },
      { type: PKCS11.CKA_VERIFY, value: true },
      { type: PKCS11.CKA_EC_PARAMS, value: Buffer.from(ED25519_EC_PARAMS) },
      { type: PKCS11.CKA_LABEL, value: t.label },
    ],
    privateTemplate(t.label),
    ed25519Point,
  )
  return refOf(t, 'intl', publicKey, description)
}

/**
 * Generates a key pair of the curve the templates name (CKA_EC_PARAMS) with `mechanism`, and
 * reads its public point (CKA_EC_POINT) through `decode`; a token's failure is PKCS11_FAILED.
 */
function generateEcPair<T>(
  p: P11,
  session: Buffer,
  label: string,
  mechanism: number,
  publicTemplate: Attr[],
  privateKeyTemplate: Attr[],
  decode: (point: Buffer) => T,
): T {
  try {
    const kp = p.C_GenerateKeyPair(session, { mechanism }, publicTemplate, privateKeyTemplate)
    const point = p.C_GetAttributeValue(session, kp.publicKey, [{ type: PKCS11.CKA_EC_POINT }])[0]!.value as Buffer
    return decode(point)
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw p11Error(e, `generating "${label}"`)
  }
}

/**
 * Moves an existing Ed25519 key onto the token (sensitive, non-extractable), e.g. a validator key
 * from its keystore; the caller then deletes the file. intl only.
 */
export function importPkcs11Key(
  t: Pkcs11Target,
  key: { suite: SuiteName; privateKey: Uint8Array },
  description?: string,
): Pkcs11KeyRef {
  if (key.suite !== 'intl') {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      'only Ed25519 (intl) keys can be put on a token here; see docs/operations.md for gm',
    )
  }
  const publicKey = getSuite('intl').publicKeyFromPrivate(key.privateKey)
  const { p, session } = sessionOf(t.module, t.token, t.pin)
  refuseTaken(p, session, t.label)
  try {
    p.C_CreateObject(session, [
      { type: PKCS11.CKA_CLASS, value: PKCS11.CKO_PRIVATE_KEY },
      { type: PKCS11.CKA_KEY_TYPE, value: PKCS11.CKK_EC_EDWARDS },
      { type: PKCS11.CKA_EC_PARAMS, value: Buffer.from(ED25519_EC_PARAMS) },
      { type: PKCS11.CKA_VALUE, value: Buffer.from(key.privateKey) },
      ...privateTemplate(t.label),
    ])
    p.C_CreateObject(session, [
      { type: PKCS11.CKA_CLASS, value: PKCS11.CKO_PUBLIC_KEY },
      { type: PKCS11.CKA_KEY_TYPE, value: PKCS11.CKK_EC_EDWARDS },
      { type: PKCS11.CKA_TOKEN, value: true },
      { type: PKCS11.CKA_VERIFY, value: true },
      { type: PKCS11.CKA_EC_PARAMS, value: Buffer.from(ED25519_EC_PARAMS) },
      { type: PKCS11.CKA_EC_POINT, value: Buffer.concat([Buffer.of(0x04, 0x20), Buffer.from(publicKey)]) },
      { type: PKCS11.CKA_LABEL, value: t.label },
    ])
  } catch (e) {
    throw p11Error(e, `importing "${t.label}"`)
  }
  return refOf(t, 'intl', publicKey, description)
}

// ------------------------------------------------------------------------------ TLS keys (P-256)
//
// A node's or gateway's TLS key on a token (docs/adr/0039-tls-keys-on-pkcs11.md). Node's TLS signs
// the handshake through OpenSSL, so the key is reached through an OpenSSL engine: libp11's
// (Debian libengine-pkcs11-openssl), given to node:tls as privateKeyEngine/privateKeyIdentifier.
// The PIN never goes to OpenSSL: this process logs in to the token through pkcs11js first (one
// session, kept open), and the engine's own sessions share that login — PKCS#11 login state is
// per application and token (PKCS#11 v2.40 §5.6), so the URI the engine gets holds no PIN.
// The engine is named by its id, "pkcs11", with OPENSSL_ENGINES set to its folder: OpenSSL then
// loads it once and keeps it in its engine list, so every later TLS context (p2p server and
// client, a renewal) shares it. Given as a file path instead, each context would load a fresh
// copy, and libp11 refuses to initialise a second one in a process ("engine routines::init failed").

/** Where a home keeps its TLS key: `file` (keys/tls.key, encrypted outside --dev) or a token. */
export type TlsKeySource = { source: 'file' } | Pkcs11TlsKeyRef

/** A P-256 TLS key pair on a token, as config.json / gateway.json record it (`tlsKey`). */
export interface Pkcs11TlsKeyRef {
  source: 'pkcs11'
  /** The PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string
  /** The token's label. */
  token: string
  /** The key pair's CKA_LABEL. */
  label: string
  /** OpenSSL's PKCS#11 engine (a file named pkcs11.so); default: the first of PKCS11_ENGINE_PATHS that exists. */
  engine?: string
}

/** Where distributions install libp11's engine for OpenSSL 3 (Debian/Ubuntu amd64 and arm64, Fedora/RHEL). */
export const PKCS11_ENGINE_PATHS = [
  '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so',
  '/usr/lib/aarch64-linux-gnu/engines-3/pkcs11.so',
  '/usr/lib64/engines-3/pkcs11.so',
] as const

/** Checks a `tlsKey` entry of a configuration file (absent = file). Throws CONFIG_INVALID. */
export function parseTlsKeySource(json: unknown, where: string): TlsKeySource {
  if (json === undefined) return { source: 'file' }
  const o = json as Record<string, unknown>
  if (typeof json !== 'object' || json === null)
    throw new GovchainError('CONFIG_INVALID', `${where}: tlsKey must be an object`)
  if (o.source === 'file') return { source: 'file' }
  const text = (k: string) => typeof o[k] === 'string' && (o[k] as string).length > 0 && (o[k] as string).length <= 4096
  if (
    o.source !== 'pkcs11' ||
    !text('module') ||
    !text('token') ||
    !text('label') ||
    !(o.engine === undefined || text('engine'))
  ) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `${where}: tlsKey is {"source": "file"} or {"source": "pkcs11", "module", "token", "label", "engine"?}`,
    )
  }
  return {
    source: 'pkcs11',
    module: o.module as string,
    token: o.token as string,
    label: o.label as string,
    ...(o.engine === undefined ? {} : { engine: o.engine as string }),
  }
}

/** A TLS key on a token, opened: the engine and the URI node:tls loads it with, and its public key. */
export interface OpenedTlsKey {
  engineKey: { engine: string; identifier: string }
  /** SPKI PEM of the token's public key. */
  publicKeyPem: string
}

/** CKA_ID of a TLS key: the engine pairs the private key with its public key by it. */
function tlsKeyId(label: string): Buffer {
  return createHash('sha256').update(`govchain tls key ${label}`).digest().subarray(0, 16)
}

/** RFC 7512 percent-encoding of a path attribute value: a label's unreserved characters kept, an id's every byte encoded. */
function pct(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  let out = ''
  for (const b of bytes) {
    const c = String.fromCharCode(b)
    out += typeof value === 'string' && /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`
  }
  return out
}

/** SPKI PEM of a P-256 CKA_EC_POINT (a DER OCTET STRING of 04‖X‖Y, or the raw 65 bytes). */
function p256PublicKeyPem(point: Buffer): string {
  const raw = point.length === 67 && point[0] === 0x04 && point[1] === 0x41 ? point.subarray(2) : point
  if (raw.length !== 65 || raw[0] !== 0x04) {
    throw new GovchainError('PKCS11_FAILED', `unexpected P-256 CKA_EC_POINT of ${point.length} bytes`)
  }
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: raw.subarray(1, 33).toString('base64url'),
    y: raw.subarray(33).toString('base64url'),
  }
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
}

/**
 * libp11's engine (0.4.12, Debian 12) cannot enumerate a token's keys once it holds an Ed25519
 * key ("Unable to enumerate private keys"), so a TLS key must have a token of its own, apart from
 * validator and officer keys. Checked before a TLS key is made or opened. Throws CONFIG_INVALID.
 */
function refuseEdwardsKeys(p: P11, session: Buffer, token: string): void {
  let found: Buffer[]
  try {
    p.C_FindObjectsInit(session, [
      { type: PKCS11.CKA_CLASS, value: PKCS11.CKO_PRIVATE_KEY },
      { type: PKCS11.CKA_KEY_TYPE, value: PKCS11.CKK_EC_EDWARDS },
    ])
    found = p.C_FindObjects(session, 1)
    p.C_FindObjectsFinal(session)
  } catch (e) {
    throw p11Error(e, `listing the keys of token "${token}"`)
  }
  if (found.length > 0) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `token "${token}" holds Ed25519 keys, which OpenSSL's PKCS#11 engine (libp11) cannot list: ` +
        'keep TLS keys on a token of their own (docs/operations.md)',
    )
  }
}

function tlsPublicKey(p: P11, session: Buffer, label: string, token: string): string {
  const pub = findOne(p, session, PKCS11.CKO_PUBLIC_KEY, label)
  if (pub === undefined) {
    throw new GovchainError('PKCS11_KEY_NOT_FOUND', `token "${token}" holds no public key "${label}"`)
  }
  try {
    const point = p.C_GetAttributeValue(session, pub, [{ type: PKCS11.CKA_EC_POINT }])[0]!.value as Buffer
    return p256PublicKeyPem(point)
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw p11Error(e, `reading the public key "${label}"`)
  }
}

const tlsPrivateTemplate = (label: string): Attr[] => [
  ...privateTemplate(label),
  { type: PKCS11.CKA_ID, value: tlsKeyId(label) },
]
const tlsPublicTemplate = (label: string): Attr[] => [
  { type: PKCS11.CKA_TOKEN, value: true },
  { type: PKCS11.CKA_VERIFY, value: true },
  { type: PKCS11.CKA_EC_PARAMS, value: Buffer.from(P256_EC_PARAMS) },
  { type: PKCS11.CKA_LABEL, value: label },
  { type: PKCS11.CKA_ID, value: tlsKeyId(label) },
]

/**
 * Generates a P-256 key pair on the token for TLS (CKM_EC_KEY_PAIR_GEN; sensitive,
 * non-extractable) and returns its reference and public key, for the CA to certify.
 */
export function generatePkcs11TlsKey(t: Pkcs11Target): { ref: Pkcs11TlsKeyRef; publicKeyPem: string } {
  const { p, session } = sessionOf(t.module, t.token, t.pin)
  refuseTaken(p, session, t.label)
  refuseEdwardsKeys(p, session, t.token)
  const publicKeyPem = generateEcPair(
    p,
    session,
    t.label,
    PKCS11.CKM_EC_KEY_PAIR_GEN,
    tlsPublicTemplate(t.label),
    tlsPrivateTemplate(t.label),
    p256PublicKeyPem,
  )
  return { ref: { source: 'pkcs11', module: t.module, token: t.token, label: t.label }, publicKeyPem }
}

/**
 * Moves an existing P-256 TLS key (PEM, PKCS#8) onto the token, sensitive and non-extractable, so
 * the certificate issued for it stays valid; the caller then deletes the key file.
 */
export function importPkcs11TlsKey(t: Pkcs11Target, keyPem: string): { ref: Pkcs11TlsKeyRef; publicKeyPem: string } {
  let jwk: { crv?: string; d?: string; x?: string; y?: string }
  try {
    jwk = createPrivateKey(keyPem).export({ format: 'jwk' }) as typeof jwk
  } catch (e) {
    throw new GovchainError('PKI_INVALID_KEY', `not a private key: ${(e as Error).message}`)
  }
  if (jwk.crv !== 'P-256' || jwk.d === undefined || jwk.x === undefined || jwk.y === undefined) {
    throw new GovchainError('PKI_INVALID_KEY', 'a TLS key must be ECDSA P-256')
  }
  const point = Buffer.concat([
    Buffer.of(0x04, 0x41, 0x04),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ])
  const { p, session } = sessionOf(t.module, t.token, t.pin)
  refuseTaken(p, session, t.label)
  refuseEdwardsKeys(p, session, t.token)
  try {
    p.C_CreateObject(session, [
      { type: PKCS11.CKA_CLASS, value: PKCS11.CKO_PRIVATE_KEY },
      { type: PKCS11.CKA_KEY_TYPE, value: PKCS11.CKK_EC },
      { type: PKCS11.CKA_EC_PARAMS, value: Buffer.from(P256_EC_PARAMS) },
      { type: PKCS11.CKA_VALUE, value: Buffer.from(jwk.d, 'base64url') },
      ...tlsPrivateTemplate(t.label),
    ])
    p.C_CreateObject(session, [
      { type: PKCS11.CKA_CLASS, value: PKCS11.CKO_PUBLIC_KEY },
      { type: PKCS11.CKA_KEY_TYPE, value: PKCS11.CKK_EC },
      { type: PKCS11.CKA_EC_POINT, value: point },
      ...tlsPublicTemplate(t.label),
    ])
  } catch (e) {
    throw p11Error(e, `importing "${t.label}"`)
  }
  return {
    ref: { source: 'pkcs11', module: t.module, token: t.token, label: t.label },
    publicKeyPem: p256PublicKeyPem(point),
  }
}

function engineError(e: unknown, ref: Pkcs11TlsKeyRef): GovchainError {
  const err = e as { code?: string; message?: string }
  const code = err.code ?? ''
  const message = `TLS key "${ref.label}" on token "${ref.token}" through the OpenSSL engine: ${err.message ?? String(e)}`
  if (/PIN|UI_PROCESSING/.test(code)) return new GovchainError('PKCS11_LOGIN_FAILED', message)
  if (/OBJECT_NOT_FOUND/.test(code)) return new GovchainError('PKCS11_KEY_NOT_FOUND', message)
  if (/UNABLE_TO_LOAD_PKCS#11_MODULE/.test(code)) return new GovchainError('PKCS11_UNAVAILABLE', message)
  if (/DSO|ENGINE/.test(code) || /DSO support|engine id/i.test(err.message ?? '')) {
    return new GovchainError('PKCS11_ENGINE_UNAVAILABLE', message)
  }
  if (/KEY_VALUES_MISMATCH|X509_CHECK_PRIVATE_KEY/.test(code)) return new GovchainError('PKI_INVALID_KEY', message)
  return new GovchainError('PKCS11_FAILED', message)
}

/**
 * Opens a TLS key on a token for node:tls. Logs in (PIN as for the other token keys:
 * GOVCHAIN_PKCS11_PIN or _FILE), checks that the key pair is there, that `certPem` (when given)
 * certifies its public key, and that OpenSSL loads it through the engine and pairs it with the
 * certificate. Points libp11's engine at the module (PKCS11_MODULE_PATH, unless set already: an
 * operator may route it through p11-kit). Throws PKCS11_ENGINE_UNAVAILABLE, PKCS11_UNAVAILABLE,
 * PKCS11_TOKEN_NOT_FOUND, PKCS11_LOGIN_FAILED, PKCS11_KEY_NOT_FOUND, PKI_INVALID_KEY, PKCS11_FAILED.
 */
export function openPkcs11TlsKey(ref: Pkcs11TlsKeyRef, opts: { pin?: string; certPem?: string } = {}): OpenedTlsKey {
  const configured = ref.engine ?? PKCS11_ENGINE_PATHS.find((path) => existsSync(path))
  if (configured === undefined || !existsSync(configured) || basename(configured) !== 'pkcs11.so') {
    throw new GovchainError(
      'PKCS11_ENGINE_UNAVAILABLE',
      `no OpenSSL PKCS#11 engine (pkcs11.so) at ${configured ?? PKCS11_ENGINE_PATHS.join(', ')}: ` +
        'apt-get install libengine-pkcs11-openssl, or set tlsKey.engine',
    )
  }
  // Read by OpenSSL when it first looks the engine up, in this process.
  process.env.OPENSSL_ENGINES ??= dirname(configured)
  if (!existsSync(join(process.env.OPENSSL_ENGINES, 'pkcs11.so'))) {
    throw new GovchainError(
      'PKCS11_ENGINE_UNAVAILABLE',
      `OPENSSL_ENGINES is ${process.env.OPENSSL_ENGINES}, which holds no pkcs11.so (the TLS key's engine is ${configured})`,
    )
  }
  const engine = 'pkcs11'
  const { p, session } = sessionOf(ref.module, ref.token, opts.pin)
  if (findOne(p, session, PKCS11.CKO_PRIVATE_KEY, ref.label) === undefined) {
    throw new GovchainError('PKCS11_KEY_NOT_FOUND', `token "${ref.token}" holds no private key "${ref.label}"`)
  }
  const publicKeyPem = tlsPublicKey(p, session, ref.label, ref.token)
  refuseEdwardsKeys(p, session, ref.token)
  const engineKey = {
    engine,
    identifier: `pkcs11:token=${pct(ref.token)};object=${pct(ref.label)};id=${pct(tlsKeyId(ref.label))};type=private`,
  }
  if (opts.certPem !== undefined) {
    let certified: string
    try {
      certified = new X509Certificate(opts.certPem).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    } catch (e) {
      throw new GovchainError('PKI_INVALID_CERTIFICATE', `TLS certificate: ${(e as Error).message}`)
    }
    if (certified !== publicKeyPem) {
      throw new GovchainError(
        'PKI_INVALID_KEY',
        `the TLS certificate does not certify key "${ref.label}" on token "${ref.token}"`,
      )
    }
    process.env.PKCS11_MODULE_PATH ??= ref.module
    try {
      createSecureContext({ cert: opts.certPem, privateKeyEngine: engine, privateKeyIdentifier: engineKey.identifier })
    } catch (e) {
      throw engineError(e, ref)
    }
  }
  process.env.PKCS11_MODULE_PATH ??= ref.module
  return { engineKey, publicKeyPem }
}
