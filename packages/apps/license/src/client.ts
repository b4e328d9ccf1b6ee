/**
 * Electronic licences (电子证照) in the SDK: transaction builders for every `license` method,
 * the issuer's credential helper, the holder's selective disclosure and QR payloads, signed
 * holder queries, an API client for the licence routes, and offline verification from a QR
 * payload plus a trusted validator set with no node reachable. Browser-safe.
 * Contract: docs/license-api.md; design: docs/license.md, docs/adr/0007-licence-credentials.md.
 */

import { followPages, requestAnswer } from '@govchain/app/answer'
import { SEQUENCE_PAGE_MAX, type SequenceQuery } from '@govchain/app/route-kit'
import type { Client, ProvenStateJson } from '@govchain/client'
import { type BuiltTx, buildTx, buildTxWith, HttpTransport, LightClient } from '@govchain/client'
import {
  type AsyncSigner,
  type Codec,
  type CryptoSuite,
  decode,
  type ErrorCode,
  encode,
  fromBase64,
  GovchainError,
  type SigningKey,
  signNow,
  signWith,
  type ToSign,
  toHex,
  type ValidatorSet,
} from '@govchain/core'
import { DidRecord, IDENTITY_MODULE, identityKeys } from '@govchain/identity/schema'
import type { TSchema } from '@sinclair/typebox'
import {
  credentialFromQr,
  credentialLicenseId,
  credentialToQr,
  decodeLicenseQr,
  encodeLicenseQr,
  evaluateLicense,
  type IssuedSdJwt,
  LICENSE_CLAIMS,
  type LicenseQr,
  type LicenseVerdict,
  licenseCredentialToSign,
  licenseIdOf,
  parseSdJwt,
  presentSdJwt,
  QR_PREFIX,
  type QrProof,
  tryParseSdJwt,
  type VerdictName,
} from './credential.ts'
import {
  evaluatePresentation,
  type LicensePresentation,
  PRESENTATION_LIMITS,
  type PresentationVerdict,
  parsePresentationUrl,
  presentationToSign,
  presentationUrl,
  type SignPresentationInput,
  signPresentation,
} from './presentation.ts'
import {
  AmendArgs,
  DefineTypeArgs,
  GrantUseArgs,
  holderQueryMessage,
  IssueArgs,
  LICENSE_KEYS,
  LICENSE_METHODS,
  LICENSE_MODULE,
  LicenseRecord,
  type LicenseTypeRecord,
  licenseId,
  RecordUseArgs,
  RenewArgs,
  RevokeArgs,
  SetIssuerArgs,
  StatusChangeArgs,
  WithdrawGrantArgs,
} from './schema.ts'
import {
  LicenseAnswer,
  LicenseGrantPage,
  LicenseHistoryAnswer,
  LicensePage,
  LicenseTypesAnswer,
  LicenseTypeView,
  LicenseUsesAnswer,
  LicenseVerdictView,
  PresentationVerdictView,
} from './views.ts'

/** Issuing checks the holder against the department's register, off chain (issue 15, item 3). */
export * from './holder-record.ts'

// ---------------------------------------------------------------- transactions

export interface LicenseTxCommon {
  suite: CryptoSuite
  chainId: string
  /** The sender's key: its bytes or a KeySigner. */
  privateKey: SigningKey
  nonce?: number
  validUntilHeight: number
}

function build<A>(o: LicenseTxCommon, method: string, codec: Codec<A>, args: A): BuiltTx {
  return buildTx({
    suite: o.suite,
    chainId: o.chainId,
    privateKey: o.privateKey,
    module: LICENSE_MODULE,
    method,
    args: encode(codec, args),
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
    validUntilHeight: o.validUntilHeight,
  })
}

/** Builders for every `license` transaction; each signs with `privateKey` (the sender). */
export const licenseTx = {
  defineType: (o: LicenseTxCommon & { args: DefineTypeArgs }) =>
    build(o, LICENSE_METHODS.defineType, DefineTypeArgs, o.args),
  setIssuer: (o: LicenseTxCommon & SetIssuerArgs) =>
    build(o, LICENSE_METHODS.setIssuer, SetIssuerArgs, {
      typeCode: o.typeCode,
      orgId: o.orgId,
      authorised: o.authorised,
    }),
  issue: (o: LicenseTxCommon & IssueArgs) =>
    build(o, LICENSE_METHODS.issue, IssueArgs, {
      id: o.id,
      typeCode: o.typeCode,
      holder: o.holder,
      credentialHash: o.credentialHash,
      validFromMs: o.validFromMs,
      validUntilMs: o.validUntilMs,
    }),
  suspend: (o: LicenseTxCommon & StatusChangeArgs) =>
    build(o, LICENSE_METHODS.suspend, StatusChangeArgs, { id: o.id, reason: o.reason }),
  reinstate: (o: LicenseTxCommon & StatusChangeArgs) =>
    build(o, LICENSE_METHODS.reinstate, StatusChangeArgs, { id: o.id, reason: o.reason }),
  revoke: (o: LicenseTxCommon & RevokeArgs) =>
    build(o, LICENSE_METHODS.revoke, RevokeArgs, { id: o.id, reasonCode: o.reasonCode, reason: o.reason }),
  renew: (o: LicenseTxCommon & RenewArgs) =>
    build(o, LICENSE_METHODS.renew, RenewArgs, {
      id: o.id,
      newId: o.newId,
      credentialHash: o.credentialHash,
      validFromMs: o.validFromMs,
      validUntilMs: o.validUntilMs,
    }),
  amend: (o: LicenseTxCommon & AmendArgs) =>
    build(o, LICENSE_METHODS.amend, AmendArgs, {
      id: o.id,
      newId: o.newId,
      credentialHash: o.credentialHash,
      reason: o.reason,
    }),
  grantUse: (o: LicenseTxCommon & GrantUseArgs) =>
    build(o, LICENSE_METHODS.grantUse, GrantUseArgs, {
      licenseId: o.licenseId,
      grantee: o.grantee,
      service: o.service,
      purpose: o.purpose,
      untilMs: o.untilMs,
    }),
  withdrawGrant: (o: LicenseTxCommon & WithdrawGrantArgs) =>
    build(o, LICENSE_METHODS.withdrawGrant, WithdrawGrantArgs, { licenseId: o.licenseId, grantId: o.grantId }),
  recordUse: (o: LicenseTxCommon & RecordUseArgs) =>
    build(o, LICENSE_METHODS.recordUse, RecordUseArgs, { licenseId: o.licenseId, grantId: o.grantId }),
} as const

// ---------------------------------------------------------------- issuer side

/** A random 10-digit serial from the platform CSPRNG. */
export function randomSerial(): string {
  const w = new Uint32Array(2)
  globalThis.crypto.getRandomValues(w)
  return String((w[0]! % 100_000) * 100_000 + (w[1]! % 100_000)).padStart(10, '0')
}

export interface IssueLicenseInput {
  suite: CryptoSuite
  chainId: string
  /** The issuing officer's key (bytes or a KeySigner): signs the credential and the transaction. */
  privateKey: SigningKey
  type: Pick<LicenseTypeRecord, 'code' | 'name' | 'nameEn' | 'fields'>
  issuer: { orgId: string; name?: string /** the organisation's unified social credit code */; code: string }
  holder: string
  validFromMs: number
  /** 0 = no fixed term (only for types with maxValidityYears 0). */
  validUntilMs: number
  fields: Record<string, string>
  /** Default: Date.now() (the credential's iat; the chain records its own block time). */
  issuedAtMs?: number
  serial?: string
  validUntilHeight: number
  nonce?: number
}

export interface IssuedLicense {
  id: string
  /** The compact SD-JWT with every disclosure: hand it to the holder (off chain). */
  credential: string
  credentialHash: Uint8Array
  tx: BuiltTx
  sdJwt: IssuedSdJwt
}

/** Issues a licence: the credential (off chain, for the holder) and the `issue` transaction (on chain). */
export function issueLicense(input: IssueLicenseInput): IssuedLicense {
  const made = issuePlan(input)
  return credentialAndTx(input, made.id, made.tx)
}

/** issueLicense with an AsyncSigner: the officer's browser key signs the credential, then the transaction. */
export function issueLicenseWith(signer: AsyncSigner, input: IssueLicenseWithInput): Promise<IssuedLicense> {
  const made = issuePlan(input)
  return credentialAndTxWith(signer, input, made.id, made.tx)
}

/**
 * A new licence's credential alone, signed with an AsyncSigner: for a transaction of another
 * module that carries its hash (a service case's decision issues the licence).
 */
export async function issueLicenseCredentialWith(
  signer: AsyncSigner,
  input: IssueLicenseWithInput,
): Promise<Omit<IssuedLicense, 'tx'>> {
  const { id } = issuePlan(input)
  const sdJwt = await signWith(signer, () => credentialOf(input, id))
  return { id, credential: sdJwt.credential, credentialHash: sdJwt.hash, sdJwt }
}

/** What the asynchronous builders take: IssueLicenseInput without the key (the signer signs). */
export type IssueLicenseWithInput = Omit<IssueLicenseInput, 'privateKey'>
type ReissueInput = { previousId: string; version: number; mode: 'renew' | 'amend'; reason?: string }
/** The transaction of a new credential's hash, signed by `key`. */
type TxOfHash = (hash: Uint8Array, key: SigningKey) => BuiltTx

function issuePlan(input: IssueLicenseWithInput): { id: string; tx: TxOfHash } {
  const id = licenseId({
    typeCode: input.type.code,
    issuerCode: input.issuer.code,
    serial: input.serial ?? randomSerial(),
    version: 1,
  })
  const tx: TxOfHash = (hash, key) =>
    licenseTx.issue({
      ...txCommon(input, key),
      id,
      typeCode: input.type.code,
      holder: input.holder,
      credentialHash: hash,
      validFromMs: input.validFromMs,
      validUntilMs: input.validUntilMs,
    })
  return { id, tx }
}

/** Renews (new validity) or amends (new field values): a new version's credential and transaction. */
export function reissueLicense(input: IssueLicenseInput & ReissueInput): IssuedLicense {
  const made = reissuePlan(input)
  return credentialAndTx(input, made.id, made.tx)
}

/** reissueLicense with an AsyncSigner (credential first, then the transaction). */
export function reissueLicenseWith(
  signer: AsyncSigner,
  input: IssueLicenseWithInput & ReissueInput,
): Promise<IssuedLicense> {
  const made = reissuePlan(input)
  return credentialAndTxWith(signer, input, made.id, made.tx)
}

function reissuePlan(input: IssueLicenseWithInput & ReissueInput): { id: string; tx: TxOfHash } {
  const prev = input.previousId.split('.')
  const serial = prev[prev.length - 3]!
  const newId = licenseId({ typeCode: input.type.code, issuerCode: input.issuer.code, serial, version: input.version })
  const tx: TxOfHash = (hash, key) =>
    input.mode === 'renew'
      ? licenseTx.renew({
          ...txCommon(input, key),
          id: input.previousId,
          newId,
          credentialHash: hash,
          validFromMs: input.validFromMs,
          validUntilMs: input.validUntilMs,
        })
      : licenseTx.amend({
          ...txCommon(input, key),
          id: input.previousId,
          newId,
          credentialHash: hash,
          reason: input.reason ?? '更正',
        })
  return { id: newId, tx }
}

function txCommon(i: IssueLicenseWithInput, key: SigningKey): LicenseTxCommon {
  return {
    suite: i.suite,
    chainId: i.chainId,
    privateKey: key,
    validUntilHeight: i.validUntilHeight,
    ...(i.nonce === undefined ? {} : { nonce: i.nonce }),
  }
}

function credentialOf(input: IssueLicenseWithInput, id: string): ToSign<IssuedSdJwt> {
  return licenseCredentialToSign({
    suite: input.suite,
    chainId: input.chainId,
    id,
    type: input.type,
    issuer:
      input.issuer.name === undefined
        ? { orgId: input.issuer.orgId }
        : { orgId: input.issuer.orgId, name: input.issuer.name },
    holder: input.holder,
    validFromMs: input.validFromMs,
    validUntilMs: input.validUntilMs,
    issuedAtMs: input.issuedAtMs ?? Date.now(),
    fields: input.fields,
  })
}

function credentialAndTx(input: IssueLicenseInput, id: string, tx: TxOfHash): IssuedLicense {
  const sdJwt = signNow(input.suite, input.privateKey, () => credentialOf(input, id))
  return { id, credential: sdJwt.credential, credentialHash: sdJwt.hash, tx: tx(sdJwt.hash, input.privateKey), sdJwt }
}

async function credentialAndTxWith(
  signer: AsyncSigner,
  input: IssueLicenseWithInput,
  id: string,
  tx: TxOfHash,
): Promise<IssuedLicense> {
  const sdJwt = await signWith(signer, () => credentialOf(input, id))
  const built = await buildTxWith(signer, input.suite, (key) => tx(sdJwt.hash, key))
  return { id, credential: sdJwt.credential, credentialHash: sdJwt.hash, tx: built, sdJwt }
}

// ---------------------------------------------------------------- holder side

/** A presentation disclosing only `fieldNames` (no new signature: the digests stay signed). */
export function presentCredential(suite: CryptoSuite, credential: string, fieldNames: readonly string[]): string {
  return presentSdJwt(suite, credential, fieldNames)
}

/** Field name → value of every disclosure in a credential (what the holder can show). */
export function credentialFields(suite: CryptoSuite, credential: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const d of parseSdJwt(suite, credential).disclosures) out[d.name] = d.value
  return out
}

/** Proof material as the API answers it (JSON, base64) or as client.state returns it (bytes). */
export type ProofMaterial =
  | {
      height: number
      value: Uint8Array | undefined
      proof?: Uint8Array | undefined
      headerBytes?: Uint8Array | undefined
      certificate?: Uint8Array | undefined
    }
  | Omit<ProvenStateJson, 'module' | 'key'>

function proofBytes(p: ProofMaterial): {
  height: number
  value: Uint8Array | undefined
  proof: Uint8Array
  headerBytes: Uint8Array
  certificate: Uint8Array
} {
  const b = (v: Uint8Array | string | null | undefined, what: string): Uint8Array => {
    if (v instanceof Uint8Array) return v
    if (typeof v === 'string') return fromBase64(v)
    throw new GovchainError('LICENSE_PROOF_MISSING', `proof material lacks ${what}`)
  }
  const value = p.value === null || p.value === undefined ? undefined : b(p.value, 'value')
  return {
    height: p.height,
    value,
    proof: b(p.proof, 'proof'),
    headerBytes: b(p.headerBytes, 'headerBytes'),
    certificate: b(p.certificate, 'certificate'),
  }
}

/** The QR text for a (presented) credential, optionally with the proof of its record for offline checks. */
export function licenseQr(input: { chainId: string; credential: string; proof?: ProofMaterial }): string {
  let proof: QrProof | undefined
  if (input.proof !== undefined) {
    const p = proofBytes(input.proof)
    if (p.value === undefined) throw new GovchainError('LICENSE_PROOF_MISSING', 'the proof shows no record')
    proof = { height: p.height, value: p.value, proof: p.proof, headerBytes: p.headerBytes, certificate: p.certificate }
  }
  return encodeLicenseQr({
    type: 'full',
    value: {
      chainId: input.chainId,
      credential: credentialToQr(input.credential),
      ...(proof === undefined ? {} : { proof }),
    },
  })
}

/** A short reference QR (printed licences too large for the full form): checking it needs a node. */
export function licenseRefQr(input: { suite: CryptoSuite; chainId: string; credential: string }): string {
  const parsed = parseSdJwt(input.suite, input.credential)
  const id = credentialLicenseId(input.suite, input.credential)
  if (id === undefined) throw new GovchainError('LICENSE_CREDENTIAL_MALFORMED', 'credential names no licence id')
  return encodeLicenseQr({
    type: 'ref',
    value: {
      chainId: input.chainId,
      licenseId: id,
      credentialHash: input.suite.hash(new TextEncoder().encode(parsed.jwt)),
    },
  })
}

export { credentialLicenseId, decodeLicenseQr }

/** The module-local state key (hex) of a licence record: for client.state('license', key, {prove: true}). */
export function licenseKeyHex(id: string): string {
  return toHex(LICENSE_KEYS.license(id))
}

/** Decodes a stored licence record (e.g. the value of a verified state answer). */
export function decodeLicenseRecord(value: Uint8Array): LicenseRecord {
  return decode(LicenseRecord, value)
}

/** Fetches the licence record's proof material (to put in a QR, or to cache for offline checks). */
export async function fetchLicenseProof(client: Pick<Client, 'state'>, id: string): Promise<ProofMaterial> {
  const a = await client.state(LICENSE_MODULE, licenseKeyHex(id), { prove: true })
  return { height: a.height, value: a.value, proof: a.proof, headerBytes: a.headerBytes, certificate: a.certificate }
}

export interface HolderAuth {
  did: string
  key: string
  ts: string
  sig: string
}

/** Signs a holder query (uses, grants): the query parameters to send. No transaction. */
export function signHolderQuery(input: HolderQueryInput & { privateKey: SigningKey }): HolderAuth {
  return signNow(input.suite, input.privateKey, (key) => holderQueryToSign(input, key))
}

/** signHolderQuery with an AsyncSigner (a key held in the browser). */
export function signHolderQueryWith(signer: AsyncSigner, input: HolderQueryInput): Promise<HolderAuth> {
  return signWith(signer, (key) => holderQueryToSign(input, key))
}

export interface HolderQueryInput {
  suite: CryptoSuite
  chainId: string
  path: string
  did: string
  /** Default Date.now(): the node accepts ±5 minutes of its clock. */
  timeMs?: number
}

function holderQueryToSign(input: HolderQueryInput, publicKey: Uint8Array): ToSign<HolderAuth> {
  const timeMs = input.timeMs ?? Date.now()
  return {
    message: holderQueryMessage({ chainId: input.chainId, path: input.path, did: input.did, timeMs }),
    finish: (sig) => ({ did: input.did, key: toHex(publicKey), ts: String(timeMs), sig: toHex(sig) }),
  }
}

// ---------------------------------------------------------------- offline verification

export interface OfflineVerifyInput {
  suite: CryptoSuite
  /** The chain you trust (a credential or proof of another chain is rejected). */
  chainId: string
  /** A QR payload (GCL1:...) or a compact SD-JWT credential; exactly one. */
  qr?: string
  credential?: string
  /** The validator set you trust (cached from genesis or an earlier sync), decoded or encoded. */
  trustedValidatorSet: ValidatorSet | Uint8Array
  /** Proof material for the licence record, if the QR does not carry it (from an earlier fetch). */
  proof?: ProofMaterial
  /**
   * Your clock (ms), only to see expiry after the proven block time; the status is otherwise as
   * of the proven height. Default: the proven block time (no clock read).
   */
  nowMs?: number
}

/**
 * An offline verdict adds `undecided` (issue 15): what the verifier cannot decide without a node
 * (no proof material, a reference QR, a proof signed by validators it does not trust) is never
 * called invalid.
 */
export type OfflineVerdictName = VerdictName | 'undecided'

export interface OfflineVerdict extends Omit<LicenseVerdict, 'verdict'> {
  verdict: OfflineVerdictName
  /** Height and block time the status is proven at; anything after it is unknown offline. */
  provenHeight: number | undefined
  provenTimeMs: number | undefined
  /** What this verdict cannot know. */
  caveat: string
}

const OFFLINE_CAVEAT =
  'status is proven as of provenHeight; a suspension, revocation or renewal committed after that height cannot be known offline'

/**
 * Verifies a licence with no node reachable: the commit certificate of the proof's header
 * against the trusted validator set, the SMT proof of the licence record against its state
 * root, then evaluateLicence (credential hash, issuer signature with the officer key the chain
 * recorded, issuer authorised at issue time, claims, disclosures, status at the proven block
 * time or `nowMs`). Never throws for a bad credential or proof: the verdict says why.
 */
export function verifyLicenseOffline(input: OfflineVerifyInput): OfflineVerdict {
  const { suite } = input
  let credential = input.credential
  let proof: ProofMaterial | undefined = input.proof
  const invalid = (
    code: 'LICENSE_CREDENTIAL_MALFORMED' | 'LICENSE_PROOF_MISSING' | 'LICENSE_WRONG_CHAIN',
    message: string,
  ): OfflineVerdict => ({
    valid: false,
    // Missing proof material is what offline cannot know, not a fault of the licence.
    verdict: code === 'LICENSE_PROOF_MISSING' ? 'undecided' : 'invalid',
    reasons: [code],
    checks: [
      {
        check: code === 'LICENSE_PROOF_MISSING' ? 'chain_record' : 'format',
        ok: false,
        code,
        message,
        messageZh: '无法离线核验',
      },
    ],
    licenseId: undefined,
    disclosed: [],
    status: undefined,
    atHeight: 0,
    atTimeMs: 0,
    provenHeight: undefined,
    provenTimeMs: undefined,
    caveat: OFFLINE_CAVEAT,
  })
  if ((input.qr === undefined) === (credential === undefined)) {
    throw new GovchainError('INVALID_ARGUMENT', 'give exactly one of qr or credential')
  }
  if (input.qr !== undefined) {
    let qr: LicenseQr
    try {
      qr = decodeLicenseQr(input.qr.trim())
    } catch (e) {
      return invalid('LICENSE_CREDENTIAL_MALFORMED', (e as Error).message)
    }
    if (qr.type === 'ref')
      return invalid('LICENSE_PROOF_MISSING', 'a reference QR carries no credential: verify it online')
    if (qr.value.chainId !== input.chainId) return invalid('LICENSE_WRONG_CHAIN', `QR is for chain ${qr.value.chainId}`)
    credential = credentialFromQr(qr.value.credential)
    if (proof === undefined && qr.value.proof !== undefined) proof = { ...qr.value.proof }
  }
  const cred = credential as string
  const parsed = tryParseSdJwt(suite, cred)
  const id = parsed === undefined ? undefined : licenseIdOf(parsed)
  if (id === undefined) {
    const v = evaluateLicense({
      suite,
      chainId: input.chainId,
      credential: cred,
      record: undefined,
      atHeight: 0,
      atTimeMs: 0,
    })
    return { ...v, provenHeight: undefined, provenTimeMs: undefined, caveat: OFFLINE_CAVEAT }
  }
  if (proof === undefined)
    return invalid(
      'LICENSE_PROOF_MISSING',
      'no proof material: fetch it once online (fetchLicenceProof) or use a QR that carries it',
    )
  let verified: { value: Uint8Array | undefined; height: number; timeMs: number }
  try {
    const p = proofBytes(proof)
    const lc = new LightClient({ suite, chainId: input.chainId, trustedValidatorSet: input.trustedValidatorSet })
    const r = lc.verifyState({
      module: LICENSE_MODULE,
      key: LICENSE_KEYS.license(id),
      value: p.value,
      height: p.height,
      proof: p.proof,
      headerBytes: p.headerBytes,
      certificate: p.certificate,
    })
    verified = { value: r.value, height: r.height, timeMs: r.header.timeMs }
  } catch (e) {
    const code = e instanceof GovchainError ? e.code : 'PROOF_INVALID'
    // Not signed by the validators this verifier trusts: the set may have changed since it was
    // pinned, so offline cannot decide (online, or with an updated set, it can). A proof that a
    // trusted certificate does not cover (PROOF_INVALID) is a forgery: invalid.
    const undecided = code === 'CERTIFICATE_INVALID'
    return {
      valid: false,
      verdict: undecided ? 'undecided' : 'invalid',
      reasons: [code],
      checks: [
        {
          check: 'chain_record',
          ok: false,
          code,
          message: undecided
            ? `not signed by the validators this verifier trusts (the set may have changed): verify online or update the trusted set — ${(e as Error).message}`
            : `the proof material does not verify against the trusted validator set: ${(e as Error).message}`,
          messageZh: undecided
            ? '证明并非由本机信任的验证者集合签署（集合可能已变更），离线无法判定，请联网核验'
            : '链上证明无法通过可信验证者集合校验',
        },
      ],
      licenseId: id,
      disclosed: [],
      status: undefined,
      atHeight: proof.height,
      atTimeMs: 0,
      provenHeight: undefined,
      provenTimeMs: undefined,
      caveat: OFFLINE_CAVEAT,
    }
  }
  const record = verified.value === undefined ? undefined : decode(LicenseRecord, verified.value)
  const atTimeMs = Math.max(verified.timeMs, input.nowMs ?? 0)
  const v = evaluateLicense({
    suite,
    chainId: input.chainId,
    credential: cred,
    ...(parsed === undefined ? {} : { parsed }),
    record,
    atHeight: verified.height,
    atTimeMs,
  })
  return { ...v, provenHeight: verified.height, provenTimeMs: verified.timeMs, caveat: OFFLINE_CAVEAT }
}

// ---------------------------------------------------------------- hand-over to the holder (docs/adr/0038)

/** The most text read as a handed-over credential (a file, pasted text or a scanned QR). */
export const HANDOVER_CHARS_MAX = 64 * 1024

/**
 * The compact SD-JWT in what an issuer handed over: the credential text (the downloaded file),
 * JSON with a `credential`, or the full-form licence QR (GCL1:, the hand-over QR). Checks
 * nothing but the form; throws LICENSE_CREDENTIAL_MALFORMED.
 */
export function readHandedOverCredential(text: string): string {
  const s = text.trim()
  const malformed = (why: string) => new GovchainError('LICENSE_CREDENTIAL_MALFORMED', why)
  if (s === '') throw malformed('nothing to import')
  if (s.length > HANDOVER_CHARS_MAX) throw malformed(`more than ${HANDOVER_CHARS_MAX} characters`)
  if (s.startsWith(QR_PREFIX)) {
    const qr = decodeLicenseQr(s)
    if (qr.type !== 'full') throw malformed('a reference QR carries no credential')
    return credentialFromQr(qr.value.credential)
  }
  if (s.startsWith('{')) {
    let o: unknown
    try {
      o = JSON.parse(s)
    } catch {
      throw malformed('not JSON')
    }
    const c = (o as { credential?: unknown } | null)?.credential
    if (typeof c !== 'string') throw malformed('the JSON holds no credential')
    return c.trim()
  }
  return s.replace(/\s+/g, '')
}

export interface HandoverCheckInput {
  suite: CryptoSuite
  chainId: string
  /** The signed-in holder's DID: the credential must name it. */
  holder: string
  /** The compact SD-JWT (readHandedOverCredential). */
  credential: string
  /** Codes of the licence types the chain defines. */
  typeCodes: ReadonlySet<string>
  trustedValidatorSet: ValidatorSet | Uint8Array
  /** The state proof of the licence record (fetchLicenseProof); called only after the offline checks pass. */
  fetchProof: (licenseId: string) => Promise<ProofMaterial>
}

export interface CheckedHandover {
  licenseId: string
  typeCode: string
  /** The verdict as of the proven height: valid, or a status (suspended, expired, …) of a genuine credential. */
  verdict: OfflineVerdict
}

/**
 * The holder's checks before a wallet keeps a handed-over credential (ADR 0038), in order:
 * it parses as a licence credential (LICENSE_CREDENTIAL_MALFORMED) of a type the chain defines
 * (LICENSE_TYPE_NOT_FOUND), it names this holder (LICENSE_NOT_HOLDER), then verifyLicenseOffline
 * against the record's proof and the trusted validator set: the record exists, the hash, the
 * issuer's signature, authorisation, claims and disclosures hold. A genuine credential of a
 * suspended, expired or superseded licence is kept (the wallet shows the status); an `invalid`
 * or `undecided` verdict throws its first reason, with the failing check's message.
 */
export async function checkHandedOverCredential(input: HandoverCheckInput): Promise<CheckedHandover> {
  const { suite, credential } = input
  const payload = parseSdJwt(suite, credential).payload
  const licenseId = credentialLicenseId(suite, credential)
  if (licenseId === undefined)
    throw new GovchainError('LICENSE_CREDENTIAL_MALFORMED', 'the credential names no licence id')
  const vct = typeof payload.vct === 'string' ? payload.vct : ''
  const typeCode = vct.startsWith(LICENSE_CLAIMS.typePrefix) ? vct.slice(LICENSE_CLAIMS.typePrefix.length) : ''
  if (!input.typeCodes.has(typeCode))
    throw new GovchainError('LICENSE_TYPE_NOT_FOUND', `the chain defines no licence type ${typeCode || vct}`)
  if (payload.sub !== input.holder)
    throw new GovchainError('LICENSE_NOT_HOLDER', `the credential is for ${String(payload.sub)}, not ${input.holder}`)
  const verdict = verifyLicenseOffline({
    suite,
    chainId: input.chainId,
    credential,
    proof: await input.fetchProof(licenseId),
    trustedValidatorSet: input.trustedValidatorSet,
  })
  if (verdict.verdict === 'invalid' || verdict.verdict === 'undecided') {
    const failed = verdict.checks.find((c) => !c.ok && c.code !== undefined)
    const code = (verdict.reasons[0] ?? 'LICENSE_CREDENTIAL_MALFORMED') as ErrorCode
    throw new GovchainError(code, failed?.message ?? verdict.verdict)
  }
  return { licenseId, typeCode, verdict }
}

// ---------------------------------------------------------------- short 亮证 QR (docs/adr/0025)

export type { LicensePresentation, PresentationVerdict }
export { PRESENTATION_LIMITS, parsePresentationUrl, presentationUrl, signPresentation }

/** signPresentation with an AsyncSigner (the holder's key held in the browser). */
export function signPresentationWith(
  signer: AsyncSigner,
  input: Omit<SignPresentationInput, 'privateKey'>,
): Promise<LicensePresentation> {
  return signWith(signer, () => presentationToSign(input))
}

export interface PresentationOfflineInput {
  suite: CryptoSuite
  chainId: string
  /** This verifier's verify page URL without query (what the token must be signed for). */
  audience: string
  /** The scanned verify URL. */
  url: string
  trustedValidatorSet: ValidatorSet | Uint8Array
  /** Proof of the licence record and of the holder's DID document (the node's answer carries both). */
  licenseProof: ProofMaterial | null | undefined
  holderProof: ProofMaterial | null | undefined
  /** The verifier's clock (ms): the token's expiry. */
  nowMs: number
}

/**
 * The browser's own check of a short-QR presentation: both proofs against the trusted
 * validator set (the licence record; the holder DID's current keys), then evaluatePresentation
 * as the node runs it. Never throws for bad input: the verdict says why.
 */
export function verifyPresentationOffline(input: PresentationOfflineInput): PresentationVerdict {
  const { suite } = input
  const fail = (check: 'format' | 'chain_record', code: ErrorCode, message: string): PresentationVerdict => ({
    valid: false,
    verdict: 'invalid',
    reasons: [code],
    checks: [
      { check, ok: false, code, message, messageZh: check === 'format' ? '亮证码格式错误' : '链上证明无法核验' },
    ],
    licenseId: undefined,
    holder: undefined,
    expiresAtMs: undefined,
    status: undefined,
    atHeight: 0,
    atTimeMs: 0,
  })
  let presentation: LicensePresentation
  try {
    presentation = parsePresentationUrl(input.url).presentation
  } catch (e) {
    return fail('format', 'LICENSE_PRESENTATION_MALFORMED', (e as Error).message)
  }
  if (input.licenseProof == null || input.holderProof == null)
    return fail('chain_record', 'LICENSE_PROOF_MISSING', 'proofs of the licence and the holder DID are needed')
  let proven: { value: Uint8Array | undefined; height: number; timeMs: number }
  let didValue: Uint8Array | undefined
  try {
    const lc = new LightClient({ suite, chainId: input.chainId, trustedValidatorSet: input.trustedValidatorSet })
    const check = (module: string, key: Uint8Array, m: ProofMaterial) => {
      const p = proofBytes(m)
      return lc.verifyState({
        module,
        key,
        value: p.value,
        height: p.height,
        proof: p.proof,
        headerBytes: p.headerBytes,
        certificate: p.certificate,
      })
    }
    const r = check(LICENSE_MODULE, LICENSE_KEYS.license(presentation.c), input.licenseProof)
    proven = { value: r.value, height: r.height, timeMs: r.header.timeMs }
    didValue = check(IDENTITY_MODULE, identityKeys.did(presentation.iss), input.holderProof).value
  } catch (e) {
    const code = e instanceof GovchainError ? e.code : 'PROOF_INVALID'
    return fail(
      'chain_record',
      code,
      `the proofs do not verify against the trusted validator set: ${(e as Error).message}`,
    )
  }
  const did = didValue === undefined ? undefined : decode(DidRecord, didValue)
  return evaluatePresentation({
    suite,
    audience: input.audience,
    presentation,
    record: proven.value === undefined ? undefined : decode(LicenseRecord, proven.value),
    holderKeys: did?.status === 'active' ? did.keys.map((k) => k.publicKey) : [],
    nowMs: input.nowMs,
    atHeight: proven.height,
    atTimeMs: proven.timeMs,
  })
}

// ---------------------------------------------------------------- API client (licence routes)

export interface LicenseListFilter {
  holder?: string
  /** The issuing department (organisation id); an unknown one is IDENTITY_ORG_NOT_FOUND. */
  issuer?: string
  type?: string
  /** An effective status (EFFECTIVE_STATUSES). */
  status?: string
  /** Issued at or after / at or before this block time (ms), both inclusive. */
  fromMs?: number
  toMs?: number
  limit?: number
  after?: string
}

/** Answer types come from the routes' schemas (views.ts), so they cannot drift from what the node sends. */
export interface LicenseApiClient {
  types(): Promise<LicenseTypesAnswer>
  type(codeOrAlias: string): Promise<LicenseTypeView>
  get(id: string, options?: { prove?: boolean; height?: number }): Promise<LicenseAnswer>
  list(filter: LicenseListFilter): Promise<LicensePage>
  /** One page of a licence's history, oldest first; pass the answer's `next` as `page.after`. */
  history(id: string, page?: SequenceQuery): Promise<LicenseHistoryAnswer>
  /** Every history entry, page after page until `next` is null. */
  historyAll(id: string): Promise<LicenseHistoryAnswer['items']>
  verify(input: { credential: string } | { qr: string }, options?: { prove?: boolean }): Promise<LicenseVerdictView>
  /** A short-QR presentation (`url` as scanned) for this verifier's `audience`. */
  verifyPresentation(input: { url: string; audience: string; prove?: boolean }): Promise<PresentationVerdictView>
  /** Every grant, and one page of the uses; pass `usesNext` as `page.after` for the next. */
  uses(id: string, auth: HolderAuth, page?: SequenceQuery): Promise<LicenseUsesAnswer>
  /** One page of the holder's grants; pass the answer's `next` as `page.after` for the next page. */
  grants(auth: HolderAuth, page?: { after?: string; limit?: number }): Promise<LicenseGrantPage>
}

/**
 * A client for the licence routes (docs/license-api.md), over the SDK's one HTTP transport: give
 * a node (`url`), several nodes to fail over between (`urls`), or the transport of an existing
 * client (`transport`, e.g. `client.transport`), so that every call shares its limits, error
 * model and node order.
 */
export function licenseClient(options: {
  url?: string
  urls?: readonly string[]
  transport?: HttpTransport
  fetch?: typeof globalThis.fetch
  timeoutMs?: number
}): LicenseApiClient {
  const transport =
    options.transport ??
    new HttpTransport({
      ...(options.urls !== undefined ? { urls: options.urls } : options.url !== undefined ? { url: options.url } : {}),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      timeoutMs: options.timeoutMs ?? 10_000,
    })
  /** One request; the answer checked against the route's schema (SDK_BAD_RESPONSE otherwise). */
  const call = <S extends TSchema>(schema: S, method: 'GET' | 'POST', path: string, body?: unknown) =>
    requestAnswer(transport, method, path, schema, body)
  const qs = (o: Record<string, string | number | boolean | undefined>): string => {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(o)) if (v !== undefined) q.set(k, String(v))
    const s = q.toString()
    return s === '' ? '' : `?${s}`
  }
  const enc = encodeURIComponent
  const history = (id: string, page: SequenceQuery = {}) =>
    call(LicenseHistoryAnswer, 'GET', `/v1/licenses/${enc(id)}/history${qs(page)}`)
  return {
    types: () => call(LicenseTypesAnswer, 'GET', '/v1/license-types'),
    type: (c) => call(LicenseTypeView, 'GET', `/v1/license-types/${enc(c)}`),
    get: (id, o = {}) =>
      call(
        LicenseAnswer,
        'GET',
        `/v1/licenses/${enc(id)}${qs({ prove: o.prove ? 'true' : undefined, height: o.height })}`,
      ),
    list: (f) => call(LicensePage, 'GET', `/v1/licenses${qs({ ...f })}`),
    history,
    historyAll: (id) =>
      followPages((after) => history(id, { ...(after === undefined ? {} : { after }), limit: SEQUENCE_PAGE_MAX })),
    verify: (input, o = {}) =>
      call(LicenseVerdictView, 'POST', '/v1/licenses/verify', {
        ...input,
        ...(o.prove === undefined ? {} : { prove: o.prove }),
      }),
    verifyPresentation: (input) => call(PresentationVerdictView, 'POST', '/v1/licenses/presentations/verify', input),
    uses: (id, auth, page = {}) =>
      call(LicenseUsesAnswer, 'GET', `/v1/licenses/${enc(id)}/uses${qs({ ...auth, ...page })}`),
    grants: (auth, page = {}) => call(LicenseGrantPage, 'GET', `/v1/license-grants${qs({ ...auth, ...page })}`),
  }
}

/** Holder-side convenience: signs the query for `/v1/licenses/<id>/uses` and calls it. */
export function holderUsesPath(id: string): string {
  return `/v1/licenses/${id}/uses`
}
