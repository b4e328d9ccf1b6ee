/**
 * Recorded-chain extension for batched receipts (issue 19, ADR 0036): housing's grant on
 * market.enterprises (approved by policy), then market's gateway records three receipts — two
 * countersigned, one provider-only — in one `sharing.receiptBatch` under their RFC 9162 root;
 * the refusals: a wrong root, a receipt twice in a batch, a receipt already recorded, a bad
 * countersignature, an unknown grant, another gateway as sender, and an empty batch. Each
 * refused batch changes nothing.
 */
import { codec, concatBytes } from '@govchain/core'
import type { SharingKeeper } from '@govchain/sharing'
import {
  DOMAIN_SHARING,
  ReceiptBody,
  receiptBatchRoot,
  type SharingReceiptArgs,
  SharingReceiptBatchArgs,
  SharingRequestArgs,
  subjectPseudonym,
} from '@govchain/sharing/schema'
import type { Extension } from './extension.ts'

const DAY_MS = 86_400_000

export const receiptBatchesExtension: Extension = {
  name: 'receipt-batches',
  record(ctx) {
    const { rec, suite, key, admin, h } = ctx
    const t = rec.tx.bind(rec)
    // The base scenario's gateway keys: market's replaced one, housing's.
    const gwMarket = key('gateway-market-replaced')
    const gwHousing = key('gateway-housing')
    const pseudonymKey = h('police pseudonym key (recorded chain)')
    const request = t(
      admin.housing,
      'sharing.request',
      SharingRequestArgs,
      {
        resourceId: 'market.enterprises',
        consumerOrg: 'housing',
        fields: ['name', 'credit_code'],
        purpose: '建筑企业资质年检',
        legalBasis: '《建筑业企业资质管理规定》第二十八条',
        durationMs: 7 * DAY_MS,
        rowsMax: 100,
      },
      'OK',
      'a grant for the batched receipts (approved by policy)',
    )
    rec.block(60_000, [request])
    const servedAtMs = rec.nextTime(60_000) - 500
    const receipt = (n: number, opts: { grantId?: Uint8Array; countersign?: boolean } = {}): SharingReceiptArgs => {
      const body = codec.encode(ReceiptBody, {
        chainId: rec.genesis.chainId,
        grantId: opts.grantId ?? request.hash,
        resourceId: 'market.enterprises',
        resourceVersion: 2,
        consumerOrg: 'housing',
        providerOrg: 'market',
        consumerKey: gwHousing.publicKey,
        providerKey: gwMarket.publicKey,
        requestHash: h(`batched gateway request ${n}`),
        responseHash: h(`batched gateway response ${n}`),
        fields: ['name'],
        rows: 1,
        subjects: [subjectPseudonym(suite, pseudonymKey, 'enterprise', `91110108MA0000B${n}XX`)],
        servedAtMs,
      })
      const sign = (k: typeof gwMarket) => suite.sign(k.privateKey, concatBytes(DOMAIN_SHARING.receipt, body))
      return {
        body,
        providerSignature: sign(gwMarket),
        ...(opts.countersign === false ? {} : { consumerSignature: sign(gwHousing) }),
      }
    }
    const batch = (
      from: typeof gwMarket,
      receipts: SharingReceiptArgs[],
      expect: string,
      note: string,
      root = receiptBatchRoot(suite.hash, receipts),
    ) =>
      t(from, 'sharing.receiptBatch', SharingReceiptBatchArgs, { providerOrg: 'market', root, receipts }, expect, note)
    const good = [receipt(1), receipt(2), receipt(3, { countersign: false })]
    const fresh = [receipt(4), receipt(5)]
    const badCountersignature = { ...receipt(6), consumerSignature: receipt(6).providerSignature }
    rec.block(60_000, [
      batch(gwMarket, good, 'OK', 'three receipts (one provider-only) in one transaction under their Merkle root'),
      batch(gwMarket, fresh, 'SHARING_BATCH_ROOT_MISMATCH', 'a root that is not theirs', h('not the root')),
      batch(gwMarket, [...fresh, fresh[0]!], 'SHARING_RECEIPT_EXISTS', 'a receipt twice in one batch'),
      batch(gwMarket, [...fresh, good[0]!], 'SHARING_RECEIPT_EXISTS', 'a receipt recorded already'),
      batch(
        gwMarket,
        [...fresh, badCountersignature],
        'SHARING_BAD_RECEIPT',
        'a countersignature that does not verify',
      ),
      batch(
        gwMarket,
        [...fresh, receipt(7, { grantId: h('no such grant') })],
        'SHARING_REQUEST_NOT_FOUND',
        'a receipt for an unknown grant',
      ),
      batch(gwHousing, fresh, 'SHARING_NOT_GATEWAY', 'sent by another organisation’s gateway'),
      batch(gwMarket, [], 'SHARING_BATCH_INVALID', 'an empty batch', h('')),
    ])
    const k = rec.keeper<SharingKeeper>('sharing')
    const recorded = good.every((r) => k.receipt(suite.hash(r.body)) !== undefined)
    const untouched = fresh.every((r) => k.receipt(suite.hash(r.body)) === undefined)
    if (!recorded || !untouched || k.request(request.hash)?.fetches !== 3)
      throw new Error('receipt-batches extension: the batch is not recorded as expected')
  },
}
