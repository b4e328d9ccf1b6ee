/**
 * Issue 15 item 2: every licence type of the demo catalogue prints in its template, and the page
 * as rendered (pdftoppm, 300 dpi) carries a QR that decodes to the payload, the holder by name and
 * not by DID, the validity from the credential's nbf/exp, and the seal fingerprint of the
 * credential's issuer signature.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { suites } from '@govchain/core'
import type { LicenseKeeper } from '@govchain/distribution'
import { GOV_CHAIN_ID, GovChain, makeConsortium } from '@govchain/distribution/testkit'
import { deriveDid } from '@govchain/identity/schema'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { presentCredential } from '../src/client.ts'
import {
  credentialFromQr,
  decodeLicenseQr,
  issueLicenseCredential,
  parseSdJwt,
  sealFingerprint,
} from '../src/credential.ts'
import { printLicensePdf } from '../src/pdf.ts'
import { LICENSE_MODULE, licenseId } from '../src/schema.ts'
import { LICENSE_TEMPLATES, templateFor } from '../src/templates.ts'

type JsQr = typeof import('jsqr').default
const jsQR: JsQr = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr

const suite = suites.intl
const tmp = mkdtempSync(join(tmpdir(), 'govchain-lic-print-'))
after(() => (process.env.KEEP_PRINTS ? undefined : rmSync(tmp, { recursive: true, force: true })))

const DAY_MS = 86_400_000
const day = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10)

function render(pdf: Buffer, name: string): { text: string; qr: string | undefined; pages: number } {
  const file = join(tmp, `${name}.pdf`)
  writeFileSync(file, pdf)
  const text = execFileSync('pdftotext', ['-layout', file, '-']).toString()
  // pdftotext ends every page with a form feed.
  const pages = text.split('\f').length - 1
  execFileSync('pdftoppm', ['-png', '-r', '300', '-singlefile', file, join(tmp, name)])
  const png = PNG.sync.read(readFileSync(join(tmp, `${name}.png`)))
  return { text, qr: jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data, pages }
}

test('every demo licence type prints in its template: QR, holder name, validity, seal fingerprint', async () => {
  const c = makeConsortium(suite, 4)
  const g = new GovChain(suite, c.genesis)
  g.step()
  const types = g.keeper<LicenseKeeper>(LICENSE_MODULE).types()
  assert.ok(types.length >= 6, `demo catalogue has ${types.length} types`)
  // Every demo type has its own template (not the default one).
  for (const t of types) assert.ok(Object.hasOwn(LICENSE_TEMPLATES, t.alias), `template for ${t.alias}`)
  const holder = deriveDid(suite, suite.generateKeyPair().publicKey)
  let serial = 0
  const seen = new Set<string>()
  for (const type of types) {
    const owner = c.genesis.organisations.find((o) => o.id === type.issuers[0])!
    const tpl = templateFor(type)
    const holderField = tpl.holderFields.find((n) => type.fields.some((f) => f.name === n))!
    const holderName = type.holderKind === 'person' ? '李四明' : `示范${type.alias}有限公司`
    const fields = Object.fromEntries(
      type.fields.map((f) => [f.name, f.name === holderField ? holderName : `${f.label}样例${f.name.length}`]),
    )
    const fromMs = g.timeMs
    // 营业执照 has no term (长期); the others are issued for three years.
    const untilMs = type.maxValidityYears === 0 ? 0 : fromMs + 3 * 365 * DAY_MS
    const id = licenseId({
      typeCode: type.code,
      issuerCode: owner.code,
      serial: String(++serial).padStart(10, '0'),
      version: 1,
    })
    const cred = issueLicenseCredential({
      suite,
      chainId: GOV_CHAIN_ID,
      privateKey: c.operators[owner.id]!.privateKey,
      id,
      type,
      issuer: { orgId: owner.id },
      holder,
      validFromMs: fromMs,
      validUntilMs: untilMs,
      issuedAtMs: fromMs,
      fields,
    }).credential
    // The holder shows every field (the face of the licence).
    const shown = presentCredential(
      suite,
      cred,
      type.fields.map((f) => f.name),
    )
    const printed = await printLicensePdf({
      suite,
      chainId: GOV_CHAIN_ID,
      credential: shown,
      typeName: type.name,
      typeNameEn: type.nameEn,
      typeAlias: type.alias,
      typeCode: type.code,
      issuerName: owner.name,
      issuerNameEn: owner.nameEn,
      labels: Object.fromEntries(type.fields.map((f) => [f.name, { label: f.label, labelEn: f.labelEn }])),
      verifyUrl: 'http://127.0.0.1:5173/verify',
    })
    assert.equal(printed.cjkFont, true, 'a CJK font is installed (fonts-noto-cjk)')
    assert.equal(printed.orientation, tpl.orientation)
    const { text, qr, pages } = render(printed.pdf, type.alias)
    assert.equal(pages, 1, `${type.alias}: one page`)
    // The QR decodes from the rendered page and carries the very credential printed.
    assert.equal(qr, printed.qrPayload, `${type.alias}: QR decodes from the page`)
    const decoded = decodeLicenseQr(qr!)
    assert.equal(decoded.type, 'full')
    if (decoded.type !== 'full') continue
    // The seal fingerprint on the page is the one a verifier computes from the QR's credential,
    // and it is the issuer signature's (not a constant): another credential has another one.
    const fromQr = sealFingerprint(suite, credentialFromQr(decoded.value.credential))
    assert.ok(!seen.has(fromQr), 'fingerprints differ between credentials')
    seen.add(fromQr)
    assert.equal(fromQr, sealFingerprint(suite, cred), 'presentation keeps the fingerprint')
    assert.equal(printed.sealFingerprint, fromQr)
    assert.match(fromQr, /^[0-9A-F]{12}$/)
    assert.ok(text.includes(`签名指纹 ${fromQr}`), `${type.alias}: fingerprint under the seal\n${text}`)
    // Title, licence number, holder by name, never the DID; issuer and dates.
    assert.ok(text.includes(type.name), `${type.alias}: title`)
    assert.ok(text.includes(`证照编号 ${id}`), `${type.alias}: number`)
    assert.ok(text.includes(holderName), `${type.alias}: holder name on the face`)
    assert.equal(printed.holderName, holderName)
    assert.ok(!text.includes(holder), `${type.alias}: no DID on the face`)
    assert.ok(!text.includes('did:govchain'), `${type.alias}: no DID on the face`)
    assert.ok(text.includes(`发证机关：${owner.name}`), `${type.alias}: issuer`)
    const sec = parseSdJwt(suite, cred).payload as { nbf: number; exp?: number; iat: number }
    assert.ok(text.includes(`发证日期：${day(sec.iat * 1000)}`), `${type.alias}: issue date`)
    const validity = `${day(sec.nbf * 1000)} 至 ${sec.exp === undefined ? '长期' : day(sec.exp * 1000)}`
    assert.ok(text.includes(validity), `${type.alias}: validity ${validity}\n${text}`)
    assert.equal(sec.exp === undefined, untilMs === 0)
    // Every field with its catalogue label.
    for (const f of type.fields) {
      assert.ok(text.includes(String(fields[f.name])), `${type.alias}: ${f.name} printed`)
      if (f.name !== holderField) assert.ok(text.includes(f.label), `${type.alias}: label ${f.label}`)
    }
  }
})

test('an unknown type prints with the default template; an undisclosed name is said so', async () => {
  const c = makeConsortium(suite, 4)
  const g = new GovChain(suite, c.genesis)
  g.step()
  const type = g.keeper<LicenseKeeper>(LICENSE_MODULE).type('zcjzs')!
  const owner = c.genesis.organisations.find((o) => o.id === type.issuers[0])!
  const holder = deriveDid(suite, suite.generateKeyPair().publicKey)
  const fields = Object.fromEntries(type.fields.map((f) => [f.name, `${f.label}值`]))
  const cred = issueLicenseCredential({
    suite,
    chainId: GOV_CHAIN_ID,
    privateKey: c.operators[owner.id]!.privateKey,
    id: licenseId({ typeCode: type.code, issuerCode: owner.code, serial: '0000000009', version: 1 }),
    type,
    issuer: { orgId: owner.id },
    holder,
    validFromMs: g.timeMs,
    validUntilMs: g.timeMs + DAY_MS * 400,
    issuedAtMs: g.timeMs,
    fields,
  }).credential
  assert.equal(templateFor({ alias: 'no-such-type' }).orientation, 'portrait')
  const printed = await printLicensePdf({
    suite,
    chainId: GOV_CHAIN_ID,
    credential: presentCredential(suite, cred, ['level', 'specialty']),
    typeName: '自定义证照',
    typeAlias: 'no-such-type',
    issuerName: owner.name,
  })
  assert.equal(printed.holderName, undefined)
  const { text, qr } = render(printed.pdf, 'default')
  assert.equal(qr, printed.qrPayload)
  assert.ok(text.includes('（持证人未出示名称）'), text)
  assert.ok(!text.includes(holder))
  assert.ok(!text.includes(fields.name!), 'an undisclosed field is not printed')
})
