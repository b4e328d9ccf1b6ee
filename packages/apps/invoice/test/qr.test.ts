/**
 * The invoice QR (`GCI1:`, printed on the invoice PDF): it carries the whole file and round
 * trips; anything else — another prefix, not base45, not deflate, not an invoice file, a payload
 * that would inflate without bound — is refused with INVALID_ARGUMENT before anything is checked.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { base45Encode, isErrorCode, suites } from '@govchain/core'
import { deflateSync, strToU8 } from 'fflate'
import { checkInvoiceFile, decodeInvoiceQr, type InvoiceRecordView, invoiceIssue, invoiceQr } from '../src/client.ts'

const { file } = invoiceIssue({
  suite: suites.gm,
  chainId: 'govchain-test',
  privateKey: suites.gm.generateKeyPair().privateKey,
  validUntilHeight: 10,
  kind: 'invoice',
  code: '0',
  number: '26120412000012345678',
  seller: { code: '91110108MA01ABCD1X', name: '北京示范软件科技有限公司' },
  buyer: { kind: 'enterprise', code: '91110108MA01ABCE2Y', name: '北京示范采购服务有限公司' },
  date: '2026-12-04',
  lines: [
    {
      item: '*信息技术服务*软件开发',
      quantity: '2',
      unitPriceFen: 500_000,
      amountFen: 1_000_000,
      taxRate: '6%',
      taxFen: 60_000,
    },
  ],
})

test('the QR carries the invoice file and round trips', () => {
  const qr = invoiceQr(file)
  assert.match(qr, /^GCI1:[0-9A-Z $%*+\-./:]+$/)
  assert.ok(qr.length < 1800, `${qr.length} characters: error correction M stays possible`)
  assert.deepEqual(decodeInvoiceQr(qr), file)
})

test('anything else is refused with INVALID_ARGUMENT', () => {
  const coded = (e: unknown) => (e as { code?: string }).code === 'INVALID_ARGUMENT'
  const payload = (text: string) => `GCI1:${base45Encode(deflateSync(strToU8(text)))}`
  for (const bad of [
    'GCE1:ABC',
    'GCI1:abc',
    `GCI1:${base45Encode(strToU8('not deflated'))}`,
    payload('not json'),
    payload(JSON.stringify({ format: 'something else' })),
    payload(' '.repeat(100_000)),
  ]) {
    assert.throws(() => decodeInvoiceQr(bad), coded, bad.slice(0, 20))
  }
})

test('a payload that only claims the format is refused, not a TypeError in the check (fuzz finding, issue 19)', () => {
  const payload = (v: unknown) => `GCI1:${base45Encode(deflateSync(strToU8(JSON.stringify(v))))}`
  const { lines: _lines, ...noLines } = file
  for (const bad of [
    { format: file.format }, // the shrunk input the fuzzer found: every field the check reads missing
    noLines,
    { ...file, seller: null },
    { ...file, buyer: 'x' },
    { ...file, lines: [{ ...file.lines[0], amountFen: '1' }] },
    { ...file, lines: [null] },
    { ...file, amountFen: -1 },
    { ...file, salt: 7 },
  ]) {
    assert.throws(
      () => decodeInvoiceQr(payload(bad)),
      (e: unknown) => (e as { code?: string }).code === 'INVALID_ARGUMENT',
      JSON.stringify(bad).slice(0, 80),
    )
  }
})

test('every reason of a 查验 verdict is a catalogued code (fuzz finding, issue 19)', () => {
  const record: InvoiceRecordView = {
    code: 'x',
    number: 'y',
    kind: 'receipt',
    sellerCode: 'z',
    buyer: { kind: 'person', code: null, did: 'did:x' },
    amountCommitment: '',
    linesHash: '',
    status: 'reversed',
    reverseReason: null,
    claim: null,
  }
  const reasons = [
    ...checkInvoiceFile(suites.gm, { ...file, taxFen: file.taxFen + 1 }, record).reasons,
    ...checkInvoiceFile(suites.gm, file, undefined).reasons,
    ...checkInvoiceFile(suites.gm, file, { ...record, kind: 'invoice' }).reasons,
  ]
  assert.deepEqual(reasons, [
    'INVOICE_FILE_TOTALS',
    'INVOICE_AMOUNT_MISMATCH',
    'INVOICE_LINES_MISMATCH',
    'INVOICE_SELLER_MISMATCH',
    'INVOICE_BUYER_MISMATCH',
    'INVOICE_KIND_MISMATCH',
    'INVOICE_NOT_FOUND',
    'INVOICE_AMOUNT_MISMATCH',
    'INVOICE_LINES_MISMATCH',
    'INVOICE_SELLER_MISMATCH',
    'INVOICE_BUYER_MISMATCH',
  ])
  for (const code of [...reasons, 'INVOICE_REVERSED']) assert.ok(isErrorCode(code), code)
})
