/**
 * The files `govchain invoice` reads: an issue draft (`issue --draft`) and an invoice file (`pdf
 * --file`, `verify --file`). What is not JSON, or not of their shape, is a typed INVALID_ARGUMENT
 * naming the file (and, for a draft, the first field that does not fit), not a TypeError later on.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { isGovchainError, suites } from '@govchain/core'
import { readDraft, readInvoiceFile } from '../src/cli.ts'
import { invoiceIssue } from '../src/client.ts'

const draft = {
  kind: 'invoice' as const,
  code: '0',
  number: '26120412000012345678',
  seller: { code: '91110108MA01ABCD1X', name: '北京示范软件科技有限公司' },
  buyer: { kind: 'enterprise' as const, code: '91110108MA01ABCE2Y', name: '北京示范采购服务有限公司' },
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
}

describe('invoice CLI: the draft and the invoice file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govchain-invoice-files-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, value: unknown) => {
    const f = join(dir, name)
    writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value))
    return f
  }
  const errorOf = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      return isGovchainError(e) ? `${e.code}: ${e.message}` : `untyped: ${String(e)}`
    }
    return 'no error'
  }

  it('reads a draft, and the invoice file issuing it writes', () => {
    assert.deepEqual(readDraft(write('draft.json', draft)), draft)
    const { file } = invoiceIssue({
      suite: suites.gm,
      chainId: 'govchain-test',
      privateKey: suites.gm.generateKeyPair().privateKey,
      validUntilHeight: 10,
      ...draft,
    })
    assert.deepEqual(readInvoiceFile(write('invoice.json', file)), file)
  })

  it('refuses a draft that is not JSON or not a draft, naming the file and the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not-json.json', '{"kind": ', /not JSON/],
      ['array.json', [], /not a draft|\/ /],
      ['no-lines.json', { ...draft, lines: undefined }, /\/lines/],
      ['lines-null.json', { ...draft, lines: null }, /\/lines/],
      ['bad-kind.json', { ...draft, kind: 'bill' }, /\/kind/],
      ['negative-fen.json', { ...draft, lines: [{ ...draft.lines[0], amountFen: -1 }] }, /\/lines\/0\/amountFen/],
      ['fractional-fen.json', { ...draft, lines: [{ ...draft.lines[0], taxFen: 0.5 }] }, /\/lines\/0\/taxFen/],
      ['buyer-missing.json', { ...draft, buyer: undefined }, /\/buyer/],
    ]
    for (const [name, value, field] of cases) {
      const got = errorOf(() => readDraft(write(name, value)))
      assert.match(got, /^INVALID_ARGUMENT: draft /, name)
      assert.ok(got.includes(name), `${name}: names the file (${got})`)
      assert.match(got, field, name)
    }
    assert.match(
      errorOf(() => readDraft(join(dir, 'absent.json'))),
      /^INVALID_ARGUMENT: draft .*absent\.json/,
    )
  })

  it('refuses an invoice file that is not one', () => {
    for (const [name, value] of [
      ['not-json.json', 'nope'],
      ['draft-as-file.json', draft],
      ['wrong-format.json', { ...draft, format: 'govchain-invoice/0' }],
    ] as const) {
      assert.match(
        errorOf(() => readInvoiceFile(write(name, value))),
        /^INVALID_ARGUMENT: invoice file .*json: /,
        name,
      )
    }
  })
})
