/**
 * Helpers for the `catalog` and `sharing` modules (docs/sharing-api.md): build and sign their
 * transactions, and sign the challenge of the authenticated views ("my accesses", lineage).
 */

import {
  CATALOG_METHODS,
  CATALOG_MODULE,
  type CatalogField,
  CatalogPublishArgs,
  CatalogSetGatewayArgs,
  type DataRight,
  type ShareType,
  type UpdateFrequency,
} from '@govchain/catalog/schema'
import { type BuiltTx, buildTx } from '@govchain/client'
import { type CryptoSuite, encode, fromHex, type SigningKey } from '@govchain/core'
import {
  SHARING_METHODS,
  SHARING_MODULE,
  SharingDecideArgs,
  SharingRequestArgs,
  SharingRevokeArgs,
  sharingAuthMessage,
} from './schema.ts'

export interface SignerOptions {
  suite: CryptoSuite
  chainId: string
  /** The sender's key: its bytes or a KeySigner. */
  privateKey: SigningKey
  nonce?: number
  validUntilHeight: number
}

const bytes32 = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? fromHex(v) : v)

function build(s: SignerOptions, module: string, method: string, args: Uint8Array): BuiltTx {
  return buildTx({
    suite: s.suite,
    chainId: s.chainId,
    privateKey: s.privateKey,
    module,
    method,
    args,
    ...(s.nonce === undefined ? {} : { nonce: s.nonce }),
    validUntilHeight: s.validUntilHeight,
  })
}

export interface CatalogPublishOptions extends SignerOptions {
  resourceId: string
  title: string
  description: string
  ownerOrg: string
  rights: DataRight[]
  fields: CatalogField[]
  shareType: ShareType
  autoApprove?: boolean
  autoApproveMaxDurationMs?: number
  updateFrequency: UpdateFrequency
  /** Hash of the published data version (hex or bytes). */
  dataHash: string | Uint8Array
  dataVersion: string
  status?: 'active' | 'withdrawn'
  note?: string
}

/** `catalog.publish`: registers a resource (version 1) or publishes its next version. */
export function catalogPublish(o: CatalogPublishOptions): BuiltTx {
  const args: CatalogPublishArgs = {
    resourceId: o.resourceId,
    title: o.title,
    description: o.description,
    ownerOrg: o.ownerOrg,
    rights: o.rights,
    fields: o.fields,
    shareType: o.shareType,
    autoApprove: o.autoApprove ?? false,
    autoApproveMaxDurationMs: o.autoApproveMaxDurationMs ?? 0,
    updateFrequency: o.updateFrequency,
    dataHash: bytes32(o.dataHash),
    dataVersion: o.dataVersion,
    status: o.status ?? 'active',
    note: o.note ?? '',
  }
  return build(o, CATALOG_MODULE, CATALOG_METHODS.publish, encode(CatalogPublishArgs, args))
}

export interface CatalogSetGatewayOptions extends SignerOptions {
  orgId: string
  url: string
  certFingerprint: string | Uint8Array
  gatewayPublicKey: string | Uint8Array
  pseudonymAuthority?: boolean
}

/** `catalog.setGateway`: an organisation's admin registers its data gateway. */
export function catalogSetGateway(o: CatalogSetGatewayOptions): BuiltTx {
  const args: CatalogSetGatewayArgs = {
    orgId: o.orgId,
    url: o.url,
    certFingerprint: bytes32(o.certFingerprint),
    publicKey: bytes32(o.gatewayPublicKey),
    pseudonymAuthority: o.pseudonymAuthority ?? false,
  }
  return build(o, CATALOG_MODULE, CATALOG_METHODS.setGateway, encode(CatalogSetGatewayArgs, args))
}

export interface SharingRequestOptions extends SignerOptions {
  resourceId: string
  consumerOrg: string
  fields: string[]
  purpose: string
  legalBasis: string
  durationMs: number
  rowsMax: number
  rowScope?: { field: string; values: string[] }
}

/** `sharing.request`: the request id is the transaction hash (`hashHex`). */
export function sharingRequest(o: SharingRequestOptions): BuiltTx {
  const args: SharingRequestArgs = {
    resourceId: o.resourceId,
    consumerOrg: o.consumerOrg,
    fields: o.fields,
    purpose: o.purpose,
    legalBasis: o.legalBasis,
    durationMs: o.durationMs,
    rowsMax: o.rowsMax,
    ...(o.rowScope === undefined ? {} : { rowScope: o.rowScope }),
  }
  return build(o, SHARING_MODULE, SHARING_METHODS.request, encode(SharingRequestArgs, args))
}

export interface SharingDecideOptions extends SignerOptions {
  requestId: string | Uint8Array
  approve: boolean
  reason: string
  fields?: string[]
  durationMs?: number
}

/** `sharing.decide`: the owner's approver approves (optionally narrower) or rejects. */
export function sharingDecide(o: SharingDecideOptions): BuiltTx {
  const args: SharingDecideArgs = {
    requestId: bytes32(o.requestId),
    approve: o.approve,
    reason: o.reason,
    ...(o.fields === undefined ? {} : { fields: o.fields }),
    ...(o.durationMs === undefined ? {} : { durationMs: o.durationMs }),
  }
  return build(o, SHARING_MODULE, SHARING_METHODS.decide, encode(SharingDecideArgs, args))
}

export interface SharingRevokeOptions extends SignerOptions {
  requestId: string | Uint8Array
  reason: string
}

/** `sharing.revoke`: the owner's approver revokes, or the consumer renounces, a grant. */
export function sharingRevoke(o: SharingRevokeOptions): BuiltTx {
  const args: SharingRevokeArgs = { requestId: bytes32(o.requestId), reason: o.reason }
  return build(o, SHARING_MODULE, SHARING_METHODS.revoke, encode(SharingRevokeArgs, args))
}

/** Signature (hex) answering a challenge of POST /v1/sharing/auth/challenge. */
export function signSharingAuth(o: {
  suite: CryptoSuite
  chainId: string
  privateKey: Uint8Array
  purpose: 'my-accesses' | 'lineage'
  challenge: string
}): string {
  const sig = o.suite.sign(o.privateKey, sharingAuthMessage(o.chainId, o.purpose, o.challenge))
  return Array.from(sig, (b) => b.toString(16).padStart(2, '0')).join('')
}
