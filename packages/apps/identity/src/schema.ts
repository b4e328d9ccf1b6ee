/**
 * The `identity` module's wire types, shared by the node (which executes them) and the SDK and
 * CLI (which build them): organisations, officers with roles, and DIDs for people and
 * enterprises. Defined once here so every side encodes the same bytes.
 *
 * DID derivation (did:govchain): the method-specific id is base58btc of the first 16 bytes of
 * suite.hash(utf8("govchain/did/v1\0") || initial public key), e.g.
 * `did:govchain:7YhVz2fT5dPq9wXk3mN8aJ`. The id never changes when the key rotates; anyone
 * holding the initial key can recompute it, nobody can choose it.
 */

import { moduleRef } from '@govchain/app/ref'
import type { CryptoSuite } from '@govchain/core'
import {
  ADMIN_LEVELS,
  codec,
  concatBytes,
  type ErrorInfo,
  GovchainError,
  hash32,
  ID_PATTERN,
  publicKey,
  ROLES,
  registerErrors,
  utf8,
} from '@govchain/core'
import type { IdentityKeeper } from './keeper.ts'

const { bool, fixedBytes, literals, option, string, struct, u32, u64, vec } = codec

export {
  ADMIN_LEVELS,
  type AdminLevel,
  CREDIT_CODE_PATTERN,
  ID_PATTERN,
  REGION_CODE_PATTERN,
  ROLES,
  type Role,
} from '@govchain/core'

export const IDENTITY_MODULE = 'identity'

/** The identity module's error codes, merged into the one catalogue (HTTP status and message). */
export const IDENTITY_ERRORS = {
  IDENTITY_NOT_OFFICER: { http: 403, message: 'the signer is not an officer of any organisation' },
  IDENTITY_OFFICER_SUSPENDED: { http: 403, message: 'the officer is suspended' },
  IDENTITY_KEY_ROTATED: { http: 403, message: 'this key was rotated away; sign with the officer’s current key' },
  IDENTITY_ROLE_MISSING: { http: 403, message: 'the officer does not hold the required role' },
  IDENTITY_WRONG_ORGANISATION: { http: 403, message: 'the officer belongs to another organisation' },
  IDENTITY_ORG_INACTIVE: { http: 403, message: 'the organisation is not active (not yet admitted, or removed)' },
  IDENTITY_ORG_NOT_FOUND: { http: 404, message: 'no such organisation' },
  IDENTITY_ORG_EXISTS: { http: 409, message: 'an organisation with this id already exists' },
  IDENTITY_OFFICER_NOT_FOUND: { http: 404, message: 'no such officer' },
  IDENTITY_OFFICER_EXISTS: { http: 409, message: 'an officer with this id already exists' },
  IDENTITY_KEY_IN_USE: { http: 409, message: 'this public key is already held by an officer or was retired' },
  IDENTITY_BAD_ID: { http: 400, message: 'ids are 1-64 characters of [a-z0-9._-], starting with a letter or digit' },
  IDENTITY_BAD_ROLES: {
    http: 400,
    message: 'roles must be a non-empty set of admin|issuer|approver|auditor|registrar',
  },
  IDENTITY_BAD_KEY: { http: 400, message: 'public key has the wrong length for the chain suite' },
  IDENTITY_BAD_ORGANISATION: {
    http: 400,
    message: 'organisation fields are invalid (credit code, region code, level)',
  },
  IDENTITY_LAST_ADMIN: { http: 409, message: 'the change would leave the organisation without an active admin' },
  IDENTITY_LIMIT: { http: 409, message: 'too many organisations or officers' },
  IDENTITY_DID_NOT_FOUND: { http: 404, message: 'no such DID' },
  IDENTITY_DID_EXISTS: { http: 409, message: 'this DID already exists' },
  IDENTITY_DID_DEACTIVATED: { http: 409, message: 'the DID is deactivated' },
  IDENTITY_NOT_DID_CONTROLLER: { http: 403, message: 'the signer is not a current key of the DID' },
  IDENTITY_NOT_IDENTITY_AUTHORITY: {
    http: 403,
    message: 'only a registrar of an identity authority may attach a pseudonym',
  },
} as const satisfies Record<string, ErrorInfo>
registerErrors(IDENTITY_MODULE, IDENTITY_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof IDENTITY_ERRORS, true> {}
}

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(identityRef)`. */
export const identityRef = moduleRef<IdentityKeeper>()(IDENTITY_MODULE)

export const IDENTITY_METHODS = {
  addOfficer: 'addOfficer',
  setOfficerRoles: 'setOfficerRoles',
  suspendOfficer: 'suspendOfficer',
  reinstateOfficer: 'reinstateOfficer',
  rotateOfficerKey: 'rotateOfficerKey',
  createDid: 'createDid',
  rotateDidKey: 'rotateDidKey',
  deactivateDid: 'deactivateDid',
  setPseudonym: 'setPseudonym',
} as const

export const IDENTITY_LIMITS = {
  idBytes: 64,
  nameBytes: 256,
  codeBytes: 64,
  regionBytes: 128,
  caCertPemBytes: 16 * 1024,
  organisations: 256,
  officersPerOrg: 1024,
  /** Keys a DID holds at once. */
  didKeys: 4,
  didBytes: 64,
  historyAction: 32,
  historyDetail: 256,
} as const

export const DID_PATTERN = /^did:govchain:[1-9A-HJ-NP-Za-km-z]{1,32}$/

const id = string(IDENTITY_LIMITS.idBytes)
const RoleCodec = literals(ROLES)
const roles = vec(RoleCodec, ROLES.length)

// ---------------------------------------------------------------- records (state values)

export const OrganisationRecord = struct({
  id,
  name: string(IDENTITY_LIMITS.nameBytes),
  nameEn: string(IDENTITY_LIMITS.nameBytes),
  code: string(IDENTITY_LIMITS.codeBytes),
  level: literals(ADMIN_LEVELS),
  regionCode: string(8),
  region: string(IDENTITY_LIMITS.regionBytes),
  caCertPem: string(IDENTITY_LIMITS.caCertPemBytes),
  operatorPublicKey: publicKey,
  /** An identity authority (e.g. 公安) whose registrars may attach keyed pseudonyms to DIDs. */
  identityAuthority: bool,
  /** First height at which the organisation is active (1 for the founders). */
  activeFromHeight: u64,
  /** First height at which it is removed; absent while it stays. */
  removedFromHeight: option(u64),
})
export type OrganisationRecord = codec.Infer<typeof OrganisationRecord>

export const OfficerRecord = struct({
  officerId: id,
  orgId: id,
  roles,
  publicKey,
  status: literals(['active', 'suspended'] as const),
  createdHeight: u64,
  updatedHeight: u64,
  /** Entries under officer-history/<officerId>/<n> (n = 0..historyLength-1). */
  historyLength: u32,
})
export type OfficerRecord = codec.Infer<typeof OfficerRecord>

/** Who changed an officer, when and how. `by` is the acting officer id (or `genesis` / `governance`). */
export const OfficerHistoryEntry = struct({
  action: string(IDENTITY_LIMITS.historyAction),
  by: id,
  height: u64,
  timeMs: u64,
  txHash: hash32,
  detail: option(string(IDENTITY_LIMITS.historyDetail)),
})
export type OfficerHistoryEntry = codec.Infer<typeof OfficerHistoryEntry>

export const DidKey = struct({ keyId: u32, publicKey })
export type DidKey = codec.Infer<typeof DidKey>

export const DidRecord = struct({
  did: string(IDENTITY_LIMITS.didBytes),
  keys: vec(DidKey, IDENTITY_LIMITS.didKeys),
  nextKeyId: u32,
  status: literals(['active', 'deactivated'] as const),
  /** Organisation that co-signed its creation (an enterprise's or an official DID). */
  registeredBy: option(id),
  /** HMAC by the identity authority's secret key; see docs/adr/0006. Never personal data. */
  pseudonym: option(hash32),
  pseudonymBy: option(id),
  createdHeight: u64,
  createdTimeMs: u64,
  updatedHeight: u64,
  updatedTimeMs: u64,
})
export type DidRecord = codec.Infer<typeof DidRecord>

// ---------------------------------------------------------------- transaction arguments

/** identity.addOfficer: signed by an admin officer of `orgId`. */
export const AddOfficerArgs = struct({ orgId: id, officerId: id, publicKey, roles })
export type AddOfficerArgs = codec.Infer<typeof AddOfficerArgs>

/** identity.setOfficerRoles: signed by an admin of the officer's organisation. */
export const SetOfficerRolesArgs = struct({ officerId: id, roles })
export type SetOfficerRolesArgs = codec.Infer<typeof SetOfficerRolesArgs>

/** identity.suspendOfficer / reinstateOfficer: signed by an admin of the officer's organisation. */
export const OfficerIdArgs = struct({ officerId: id })
export type OfficerIdArgs = codec.Infer<typeof OfficerIdArgs>

/** identity.rotateOfficerKey: signed by an admin of the officer's organisation, or by the officer. */
export const RotateOfficerKeyArgs = struct({ officerId: id, newPublicKey: publicKey })
export type RotateOfficerKeyArgs = codec.Infer<typeof RotateOfficerKeyArgs>

/**
 * identity.createDid: the sender's key is the DID's first key (self-signed). With `registeredBy`,
 * a registrar officer of that organisation must co-sign (second signature).
 */
export const CreateDidArgs = struct({ registeredBy: option(id) })
export type CreateDidArgs = codec.Infer<typeof CreateDidArgs>

/** identity.rotateDidKey: the sender (a current key) is replaced by `newPublicKey`. */
export const RotateDidKeyArgs = struct({ did: string(IDENTITY_LIMITS.didBytes), newPublicKey: publicKey })
export type RotateDidKeyArgs = codec.Infer<typeof RotateDidKeyArgs>

/** identity.deactivateDid: signed by a current key; final. */
export const DidArgs = struct({ did: string(IDENTITY_LIMITS.didBytes) })
export type DidArgs = codec.Infer<typeof DidArgs>

/** identity.setPseudonym: signed by a registrar officer of an identity-authority organisation. */
export const SetPseudonymArgs = struct({ did: string(IDENTITY_LIMITS.didBytes), pseudonym: fixedBytes(32) })
export type SetPseudonymArgs = codec.Infer<typeof SetPseudonymArgs>

// ---------------------------------------------------------------- state keys (module-local)

function checkId(value: string, what: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new GovchainError('INVALID_ARGUMENT', `${what} must match ${ID_PATTERN}`)
  }
  return value
}

export const identityKeys = {
  /** vec(string): every organisation id ever registered, in registration order. */
  orgList: (): Uint8Array => utf8('orgs'),
  org: (orgId: string): Uint8Array => utf8(`org/${checkId(orgId, 'orgId')}`),
  /** vec(string): the officer ids of an organisation, in creation order. */
  orgOfficers: (orgId: string): Uint8Array => utf8(`org-officers/${checkId(orgId, 'orgId')}`),
  officer: (officerId: string): Uint8Array => utf8(`officer/${checkId(officerId, 'officerId')}`),
  officerHistory: (officerId: string, n: number): Uint8Array => {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n, false)
    return concatBytes(utf8(`officer-history/${checkId(officerId, 'officerId')}/`), b)
  },
  /** utf8(officerId) of the officer currently holding the key. */
  officerKey: (pk: Uint8Array): Uint8Array => concatBytes(utf8('officer-key/'), pk),
  /** utf8(officerId) of the officer who held the key before a rotation (refused with IDENTITY_KEY_ROTATED). */
  retiredKey: (pk: Uint8Array): Uint8Array => concatBytes(utf8('retired-key/'), pk),
  /**
   * utf8(did) of the active DID this key is a current key of (a key controls at most one): lets
   * a key be recognised as a DID's, for admission's registered-sender check and quotas per DID.
   */
  didKey: (pk: Uint8Array): Uint8Array => concatBytes(utf8('did-key/'), pk),
  did: (did: string): Uint8Array => {
    if (typeof did !== 'string' || !DID_PATTERN.test(did)) {
      throw new GovchainError('INVALID_ARGUMENT', 'did must be did:govchain:<base58btc id>')
    }
    return utf8(`did/${did}`)
  },
} as const

// ---------------------------------------------------------------- DIDs

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58btc (Bitcoin alphabet), as multibase `z` and DID method-specific ids use. */
export function base58btc(bytes: Uint8Array): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  const digits: number[] = []
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8
      digits[j] = carry % 58
      carry = (carry / 58) | 0
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = (carry / 58) | 0
    }
  }
  let out = '1'.repeat(zeros)
  for (let i = digits.length - 1; i >= 0; i--) out += B58[digits[i]!]
  return out
}

export const DID_DOMAIN = utf8('govchain/did/v1\0')
export const DID_PREFIX = 'did:govchain:'

/**
 * did:govchain:<base58btc(first 16 bytes of suite.hash(DID_DOMAIN || initialPublicKey))>.
 * `suite` may be just the hash (module handlers have the chain hash, not the suite).
 */
export function deriveDid(
  suite: Pick<CryptoSuite, 'hash'> & Partial<Pick<CryptoSuite, 'publicKeyLength' | 'name'>>,
  initialPublicKey: Uint8Array,
): string {
  if (
    !(initialPublicKey instanceof Uint8Array) ||
    initialPublicKey.length === 0 ||
    (suite.publicKeyLength !== undefined && initialPublicKey.length !== suite.publicKeyLength)
  ) {
    throw new GovchainError('CRYPTO_INVALID_KEY', `a ${suite.name ?? ''} public key has ${suite.publicKeyLength} bytes`)
  }
  return DID_PREFIX + base58btc(suite.hash(concatBytes(DID_DOMAIN, initialPublicKey)).subarray(0, 16))
}

function base64url(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * A W3C DID Core verification method for a chain key:
 *   intl: `Multikey` with publicKeyMultibase = 'z' + base58btc(0xed 0x01 || Ed25519 key);
 *   gm:   `JsonWebKey` with publicKeyJwk {kty: 'EC', crv: 'SM2', x, y} (base64url, the
 *         uncompressed point 04||x||y split in two 32-byte coordinates).
 */
export function verificationMethod(
  suiteName: 'gm' | 'intl',
  did: string,
  keyId: number,
  pk: Uint8Array,
): Record<string, unknown> {
  const vmId = `${did}#key-${keyId}`
  if (suiteName === 'intl') {
    return {
      id: vmId,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: `z${base58btc(concatBytes(new Uint8Array([0xed, 0x01]), pk))}`,
    }
  }
  return {
    id: vmId,
    type: 'JsonWebKey',
    controller: did,
    publicKeyJwk: { kty: 'EC', crv: 'SM2', x: base64url(pk.subarray(1, 33)), y: base64url(pk.subarray(33, 65)) },
  }
}

/**
 * The DID document (W3C DID Core 1.0) and its resolution metadata. A deactivated DID keeps its
 * id and resolves with no verification methods and `deactivated: true`.
 */
export function didDocument(suiteName: 'gm' | 'intl', r: DidRecord): Record<string, unknown> {
  const active = r.status === 'active'
  const methods = active ? r.keys.map((k) => verificationMethod(suiteName, r.did, k.keyId, k.publicKey)) : []
  const refs = methods.map((m) => m.id)
  return {
    didDocument: {
      '@context': [
        'https://www.w3.org/ns/did/v1',
        suiteName === 'intl' ? 'https://w3id.org/security/multikey/v1' : 'https://w3id.org/security/jwk/v1',
      ],
      id: r.did,
      verificationMethod: methods,
      authentication: refs,
      assertionMethod: refs,
    },
    didDocumentMetadata: {
      createdHeight: r.createdHeight,
      created: new Date(r.createdTimeMs).toISOString(),
      updatedHeight: r.updatedHeight,
      updated: new Date(r.updatedTimeMs).toISOString(),
      deactivated: !active,
      ...(r.registeredBy === undefined ? {} : { registeredBy: r.registeredBy }),
      hasPseudonym: r.pseudonym !== undefined,
    },
  }
}

/** An organisation joining the consortium (governance's addOrganisation action, genesis). */
export const NewOrganisation = struct({
  id,
  name: string(IDENTITY_LIMITS.nameBytes),
  nameEn: string(IDENTITY_LIMITS.nameBytes),
  code: string(IDENTITY_LIMITS.codeBytes),
  level: literals(ADMIN_LEVELS),
  regionCode: string(8),
  region: string(IDENTITY_LIMITS.regionBytes),
  caCertPem: string(IDENTITY_LIMITS.caCertPemBytes),
  /** Its first admin officer `<id>-admin` holds this key with every role. */
  operatorPublicKey: publicKey,
  identityAuthority: bool,
})
export type NewOrganisation = codec.Infer<typeof NewOrganisation>
