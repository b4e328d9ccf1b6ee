/**
 * The invoice QR (`GCI1:`, printed on the invoice PDF): it carries the whole file and round
 * trips; anything else — another prefix, not base45, not deflate, not an invoice file, a payload
 * that would inflate without bound — is refused with INVALID_ARGUMENT before anything is checked.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { base45Encode, suites } from '@govchain/core'
import { deflateSync, strToU8 } from 'fflate'
import { decodeInvoiceQr, invoiceIssue, invoiceQr } from '../src/client.ts'

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
