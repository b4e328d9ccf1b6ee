/**
 * Recorded-chain extension for the invoice module (issue 17): enterprises registered by the tax
 * authority, a quota, an issue within it and one beyond, an exclusive claim and a second one
 * refused, a reversal refused while claimed, a release, the reversal, and each method's refusal.
 */
import { demoCreditCode, utf8 } from '@govchain/core'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import {
  amountCommitment,
  InvoiceClaimArgs,
  InvoiceIssueArgs,
  InvoiceRef,
  InvoiceRegisterIssuerArgs,
  InvoiceReverseArgs,
  InvoiceSetQuotaArgs,
} from '@govchain/invoice/schema'
import type { Extension } from './extension.ts'

export const invoiceExtension: Extension = {
  name: 'invoice',
  record(ctx) {
    const { rec, suite, key, admin } = ctx
    const t = rec.tx.bind(rec)
    const seller = key('invoice-seller')
    const buyer = key('invoice-buyer')
    const other = key('invoice-other')
    const did = (k: typeof seller) => deriveDid(suite, k.publicKey)
    const [SELLER, BUYER, OTHER] = [201, 202, 203].map((i) => demoCreditCode(i, '440300')) as [string, string, string]
    const code = '144031900111'
    const ref = (number: string) => ({ code, number })

    rec.block(60_000, [
      t(seller, 'identity.createDid', CreateDidArgs, {}, 'OK', 'the selling enterprise’s DID'),
      t(buyer, 'identity.createDid', CreateDidArgs, {}, 'OK', 'the buying enterprise’s DID'),
      t(other, 'identity.createDid', CreateDidArgs, {}, 'OK', 'another enterprise’s DID'),
    ])
    const reg = (from: typeof seller, c: string, k: typeof seller, name: string, expect: string, note: string) =>
      t(
        from,
        'invoice.registerIssuer',
        InvoiceRegisterIssuerArgs,
        { code: c, did: did(k), name, kind: 'enterprise' },
        expect,
        note,
      )
    rec.block(60_000, [
      reg(admin.tax, SELLER, seller, '深圳示范软件有限公司', 'OK', 'the tax authority registers the seller'),
      reg(admin.tax, BUYER, buyer, '深圳示范采购有限公司', 'OK', 'and the buyer'),
      reg(admin.tax, OTHER, other, '深圳另一家公司', 'OK', 'and a third enterprise'),
      reg(
        admin.housing,
        demoCreditCode(204, '440300'),
        other,
        '某公司',
        'INVOICE_NOT_AUTHORITY',
        'not the tax authority',
      ),
      t(admin.tax, 'invoice.setQuota', InvoiceSetQuotaArgs, { code: SELLER, quota: 1 }, 'OK', 'a quota of one'),
      t(
        admin.market,
        'invoice.setQuota',
        InvoiceSetQuotaArgs,
        { code: SELLER, quota: 100 },
        'INVOICE_NOT_AUTHORITY',
        'only the tax authority grants quotas',
      ),
    ])
    const issue = (number: string, expect: string, note: string) =>
      t(
        seller,
        'invoice.issue',
        InvoiceIssueArgs,
        {
          code,
          number,
          kind: 'invoice',
          sellerCode: SELLER,
          buyer: { kind: 'enterprise', code: BUYER },
          amountCommitment: amountCommitment(suite, suite.hash(utf8(`salt ${number}`)), 1_334_500, 80_070),
          linesHash: suite.hash(utf8(`lines ${number}`)),
        },
        expect,
        note,
      )
    const claim = (from: typeof seller, c: string, expect: string, note: string) =>
      t(
        from,
        'invoice.claim',
        InvoiceClaimArgs,
        { ...ref('00000001'), claimantCode: c, claimRef: 'PZ-2026-12-001' },
        expect,
        note,
      )
    const reverse = (expect: string, note: string) =>
      t(seller, 'invoice.reverse', InvoiceReverseArgs, { ...ref('00000001'), reason: 'sales-return' }, expect, note)
    rec.block(60_000, [
      issue('00000001', 'OK', 'the seller issues within its quota'),
      issue('00000002', 'INVOICE_QUOTA_EXCEEDED', 'one more than the quota'),
      claim(buyer, BUYER, 'OK', 'the buyer claims it for reimbursement'),
      claim(other, OTHER, 'INVOICE_ALREADY_CLAIMED', 'a second claim, by another organisation'),
      reverse('INVOICE_CLAIM_LOCKED', 'a claimed invoice cannot be reversed'),
      t(other, 'invoice.release', InvoiceRef, ref('00000001'), 'INVOICE_NOT_CLAIMANT', 'only the claimant releases'),
      t(buyer, 'invoice.release', InvoiceRef, ref('00000001'), 'OK', 'the claimant releases'),
      reverse('OK', '红冲 by the seller'),
      reverse('INVOICE_ALREADY_REVERSED', 'reversed already'),
    ])
  },
}
