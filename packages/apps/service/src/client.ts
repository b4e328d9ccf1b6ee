/**
 * Client side of the `service` module (re-exported by the SDK): one transaction builder per
 * method, and the consent an applicant signs, built from the item as the chain publishes it so
 * that it lists exactly the item's pulls and licenses.
 */
import type { SubjectCredentialView } from '@govchain/app/portal-views'
import { type BuiltTx, moduleTx, type TxCommon } from '@govchain/client'
import {
  type AsyncSigner,
  type CryptoSuite,
  type codec,
  fromHex,
  type SigningKey,
  signNow,
  signWith,
  type ToSign,
  toHex,
} from '@govchain/core'
import {
  type CASE_REASONS,
  type ConsentLicense,
  type ConsentPull,
  myCasesMessage,
  SERVICE_METHODS,
  SERVICE_MODULE,
  ServiceApplyArgs,
  ServiceApproveArgs,
  ServiceDecideArgs,
  ServicePublishArgs,
  type ServiceResultLicense,
  ServiceStepArgs,
  ServiceWithdrawArgs,
} from './schema.ts'
import type { ItemView } from './views.ts'

const tx = <A>(o: TxCommon, method: string, argsCodec: codec.Codec<A>, args: A): BuiltTx =>
  moduleTx(SERVICE_MODULE, o, method, argsCodec, args)

export type CaseReason = (typeof CASE_REASONS)[number]

/** An admin of the department publishes an item or its next version. */
export function servicePublish(o: TxCommon & { item: ServicePublishArgs }): BuiltTx {
  return tx(o, SERVICE_METHODS.publish, ServicePublishArgs, o.item)
}

export function serviceWithdraw(o: TxCommon & { code: string }): BuiltTx {
  return tx(o, SERVICE_METHODS.withdraw, ServiceWithdrawArgs, { code: o.code })
}

/**
 * The identity authority's subject credential (issueSubjectCredential makes it); the service
 * reads its did, subject, issuerOrg and signature.
 */
export type SubjectCredential = SubjectCredentialView

/**
 * The consent for `item` (and, for a one-thing bundle, its `parts` as the chain serves them, in
 * order): every pull with its department and purpose, and for every license need the applicant's
 * license that meets it (`licenses`: type code → license id).
 */
export function buildConsent(
  item: ItemView,
  parts: readonly ItemView[],
  licenses: Readonly<Record<string, string>>,
): { pulls: ConsentPull[]; licenses: ConsentLicense[] } {
  const items = item.parts.length === 0 ? [item] : item.parts.map((code) => parts.find((p) => p.code === code))
  const pulls: ConsentPull[] = []
  const needs: ConsentLicense[] = []
  for (const [i, p] of items.entries()) {
    if (p === undefined) throw new TypeError(`part ${item.parts[i]} of ${item.code} is missing`)
    for (const x of p.pulls) {
      pulls.push({
        itemCode: p.code,
        providerOrg: x.providerOrg,
        resourceId: x.resourceId,
        fields: [...x.fields],
        purpose: x.purpose,
      })
    }
    for (const l of p.licenses) {
      const id = licenses[l.typeCode]
      if (id === undefined) throw new TypeError(`${p.code} needs a license of type ${l.typeCode}`)
      needs.push({ itemCode: p.code, typeCode: l.typeCode, licenseId: id, purpose: l.purpose })
    }
  }
  return { pulls, licenses: needs }
}

/** The applicant applies, signing the consent with a current key of their DID. */
export function serviceApply(
  o: TxCommon & {
    item: ItemView
    parts?: readonly ItemView[]
    credential: SubjectCredential
    licenses?: Readonly<Record<string, string>>
  },
): BuiltTx {
  const consent = buildConsent(o.item, o.parts ?? [], o.licenses ?? {})
  return tx(o, SERVICE_METHODS.apply, ServiceApplyArgs, {
    itemCode: o.item.code,
    itemVersion: o.item.version,
    applicant: o.credential.did,
    subject: fromHex(o.credential.subject),
    subjectIssuer: o.credential.issuerOrg,
    subjectSignature: fromHex(o.credential.signature),
    pulls: consent.pulls,
    licenses: consent.licenses,
  })
}

type Step = 'accept' | 'sendBack' | 'resubmit' | 'complete'

/** 受理, 退回补正, 重新提交, 办结: one step of a case with its reason code. */
export function serviceStep(o: TxCommon & { step: Step; caseId: string; reasonCode: CaseReason }): BuiltTx {
  return tx(o, SERVICE_METHODS[o.step], ServiceStepArgs, { caseId: fromHex(o.caseId), reasonCode: o.reasonCode })
}

/** The accepting officer approves or rejects; an approval may issue the item's license in the same transaction. */
export function serviceDecide(
  o: TxCommon & { caseId: string; approve: boolean; reasonCode: CaseReason; license?: ServiceResultLicense },
): BuiltTx {
  return tx(o, SERVICE_METHODS.decide, ServiceDecideArgs, {
    caseId: fromHex(o.caseId),
    approve: o.approve,
    reasonCode: o.reasonCode,
    ...(o.license === undefined ? {} : { license: o.license }),
  })
}

/**
 * 批准并办结: the accepting officer approves with the item's licence and completes the case in the
 * same transaction (the licence on chain is the result delivered).
 */
export function serviceApproveAndComplete(
  o: TxCommon & { caseId: string; reasonCode: CaseReason; license: ServiceResultLicense },
): BuiltTx {
  return tx(o, SERVICE_METHODS.approveAndComplete, ServiceApproveArgs, {
    caseId: fromHex(o.caseId),
    reasonCode: o.reasonCode,
    license: o.license,
  })
}

/** The signed query of an applicant's own cases (POST /v1/service/my-cases). */
export function signMyCases(input: MyCasesInput & { privateKey: SigningKey }): MyCasesQuery {
  return signNow(input.suite, input.privateKey, (key) => myCasesToSign(input, key))
}

/** signMyCases with an AsyncSigner (the applicant's key held in the browser). */
export function signMyCasesWith(signer: AsyncSigner, input: MyCasesInput): Promise<MyCasesQuery> {
  return signWith(signer, (key) => myCasesToSign(input, key))
}

export interface MyCasesInput {
  suite: CryptoSuite
  chainId: string
  did: string
  challenge: string
}

export interface MyCasesQuery {
  did: string
  publicKey: string
  challenge: string
  signature: string
}

function myCasesToSign(input: MyCasesInput, publicKey: Uint8Array): ToSign<MyCasesQuery> {
  return {
    message: myCasesMessage(input.chainId, input.did, input.challenge),
    finish: (sig) => ({
      did: input.did,
      publicKey: toHex(publicKey),
      challenge: input.challenge,
      signature: toHex(sig),
    }),
  }
}
