/**
 * The invoice module through real blocks with the built-in modules (issue 17): the tax authority
 * registers enterprises and grants quotas; a seller issues within its quota; the buyer claims
 * exclusively (一票多报 refused with INVOICE_ALREADY_CLAIMED, whoever tries); a claimed invoice
 * cannot be reversed until released; a reversed one verifies as void and cannot be claimed; a
 * file with a changed amount fails the check; and nothing on chain holds an amount, a person's
 * name or their hashes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ModuleRegistry } from '@govchain/app'
import { type CryptoSuite, demoCreditCode, suites } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import { GovChain, makeConsortium, personalDataHits, storeHolds, tx } from '@govchain/distribution/testkit'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { checkInvoiceFile, type InvoiceFile, type InvoiceRecordView, invoiceIssue } from '../src/client.ts'
import { type InvoiceKeeper, invoiceApp, renderInvoice } from '../src/index.ts'
import {
  INVOICE_MODULE,
  InvoiceClaimArgs,
  type InvoiceLine,
  InvoiceRef,
  InvoiceRegisterIssuerArgs,
  InvoiceReverseArgs,
  InvoiceSetQuotaArgs,
} from '../src/schema.ts'

type Key = { publicKey: Uint8Array; privateKey: Uint8Array }

const SELLER = demoCreditCode(101, '440300')
const BUYER = demoCreditCode(102, '440300')
const OTHER = demoCreditCode(103, '440300')
const LINES: InvoiceLine[] = [
  {
    item: '*信息技术服务*软件开发',
    quantity: '1',
    unitPriceFen: 1_234_500,
    amountFen: 1_234_500,
    taxRate: '6%',
    taxFen: 74_070,
  },
  { item: '*现代服务*技术咨询', quantity: '2', unitPriceFen: 50_000, amountFen: 100_000, taxRate: '6%', taxFen: 6_000 },
]
const PERSON_NAME = '李四（测试买方）'

for (const suite of [suites.intl, suites.gm]) {
  describe(`invoice (${suite.name})`, () => {
    const modules = new ModuleRegistry([...BUILTIN_MODULES.filter((m) => m.name !== INVOICE_MODULE), invoiceApp])

    /** A chain where the tax authority registered SELLER (quota 2), BUYER and OTHER, and a person holds a DID. */
    function setup() {
      const c = makeConsortium(suite, 4)
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      const seller = suite.generateKeyPair()
      const buyer = suite.generateKeyPair()
      const other = suite.generateKeyPair()
      const person = suite.generateKeyPair()
      const did = (k: Key) => deriveDid(suite, k.publicKey)
      const createDid = (k: Key) => tx(suite, k, 'identity', 'createDid', CreateDidArgs, {})
      assert.deepEqual(
        g.step([seller, buyer, other, person].map(createDid)).map((r) => r.code),
        ['OK', 'OK', 'OK', 'OK'],
      )
      const tax = c.operators.tax!
      const reg = (code: string, k: Key, name: string) =>
        tx(suite, tax, INVOICE_MODULE, 'registerIssuer', InvoiceRegisterIssuerArgs, {
          code,
          did: did(k),
          name,
          kind: 'enterprise',
        })
      assert.deepEqual(
        g
          .step([
            reg(SELLER, seller, '深圳示范软件有限公司'),
            reg(BUYER, buyer, '深圳示范采购有限公司'),
            reg(OTHER, other, '深圳另一家公司'),
            tx(suite, tax, INVOICE_MODULE, 'setQuota', InvoiceSetQuotaArgs, { code: SELLER, quota: 2 }),
          ])
          .map((r) => r.code),
        ['OK', 'OK', 'OK', 'OK'],
      )
      const status = { chainId: c.genesis.chainId, validUntilHeight: 500 }
      const issue = (
        number: string,
        buyerOf: InvoiceFile['buyer'],
        from: Key = seller,
        kind: 'invoice' | 'receipt' = 'invoice',
      ) =>
        invoiceIssue({
          suite,
          ...status,
          privateKey: from.privateKey,
          kind,
          code: '144031900111',
          number,
          seller: { code: SELLER, name: '深圳示范软件有限公司' },
          buyer: buyerOf,
          date: '2026-12-03',
          lines: LINES,
        })
      const k = () => g.keeper<InvoiceKeeper>(INVOICE_MODULE)
      const view = (number: string): InvoiceRecordView | undefined => {
        const r = k().invoice('144031900111', number)
        return r === undefined ? undefined : renderInvoice(r)
      }
      return { c, g, seller, buyer, other, person, did, issue, k, view, tax }
    }

    const claim = (s: CryptoSuite, from: Key, number: string, claimantCode: string, claimRef = 'PZ-2026-12-001') =>
      tx(s, from, INVOICE_MODULE, 'claim', InvoiceClaimArgs, { code: '144031900111', number, claimantCode, claimRef })

    it('issue within quota; beyond it INVOICE_QUOTA_EXCEEDED; bad issues refused with their codes', () => {
      const t = setup()
      const first = t.issue('00000001', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      const second = t.issue('00000002', { kind: 'person', did: t.did(t.person), name: PERSON_NAME })
      const third = t.issue('00000003', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      // Submitted as a transaction would be by someone else's key, or broken:
      const byBuyerKey = t.issue('00000004', { kind: 'enterprise', code: OTHER, name: 'x' }, t.buyer)
      const receipt = t.issue('00000005', { kind: 'enterprise', code: OTHER, name: 'x' }, t.seller, 'receipt')
      const unknownPerson = t.issue('00000006', { kind: 'person', did: 'did:govchain:1111111111111111', name: 'x' })
      const codes = t.g
        .step([
          first.tx.bytes,
          second.tx.bytes,
          byBuyerKey.tx.bytes,
          receipt.tx.bytes,
          unknownPerson.tx.bytes,
          third.tx.bytes,
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'OK',
        'OK',
        'INVOICE_NOT_ISSUER_KEY',
        'INVOICE_WRONG_KIND',
        'INVOICE_BAD_BUYER',
        'INVOICE_QUOTA_EXCEEDED',
      ])
      assert.equal(t.k().issuer(SELLER)?.issued, 2)
      assert.equal(t.view('00000003'), undefined)
      // The same code and number again: INVOICE_EXISTS (checked before the quota).
      const again = t.issue('00000001', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      assert.deepEqual(
        t.g.step([again.tx.bytes]).map((r) => r.code),
        ['INVOICE_EXISTS'],
      )
      // Raising the quota lets the third through.
      t.g.step([tx(suite, t.tax, INVOICE_MODULE, 'setQuota', InvoiceSetQuotaArgs, { code: SELLER, quota: 3 })])
      const third2 = t.issue('00000003', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      assert.deepEqual(
        t.g.step([third2.tx.bytes]).map((r) => r.code),
        ['OK'],
      )
    })

    it('only the tax authority registers enterprises and grants quotas; bad codes and names refused', () => {
      const t = setup()
      const someone = suite.generateKeyPair()
      t.g.step([tx(suite, someone, 'identity', 'createDid', CreateDidArgs, {})])
      const reg = (from: Key, code: string, name = '某公司', kind: 'enterprise' | 'receipt-unit' = 'enterprise') =>
        tx(suite, from, INVOICE_MODULE, 'registerIssuer', InvoiceRegisterIssuerArgs, {
          code,
          did: t.did(someone),
          name,
          kind,
        })
      const badCheck = `${demoCreditCode(104, '440300').slice(0, 17)}${demoCreditCode(104, '440300')[17] === '0' ? '1' : '0'}`
      const codes = t.g
        .step([
          reg(t.c.operators.housing!, demoCreditCode(104, '440300')),
          reg(t.tax, demoCreditCode(104, '440300'), '某公司', 'receipt-unit'),
          reg(t.tax, badCheck),
          reg(t.tax, demoCreditCode(105, '440300'), '电话13800138000'),
          reg(t.tax, SELLER),
          tx(suite, t.c.operators.market!, INVOICE_MODULE, 'setQuota', InvoiceSetQuotaArgs, { code: SELLER, quota: 9 }),
          tx(suite, t.tax, INVOICE_MODULE, 'setQuota', InvoiceSetQuotaArgs, {
            code: OTHER.replace(/.$/, 'X'),
            quota: 9,
          }),
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'INVOICE_NOT_AUTHORITY',
        // Receipt units are the finance authority's (none in this consortium).
        'INVOICE_NOT_AUTHORITY',
        'INVOICE_BAD_CREDIT_CODE',
        'INVOICE_BAD_NAME',
        'INVOICE_ISSUER_EXISTS',
        'INVOICE_NOT_AUTHORITY',
        'INVOICE_ISSUER_NOT_FOUND',
      ])
      assert.equal(t.k().issuer(SELLER)?.quota, 2)
    })

    it('claims are exclusive: a second claim by anyone fails; a claimed invoice is locked against reversal', () => {
      const t = setup()
      const a = t.issue('00000001', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      const b = t.issue('00000002', { kind: 'person', did: t.did(t.person), name: PERSON_NAME })
      t.g.step([a.tx.bytes, b.tx.bytes])
      const reverse = (from: Key, number: string) =>
        tx(suite, from, INVOICE_MODULE, 'reverse', InvoiceReverseArgs, {
          code: '144031900111',
          number,
          reason: 'sales-return',
        })
      const release = (from: Key, number: string) =>
        tx(suite, from, INVOICE_MODULE, 'release', InvoiceRef, { code: '144031900111', number })
      const codes = t.g
        .step([
          claim(suite, t.other, '00000001', OTHER), // not the buyer enterprise
          claim(suite, t.buyer, '00000001', BUYER),
          claim(suite, t.buyer, '00000001', BUYER, 'PZ-2026-12-002'), // the same buyer again
          claim(suite, t.other, '00000001', OTHER), // another organisation
          claim(suite, t.other, '00000002', OTHER), // a person's invoice: their employer books it
          reverse(t.seller, '00000001'),
          release(t.other, '00000001'),
          reverse(t.buyer, '00000001'),
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'INVOICE_NOT_BUYER',
        'OK',
        'INVOICE_ALREADY_CLAIMED',
        'INVOICE_ALREADY_CLAIMED',
        'OK',
        'INVOICE_CLAIM_LOCKED',
        'INVOICE_NOT_CLAIMANT',
        'INVOICE_NOT_SELLER',
      ])
      assert.equal(t.view('00000001')?.claim?.claimantCode, BUYER)
      assert.equal(t.view('00000002')?.claim?.claimantCode, OTHER)
      // Released, then reversed: void, and no longer claimable.
      assert.deepEqual(
        t.g
          .step([
            release(t.buyer, '00000001'),
            reverse(t.seller, '00000001'),
            reverse(t.seller, '00000001'),
            claim(suite, t.buyer, '00000001', BUYER),
          ])
          .map((r) => r.code),
        ['OK', 'OK', 'INVOICE_ALREADY_REVERSED', 'INVOICE_VOID'],
      )
      const check = checkInvoiceFile(suite, a.file, t.view('00000001'))
      assert.deepEqual(check, { verdict: 'void', reasons: ['INVOICE_REVERSED'], claimed: null })
    })

    it('查验: the file opens its record; a changed amount, line, buyer or salt does not', () => {
      const t = setup()
      const a = t.issue('00000001', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      t.g.step([a.tx.bytes])
      const record = t.view('00000001')
      assert.deepEqual(checkInvoiceFile(suite, a.file, record), { verdict: 'valid', reasons: [], claimed: null })
      // The amount raised consistently (lines and totals): only the chain's commitments catch it.
      const inflated = structuredClone(a.file)
      inflated.lines[0]!.amountFen += 100_000
      inflated.lines[0]!.unitPriceFen += 100_000
      inflated.amountFen += 100_000
      assert.deepEqual(checkInvoiceFile(suite, inflated, record).reasons, [
        'INVOICE_AMOUNT_MISMATCH',
        'INVOICE_LINES_MISMATCH',
      ])
      const totals = { ...a.file, taxFen: a.file.taxFen + 1 }
      assert.deepEqual(checkInvoiceFile(suite, totals, record).reasons, [
        'INVOICE_FILE_TOTALS',
        'INVOICE_AMOUNT_MISMATCH',
      ])
      const otherBuyer: InvoiceFile = { ...a.file, buyer: { ...a.file.buyer, code: OTHER } }
      assert.deepEqual(checkInvoiceFile(suite, otherBuyer, record).reasons, ['INVOICE_BUYER_MISMATCH'])
      const salt = { ...a.file, salt: '00'.repeat(32) }
      assert.equal(checkInvoiceFile(suite, salt, record).verdict, 'mismatch')
      assert.equal(checkInvoiceFile(suite, { ...a.file, salt: 'zz' }, record).verdict, 'mismatch')
      assert.equal(checkInvoiceFile(suite, a.file, undefined).verdict, 'not-found')
    })

    it('no amount, person name or their hashes anywhere on chain (blocks and state)', () => {
      const t = setup()
      const a = t.issue('00000001', { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' })
      const b = t.issue('00000002', { kind: 'person', did: t.did(t.person), name: PERSON_NAME })
      t.g.step([a.tx.bytes, b.tx.bytes, claim(suite, t.buyer, '00000001', BUYER)])
      const values: Record<string, string> = { 'person name': PERSON_NAME }
      for (const f of [a.file, b.file]) {
        values[`amount ${f.amountFen}`] = String(f.amountFen)
        values[`tax ${f.taxFen}`] = String(f.taxFen)
        values[`yuan ${f.amountFen}`] = (f.amountFen / 100).toFixed(2)
        values[`salt ${f.number}`] = f.salt
      }
      for (const l of LINES) values[`line ${l.item}`] = l.item
      assert.deepEqual(personalDataHits(t.g, values), [])
      // The scan can find things: the amount commitment of the file is there.
      assert.ok(storeHolds(t.g, t.k().invoice('144031900111', '00000001')!.amountCommitment))
      assert.ok(Object.keys(values).length > 6)
    })
  })
}
