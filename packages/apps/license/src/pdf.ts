/**
 * The printable licence (电子证照打印件): an A4 PDF in the layout of the type's paper licence
 * (templates.ts): title, 证照编号 top right, the holder by name (never the DID), the disclosed
 * fields with the catalogue's labels, 有效期 from the credential's nbf/exp, 发证机关 and 发证日期
 * under the issuing department's seal, and a QR code whose payload lets a phone verify it:
 *
 *   1. `GCL1:` full form with the proof material of the record (offline-verifiable) when it fits;
 *   2. else the full form without proof (the verifier fetches the status online);
 *   3. else the short reference form (licence id + credential hash): the verifier needs a node.
 *
 * A payload "fits" below QR_PRINT_CHARS_MAX alphanumeric characters, so the printed code stays
 * scannable by a phone camera when printed at 7 cm (QR version ≤ 40, error correction L above
 * 1,800 characters, M below).
 *
 * The seal is drawn (red ring, five-pointed star, department name along the arc, 证照专用章) and
 * bound to the issuer's signature by the fingerprint printed under it (sealFingerprint): a
 * verifier recomputes it from the credential in the QR. It is a visual seal, not a GB/T 38540
 * electronic seal (docs/license.md).
 *
 * Fonts: Chinese text needs a CJK font (selectCjkFont, @govchain/app); without one the PDF is
 * still written with Helvetica and the Chinese labels replaced by their English ones.
 */
import { selectCjkFont } from '@govchain/app'
import { type CryptoSuite, GovchainError, toHex } from '@govchain/core'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import { licenseQr, licenseRefQr, type ProofMaterial } from './client.ts'
import { credentialLicenseId, parseSdJwt, sealFingerprint } from './credential.ts'
import { type LicenseTemplate, templateFor } from './templates.ts'

export const QR_PRINT_CHARS_MAX = 3200
/** Above this many characters the QR uses error correction L (more capacity) instead of M. */
const QR_ECC_M_CHARS_MAX = 1800
const SEAL_RED = '#d40000'

export interface PrintInput {
  suite: CryptoSuite
  chainId: string
  /** The (presented) credential: only its disclosures are printed and put in the QR. */
  credential: string
  typeName: string
  typeNameEn?: string
  /** The type's alias or code: chooses the template (templates.ts); the default one otherwise. */
  typeAlias?: string
  typeCode?: string
  issuerName: string
  issuerNameEn?: string
  /** Labels for field names (from the licence type). */
  labels?: Record<string, { label: string; labelEn: string }>
  proof?: ProofMaterial
  /** Printed under the QR, e.g. http://127.0.0.1:5173/verify */
  verifyUrl?: string
}

export interface PrintedLicense {
  pdf: Buffer
  qrPayload: string
  qrKind: 'full+proof' | 'full' | 'ref'
  cjkFont: boolean
  /** The fingerprint printed under the seal (sealFingerprint of the credential). */
  sealFingerprint: string
  orientation: LicenseTemplate['orientation']
  /** The holder's name as printed, when the credential disclosed it. */
  holderName?: string
}

/** Chooses the QR payload (see the file comment). */
function choosePrintPayload(input: Pick<PrintInput, 'suite' | 'chainId' | 'credential' | 'proof'>): {
  payload: string
  kind: PrintedLicense['qrKind']
} {
  if (input.proof !== undefined) {
    const withProof = licenseQr({ chainId: input.chainId, credential: input.credential, proof: input.proof })
    if (withProof.length <= QR_PRINT_CHARS_MAX) return { payload: withProof, kind: 'full+proof' }
  }
  const full = licenseQr({ chainId: input.chainId, credential: input.credential })
  if (full.length <= QR_PRINT_CHARS_MAX) return { payload: full, kind: 'full' }
  return { payload: licenseRefQr(input), kind: 'ref' }
}

/** A date as printed on a licence: the day in China Standard Time (UTC+8). */
function fmtDate(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10)
}

/**
 * Validity and issue date from the credential's own claims (nbf, exp, iat in seconds): a licence
 * without `exp` is 长期 (no fixed term).
 */
function validityOf(payload: Record<string, unknown>): { from?: number; until?: number; issued?: number } {
  const sec = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v * 1000 : undefined)
  const from = sec(payload.nbf)
  const until = sec(payload.exp)
  const issued = sec(payload.iat) ?? from
  return {
    ...(from === undefined ? {} : { from }),
    ...(until === undefined ? {} : { until }),
    ...(issued === undefined ? {} : { issued }),
  }
}

type Doc = InstanceType<typeof PDFDocument>

/**
 * The department's round seal: ring, five-pointed star, name along the upper arc (clockwise,
 * characters upright towards the centre), the caption under the star, and the signature
 * fingerprint in micro-text below the ring.
 */
function drawSeal(
  doc: Doc,
  s: { cx: number; cy: number; r: number; name: string; caption: string; fingerprint: string; fpLabel: string },
) {
  const { cx, cy, r } = s
  doc.save()
  doc.opacity(0.85)
  doc
    .lineWidth(r * 0.06)
    .strokeColor(SEAL_RED)
    .circle(cx, cy, r)
    .stroke()
  const outer = r * 0.3
  const inner = outer * 0.382
  const pts: [number, number][] = []
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5
    const rr = i % 2 === 0 ? outer : inner
    pts.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)])
  }
  doc
    .polygon(...pts)
    .fillColor(SEAL_RED)
    .fill()
  const chars = Array.from(s.name)
  const span = Math.min(250, 26 * chars.length)
  const fs = Math.min(r * 0.26, ((2 * Math.PI * r * 0.78 * span) / 360 / Math.max(1, chars.length)) * 0.95)
  chars.forEach((ch, i) => {
    const deg = -span / 2 + (span * (i + 0.5)) / chars.length
    doc.save()
    doc.rotate(deg, { origin: [cx, cy] })
    doc
      .fontSize(fs)
      .fillColor(SEAL_RED)
      .text(ch, cx - fs, cy - r + r * 0.1, { width: 2 * fs, align: 'center', lineBreak: false })
    doc.restore()
  })
  const capFs = r * 0.17
  doc
    .fontSize(capFs)
    .fillColor(SEAL_RED)
    .text(s.caption, cx - r, cy + r * 0.42, { width: 2 * r, align: 'center', lineBreak: false })
  doc.restore()
  doc
    .fontSize(6)
    .fillColor(SEAL_RED)
    .text(`${s.fpLabel} ${s.fingerprint}`, cx - r * 1.5, cy + r + 4, {
      width: r * 3,
      align: 'center',
      lineBreak: false,
    })
}

export async function printLicensePdf(input: PrintInput): Promise<PrintedLicense> {
  const parsed = parseSdJwt(input.suite, input.credential)
  const id = credentialLicenseId(input.suite, input.credential)
  if (id === undefined) throw new GovchainError('LICENSE_CREDENTIAL_MALFORMED', 'credential names no licence id')
  const tpl = templateFor({
    ...(input.typeAlias === undefined ? {} : { alias: input.typeAlias }),
    ...(input.typeCode === undefined ? {} : { code: input.typeCode }),
  })
  const fingerprint = sealFingerprint(input.suite, input.credential)
  const { payload, kind } = choosePrintPayload(input)
  const png = await QRCode.toBuffer(payload, {
    errorCorrectionLevel: payload.length > QR_ECC_M_CHARS_MAX ? 'L' : 'M',
    margin: 1,
    scale: 4,
    type: 'png',
  })
  const landscape = tpl.orientation === 'landscape'
  const doc = new PDFDocument({
    size: 'A4',
    layout: tpl.orientation,
    margin: 40,
    bufferPages: true,
    info: { Title: `${input.typeName} ${id}`, Producer: 'govchain', Creator: 'govchain license print' },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  const cjk = selectCjkFont(doc)
  const zh = (cn: string, en: string) => (!cjk ? en : cn)
  const W = doc.page.width
  const H = doc.page.height
  const m = 40
  const frame = () => {
    if (!tpl.border) return
    doc.save()
    doc
      .lineWidth(2.2)
      .strokeColor('#8c6a2f')
      .rect(18, 18, W - 36, H - 36)
      .stroke()
    doc
      .lineWidth(0.7)
      .rect(25, 25, W - 50, H - 50)
      .stroke()
    doc.restore()
  }
  frame()

  // 证照编号 top right, as on the paper licence.
  doc
    .fontSize(9)
    .fillColor('#333')
    .text(`${zh('证照编号', 'No.')} ${id}`, m, 34, { width: W - 2 * m, align: 'right' })
  doc
    .fontSize(landscape ? 30 : 28)
    .fillColor('#000')
    .text(zh(input.typeName, input.typeNameEn ?? input.typeName), m, landscape ? 56 : 70, {
      width: W - 2 * m,
      align: 'center',
    })
  if (input.typeNameEn !== undefined && cjk)
    doc
      .fontSize(10)
      .fillColor('#555')
      .text(input.typeNameEn, m, doc.y + 2, { width: W - 2 * m, align: 'center' })
  const top = doc.y + (landscape ? 22 : 28)

  // Where things go: landscape = QR in the left column, fields right, issuer block bottom right;
  // portrait = fields across the page, QR bottom left, issuer block bottom right.
  const qrSize = 200
  const qrX = landscape ? m + 14 : m + 20
  const qrY = landscape ? top : H - m - 60 - qrSize
  const fieldsX = landscape ? qrX + qrSize + 30 : m + 30
  const fieldsW = W - fieldsX - m - 20
  const fieldsBottom = landscape ? H - m - 150 : qrY - 24
  const labelW = landscape ? 112 : 120

  let y = top
  const row = (label: string, value: string) => {
    doc.fontSize(12)
    const h = Math.max(doc.heightOfString(value, { width: fieldsW - labelW }), 16)
    if (y + h > fieldsBottom && y > top) {
      doc.addPage()
      frame()
      y = m + 20
    }
    doc
      .fontSize(11)
      .fillColor('#444')
      .text(label, fieldsX, y + 1, { width: labelW - 8 })
    doc
      .fontSize(12)
      .fillColor('#000')
      .text(value, fieldsX + labelW, y, { width: fieldsW - labelW })
    y += h + 8
  }
  const label = (name: string) => {
    const l = input.labels?.[name]
    return l === undefined ? name : zh(l.label, l.labelEn)
  }
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))

  // The holder by name (the type's name field), never by DID.
  const holderD = tpl.holderFields.map((n) => parsed.disclosures.find((d) => d.name === n)).find((d) => d !== undefined)
  const holderName = holderD === undefined ? undefined : show(holderD.value)
  row(
    holderD === undefined ? zh(tpl.holderLabel, 'Holder') : label(holderD.name),
    holderName ?? zh('（持证人未出示名称）', '(name not disclosed)'),
  )
  const rank = (n: string) => {
    const i = tpl.order.indexOf(n)
    return i < 0 ? tpl.order.length : i
  }
  const rest = parsed.disclosures.filter((d) => d !== holderD).sort((a, b) => rank(a.name) - rank(b.name))
  for (const d of rest) row(label(d.name), show(d.value))
  const v = validityOf(parsed.payload as Record<string, unknown>)
  row(
    zh('有效期', 'Validity'),
    `${v.from === undefined ? '—' : fmtDate(v.from)} ${zh('至', 'to')} ${v.until === undefined ? zh('长期', 'no fixed term') : fmtDate(v.until)}`,
  )

  // Issuer block with the seal over it, bottom right of the last page.
  const lic = (parsed.payload.license ?? {}) as Record<string, unknown>
  const issuerText = zh(input.issuerName, input.issuerNameEn ?? String(lic.issuer ?? input.issuerName))
  const blockW = 250
  const blockX = W - m - 20 - blockW
  const blockY = H - m - 110
  doc
    .fontSize(12)
    .fillColor('#000')
    .text(`${zh('发证机关', 'Issuing authority')}：${issuerText}`, blockX, blockY, { width: blockW, align: 'center' })
  doc
    .fontSize(12)
    .text(`${zh('发证日期', 'Issued')}：${v.issued === undefined ? '—' : fmtDate(v.issued)}`, blockX, blockY + 22, {
      width: blockW,
      align: 'center',
    })
  drawSeal(doc, {
    cx: blockX + blockW / 2,
    cy: blockY + 14,
    r: 52,
    name: issuerText,
    caption: zh('证照专用章', 'LICENCE SEAL'),
    fingerprint,
    fpLabel: zh('签名指纹', 'Signature fingerprint'),
  })

  // The QR and the technical information (small print) on the first page.
  doc.switchToPage(0)
  doc.image(png, qrX, qrY, { width: qrSize, height: qrSize })
  const info = [
    zh('扫码核验：二维码含签名凭证，验证签名、签发授权与链上状态。', 'Scan to verify: signature, issuer and status.'),
    `${zh('链', 'Chain')}: ${input.chainId} · ${zh('二维码类型', 'QR form')}: ${kind}`,
    ...(input.verifyUrl === undefined ? [] : [`${zh('核验地址', 'Verify at')}: ${input.verifyUrl}`]),
    `${zh('凭证哈希', 'Credential hash')}: ${toHex(input.suite.hash(new TextEncoder().encode(parsed.jwt)))}`,
  ]
  let iy = qrY + qrSize + 6
  for (const line of info) {
    doc
      .fontSize(6)
      .fillColor('#555')
      .text(line, qrX, iy, { width: qrSize + 40 })
    iy = doc.y + 2
  }
  doc.end()
  return {
    pdf: await done,
    qrPayload: payload,
    qrKind: kind,
    cjkFont: cjk,
    sealFingerprint: fingerprint,
    orientation: tpl.orientation,
    ...(holderName === undefined ? {} : { holderName }),
  }
}
