/**
 * The printed invoice (电子发票版式文件): an A4 PDF of the invoice file — code and number, date,
 * seller and buyer with their codes, the lines, amount, tax and 价税合计 — with a QR carrying the
 * file itself (`GCI1:`), so the buyer's finance office checks and claims from the page. The PDF
 * is a rendering: the JSON file (or the QR) is what 查验 checks against the chain.
 */
import { selectCjkFont } from '@govchain/app'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import { type InvoiceFile, invoiceQr } from './client.ts'

const yuan = (fen: number) => (fen / 100).toFixed(2)

export async function printInvoicePdf(
  file: InvoiceFile,
  opts: { verifyUrl?: string } = {},
): Promise<{ pdf: Buffer; qrPayload: string; cjkFont: boolean }> {
  const payload = invoiceQr(file)
  const png = await QRCode.toBuffer(payload, { errorCorrectionLevel: 'M', margin: 2, scale: 4, type: 'png' })
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `${file.kind === 'invoice' ? '电子发票' : '财政电子票据'} ${file.number}`, Producer: 'govchain' },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  const cjk = selectCjkFont(doc)
  const zh = (cn: string, en: string) => (cjk ? `${cn} ${en}` : en)
  const left = 48
  const width = doc.page.width - 96

  const title =
    file.kind === 'invoice' ? zh('电子发票（普通发票）', 'E-invoice') : zh('财政电子票据', 'Government receipt')
  doc.fontSize(20).text(title, { align: 'center' })
  doc.moveDown(0.6)
  doc.image(png, doc.page.width - 48 - 120, 48, { width: 120, height: 120 })
  doc.fontSize(10)
  doc.text(`${zh('发票代码', 'Code')}: ${file.code}`, left, 110)
  doc.text(`${zh('发票号码', 'Number')}: ${file.number}`)
  doc.text(`${zh('开票日期', 'Date')}: ${file.date}`)
  doc.moveDown(1.2)
  const party = (label: string, name: string, id: string) => {
    doc.fontSize(9).fillColor('#555').text(label, left)
    doc
      .fontSize(11)
      .fillColor('#000')
      .text(`${cjk ? name : ''}  ${id}`, { width })
    doc.moveDown(0.4)
  }
  party(zh('购买方', 'Buyer'), file.buyer.name, file.buyer.code ?? file.buyer.did ?? '')
  party(zh('销售方', 'Seller'), file.seller.name, file.seller.code)

  // The lines.
  const cols = [
    { title: zh('项目名称', 'Item'), w: 0.38 },
    { title: zh('数量', 'Qty'), w: 0.1 },
    { title: zh('单价', 'Unit price'), w: 0.14 },
    { title: zh('金额', 'Amount'), w: 0.14 },
    { title: zh('税率', 'Rate'), w: 0.1 },
    { title: zh('税额', 'Tax'), w: 0.14 },
  ]
  const row = (cells: string[], bold = false) => {
    const y = doc.y
    let x = left
    doc.fontSize(bold ? 9 : 10).fillColor(bold ? '#555' : '#000')
    let h = 0
    cells.forEach((c, i) => {
      const w = cols[i]!.w * width
      doc.text(c, x, y, { width: w - 6 })
      h = Math.max(h, doc.y - y)
      x += w
    })
    doc.y = y + h + 4
  }
  doc.moveDown(0.6)
  row(
    cols.map((c) => c.title),
    true,
  )
  for (const l of file.lines) {
    row([
      cjk ? l.item : l.item.replace(/[^\x20-\x7e]/g, '?'),
      l.quantity,
      yuan(l.unitPriceFen),
      yuan(l.amountFen),
      l.taxRate,
      yuan(l.taxFen),
    ])
  }
  doc.moveDown(0.6)
  doc.fontSize(11).fillColor('#000')
  doc.text(`${zh('合计', 'Total')}: ¥${yuan(file.amountFen)}    ${zh('税额', 'Tax')}: ¥${yuan(file.taxFen)}`, left)
  doc.text(`${zh('价税合计', 'Total with tax')}: ¥${yuan(file.amountFen + file.taxFen)}`)
  doc.moveDown(1.2)
  doc
    .fontSize(9)
    .fillColor('#333')
    .text(
      cjk
        ? '扫描右上角二维码可离线取得发票文件，在链上查验真伪与报销状态；同一发票只能报销入账一次。'
        : 'The QR carries the invoice file: check it against the chain (authenticity, claim status). An invoice can be claimed once only.',
      left,
      undefined,
      { width },
    )
  doc.text(`${zh('链', 'Chain')}: ${file.chainId}`)
  if (opts.verifyUrl !== undefined) doc.text(`${zh('查验地址', 'Check at')}: ${opts.verifyUrl}`)
  doc.end()
  return { pdf: await done, qrPayload: payload, cjkFont: cjk }
}
