/**
 * The portal server's HTTP plumbing (portal-server.ts): answers carrying the headers every
 * answer has, coded JSON, bounded request bodies, and the built portal's static files (an SPA
 * fallback, compression, and the page's Content-Security-Policy).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, gzip, constants as zlibConstants } from 'node:zlib'
import { GovchainError } from '@govchain/core'

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}
/** Types worth compressing (text); images and fonts are compressed already. */
const COMPRESSIBLE = /^(text\/|application\/json|image\/svg\+xml)/
/** Smaller bodies go as they are: the encoding's framing would eat the saving. */
const COMPRESS_BYTES_MIN = 1024
const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/**
 * The encoding to answer with for an Accept-Encoding header (RFC 9110 §12.5.3): brotli
 * (RFC 7932) before gzip (RFC 1952), each unless refused with q=0; undefined: identity.
 */
function pickEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  if (accept === undefined) return undefined
  const q = new Map<string, number>()
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    const qp = params.map((x) => x.trim()).find((x) => x.startsWith('q='))
    const v = qp === undefined ? 1 : Number(qp.slice(2))
    if (name !== undefined && name !== '') q.set(name, Number.isFinite(v) ? v : 0)
  }
  const ok = (n: string) => (q.get(n) ?? q.get('*') ?? 0) > 0
  if (ok('br')) return 'br'
  if (ok('gzip')) return 'gzip'
  return undefined
}

/** Every request body the portal server reads (sign-in, the mailbox, the gateway proxy), at most. */
const PORTAL_BODY_BYTES_MAX = 256 * 1024

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extra,
  })
  res.end(body)
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, MIME['.json']!, JSON.stringify(value), { 'cache-control': 'no-store' })
}

/**
 * The request body, at most PORTAL_BODY_BYTES_MAX. Oversize is PAYLOAD_TOO_LARGE, answered as
 * coded JSON (413) before the connection closes: a declared length is refused before reading;
 * a chunked body stops being kept past the limit and is drained, so the client reads the answer.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > PORTAL_BODY_BYTES_MAX) {
      req.resume()
      fail(new GovchainError('PAYLOAD_TOO_LARGE', undefined, { bytesMax: PORTAL_BODY_BYTES_MAX }))
      return
    }
    let size = 0
    let over = false
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > PORTAL_BODY_BYTES_MAX) {
        if (!over) fail(new GovchainError('PAYLOAD_TOO_LARGE', undefined, { bytesMax: PORTAL_BODY_BYTES_MAX }))
        over = true
        chunks.length = 0
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (!over) ok(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', fail)
  })
}

/** The page's Content-Security-Policy: its own origin, and the node APIs (HTTP and WebSocket). */
export function contentSecurityPolicy(apiUrls: string[]): string {
  const origins = new Set<string>()
  for (const u of apiUrls) {
    const o = new URL(u)
    origins.add(o.origin)
    origins.add(`${o.protocol === 'https:' ? 'wss:' : 'ws:'}//${o.host}`)
  }
  return [
    "default-src 'self'",
    `connect-src 'self' ${[...origins].join(' ')}`,
    "img-src 'self' data: blob:",
    // 打印 loads the licence PDF (a blob the page fetched from the node) into a print frame.
    'frame-src blob:',
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/**
 * The built portal (distDir) as GET and HEAD answers: its files, and index.html for the app's
 * pages (paths without an extension); the page itself carries `csp`.
 */
export class StaticFiles {
  /**
   * A static file's body in `encoding`: the build's precompressed sibling (FILE.br / FILE.gz,
   * written by the portal's Vite build) when it is there, else compressed here once and kept
   * (keyed by path, size and modification time, so a rebuild is picked up).
   */
  private readonly compressed = new Map<string, Promise<Buffer>>()

  constructor(
    private readonly distDir: string,
    private readonly csp: string,
  ) {}

  async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET only' })
    }
    let rel: string
    try {
      rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '')
    } catch {
      return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'bad path' })
    }
    let file = join(this.distDir, rel)
    if (!file.startsWith(this.distDir + sep) && file !== this.distDir) return json(res, 404, { code: 'NOT_FOUND' })
    // Dot folders of the build (Vite's .vite/manifest.json) are for the build's tools, not the page.
    if (rel.split(/[/\\]/).some((part) => part.startsWith('.'))) return json(res, 404, { code: 'NOT_FOUND' })
    const isFile = existsSync(file) && statSync(file).isFile()
    if (!isFile) {
      // SPA fallback: unknown paths without an extension are pages of the app.
      if (extname(rel) !== '') return json(res, 404, { code: 'NOT_FOUND', message: url.pathname })
      file = join(this.distDir, 'index.html')
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream'
    // Hashed build assets never change under their name; the page and the rest revalidate.
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
    const compressible = COMPRESSIBLE.test(type)
    const encoding = compressible ? pickEncoding(req.headers['accept-encoding'] as string | undefined) : undefined
    const { body, encoded } = await this.body(file, encoding)
    send(res, 200, type, req.method === 'HEAD' ? Buffer.alloc(0) : body, {
      'cache-control': cache,
      ...(compressible ? { vary: 'Accept-Encoding' } : {}),
      ...(encoded === undefined ? {} : { 'content-encoding': encoded }),
      ...(type.startsWith('text/html') ? { 'content-security-policy': this.csp } : {}),
    })
  }

  private async body(
    file: string,
    encoding: 'br' | 'gzip' | undefined,
  ): Promise<{ body: Buffer; encoded: 'br' | 'gzip' | undefined }> {
    const raw = readFileSync(file)
    if (encoding === undefined || raw.length < COMPRESS_BYTES_MIN) return { body: raw, encoded: undefined }
    const st = statSync(file)
    const sibling = `${file}.${encoding === 'br' ? 'br' : 'gz'}`
    if (existsSync(sibling) && statSync(sibling).mtimeMs >= st.mtimeMs) {
      return { body: readFileSync(sibling), encoded: encoding }
    }
    const key = `${file}\0${encoding}\0${st.size}\0${st.mtimeMs}`
    let p = this.compressed.get(key)
    if (p === undefined) {
      p =
        encoding === 'br'
          ? brotli(raw, {
              params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length },
            })
          : gzipAsync(raw, { level: 9 })
      this.compressed.set(key, p)
      p.catch(() => this.compressed.delete(key))
    }
    return { body: await p, encoded: encoding }
  }
}
