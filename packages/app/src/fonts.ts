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

export function findCjkFont(): { path: string; family?: string } | undefined {
  const env = process.env.GOVCHAIN_CJK_FONT
  if (env !== undefined && env !== '' && existsSync(env)) return { path: env }
  return CJK_FONTS.find((f) => existsSync(f.path))
}
