/**
 * The `catalog` module's wire types (目录链): data resources that departments register, as
 * immutable versions, and the data gateway each organisation runs. Shared by the node (which
 * executes them), the SDK and the gateway (which build and read them).
 *
 * A resource version records the owner and the rights it holds (数据确权), the fields with their
 * sensitivity, the share type under the national rules (无条件 / 有条件 / 不予共享), the update
 * frequency and the hash of the published data version. Publishing again adds version N+1;
 * nothing is overwritten.
 */

import { moduleRef } from '@govchain/app/ref'
import {
  codec,
  concatBytes,
  type ErrorInfo,
  GovchainError,
  hash32,
  publicKey,
  registerErrors,
  utf8,
} from '@govchain/core'
import type { CatalogKeeper } from './module.ts'

const { bool, literals, string, struct, u32, u64, vec } = codec

export const CATALOG_MODULE = 'catalog'

/** The catalog module's error codes, merged into the one catalogue (HTTP status and message). */
export const CATALOG_ERRORS = {
  CATALOG_NOT_FOUND: { http: 404, message: 'no such catalogue resource or version' },
  CATALOG_GATEWAY_NOT_FOUND: { http: 404, message: 'the organisation has no registered data gateway' },
  CATALOG_BAD_RESOURCE: { http: 400, message: 'resource description is invalid' },
  CATALOG_OWNER_MISMATCH: { http: 403, message: 'the resource belongs to another organisation' },
} as const satisfies Record<string, ErrorInfo>
registerErrors(CATALOG_MODULE, CATALOG_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof CATALOG_ERRORS, true> {}
}

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(catalogRef)`. */
export const catalogRef = moduleRef<CatalogKeeper>()(CATALOG_MODULE)
export const CATALOG_METHODS = { publish: 'publish', setGateway: 'setGateway' } as const

export const SHARE_TYPES = ['unconditional', 'conditional', 'none'] as const
export type ShareType = (typeof SHARE_TYPES)[number]
export const DATA_RIGHTS = ['ownership', 'management', 'use'] as const
export type DataRight = (typeof DATA_RIGHTS)[number]
export const SENSITIVITIES = ['public', 'internal', 'sensitive', 'personal'] as const
export type Sensitivity = (typeof SENSITIVITIES)[number]
export const UPDATE_FREQUENCIES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'yearly',
  'irregular',
] as const
export type UpdateFrequency = (typeof UPDATE_FREQUENCIES)[number]
export const RESOURCE_STATUSES = ['active', 'withdrawn'] as const

export const CATALOG_LIMITS = {
  resourceIdBytes: 64,
  orgIdBytes: 64,
  titleBytes: 256,
  descriptionBytes: 2048,
  fields: 64,
  fieldNameBytes: 64,
  fieldLabelBytes: 128,
  urlBytes: 256,
  dataVersionBytes: 64,
  noteBytes: 512,
  /** Versions per resource: a bound on history walks (lineage, version lists). */
  versions: 10_000,
} as const

/** Resource ids: `<owner>.<name>`-like identifiers, safe in URLs and keys. */
export const RESOURCE_ID_PATTERN = /^[a-z][a-z0-9_.-]{2,63}$/
/** Field names: column-like identifiers. */
export const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/

export const CatalogField = struct({
  name: string(CATALOG_LIMITS.fieldNameBytes),
  label: string(CATALOG_LIMITS.fieldLabelBytes),
  sensitivity: literals(SENSITIVITIES),
})
export type CatalogField = codec.Infer<typeof CatalogField>

const resourceFields = {
  resourceId: string(CATALOG_LIMITS.resourceIdBytes),
  title: string(CATALOG_LIMITS.titleBytes),
  description: string(CATALOG_LIMITS.descriptionBytes),
  ownerOrg: string(CATALOG_LIMITS.orgIdBytes),
  rights: vec(literals(DATA_RIGHTS), DATA_RIGHTS.length),
  fields: vec(CatalogField, CATALOG_LIMITS.fields),
  shareType: literals(SHARE_TYPES),
  /** Unconditional resources only: requests within the policy are approved in the request's transaction. */
  autoApprove: bool,
  /** The policy's bound on the asked duration (0 = no automatic approval). */
  autoApproveMaxDurationMs: u64,
  updateFrequency: literals(UPDATE_FREQUENCIES),
  /** Hash of the published data version (the owner's snapshot or change set), never the data. */
  dataHash: hash32,
  dataVersion: string(CATALOG_LIMITS.dataVersionBytes),
  status: literals(RESOURCE_STATUSES),
  /** Why this version (changes are versions). */
  note: string(CATALOG_LIMITS.noteBytes),
}

/** Arguments of `catalog.publish`: the whole new version. */
export const CatalogPublishArgs = struct(resourceFields)
export type CatalogPublishArgs = codec.Infer<typeof CatalogPublishArgs>

/** One stored version: the arguments plus its number and who/when. */
export const ResourceVersion = struct({
  ...resourceFields,
  version: u32,
  publishedBy: publicKey,
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type ResourceVersion = codec.Infer<typeof ResourceVersion>

/** The head of a resource: its owner and latest version number. */
export const ResourceHead = struct({
  resourceId: string(CATALOG_LIMITS.resourceIdBytes),
  ownerOrg: string(CATALOG_LIMITS.orgIdBytes),
  latest: u32,
})
export type ResourceHead = codec.Infer<typeof ResourceHead>

/** Arguments of `catalog.setGateway`: the organisation's data gateway. */
export const CatalogSetGatewayArgs = struct({
  orgId: string(CATALOG_LIMITS.orgIdBytes),
  /** https URL other gateways call. */
  url: string(CATALOG_LIMITS.urlBytes),
  /** SHA-256 of the DER of the gateway's TLS certificate (issued by the org's CA). */
  certFingerprint: hash32,
  /** The gateway's chain-suite key: signs requests and receipts, receives encrypted answers. */
  publicKey,
  /** This org is an identity (pseudonym) authority: its gateway key signs subject credentials. */
  pseudonymAuthority: bool,
})
export type CatalogSetGatewayArgs = codec.Infer<typeof CatalogSetGatewayArgs>

export const GatewayRecord = struct({
  orgId: string(CATALOG_LIMITS.orgIdBytes),
  url: string(CATALOG_LIMITS.urlBytes),
  certFingerprint: hash32,
  publicKey,
  pseudonymAuthority: bool,
  setBy: publicKey,
  height: u64,
  timeMs: u64,
})
export type GatewayRecord = codec.Infer<typeof GatewayRecord>

function checkResourceId(id: string): void {
  if (typeof id !== 'string' || !RESOURCE_ID_PATTERN.test(id)) {
    throw new GovchainError('INVALID_ARGUMENT', 'resource id must match ^[a-z][a-z0-9_.-]{2,63}$')
  }
}

export function catalogHeadKey(resourceId: string): Uint8Array {
  checkResourceId(resourceId)
  return utf8(`res/${resourceId}`)
}

export function catalogVersionKey(resourceId: string, version: number): Uint8Array {
  checkResourceId(resourceId)
  if (!Number.isInteger(version) || version < 1 || version > 0xffff_ffff) {
    throw new GovchainError('INVALID_ARGUMENT', 'version must be a positive 32-bit integer')
  }
  // Zero-padded decimal keeps versions in order in key scans and readable in state dumps.
  return utf8(`ver/${resourceId}/${String(version).padStart(10, '0')}`)
}

export function catalogGatewayKey(orgId: string): Uint8Array {
  if (typeof orgId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(orgId)) {
    throw new GovchainError('INVALID_ARGUMENT', 'invalid organisation id')
  }
  return utf8(`gw/${orgId}`)
}

/** utf8(orgId) of the organisation whose current gateway holds this chain key (a key serves one gateway). */
export function catalogGatewayKeyIndex(publicKey: Uint8Array): Uint8Array {
  return concatBytes(utf8('gw-key/'), publicKey)
}
