/**
 * The printed evidence certificate (存证证书): an A4 PDF with what the record proves — item,
 * kind, content digest, real-name submitter and its verifier, block height and time, the RFC 3161
 * trusted time when the item carries one, case reference — and a QR (`GCE1:`) with the record's
 * proof, so a court checks a file against the printed page offline (certificate.ts). The JSON
 * certificate, which also proves the timestamp, is what `--json` writes beside it.
 */
import { selectCjkFont } from '@govchain/app'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import { type EvidenceCertificate, evidenceQr } from './certificate.ts'

const KIND_LABELS: Record<string, string> = {
  contract: '合同',
  'enforcement-record': '执法记录',
  screenshot: '网页截图',
  'audio-video': '音视频',
  'penalty-file': '行政处罚文书',
  document: '文书',
  other: '其他',
}

export interface PrintedCertificate {
  pdf: Buffer
  qrPayload: string
  cjkFont: boolean
}

export async function printEvidenceCertificate(
  cert: EvidenceCertificate,
  opts: { verifyUrl?: string; orgName?: (id: string) => string | undefined } = {},
): Promise<PrintedCertificate> {
  const e = cert.evidence
  const payload = evidenceQr(cert)
  const png = await QRCode.toBuffer(payload, {
    errorCorrectionLevel: payload.length > 1800 ? 'L' : 'M',
    margin: 2,
    scale: 4,
    type: 'png',
  })
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: {
      Title: `存证证书 Evidence certificate ${e.id}`,
      Producer: 'govchain',
      Creator: 'govchain evidence certificate',
    },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  const cjk = selectCjkFont(doc)
  const zh = (cn: string, en: string) => (!cjk ? en : `${cn} ${en}`)
  const width = doc.page.width - 112

  doc.fontSize(22).text(!cjk ? 'Evidence certificate' : '电子存证证书', { align: 'center' })
  if (cjk) doc.fontSize(11).fillColor('#555').text('Electronic evidence certificate', { align: 'center' })
  doc.fillColor('#000').moveDown(1.2)
  const row = (label: string, value: string) => {
    doc.fontSize(9).fillColor('#555').text(label)
    doc.fontSize(11).fillColor('#000').text(value, { width })
    doc.moveDown(0.35)
  }
  const who = (id: string) => {
    const name = opts.orgName?.(id)
    return name === undefined ? id : `${name} (${id})`
  }
  row(zh('存证编号', 'Evidence id'), e.id)
  row(
    zh('存证类型', 'Kind'),
    `${!cjk ? '' : `${KIND_LABELS[e.kind] ?? e.kind} `}${e.kind}${e.type === 'batch' ? ` · batch of ${e.count}` : ''}`,
  )
  row(
    zh(
      cert.suite === 'gm' ? '内容摘要 (SM3)' : '内容摘要 (SHA-256)',
      cert.suite === 'gm' ? 'Content digest (SM3)' : 'Content digest (SHA-256)',
    ),
    e.digest,
  )
  row(
    zh('提交人', 'Submitter'),
    `${e.submitter.kind === 'officer' ? who(e.submitter.id) : e.submitter.id} · ${zh('实名核验', 'verified by')} ${who(e.submitter.verifiedBy)}`,
  )
  row(zh('上链时间', 'Recorded'), `${new Date(e.timeMs).toISOString()} · ${zh('区块高度', 'height')} ${e.height}`)
  if (e.timestamp !== null) {
    row(
      zh('可信时间 (RFC 3161)', 'Trusted time (RFC 3161)'),
      `${new Date(e.timestamp.genTimeMs).toISOString()} · TSA ${e.timestamp.authority} · serial ${e.timestamp.serial}`,
    )
  }
  const STATEMENTS: Record<string, string> = {
    notarised: '公证',
    'forensic-examined': '司法鉴定',
    'court-accepted': '法院采信',
  }
  for (const a of e.attestations) {
    row(
      zh(`${STATEMENTS[a.statement] ?? a.statement}`, 'Attested'),
      `${a.statement} · ${who(a.orgId)} · ${new Date(a.timeMs).toISOString()}${a.report === null ? '' : ` · report ${a.report}`}`,
    )
  }
  if (e.caseRef !== null) row(zh('案号', 'Case'), e.caseRef)
  if (e.type === 'item')
    row(zh('版本', 'Version'), `${e.version}${e.previous === null ? '' : ` · previous ${e.previous}`}`)
  row(zh('链', 'Chain'), `${cert.chainId} (${cert.suite})`)

  const qrSize = 230
  const y = Math.max(doc.y + 12, doc.page.height - 56 - qrSize - 40)
  doc.image(png, doc.page.width - 56 - qrSize, y, { width: qrSize, height: qrSize })
  const side = width - qrSize - 16
  doc
    .fontSize(9)
    .fillColor('#333')
    .text(
      !cjk
        ? 'Scan to verify: the QR carries the record and its proof (state proof, block header, validator signatures). Check a file against it offline with `govchain evidence verify --qr`, or at the verify page.'
        : '扫码核验：二维码含链上记录及其证明（状态证明、区块头、验证节点签名），可离线核对文件（govchain evidence verify --qr 或核验页面）。',
      56,
      y,
      { width: side },
    )
  doc.moveDown(0.5)
  if (opts.verifyUrl !== undefined) doc.text(`${zh('核验地址', 'Verify at')}: ${opts.verifyUrl}`, { width: side })
  doc.text(`${zh('证明高度', 'Proven at height')}: ${cert.record.height}`, { width: side })
  doc.end()
  return { pdf: await done, qrPayload: payload, cjkFont: cjk }
}
