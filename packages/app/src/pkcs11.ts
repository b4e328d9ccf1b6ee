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
import { createRequire } from 'node:module'
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
} as const

/** DER of the Ed25519 object identifier 1.3.101.112 (RFC 8410), the CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_EC_PARAMS = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x70)

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
    p.C_Initialize()
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
  try {
    slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === token)
  } catch (e) {
    throw p11Error(e, 'listing tokens')
  }
  if (slot === undefined) throw new GovchainError('PKCS11_TOKEN_NOT_FOUND', `no token labelled "${token}" in ${module}`)
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
  let publicKey: Uint8Array
  try {
    const kp = p.C_GenerateKeyPair(
      session,
      { mechanism: PKCS11.CKM_EC_EDWARDS_KEY_PAIR_GEN },
      [
        { type: PKCS11.CKA_TOKEN, value: true },
        { type: PKCS11.CKA_VERIFY, value: true },
        { type: PKCS11.CKA_EC_PARAMS, value: Buffer.from(ED25519_EC_PARAMS) },
        { type: PKCS11.CKA_LABEL, value: t.label },
      ],
      privateTemplate(t.label),
    )
    const point = p.C_GetAttributeValue(session, kp.publicKey, [{ type: PKCS11.CKA_EC_POINT }])[0]!.value as Buffer
    publicKey = ed25519Point(point)
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw p11Error(e, `generating "${t.label}"`)
  }
  return refOf(t, 'intl', publicKey, description)
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
