/**
 * Issue 17, e-invoices, end to end through the govchain CLI on a 4-validator network of real
 * processes (intl): the tax authority registers a seller and a buyer and grants a quota; the
 * seller issues from a draft and hands the buyer the invoice file; 查验 says valid; the buyer
 * claims; a second claim is refused with INVOICE_ALREADY_CLAIMED; a file with a changed amount
 * fails 查验; reversal is refused while claimed, allowed after release, and the file then
 * verifies as void; listings page through the node's index. The printed invoice (--pdf) carries
 * the file in its QR: read back from the rendered page, it checks valid (verify --qr).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { demoCreditCode, encode, getSuite, toHex } from '@govchain/core'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { buildTx } from '@govchain/sdk'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { runCli, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const suite = getSuite('intl')
// jsqr is CommonJS: Node's ESM interop may hand over a namespace rather than the function.
type JsQr = typeof import('jsqr').default
const jsQR: JsQr = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr

const cli = runCli

describe('e-invoices through the CLI on a 4-validator network (intl)', { timeout: 480_000 }, () => {
  let net: TestNetwork
  let tmp: string
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
    tmp = mkdtempSync(join(tmpdir(), 'govchain-invoice-'))
  })
  after(async () => {
    await net?.stopAll()
    rmSync(tmp, { recursive: true, force: true })
  })

  test('register, quota, issue, 查验, claim once only, reversal locked until release, void', async () => {
    const nodes = net.net.nodes
    const url = `${nodes[0]!.apiUrl},${nodes[1]!.apiUrl}`
    const client = net.clients[nodes[0]!.name]!
    await waitUntil('first block', async () => (await client.status()).height >= 1)
    const status = await client.status()
    // The seller's and the buyer's wallets: a DID each, key files for the CLI.
    const keyFile = (name: string, k: { publicKey: Uint8Array; privateKey: Uint8Array }) => {
      const path = join(tmp, `${name}.json`)
      writeFileSync(
        path,
        JSON.stringify({ suite: 'intl', publicKey: toHex(k.publicKey), privateKey: toHex(k.privateKey) }),
      )
      return path
    }
    const seller = suite.generateKeyPair()
    const buyer = suite.generateKeyPair()
    for (const k of [seller, buyer]) {
      const t = buildTx({
        suite,
        chainId: status.chainId,
        privateKey: k.privateKey,
        module: 'identity',
        method: 'createDid',
        args: encode(CreateDidArgs, {}),
        validUntilHeight: status.height + 100,
      })
      await client.submitTx(t.bytes)
      assert.equal((await client.waitForTx(t.hashHex, { timeoutMs: 60_000 })).status, 'committed')
    }
    const SELLER = demoCreditCode(301, '440300')
    const BUYER = demoCreditCode(302, '440300')
    const taxKey = join(net.dir, 'keys', 'tax.operator.json')
    const ok = async (args: string[]) => {
      const r = await cli(url, args)
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}${r.stdout}`)
      return r
    }
    for (const [code, k, name] of [
      [SELLER, seller, '深圳示范软件有限公司'],
      [BUYER, buyer, '深圳示范采购有限公司'],
    ] as const) {
      await ok([
        'invoice',
        'register',
        '--key',
        taxKey,
        '--code',
        code,
        '--did',
        deriveDid(suite, k.publicKey),
        '--name',
        name,
      ])
    }
    await ok(['invoice', 'quota', '--key', taxKey, '--code', SELLER, '--quota', '5'])
    // Only the tax authority grants quotas.
    const notTax = await cli(url, [
      'invoice',
      'quota',
      '--key',
      join(net.dir, 'keys', 'market.operator.json'),
      '--code',
      SELLER,
      '--quota',
      '99',
    ])
    assert.notEqual(notTax.code, 0)
    assert.match(notTax.stderr, /INVOICE_NOT_AUTHORITY/)

    const draft = join(tmp, 'draft.json')
    writeFileSync(
      draft,
      JSON.stringify({
        kind: 'invoice',
        code: '144031900111',
        number: '00000001',
        seller: { code: SELLER, name: '深圳示范软件有限公司' },
        buyer: { kind: 'enterprise', code: BUYER, name: '深圳示范采购有限公司' },
        date: '2026-12-03',
        lines: [
          {
            item: '*信息技术服务*软件开发',
            quantity: '1',
            unitPriceFen: 1234500,
            amountFen: 1234500,
            taxRate: '6%',
            taxFen: 74070,
          },
        ],
      }),
    )
    const fileOut = join(tmp, 'invoice.json')
    const issued = await ok([
      'invoice',
      'issue',
      '--key',
      keyFile('seller', seller),
      '--draft',
      draft,
      '--out',
      fileOut,
      '--pdf',
      join(tmp, 'invoice.pdf'),
    ])
    assert.match(issued.stdout, /amount 12345\.00, tax 740\.70/)
    const verified = await ok(['invoice', 'verify', '--file', fileOut])
    assert.match(verified.stdout, /✔ valid/)
    // The printed invoice: its text, and its QR read back from the rendered page, checked by --qr.
    const pdfText = execFileSync('pdftotext', [join(tmp, 'invoice.pdf'), '-']).toString()
    assert.match(pdfText, /电子发票/)
    assert.match(pdfText, /价税合计.*13085\.70/)
    execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', join(tmp, 'invoice.pdf'), join(tmp, 'invoice-page')])
    const png = PNG.sync.read(readFileSync(join(tmp, 'invoice-page.png')))
    const scanned = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
    assert.ok(scanned !== null, 'the QR on the rendered invoice decodes')
    assert.match((await ok(['invoice', 'verify', '--qr', scanned.data])).stdout, /✔ valid/)

    // A changed amount (lines and totals kept consistent) fails 查验, exit code 1.
    const file = JSON.parse(readFileSync(fileOut, 'utf8'))
    file.lines[0].amountFen += 100000
    file.lines[0].unitPriceFen += 100000
    file.amountFen += 100000
    const forged = join(tmp, 'forged.json')
    writeFileSync(forged, JSON.stringify(file))
    const bad = await cli(url, ['invoice', 'verify', '--file', forged])
    assert.equal(bad.code, 1, bad.stderr + bad.stdout)
    assert.match(bad.stdout, /mismatch[\s\S]*INVOICE_AMOUNT_MISMATCH/)

    const buyerKey = keyFile('buyer', buyer)
    const claimArgs = [
      'invoice',
      'claim',
      '--key',
      buyerKey,
      '--code',
      '144031900111',
      '--number',
      '00000001',
      '--claimant',
      BUYER,
    ]
    await ok([...claimArgs, '--ref', 'PZ-2026-12-001'])
    const again = await cli(url, [...claimArgs, '--ref', 'PZ-2026-12-002'])
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /INVOICE_ALREADY_CLAIMED/)
    const claimedCheck = await ok(['invoice', 'verify', '--file', fileOut])
    assert.match(claimedCheck.stdout, new RegExp(`claimed by ${BUYER}`))

    const sellerKey = join(tmp, 'seller.json')
    const reverse = [
      'invoice',
      'reverse',
      '--key',
      sellerKey,
      '--code',
      '144031900111',
      '--number',
      '00000001',
      '--reason',
      'sales-return',
    ]
    const locked = await cli(url, reverse)
    assert.notEqual(locked.code, 0)
    assert.match(locked.stderr, /INVOICE_CLAIM_LOCKED/)
    await ok(['invoice', 'release', '--key', buyerKey, '--code', '144031900111', '--number', '00000001'])
    await ok(reverse)
    const voidCheck = await cli(url, ['invoice', 'verify', '--file', fileOut])
    assert.equal(voidCheck.code, 1)
    assert.match(voidCheck.stdout, /void[\s\S]*INVOICE_REVERSED/)

    const show = await ok(['invoice', 'show', '--code', '144031900111', '--number', '00000001'])
    assert.match(show.stdout, /status +reversed \(sales-return\)/)
    const listed = await ok(['invoice', 'list', '--buyer', BUYER])
    assert.match(listed.stdout, /144031900111 00000001 +invoice +reversed/)
    // The amounts are in the file the buyer holds, never in what the chain answers.
    assert.doesNotMatch(show.stdout + listed.stdout, /1234500|12345\.00/)
  })
})
