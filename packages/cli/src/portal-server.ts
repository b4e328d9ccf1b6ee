/**
 * Serves the web portal (packages/portal/dist) for a local network: static files with an SPA
 * fallback, and `/config.json` telling the page the node API URLs, the chain id and suite, the
 * trusted validator set (from genesis) and, in demo mode, the demo identities WITH THEIR
 * PRIVATE KEYS. Demo mode exists only for a development network (`govchain init --dev`,
 * `govchain up --dev`, recorded as NetworkFile.dev): servePortal refuses it for any other
 * network (DEV_NETWORK_ONLY), and without it the identities are listed without keys (the page
 * cannot sign). Every request must name this server in its Host header and come from its own
 * origin (guardBrowserRequest), so a web page elsewhere cannot read the keys through DNS
 * rebinding nor post to the mailbox cross-site.
 *
 * Demo identities come from
 *   - DIR/keys/<org>.operator.json: each department's operator (officer `<org>-admin`, every role);
 *   - DIR/demo/identities.json (an array of DemoIdentity, written by the demo seeding), read at
 *     each /config.json request so identities seeded after the server started appear;
 *   - `options.identities`.
 *
 * Sign-in (ADR 0032, portal-signin.ts): POST /session/challenge, POST /session (the challenge
 * signed by a key registered on chain) sets an HttpOnly, SameSite=Strict session cookie and
 * returns a CSRF token; every state-changing call (the mailbox POST, the gateway proxy's POST,
 * POST /session/logout) needs both. Outside demo mode no private key leaves this server: people
 * hold theirs in the browser (packages/portal-kit/src/key-store.ts).
 *
 * Demo mode also offers a tiny credential mailbox (`/demo/credentials`), standing in for the
 * one-network service app through which a department hands a citizen their credential: the
 * issuer console posts the holder's credential there and the holder's wallet reads it. It holds
 * personal data, so it exists only in demo mode, only in DIR/demo/credentials.json (0600), and
 * every request is signed (the licence module's holder-query bytes, ±5 minutes):
 *   GET  /demo/credentials?did&key&ts&sig              the holder, with a current key of the DID
 *   POST /demo/credentials {holder, licenceId, credential, auth}
 *        an active officer, signing path /demo/credentials/<holder>/<licenceId>; the credential's
 *        licence id must be licenceId. Entries are keyed by holder and licence id together.
 *   GET  /demo/credentials/issued/<licenceId>?did&key&ts&sig
 *        an active officer of the licence's issuing organisation (did = the holder), for renewals.
 *
 * The portal is served from its built assets (packages/portal/dist, built by `npm install`);
 * servePortal never runs Vite (buildPortal does, for tests and `npm run build:portal`).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompress, gzip, constants as zlibConstants } from 'node:zlib'
import { guardBrowserRequest, LOOPBACK_HOSTS } from '@govchain/app'
import {
  type DemoIdentityView,
  isDemoIdentity,
  type MailboxAnswer,
  type MailboxEntry,
  type OkAnswer,
  type PortalConfigAnswer,
} from '@govchain/app/portal-views'
import {
  codec,
  encode,
  errorInfo,
  fromHex,
  GovchainError,
  isGovchainError,
  toBase64,
  toHex,
  ValidatorSet,
} from '@govchain/core'
import { credentialLicenseId } from '@govchain/license/credential'
import {
  HOLDER_QUERY_SKEW_MS,
  holderQueryMessage,
  LICENSE_KEYS,
  LICENSE_MODULE,
  LicenseRecord,
} from '@govchain/license/schema'
import { DEMO_DEPARTMENTS, genesisValidatorSet, loadKeyFile, type NetworkFile, parseGenesis } from '@govchain/node'
import { createClient, getSuite } from '@govchain/sdk'
import { activeOfficerOf, didOfKey, portalSignIn } from './portal-signin.ts'

const PORTAL_DIR = fileURLToPath(new URL('../../portal/', import.meta.url))
export const PORTAL_DIST = join(PORTAL_DIR, 'dist')

/**
 * A demo identity, and what /config.json answers: the schemas the page checks them against
 * (`@govchain/app/portal-views`), so the two cannot drift apart.
 */
export type DemoIdentity = DemoIdentityView
export type PortalConfig = PortalConfigAnswer

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
  /**
   * Expose demo identities' private keys to the page. Default: whether the network is a
   * development network (NetworkFile.dev); true for any other network is refused.
   */
  demo?: boolean
  /** Host names besides the loopback ones this server answers for (e.g. a LAN name). */
  hosts?: string[]
  identities?: DemoIdentity[]
  /**
   * orgId → the department gateway's local API URL (http://127.0.0.1:port). Default: read from
   * each node home's gateway/gateway.json. The server proxies /gateway/<orgId>/v1/local/* to it,
   * so the page reaches its department's gateway from the portal's own origin (no CORS setup).
   */
  gateways?: Record<string, string>
  /**
   * The page reaches this server over https (a TLS reverse proxy in front of it): the session
   * cookie is then Secure and __Host- prefixed. Default false (loopback http).
   */
  secureCookies?: boolean
  /** Default: packages/portal/dist (`npm install` builds it). */
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

/**
 * Each department's operator. Demo mode opens the (plain, --dev) key file for its private key;
 * otherwise only the public key is read (a keystore's header), and no key file is opened.
 */
function operatorIdentities(dir: string, net: NetworkFile, demo: boolean): DemoIdentity[] {
  const out: DemoIdentity[] = []
  for (const n of net.nodes) {
    const path = join(dir, 'keys', `${n.orgId}.operator.json`)
    if (!existsSync(path)) continue
    const k = demo
      ? loadKeyFile(path)
      : {
          publicKey: fromHex(String(readJsonFile<{ publicKey?: unknown }>(path, IDENTITIES_FILE_BYTES_MAX)?.publicKey)),
          privateKey: undefined,
        }
    const dept = DEMO_DEPARTMENTS.find((d) => d.id === n.orgId)
    out.push({
      id: `officer:${n.orgId}`,
      kind: 'officer',
      name: `${dept?.name ?? n.orgId} 工作人员`,
      nameEn: `${dept?.nameEn ?? n.orgId} officer`,
      orgId: n.orgId,
      roles: ['admin', 'issuer', 'approver', 'auditor', 'registrar'],
      publicKey: Buffer.from(k.publicKey).toString('hex'),
      ...(k.privateKey === undefined ? {} : { privateKey: Buffer.from(k.privateKey).toString('hex') }),
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

export async function servePortal(options: ServePortalOptions): Promise<PortalServer> {
  const dir = resolve(options.dir)
  const log = options.log ?? (() => {})
  const net = options.network ?? (JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkFile)
  const demo = options.demo ?? net.dev === true
  if (demo && net.dev !== true) {
    throw new GovchainError('DEV_NETWORK_ONLY', `${dir} is not a development network (govchain init --dev)`)
  }
  const distDir = resolve(options.distDir ?? PORTAL_DIST)
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `the portal is not built (${distDir} has no index.html): run npm run build:portal`,
    )
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
  const operators = operatorIdentities(dir, net, demo)
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
      ...(Array.isArray(seeded) ? seeded.filter(isDemoIdentity) : []),
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
  // The answers' schemas are shared with the pages that check them (@govchain/app/portal-views).
  type Mail = MailboxEntry
  let mailbox: Mail[] = demo ? (readJsonFile<Mail[]>(mailboxPath, 64 * 1024 * 1024) ?? []) : []
  const saveMailbox = () => {
    mkdirSync(join(dir, 'demo'), { recursive: true, mode: 0o700 })
    // Personal data: readable by this user only, like the keys.
    writeFileSync(`${mailboxPath}.tmp`, JSON.stringify(mailbox), { mode: 0o600 })
    renameSync(`${mailboxPath}.tmp`, mailboxPath)
  }
  const suite = getSuite(net.suite)
  // Every node, failing over in order: the mailbox keeps working with one node down (issue 15).
  const chainClient = createClient({ urls: apiUrls, timeoutMs: 5_000 })
  const readState = async (module: string, key: Uint8Array): Promise<Uint8Array | undefined> =>
    (await chainClient.state(module, toHex(key))).value

  type Auth = { did?: unknown; key?: unknown; ts?: unknown; sig?: unknown }
  /** Checks a signed mailbox request over `path` for `did`; returns the signer's key. */
  const verifySigned = (path: string, did: string, a: Auth): Uint8Array => {
    const bad = (why: string) => new GovchainError('MAILBOX_AUTH_INVALID', why)
    if (typeof a.key !== 'string' || typeof a.ts !== 'string' || typeof a.sig !== 'string')
      throw bad('key, ts and sig are required')
    if (!/^[0-9a-f]{2,256}$/.test(a.key) || !/^[0-9a-f]{2,512}$/.test(a.sig) || !/^[0-9]{1,15}$/.test(a.ts))
      throw bad('key, ts or sig malformed')
    // The edge of a local server may read the wall clock: it bounds how long a signed read replays.
    if (Math.abs(Date.now() - Number(a.ts)) > HOLDER_QUERY_SKEW_MS) throw bad('ts is outside the accepted window')
    const key = fromHex(a.key)
    let ok = false
    try {
      ok = suite.verify(
        key,
        holderQueryMessage({ chainId: net.chainId, path, did, timeMs: Number(a.ts) }),
        fromHex(a.sig),
      )
    } catch {
      ok = false
    }
    if (!ok) throw bad('signature does not verify')
    return key
  }
  /** The key is a current key of the active DID (identity's did-key index). */
  const isDidKey = async (did: string, key: Uint8Array) => (await didOfKey(readState, key)) === did
  const officerOf = (key: Uint8Array) => activeOfficerOf(readState, key)
  const signIn = portalSignIn({ suite, chainId: net.chainId, readState, secure: options.secureCookies === true })
  const DID = /^did:govchain:[1-9A-HJ-NP-Za-km-z]{1,32}$/

  const handleMailbox = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!demo) return json(res, 404, { code: 'NOT_FOUND', message: 'demo mode is off' })
    const issued = /^\/demo\/credentials\/issued\/([A-Za-z0-9:._-]{1,128})$/.exec(url.pathname)
    const q = Object.fromEntries(url.searchParams) as Auth
    if (req.method === 'GET' && issued !== null) {
      const licenseId = issued[1]!
      const holder = typeof q.did === 'string' && DID.test(q.did) ? q.did : undefined
      if (holder === undefined) throw new GovchainError('INVALID_ARGUMENT', 'did (the holder) is required')
      const key = verifySigned(url.pathname, holder, q)
      const officer = await officerOf(key)
      const rec = await readState(LICENSE_MODULE, LICENSE_KEYS.license(licenseId))
      const license = rec === undefined ? undefined : codec.decode(LicenseRecord, rec)
      if (
        officer === undefined ||
        license === undefined ||
        license.issuerOrg !== officer.orgId ||
        license.holder !== holder
      ) {
        throw new GovchainError(
          'MAILBOX_AUTH_INVALID',
          'only an officer of the issuing organisation reads an issued credential',
        )
      }
      const answer: MailboxAnswer = { items: mailbox.filter((m) => m.holder === holder && m.licenseId === licenseId) }
      return json(res, 200, answer)
    }
    if (url.pathname !== '/demo/credentials') return json(res, 404, { code: 'NOT_FOUND', message: url.pathname })
    if (req.method === 'GET') {
      const holder = typeof q.did === 'string' && DID.test(q.did) ? q.did : undefined
      if (holder === undefined) throw new GovchainError('INVALID_ARGUMENT', 'did (the holder) is required')
      const key = verifySigned(url.pathname, holder, q)
      if (!(await isDidKey(holder, key)))
        throw new GovchainError('MAILBOX_AUTH_INVALID', 'key is not a current key of the DID')
      const items = mailbox.filter((m) => m.holder === holder)
      // Credentials the licence demo seeded into the holder's wallet file.
      for (const w of seededWallets(dir).filter((x) => x.did === holder)) {
        for (const c of w.credentials) {
          if (!items.some((m) => m.licenseId === c.id)) {
            items.push({ holder, licenseId: c.id, credential: c.credential, timeMs: 0 })
          }
        }
      }
      const answer: MailboxAnswer = { items }
      return json(res, 200, answer)
    }
    if (req.method === 'POST') {
      signIn.requireChange(req.headers)
      let body: Partial<Mail> & { auth?: Auth }
      try {
        body = JSON.parse(await readBody(req)) as Partial<Mail> & { auth?: Auth }
      } catch (e) {
        if (isGovchainError(e)) throw e
        return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'body must be JSON within 256 KiB' })
      }
      if (
        typeof body !== 'object' ||
        body === null ||
        typeof body.holder !== 'string' ||
        !DID.test(body.holder) ||
        typeof body.licenseId !== 'string' ||
        !/^[A-Za-z0-9:._-]{1,128}$/.test(body.licenseId) ||
        typeof body.credential !== 'string' ||
        typeof body.auth !== 'object' ||
        body.auth === null
      ) {
        return json(res, 400, {
          code: 'INVALID_ARGUMENT',
          message: 'holder (a DID), licenceId, credential and auth are required',
        })
      }
      const key = verifySigned(`/demo/credentials/${body.holder}/${body.licenseId}`, body.holder, body.auth)
      if ((await officerOf(key)) === undefined) {
        throw new GovchainError('MAILBOX_AUTH_INVALID', 'only an active officer hands over a credential')
      }
      if (credentialLicenseId(suite, body.credential) !== body.licenseId) {
        return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'the credential is not that licence' })
      }
      // Keyed by holder and licence together: one holder's entry never replaces another's.
      const { holder, licenseId, credential } = body
      mailbox = mailbox.filter((m) => !(m.holder === holder && m.licenseId === licenseId))
      mailbox.push({ holder, licenseId, credential, timeMs: Date.now() })
      if (mailbox.length > MAILBOX_ENTRIES_MAX) mailbox = mailbox.slice(-MAILBOX_ENTRIES_MAX)
      saveMailbox()
      const ok: OkAnswer = { ok: true }
      return json(res, 201, ok)
    }
    return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET or POST' })
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
    // 打印 loads the licence PDF (a blob the page fetched from the node) into a print frame.
    'frame-src blob:',
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

  /**
   * The request body, at most MAILBOX_BODY_BYTES_MAX. Oversize is PAYLOAD_TOO_LARGE, answered as
   * coded JSON (413) before the connection closes: a declared length is refused before reading;
   * a chunked body stops being kept past the limit and is drained, so the client reads the answer.
   */
  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((ok, fail) => {
      const declared = Number(req.headers['content-length'] ?? 0)
      if (declared > MAILBOX_BODY_BYTES_MAX) {
        req.resume()
        fail(new GovchainError('PAYLOAD_TOO_LARGE', undefined, { bytesMax: MAILBOX_BODY_BYTES_MAX }))
        return
      }
      let size = 0
      let over = false
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAILBOX_BODY_BYTES_MAX) {
          if (!over) fail(new GovchainError('PAYLOAD_TOO_LARGE', undefined, { bytesMax: MAILBOX_BODY_BYTES_MAX }))
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

  // The officer's request is signed by the officer's key; the gateway checks it. This proxy only
  // moves bytes between the page and the department's own gateway on loopback.
  const proxyGateway = async (req: IncomingMessage, res: ServerResponse, org: string, path: string) => {
    if (req.method === 'POST') signIn.requireChange(req.headers)
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
    // Before anything else: only this server's names and origin (DNS rebinding, cross-site posts).
    const refused = guardBrowserRequest(req, { hosts: [...LOOPBACK_HOSTS, ...hostNames], port: boundPort })
    if (refused !== undefined) throw refused
    const url = new URL(req.url ?? '/', 'http://portal')
    if (url.pathname === '/config.json') return json(res, 200, config())
    if (url.pathname === '/session' || url.pathname.startsWith('/session/')) {
      const body = req.method === 'POST' ? await readBody(req) : undefined
      const a = await signIn.handle(req.method ?? 'GET', url.pathname, req.headers, body)
      if (a !== undefined) {
        return send(res, a.status, MIME['.json']!, JSON.stringify(a.body), {
          'cache-control': 'no-store',
          ...a.headers,
        })
      }
    }
    if (url.pathname === '/demo/credentials' || url.pathname.startsWith('/demo/credentials/')) {
      return handleMailbox(req, res, url)
    }
    const gw = /^\/gateway\/([a-z][a-z0-9_-]{0,63})(\/v1\/local\/(?:fetch|status|holder|holder\/check))$/.exec(
      url.pathname,
    )
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
    // Dot folders of the build (Vite's .vite/manifest.json) are for the build's tools, not the page.
    if (rel.split(/[/\\]/).some((part) => part.startsWith('.'))) return json(res, 404, { code: 'NOT_FOUND' })
    const isFile = existsSync(file) && statSync(file).isFile()
    if (!isFile) {
      // SPA fallback: unknown paths without an extension are pages of the app.
      if (extname(rel) !== '') return json(res, 404, { code: 'NOT_FOUND', message: url.pathname })
      file = join(distDir, 'index.html')
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream'
    // Hashed build assets never change under their name; the page and the rest revalidate.
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
    const compressible = COMPRESSIBLE.test(type)
    const encoding = compressible ? pickEncoding(req.headers['accept-encoding'] as string | undefined) : undefined
    const { body, encoded } = await staticBody(file, encoding)
    send(res, 200, type, req.method === 'HEAD' ? Buffer.alloc(0) : body, {
      'cache-control': cache,
      ...(compressible ? { vary: 'Accept-Encoding' } : {}),
      ...(encoded === undefined ? {} : { 'content-encoding': encoded }),
      ...(type.startsWith('text/html') ? { 'content-security-policy': csp } : {}),
    })
  }

  /**
   * A static file's body in `encoding`: the build's precompressed sibling (FILE.br / FILE.gz,
   * written by the portal's Vite build) when it is there, else compressed here once and kept
   * (keyed by path, size and modification time, so a rebuild is picked up).
   */
  const compressed = new Map<string, Promise<Buffer>>()
  const staticBody = async (
    file: string,
    encoding: 'br' | 'gzip' | undefined,
  ): Promise<{ body: Buffer; encoded: 'br' | 'gzip' | undefined }> => {
    const raw = readFileSync(file)
    if (encoding === undefined || raw.length < COMPRESS_BYTES_MIN) return { body: raw, encoded: undefined }
    const st = statSync(file)
    const sibling = `${file}.${encoding === 'br' ? 'br' : 'gz'}`
    if (existsSync(sibling) && statSync(sibling).mtimeMs >= st.mtimeMs) {
      return { body: readFileSync(sibling), encoded: encoding }
    }
    const key = `${file}\0${encoding}\0${st.size}\0${st.mtimeMs}`
    let p = compressed.get(key)
    if (p === undefined) {
      p =
        encoding === 'br'
          ? brotli(raw, {
              params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length },
            })
          : gzipAsync(raw, { level: 9 })
      compressed.set(key, p)
      p.catch(() => compressed.delete(key))
    }
    return { body: await p, encoded: encoding }
  }

  const host = options.host ?? '127.0.0.1'
  const hostNames = [...(options.hosts ?? []), ...(LOOPBACK_HOSTS.includes(host) || host === '0.0.0.0' ? [] : [host])]
  let boundPort = 0
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return res.destroy()
      if (isGovchainError(e)) {
        // Coded refusals (bad Host or Origin, 413, failed signatures) are answers, not faults.
        const status = e.code === 'PAYLOAD_TOO_LARGE' || e.code === 'HOST_NOT_ALLOWED' ? { connection: 'close' } : {}
        const body = JSON.stringify({ code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) })
        return send(res, errorInfo(e.code)?.http ?? 500, MIME['.json']!, body, {
          'cache-control': 'no-store',
          ...status,
        })
      }
      log(`portal: ${(e as Error).message}`)
      json(res, 500, { code: 'INTERNAL', message: 'internal error' })
    })
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', fail)
      ok()
    })
  })
  const port = (server.address() as AddressInfo).port
  boundPort = port
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
