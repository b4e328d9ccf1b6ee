/**
 * Identity transactions (organisations' officers, DIDs, pseudonyms) and typed reads.
 * Argument codecs come from @govchain/core, so these build exactly the bytes the node executes.
 */

import { followPages, getAnswer } from '@govchain/app/answer'
import { SEQUENCE_PAGE_MAX } from '@govchain/app/route-kit'
import type { Client, LightClient } from '@govchain/client'
import { addSignature, type BuiltTx, buildTx } from '@govchain/client'
import {
  type CryptoSuite,
  codec,
  concatBytes,
  GovchainError,
  type SigningKey,
  signerOf,
  toHex,
  utf8,
} from '@govchain/core'
import {
  AddOfficerArgs,
  CreateDidArgs,
  DidArgs,
  DidRecord,
  deriveDid,
  IDENTITY_METHODS,
  IDENTITY_MODULE,
  identityKeys,
  OfficerIdArgs,
  type Role,
  RotateDidKeyArgs,
  RotateOfficerKeyArgs,
  SetOfficerRolesArgs,
  SetPseudonymArgs,
} from './schema.ts'
import {
  DidAnswer,
  type DidResolution,
  OfficerDetail,
  OfficerHistoryPage,
  type OfficerInfo,
  OfficersAnswer,
  OrganisationAnswer,
  type OrganisationInfo,
  OrganisationsAnswer,
} from './views.ts'

// The answers' types come from the routes' schemas (views.ts).
export type { DidResolution, OfficerDetail, OfficerInfo, OrganisationInfo }
export { deriveDid }

/** What every transaction builder needs besides its arguments. */
export interface TxCommon {
  suite: CryptoSuite
  chainId: string
  /** The signer's key (officer, DID key): its bytes or a KeySigner. */
  privateKey: SigningKey
  validUntilHeight: number
  nonce?: number
}

function build<A>(o: TxCommon, method: string, argsCodec: codec.Codec<A>, args: A): BuiltTx {
  return buildTx({
    suite: o.suite,
    chainId: o.chainId,
    privateKey: o.privateKey,
    module: IDENTITY_MODULE,
    method,
    args: codec.encode(argsCodec, args),
    validUntilHeight: o.validUntilHeight,
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
  })
}

/** identity.addOfficer: signed by an admin of `orgId`. */
export function addOfficer(
  o: TxCommon & { orgId: string; officerId: string; publicKey: Uint8Array; roles: Role[] },
): BuiltTx {
  return build(o, IDENTITY_METHODS.addOfficer, AddOfficerArgs, {
    orgId: o.orgId,
    officerId: o.officerId,
    publicKey: o.publicKey,
    roles: o.roles,
  })
}

export function setOfficerRoles(o: TxCommon & { officerId: string; roles: Role[] }): BuiltTx {
  return build(o, IDENTITY_METHODS.setOfficerRoles, SetOfficerRolesArgs, { officerId: o.officerId, roles: o.roles })
}

export function suspendOfficer(o: TxCommon & { officerId: string }): BuiltTx {
  return build(o, IDENTITY_METHODS.suspendOfficer, OfficerIdArgs, { officerId: o.officerId })
}

export function reinstateOfficer(o: TxCommon & { officerId: string }): BuiltTx {
  return build(o, IDENTITY_METHODS.reinstateOfficer, OfficerIdArgs, { officerId: o.officerId })
}

/** identity.rotateOfficerKey: by an admin of the officer's organisation, or by the officer. */
export function rotateOfficerKey(o: TxCommon & { officerId: string; newPublicKey: Uint8Array }): BuiltTx {
  return build(o, IDENTITY_METHODS.rotateOfficerKey, RotateOfficerKeyArgs, {
    officerId: o.officerId,
    newPublicKey: o.newPublicKey,
  })
}

/**
 * identity.createDid, self-signed by the DID's first key (`privateKey`). With `registeredBy`,
 * pass the registrar officer's key as `registrarPrivateKey` (second signature).
 */
export function createDid(
  o: TxCommon & { registeredBy?: string; registrarPrivateKey?: SigningKey },
): BuiltTx & { did: string } {
  const built = build(
    o,
    IDENTITY_METHODS.createDid,
    CreateDidArgs,
    o.registeredBy === undefined ? {} : { registeredBy: o.registeredBy },
  )
  const did = deriveDid(o.suite, signerOf(o.suite, o.privateKey).publicKey)
  if (o.registrarPrivateKey === undefined) return { ...built, did }
  return { ...built, bytes: addSignature(built.bytes, o.suite, o.registrarPrivateKey), did }
}

/** identity.rotateDidKey: signed by the current key that `newPublicKey` replaces. */
export function rotateDidKey(o: TxCommon & { did: string; newPublicKey: Uint8Array }): BuiltTx {
  return build(o, IDENTITY_METHODS.rotateDidKey, RotateDidKeyArgs, { did: o.did, newPublicKey: o.newPublicKey })
}

export function deactivateDid(o: TxCommon & { did: string }): BuiltTx {
  return build(o, IDENTITY_METHODS.deactivateDid, DidArgs, { did: o.did })
}

/** identity.setPseudonym: by a registrar of an identity authority (docs/adr/0006). */
export function setPseudonym(o: TxCommon & { did: string; pseudonym: Uint8Array }): BuiltTx {
  return build(o, IDENTITY_METHODS.setPseudonym, SetPseudonymArgs, { did: o.did, pseudonym: o.pseudonym })
}

/**
 * The keyed pseudonym the identity authority computes (docs/adr/0006):
 * HMAC(authorityKey, "govchain/pseudonym/v1\0" || subjectId || "\0" || did), with the suite's
 * HMAC. Scoped to the DID, so two DIDs of one person are not linkable without the key.
 * Run only inside the identity authority: `subjectId` (e.g. an identity-card number) never leaves it.
 */
export function computePseudonym(
  suite: CryptoSuite,
  authorityKey: Uint8Array,
  subjectId: string,
  did: string,
): Uint8Array {
  return suite.hmac(
    authorityKey,
    concatBytes(utf8('govchain/pseudonym/v1\0'), utf8(subjectId), new Uint8Array([0]), utf8(did)),
  )
}

// ---------------------------------------------------------------- reads

export async function listOrganisations(client: Pick<Client, 'getJson'>): Promise<OrganisationInfo[]> {
  return (await getAnswer(client, '/v1/organisations', OrganisationsAnswer)).organisations
}

export async function getOrganisation(client: Pick<Client, 'getJson'>, orgId: string): Promise<OrganisationInfo> {
  return (await getAnswer(client, `/v1/organisations/${encodeURIComponent(orgId)}`, OrganisationAnswer)).organisation
}

export async function listOfficers(client: Pick<Client, 'getJson'>, orgId: string): Promise<OfficerInfo[]> {
  return (await getAnswer(client, `/v1/organisations/${encodeURIComponent(orgId)}/officers`, OfficersAnswer)).officers
}

/** An officer with its whole change history (the pages after the first followed until `next` is null). */
export async function getOfficer(client: Pick<Client, 'getJson'>, officerId: string): Promise<OfficerDetail> {
  const path = `/v1/officers/${encodeURIComponent(officerId)}`
  const o = await getAnswer(client, path, OfficerDetail)
  const history = await followPages(
    (after) => {
      const q = new URLSearchParams({ ...(after === undefined ? {} : { after }), limit: String(SEQUENCE_PAGE_MAX) })
      return getAnswer(client, `${path}/history?${q}`, OfficerHistoryPage)
    },
    { items: o.history, next: o.historyNext },
  )
  return { ...o, history, historyNext: null }
}

/** GET /v1/dids/:did (unverified: the node's word). */
export async function resolveDid(client: Pick<Client, 'getJson'>, did: string): Promise<DidResolution> {
  const o = await getAnswer(client, `/v1/dids/${encodeURIComponent(did)}`, DidAnswer)
  return { didDocument: o.didDocument, didDocumentMetadata: o.didDocumentMetadata }
}

/**
 * Resolves a DID with a state proof and checks it with a light client: the DID record is
 * proven under the certified state root; returns the decoded record (keys, status) and the
 * height. Throws CERTIFICATE_INVALID / PROOF_INVALID, or IDENTITY_DID_NOT_FOUND when absent.
 */
export async function resolveDidVerified(
  client: Pick<Client, 'state'>,
  lightClient: LightClient,
  did: string,
): Promise<{ record: DidRecord; height: number }> {
  const key = identityKeys.did(did)
  const answer = await client.state(IDENTITY_MODULE, toHex(key), { prove: true })
  const verified = lightClient.verifyState(answer)
  if (verified.value === undefined) {
    throw new GovchainError('IDENTITY_DID_NOT_FOUND', `${did} is proven absent at height ${verified.height}`)
  }
  return { record: codec.decode(DidRecord, verified.value), height: verified.height }
}
