/**
 * Issue 16's service-hall case as blocks for the in-process pipeline (`bench:pipeline -- --tx
 * service`): what `bench:service` sends through the 4-department network, without the network.
 *
 * A consortium of market, housing, police and tax (police the identity authority), each with a
 * data gateway key; police and tax publish the resources 公租房 pulls, housing defines the
 * licence type and publishes the item; each citizen has a DID. Then each wave of cases runs as
 * four blocks, one per stage, each transaction exactly as its sender makes it on the network:
 *
 *   apply      the citizen's consent (one per case), opening a grant per pull
 *   accept     the housing officer's 受理
 *   receipts   the providers' gateways' `sharing.receiptBatch` (police and tax, one receipt per
 *              case each, signed by the provider and countersigned by housing's gateway)
 *   decide     批准并办结 (`service.approveAndComplete`): the licence issued, the case closed
 *
 * Every key and the identity numbers behind the pseudonyms are made up here; nothing is personal.
 */
import { randomBytes } from 'node:crypto'
import type { Genesis, ModuleRegistry } from '@govchain/app'
import { queryState, txHashOf } from '@govchain/app'
import { CatalogPublishArgs } from '@govchain/catalog/schema'
import { type CryptoSuite, codec, concatBytes, toHex } from '@govchain/core'
import {
  GZF_TEST_ITEM,
  makeConsortium,
  testGateways,
  testLicenseType,
  testResource,
  tx,
} from '@govchain/distribution/testkit'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { DefineTypeArgs, licenseId } from '@govchain/license/schema'
import {
  CaseRecord,
  SERVICE_KEYS,
  SERVICE_MODULE,
  ServiceApplyArgs,
  ServiceApproveArgs,
  ServicePublishArgs,
  ServiceStepArgs,
} from '@govchain/service/schema'
import {
  DOMAIN_SHARING,
  ReceiptBody,
  receiptBatchRoot,
  SHARING_LIMITS,
  type SharingReceiptArgs,
  SharingReceiptBatchArgs,
  subjectCredentialMessage,
  subjectPseudonym,
} from '@govchain/sharing/schema'
import type { ChainStore } from '@govchain/store'

const ORGS = ['market', 'housing', 'police', 'tax'] as const
const ITEM = GZF_TEST_ITEM

export const SERVICE_STAGES = ['apply', 'accept', 'receipts', 'decide'] as const
export type ServiceStage = (typeof SERVICE_STAGES)[number]

export interface ServiceWorkload {
  genesis: Genesis
  /** Untimed blocks before the cases: gateways, resources, the licence type, the citizens' DIDs; then the item. */
  setupBlocks: Uint8Array[][]
  /**
   * The transactions of one stage for cases [from, to), made when the stage before has been
   * committed (accept needs the case, the receipts its grants); `timeMs` is the block time of
   * the last committed block.
   */
  stage(stage: ServiceStage, from: number, to: number, read: CommittedState, timeMs: number): Uint8Array[]
  /** The cases' records (module and key) once applied: what the API reads afterwards. */
  records(): { module: string; key: Uint8Array }[]
}

/** Reads committed state (the pipeline's store at its latest height). */
export interface CommittedState {
  store: ChainStore
  modules: ModuleRegistry
}

export function serviceWorkload(suite: CryptoSuite, cases: number): ServiceWorkload {
  const c = makeConsortium(suite, ORGS)
  const op = (org: string) => c.operators[org]!
  const { keys: gw, txs: setup } = testGateways(suite, c.operators, ORGS)
  setup.push(
    tx(
      suite,
      op('police'),
      'catalog',
      'publish',
      CatalogPublishArgs,
      testResource('police', 'police.household', [
        ['name', 'personal'],
        ['id_number', 'personal'],
        ['household_type', 'internal'],
      ]),
    ),
    tx(
      suite,
      op('tax'),
      'catalog',
      'publish',
      CatalogPublishArgs,
      testResource('tax', 'tax.income', [['annual_income', 'personal']]),
    ),
    tx(
      suite,
      op('housing'),
      'license',
      'defineType',
      DefineTypeArgs,
      testLicenseType('GZFZG', 'gzf', '公租房资格确认书', 'housing'),
    ),
  )
  // The identity authority's pseudonym key (its gateway keeps it); made-up identity numbers.
  const pseudonymKey = randomBytes(32)
  const citizens = Array.from({ length: cases }, (_, i) => {
    const key = suite.generateKeyPair()
    const did = deriveDid(suite, key.publicKey)
    const subject = subjectPseudonym(suite, pseudonymKey, 'person', `11010519900101${String(i).padStart(4, '0')}`)
    const signature = suite.sign(gw.police!.privateKey, subjectCredentialMessage(did, toHex(subject)))
    // The case id is the apply transaction's hash, known once the apply is signed.
    return { key, did, subject, signature, caseId: undefined as Uint8Array | undefined }
  })
  const dids = citizens.map((x) => tx(suite, x.key, 'identity', 'createDid', CreateDidArgs, {}))
  const housingCode = c.genesis.organisations.find((o) => o.id === 'housing')!.code

  const caseOf = (read: CommittedState, i: number): CaseRecord => {
    const caseId = citizens[i]!.caseId!
    const { value } = queryState({
      suite,
      store: read.store,
      modules: read.modules,
      module: SERVICE_MODULE,
      key: SERVICE_KEYS.case(caseId),
      certificate: false,
    })
    if (value === undefined) throw new Error(`case ${i} was not opened`)
    return codec.decode(CaseRecord, value)
  }
  const receipt = (provider: 'police' | 'tax', r: CaseRecord, index: number, timeMs: number): SharingReceiptArgs => {
    const pull = ITEM.pulls[index]!
    const body = codec.encode(ReceiptBody, {
      chainId: c.genesis.chainId,
      grantId: r.grants[index]!,
      resourceId: pull.resourceId,
      resourceVersion: 1,
      consumerOrg: 'housing',
      providerOrg: provider,
      consumerKey: gw.housing!.publicKey,
      providerKey: gw[provider]!.publicKey,
      requestHash: randomBytes(32),
      responseHash: randomBytes(32),
      fields: pull.fields,
      rows: 1,
      subjects: [r.subject],
      servedAtMs: timeMs,
    })
    const signed = concatBytes(DOMAIN_SHARING.receipt, body)
    return {
      body,
      providerSignature: suite.sign(gw[provider]!.privateKey, signed),
      consumerSignature: suite.sign(gw.housing!.privateKey, signed),
    }
  }

  return {
    genesis: c.genesis,
    setupBlocks: [[...setup, ...dids], [tx(suite, op('housing'), SERVICE_MODULE, 'publish', ServicePublishArgs, ITEM)]],
    records: () =>
      citizens.flatMap((x) =>
        x.caseId === undefined ? [] : [{ module: SERVICE_MODULE, key: SERVICE_KEYS.case(x.caseId) }],
      ),
    stage(stage, from, to, read, timeMs) {
      const range = citizens.slice(from, to)
      switch (stage) {
        case 'apply':
          return range.map((x) => {
            const apply = tx(suite, x.key, SERVICE_MODULE, 'apply', ServiceApplyArgs, {
              itemCode: ITEM.code,
              itemVersion: 1,
              applicant: x.did,
              subject: x.subject,
              subjectIssuer: 'police',
              subjectSignature: x.signature,
              pulls: ITEM.pulls.map((p) => ({ itemCode: ITEM.code, ...p })),
              licenses: [],
            })
            x.caseId = txHashOf(suite, apply)
            return apply
          })
        case 'accept':
          return range.map((x) =>
            tx(suite, op('housing'), SERVICE_MODULE, 'accept', ServiceStepArgs, {
              caseId: x.caseId!,
              reasonCode: 'materials-complete',
            }),
          )
        case 'receipts': {
          const records = range.map((_, j) => caseOf(read, from + j))
          const batches: Uint8Array[] = []
          for (const [index, provider] of (['police', 'tax'] as const).entries()) {
            for (let k = 0; k < records.length; k += SHARING_LIMITS.batchReceipts) {
              const receipts = records
                .slice(k, k + SHARING_LIMITS.batchReceipts)
                .map((r) => receipt(provider, r, index, timeMs))
              batches.push(
                tx(suite, gw[provider]!, 'sharing', 'receiptBatch', SharingReceiptBatchArgs, {
                  providerOrg: provider,
                  root: receiptBatchRoot((d) => suite.hash(d), receipts),
                  receipts,
                }),
              )
            }
          }
          return batches
        }
        case 'decide':
          return range.map((x, j) =>
            tx(suite, op('housing'), SERVICE_MODULE, 'approveAndComplete', ServiceApproveArgs, {
              caseId: x.caseId!,
              reasonCode: 'eligible',
              license: {
                id: licenseId({
                  typeCode: 'GZFZG',
                  issuerCode: housingCode,
                  serial: String(from + j + 1).padStart(10, '0'),
                  version: 1,
                }),
                typeCode: 'GZFZG',
                holder: x.did,
                credentialHash: suite.hash(x.caseId!),
                validFromMs: timeMs,
                validUntilMs: 0,
              },
            }),
          )
      }
    },
  }
}
