/**
 * The CJK font printed documents use (licences, evidence certificates): Noto Sans CJK (Debian
 * fonts-noto-cjk) or WenQuanYi, or GOVCHAIN_CJK_FONT (a .ttf/.otf/.ttc path). Undefined when the
 * machine has none: printers then fall back to Helvetica and English labels.
 */
import { existsSync } from 'node:fs'

const CJK_FONTS: readonly { path: string; family?: string }[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', family: 'NotoSerifCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYiMicroHei' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei' },
]

function findCjkFont(): { path: string; family?: string } | undefined {
  const env = process.env.GOVCHAIN_CJK_FONT
  if (env !== undefined && env !== '' && existsSync(env)) return { path: env }
  return CJK_FONTS.find((f) => existsSync(f.path))
}

/** What selectCjkFont needs of a PDFKit document (structural: this package does not load pdfkit). */
interface FontTarget {
  registerFont(name: string, src: string, family?: string): unknown
  font(name: string): unknown
}

/**
 * Selects the CJK font on a PDFKit document when the machine has one (findCjkFont), else
 * Helvetica; returns whether Chinese text can be printed.
 */
export function selectCjkFont(doc: FontTarget): boolean {
  const font = findCjkFont()
  if (font === undefined) {
    doc.font('Helvetica')
    return false
  }
  if (font.family === undefined) doc.registerFont('cjk', font.path)
  else doc.registerFont('cjk', font.path, font.family)
  doc.font('cjk')
  return true
}
