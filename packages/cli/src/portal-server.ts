/**
 * Serves the web portal (packages/portal/dist) for a local network: static files with an SPA
 * fallback, and `/config.json` telling the page the node API URLs, the chain id and suite, the
 * trusted validator set (from genesis) and, in demo mode, the demo identities WITH THEIR
 * PRIVATE KEYS. That is acceptable only because this is a local demo on loopback: the login
 * screen says so, and the nodes still check every signature and permission. Without `demo`
 * the identities are listed without keys (and the page cannot sign).
 *
 * Demo identities come from
 *   - DIR/keys/<org>.operator.json: each department's operator (officer `<org>-admin`, every role);
 *   - DIR/demo/identities.json (an array of DemoIdentity, written by the demo seeding), read at
 *     each /config.json request so identities seeded after the server started appear;
 *   - `options.identities`.
 *
 * Demo mode also offers a tiny credential mailbox (`/demo/credentials`), standing in for the
 * one-network service app through which a department hands a citizen their credential: the
 * issuer console posts the holder's credential there and the holder's wallet reads it. It holds
 * personal data, so it exists only in demo mode and only in DIR/demo/credentials.json.
 *
 * If the portal has not been built (no dist/index.html), servePortal builds it first with Vite
 * (about 2 s; progress is printed through `log`).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encode, GovchainError, type SuiteName, toBase64, ValidatorSet } from '@govchain/core'
import { DEMO_DEPARTMENTS, genesisValidatorSet, loadKeyFile, type NetworkFile, parseGenesis } from '@govchain/node'

export const PORTAL_DIR = fileURLToPath(new URL('../../portal/', import.meta.url))
export const PORTAL_DIST = join(PORTAL_DIR, 'dist')

/** Same shape as packages/portal/src/config.ts (the page's copy). */
export interface DemoIdentity {
  id: string
  kind: 'citizen' | 'enterprise' | 'officer'
  name: string
  nameEn: string
  orgId?: string
  roles?: string[]
  did?: string
  /** The identity authority's binding of the DID to the holder's pseudonym (data sharing). */
  subjectCredential?: Record<string, string>
  publicKey: string
  privateKey?: string
}

export interface PortalConfig {
  chainId: string
  suite: SuiteName
  nodes: { name: string; orgId: string; apiUrl: string }[]
  organisations: { id: string; name: string; nameEn: string; code: string }[]
  trustedValidatorSet?: string
  demo: boolean
  identities: DemoIdentity[]
  /** orgId → base URL of that department's gateway local API, proxied by this server (same origin). */
  gateways: Record<string, string>
}

export interface ServePortalOptions {
  /** The network folder (`govchain init --dir`): network.json, genesis.json, keys/, demo/. */
  dir: string
  /** 0 = any free port. Default 8080. */
  port?: number
  /** Default 127.0.0.1: the demo hands out keys, so it must not listen on other interfaces. */
  host?: string
  /** Default: DIR/network.json. */
  network?: NetworkFile
  /** The node APIs the page talks to. Default: every node of the network. */
  apiUrls?: string[]
  /** Expose demo identities' private keys to the page. Default true (a local demo). */
  demo?: boolean
  identities?: DemoIdentity[]
  /**
   * orgId → the department gateway's local API URL (http://127.0.0.1:port). Default: read from
   * each node home's gateway/gateway.json. The server proxies /gateway/<orgId>/v1/local/* to it,
   * so the page reaches its department's gateway from the portal's own origin (no CORS setup).
   */
  gateways?: Record<string, string>
  /** Default: packages/portal/dist (built first when missing). */
  distDir?: string
  log?: (line: string) => void
}

export interface PortalServer {
  url: string
  port: number
  /** What /config.json answers now. */
  config(): PortalConfig
  close(): Promise<void>
}

const MIME: Record<string, string> = {
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
/** Mailbox limits: the demo mailbox is bounded like everything else. */
const MAILBOX_ENTRIES_MAX = 10_000
const MAILBOX_BODY_BYTES_MAX = 256 * 1024
const IDENTITIES_FILE_BYTES_MAX = 1024 * 1024
const BUILD_TIMEOUT_MS = 180_000
const GATEWAY_PROXY_TIMEOUT_MS = 30_000

/** Builds packages/portal/dist with Vite in a child process. */
export async function buildPortal(log: (line: string) => void = () => {}): Promise<void> {
  const require = createRequire(join(PORTAL_DIR, 'package.json'))
  let viteBin: string
  try {
    viteBin = join(require.resolve('vite/package.json').replace(/package\.json$/, ''), 'bin', 'vite.js')
  } catch {
    throw new GovchainError('CONFIG_INVALID', 'the portal is not built and Vite is not installed: run npm install')
  }
  log('building the portal (vite build)…')
  const child = spawn(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: PORTAL_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString()
  })
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS)
  const code = await new Promise<number | null>((r) => child.on('exit', r))
  clearTimeout(timer)
  if (code !== 0) throw new GovchainError('CONFIG_INVALID', `portal build failed: ${output.slice(-2000)}`)
  log('portal built')
}

function readJsonFile<T>(path: string, bytesMax: number): T | undefined {
  if (!existsSync(path)) return undefined
  if (statSync(path).size > bytesMax) throw new GovchainError('CONFIG_INVALID', `${path} is too large`)
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

function operatorIdentities(dir: string, net: NetworkFile): DemoIdentity[] {
  const out: DemoIdentity[] = []
  for (const n of net.nodes) {
    const path = join(dir, 'keys', `${n.orgId}.operator.json`)
    if (!existsSync(path)) continue
    const k = loadKeyFile(path)
    const dept = DEMO_DEPARTMENTS.find((d) => d.id === n.orgId)
    out.push({
      id: `officer:${n.orgId}`,
      kind: 'officer',
      name: `${dept?.name ?? n.orgId} 工作人员`,
      nameEn: `${dept?.nameEn ?? n.orgId} officer`,
      orgId: n.orgId,
      roles: ['admin', 'issuer', 'approver', 'auditor', 'registrar'],
      publicKey: Buffer.from(k.publicKey).toString('hex'),
      privateKey: Buffer.from(k.privateKey).toString('hex'),
    })
  }
  return out
}

/** A holder wallet written by seedLicenseDemo (DIR/demo/wallets/<holder>.json). */
interface SeededWallet {
  holder: string
  name: string
  kind: 'enterprise' | 'person'
  did: string
  publicKey: string
  privateKey: string
  credentials: { id: string; credential: string }[]
}

const WALLETS_MAX = 200

function seededWallets(dir: string): SeededWallet[] {
  const walletDir = join(dir, 'demo', 'wallets')
  if (!existsSync(walletDir)) return []
  const out: SeededWallet[] = []
  for (const name of readdirSync(walletDir)
    .filter((n) => n.endsWith('.json'))
    .slice(0, WALLETS_MAX)) {
    try {
      const w = readJsonFile<SeededWallet>(join(walletDir, name), IDENTITIES_FILE_BYTES_MAX)
      if (typeof w?.did === 'string' && typeof w.publicKey === 'string') out.push(w)
    } catch {
      // A half-written or foreign file is skipped; the others still serve.
    }
  }
  return out
}

function isIdentity(x: unknown): x is DemoIdentity {
  const o = x as DemoIdentity
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.id === 'string' &&
    (o.kind === 'citizen' || o.kind === 'enterprise' || o.kind === 'officer') &&
    typeof o.name === 'string' &&
    typeof o.publicKey === 'string'
  )
}

export async function servePortal(options: ServePortalOptions): Promise<PortalServer> {
  const dir = resolve(options.dir)
  const log = options.log ?? (() => {})
  const demo = options.demo ?? true
  const net = options.network ?? (JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkFile)
  const distDir = resolve(options.distDir ?? PORTAL_DIST)
  if (!existsSync(join(distDir, 'index.html'))) {
    if (options.distDir !== undefined) throw new GovchainError('CONFIG_INVALID', `${distDir} has no index.html`)
    await buildPortal(log)
  }
  let trustedValidatorSet: string | undefined
  let organisations: PortalConfig['organisations'] = []
  const genesisPath = join(dir, 'genesis.json')
  if (existsSync(genesisPath)) {
    const genesis = parseGenesis(JSON.parse(readFileSync(genesisPath, 'utf8')))
    trustedValidatorSet = toBase64(encode(ValidatorSet, genesisValidatorSet(genesis)))
    organisations = genesis.organisations.map((o) => ({ id: o.id, name: o.name, nameEn: o.nameEn, code: o.code }))
  }
  const apiUrls = options.apiUrls ?? net.nodes.map((n) => n.apiUrl)
  const nodes = apiUrls.map((url, i) => {
    const n = net.nodes.find((m) => m.apiUrl === url) ?? net.nodes[i]
    return { name: n?.name ?? `node${i}`, orgId: n?.orgId ?? n?.name ?? `node${i}`, apiUrl: url }
  })
  const operators = operatorIdentities(dir, net)
  const gatewayTargets = (): Record<string, string> => {
    const out: Record<string, string> = {}
    for (const n of net.nodes) {
      const g = readJsonFile<{ orgId?: string; local?: { host?: string; port?: number } }>(
        join(n.home, 'gateway', 'gateway.json'),
        IDENTITIES_FILE_BYTES_MAX,
      )
      if (typeof g?.local?.port === 'number')
        out[g.orgId ?? n.orgId] = `http://${g.local.host ?? '127.0.0.1'}:${g.local.port}`
    }
    return { ...out, ...options.gateways }
  }

  const config = (): PortalConfig => {
    const seeded = readJsonFile<unknown[]>(join(dir, 'demo', 'identities.json'), IDENTITIES_FILE_BYTES_MAX) ?? []
    const all = [
      ...operators,
      ...(Array.isArray(seeded) ? seeded.filter(isIdentity) : []),
      ...(options.identities ?? []),
    ]
    const byId = new Map<string, DemoIdentity>()
    for (const i of all) byId.set(i.id, i)
    const identities = [...byId.values()].map((i) => {
      if (demo) return i
      const { privateKey: _hidden, ...pub } = i
      return pub
    })
    return {
      chainId: net.chainId,
      suite: net.suite,
      nodes,
      organisations,
      ...(trustedValidatorSet === undefined ? {} : { trustedValidatorSet }),
      demo,
      identities,
      gateways: Object.fromEntries(Object.keys(gatewayTargets()).map((org) => [org, `/gateway/${org}`])),
    }
  }

  // ------------------------------------------------------------ demo credential mailbox
  const mailboxPath = join(dir, 'demo', 'credentials.json')
  type Mail = { holder: string; licenceId: string; credential: string; timeMs: number }
  let mailbox: Mail[] = demo ? (readJsonFile<Mail[]>(mailboxPath, 64 * 1024 * 1024) ?? []) : []
  const saveMailbox = () => {
    mkdirSync(join(dir, 'demo'), { recursive: true })
    writeFileSync(`${mailboxPath}.tmp`, JSON.stringify(mailbox))
    renameSync(`${mailboxPath}.tmp`, mailboxPath)
  }

  // ------------------------------------------------------------ HTTP
  const origins = new Set<string>()
  for (const u of apiUrls) {
    const o = new URL(u)
    origins.add(o.origin)
    origins.add(`${o.protocol === 'https:' ? 'wss:' : 'ws:'}//${o.host}`)
  }
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${[...origins].join(' ')}`,
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ')

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...extra,
    })
    res.end(body)
  }
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, MIME['.json']!, JSON.stringify(value), { 'cache-control': 'no-store' })

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((ok, fail) => {
      let size = 0
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAILBOX_BODY_BYTES_MAX) {
          fail(new GovchainError('PAYLOAD_TOO_LARGE'))
          req.destroy()
          return
        }
        chunks.push(c)
      })
      req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
      req.on('error', fail)
    })

  const handleMailbox = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!demo) return json(res, 404, { code: 'NOT_FOUND', message: 'demo mode is off' })
    if (req.method === 'GET') {
      const holder = url.searchParams.get('holder')
      if (holder === null) return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'holder is required' })
      const items = mailbox.filter((m) => m.holder === holder)
      // Credentials the licence demo seeded into the holder's wallet file.
      for (const w of seededWallets(dir).filter((x) => x.did === holder)) {
        for (const c of w.credentials) {
          if (!items.some((m) => m.licenceId === c.id)) {
            items.push({ holder, licenceId: c.id, credential: c.credential, timeMs: 0 })
          }
        }
      }
      return json(res, 200, { items })
    }
    if (req.method === 'POST') {
      let body: Partial<Mail>
      try {
        body = JSON.parse(await readBody(req)) as Partial<Mail>
      } catch {
        return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'body must be JSON within 256 KiB' })
      }
      if (
        typeof body.holder !== 'string' ||
        typeof body.licenceId !== 'string' ||
        typeof body.credential !== 'string'
      ) {
        return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'holder, licenceId and credential are required' })
      }
      mailbox = mailbox.filter((m) => m.licenceId !== body.licenceId)
      mailbox.push({ holder: body.holder, licenceId: body.licenceId, credential: body.credential, timeMs: Date.now() })
      if (mailbox.length > MAILBOX_ENTRIES_MAX) mailbox = mailbox.slice(-MAILBOX_ENTRIES_MAX)
      saveMailbox()
      return json(res, 201, { ok: true })
    }
    return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET or POST' })
  }

  // The officer's request is signed by the officer's key; the gateway checks it. This proxy only
  // moves bytes between the page and the department's own gateway on loopback.
  const proxyGateway = async (req: IncomingMessage, res: ServerResponse, org: string, path: string) => {
    const target = gatewayTargets()[org]
    if (target === undefined) return json(res, 404, { code: 'NOT_FOUND', message: `no gateway for ${org}` })
    const body = req.method === 'POST' ? await readBody(req) : undefined
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), GATEWAY_PROXY_TIMEOUT_MS)
    try {
      const r = await fetch(`${target}${path}`, {
        method: req.method === 'POST' ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        signal: controller.signal,
        ...(body === undefined ? {} : { body }),
      })
      send(res, r.status, r.headers.get('content-type') ?? MIME['.json']!, Buffer.from(await r.arrayBuffer()), {
        'cache-control': 'no-store',
      })
    } catch (e) {
      json(res, 502, { code: 'GATEWAY_UNREACHABLE', message: `${org} gateway: ${(e as Error).message}` })
    } finally {
      clearTimeout(timer)
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://portal')
    if (url.pathname === '/config.json') return json(res, 200, config())
    if (url.pathname === '/demo/credentials') return handleMailbox(req, res, url)
    const gw = /^\/gateway\/([a-z][a-z0-9_-]{0,63})(\/v1\/local\/(?:fetch|status))$/.exec(url.pathname)
    if (gw !== null) return proxyGateway(req, res, gw[1]!, gw[2]!)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET only' })
    }
    let rel: string
    try {
      rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '')
    } catch {
      return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'bad path' })
    }
    let file = join(distDir, rel)
    if (!file.startsWith(distDir + sep) && file !== distDir) return json(res, 404, { code: 'NOT_FOUND' })
    const isFile = existsSync(file) && statSync(file).isFile()
    if (!isFile) {
      // SPA fallback: unknown paths without an extension are pages of the app.
      if (extname(rel) !== '') return json(res, 404, { code: 'NOT_FOUND', message: url.pathname })
      file = join(distDir, 'index.html')
    }
    const body = readFileSync(file)
    const type = MIME[extname(file)] ?? 'application/octet-stream'
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
    send(res, 200, type, req.method === 'HEAD' ? Buffer.alloc(0) : body, {
      'cache-control': cache,
      ...(type.startsWith('text/html') ? { 'content-security-policy': csp } : {}),
    })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`portal: ${(e as Error).message}`)
      if (!res.headersSent) json(res, 500, { code: 'INTERNAL', message: 'internal error' })
      else res.destroy()
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', fail)
      ok()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
  log(`portal ${url}${demo ? ' (demo identities enabled)' : ''}`)
  return {
    url,
    port,
    config,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      }),
  }
}
