/**
 * The printable licence (电子证照打印件): an A4 PDF with the licence's public metadata, the
 * fields the holder chose to disclose, and a QR code whose payload lets a phone verify it:
 *
 *   1. `GCL1:` full form with the proof material of the record (offline-verifiable) when it fits;
 *   2. else the full form without proof (the verifier fetches the status online);
 *   3. else the short reference form (licence id + credential hash): the verifier needs a node.
 *
 * A payload "fits" below QR_PRINT_CHARS_MAX alphanumeric characters, so the printed code stays
 * scannable by a phone camera when printed at 7 cm (QR version ≤ 40, error correction L above
 * 1,800 characters, M below). The page also prints the verify URL and the chain id.
 *
 * Fonts: Chinese text needs a CJK font (selectCjkFont, @govchain/app); without one the PDF is
 * still written with Helvetica and the Chinese labels replaced by their English ones.
 */
import { selectCjkFont } from '@govchain/app'
import { type CryptoSuite, GovchainError, toHex } from '@govchain/core'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import { licenseQr, licenseRefQr, type ProofMaterial } from './client.ts'
import { credentialLicenseId, parseSdJwt } from './credential.ts'

export const QR_PRINT_CHARS_MAX = 3200
/** Above this many characters the QR uses error correction L (more capacity) instead of M. */
const QR_ECC_M_CHARS_MAX = 1800

export interface PrintInput {
  suite: CryptoSuite
  chainId: string
  /** The (presented) credential: only its disclosures are printed and put in the QR. */
  credential: string
  typeName: string
  typeNameEn?: string
  issuerName: string
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

export async function printLicensePdf(input: PrintInput): Promise<PrintedLicense> {
  const parsed = parseSdJwt(input.suite, input.credential)
  const id = credentialLicenseId(input.suite, input.credential)
  if (id === undefined) throw new GovchainError('LICENSE_CREDENTIAL_MALFORMED', 'credential names no licence id')
  const lic = (parsed.payload.license ?? {}) as Record<string, unknown>
  const { payload, kind } = choosePrintPayload(input)
  const png = await QRCode.toBuffer(payload, {
    errorCorrectionLevel: payload.length > QR_ECC_M_CHARS_MAX ? 'L' : 'M',
    margin: 1,
    scale: 4,
    type: 'png',
  })
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: `${input.typeName} ${id}`, Producer: 'govchain', Creator: 'govchain license print' },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  const cjk = selectCjkFont(doc)
  const zh = (cn: string, en: string) => (!cjk ? en : cn)
  const width = doc.page.width - 112

  doc.fontSize(22).text(zh(input.typeName, input.typeNameEn ?? input.typeName), { align: 'center' })
  if (input.typeNameEn !== undefined && cjk)
    doc.fontSize(11).fillColor('#555').text(input.typeNameEn, { align: 'center' })
  doc.fillColor('#000').moveDown(1.2)
  const titleBottom = doc.y
  const row = (label: string, value: string) => {
    doc.fontSize(10).fillColor('#555').text(label, { continued: false })
    doc.fontSize(12).fillColor('#000').text(value, { width })
    doc.moveDown(0.4)
  }
  const v = validityOf(parsed.payload as Record<string, unknown>)
  const noTerm = zh('长期', 'no fixed term')
  // 证照编号 top right, as on the paper licence.
  doc
    .fontSize(9)
    .fillColor('#333')
    .text(`${zh('证照编号', 'No.')} ${id}`, 56, 40, { width, align: 'right' })
  doc.fillColor('#000').text('', 56, titleBottom)
  row(
    zh('发证机关', 'Issuing authority'),
    `${zh(input.issuerName, String(lic.issuer ?? ''))} (${String(lic.issuer ?? '')})`,
  )
  row(zh('发证日期', 'Issued'), v.issued === undefined ? '—' : fmtDate(v.issued))
  row(
    zh('有效期', 'Validity'),
    `${v.from === undefined ? '—' : fmtDate(v.from)} ${zh('至', 'to')} ${v.until === undefined ? noTerm : fmtDate(v.until)}`,
  )
  row(zh('持证主体标识', 'Holder (DID)'), String(parsed.payload.sub ?? ''))
  doc.moveDown(0.6)
  doc.fontSize(13).text(zh('证照信息（持证人选择出示的字段）', 'Licence fields (those the holder chose to show)'))
  doc.moveDown(0.3)
  for (const d of parsed.disclosures) {
    const l = input.labels?.[d.name]
    row(
      l === undefined ? d.name : zh(l.label, l.labelEn),
      typeof d.value === 'string' ? zh(d.value, d.value) : JSON.stringify(d.value),
    )
  }
  if (parsed.disclosures.length === 0) doc.fontSize(11).text(zh('(未出示字段)', '(no fields disclosed)'))

  const qrSize = 200
  // The QR always fits on a page: after many fields it goes to the next one rather than off the edge.
  if (doc.y + 12 + qrSize > doc.page.height - 56) doc.addPage()
  const y = Math.max(doc.y + 12, doc.page.height - 56 - qrSize - 60)
  doc.image(png, doc.page.width - 56 - qrSize, y, { width: qrSize, height: qrSize })
  doc
    .fontSize(9)
    .fillColor('#333')
    .text(
      zh(
        '扫码核验：二维码含签名凭证，验证签名、签发授权与链上状态。',
        'Scan to verify: the QR carries the signed credential; signature, issuer authorisation and on-chain status are checked.',
      ),
      56,
      y,
      { width: width - qrSize - 16 },
    )
  doc.moveDown(0.5)
  doc.text(`${zh('链', 'Chain')}: ${input.chainId}`, { width: width - qrSize - 16 })
  doc.text(`${zh('二维码类型', 'QR form')}: ${kind}`, { width: width - qrSize - 16 })
  if (input.verifyUrl !== undefined)
    doc.text(`${zh('核验地址', 'Verify at')}: ${input.verifyUrl}`, { width: width - qrSize - 16 })
  doc.text(`${zh('凭证哈希', 'Credential hash')}: ${toHex(input.suite.hash(new TextEncoder().encode(parsed.jwt)))}`, {
    width: width - qrSize - 16,
  })
  doc.end()
  return { pdf: await done, qrPayload: payload, qrKind: kind, cjkFont: cjk }
}
