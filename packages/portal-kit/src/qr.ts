/**
 * QR codes in the browser: draw one (qrcode) and read one from an image or camera frame (jsQR).
 * Both load on first use, so pages that never draw or read a QR do not carry them (issue 15).
 */
type QrCodeLib = typeof import('qrcode')
let qrcodeLoaded: Promise<QrCodeLib> | undefined
function loadQrCode(): Promise<QrCodeLib> {
  // qrcode is CommonJS: the bundler's namespace carries it as `default`.
  qrcodeLoaded ??= import('qrcode').then((m) => ((m as unknown as { default?: QrCodeLib }).default ?? m) as QrCodeLib)
  return qrcodeLoaded
}

type JsQr = typeof import('jsqr').default
let jsQRLoaded: Promise<JsQr> | undefined
function loadJsQr(): Promise<JsQr> {
  // jsqr is CommonJS: bundlers hand over the function itself, Node's ESM interop a namespace.
  jsQRLoaded ??= import('jsqr').then((m) => ((m as unknown as { default?: JsQr }).default ?? m) as JsQr)
  return jsQRLoaded
}

/** Reads a QR code from RGBA pixels (a canvas's ImageData), or undefined. */
export async function decodeQrPixels(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
): Promise<string | undefined> {
  const jsQR = await loadJsQr()
  return jsQR(pixels, width, height, { inversionAttempts: 'attemptBoth' })?.data
}

/** Images larger than this are scaled down before decoding: jsQR's time grows with the pixels. */
const DECODE_PIXELS_MAX = 2_000_000

const LEVELS = ['L', 'M', 'Q'] as const

/** Draws the module matrix at 4 px per module and reads it back with jsQR. */
function readsBack(QRCode: QrCodeLib, jsQR: JsQr, text: string, level: (typeof LEVELS)[number]): boolean {
  const qr = QRCode.create(text, { errorCorrectionLevel: level })
  const n = qr.modules.size
  const scale = 4
  const margin = 2
  const w = (n + 2 * margin) * scale
  const px = new Uint8ClampedArray(w * w * 4).fill(255)
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (!qr.modules.get(y, x)) continue
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + margin) * scale + dy) * w + (x + margin) * scale + dx) * 4
          px[i] = 0
          px[i + 1] = 0
          px[i + 2] = 0
        }
      }
    }
  }
  return jsQR(px, w, w)?.data === text
}

/**
 * A PNG data URL of the QR code. Alphanumeric payloads (GCL1: + base45) use QR's alphanumeric
 * mode. Level L keeps the code small; jsQR cannot read a few large level-L codes (seen with
 * version 23), so each code is read back first and drawn at the next level when it fails.
 */
export async function qrDataUrl(text: string): Promise<string> {
  const [QRCode, jsQR] = await Promise.all([loadQrCode(), loadJsQr()])
  const level = LEVELS.find((l) => readsBack(QRCode, jsQR, text, l)) ?? 'L'
  return QRCode.toDataURL(text, { errorCorrectionLevel: level, margin: 2, scale: 4 })
}

export async function decodeQrImage(file: Blob): Promise<string | undefined> {
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.src = url
    await img.decode()
    const scale = Math.min(1, Math.sqrt(DECODE_PIXELS_MAX / (img.naturalWidth * img.naturalHeight)))
    const w = Math.max(1, Math.round(img.naturalWidth * scale))
    const h = Math.max(1, Math.round(img.naturalHeight * scale))
    const canvas = document.createElement('canvas')
    canvas.width = w
    canvas.height = h
    const ctx = canvas.getContext('2d', { willReadFrequently: true })
    if (ctx === null) return undefined
    ctx.imageSmoothingEnabled = false
    ctx.drawImage(img, 0, 0, w, h)
    const data = ctx.getImageData(0, 0, w, h)
    return decodeQrPixels(data.data, w, h)
  } finally {
    URL.revokeObjectURL(url)
  }
}
