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
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { guardBrowserRequest, LOOPBACK_HOSTS, type SignInRoutes } from '@govchain/app'
import type { DemoIdentityView, PortalConfigAnswer } from '@govchain/app/portal-views'
import { type CryptoSuite, errorInfo, GovchainError, isGovchainError, toHex } from '@govchain/core'
import type { NetworkFile } from '@govchain/node'
import { createClient, getSuite } from '@govchain/sdk'
import { contentSecurityPolicy, json, MIME, readBody, StaticFiles, send } from './portal-http.ts'
import { DemoMailbox, storedMailbox } from './portal-mailbox.ts'
import { gatewayTargets, networkFacts, operatorIdentities, portalConfig, readNetworkFile } from './portal-network.ts'
import { portalSignIn, type ReadState } from './portal-signin.ts'

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

/** The built portal's folder: `distDir` resolved, refused when it has no index.html. */
function builtPortalDir(distDir: string): string {
  const dir = resolve(distDir)
  if (!existsSync(join(dir, 'index.html'))) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `the portal is not built (${dir} has no index.html): run npm run build:portal`,
    )
  }
  return dir
}

/** The chain as the server reads it, and the sign-in (portal-signin.ts) checked against it. */
interface PortalChain {
  suite: CryptoSuite
  readState: ReadState
  signIn: SignInRoutes
}

function portalChain(net: NetworkFile, apiUrls: string[], secureCookies: boolean): PortalChain {
  const suite = getSuite(net.suite)
  // Every node, failing over in order: the mailbox keeps working with one node down (issue 15).
  const chainClient = createClient({ urls: apiUrls, timeoutMs: 5_000 })
  const readState = async (module: string, key: Uint8Array): Promise<Uint8Array | undefined> =>
    (await chainClient.state(module, toHex(key))).value
  const signIn = portalSignIn({ suite, chainId: net.chainId, readState, secure: secureCookies })
  return { suite, readState, signIn }
}

/** /session and /session/* (sign-in, ADR 0032): true when answered, false to fall through. */
async function sessionRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  signIn: SignInRoutes,
): Promise<boolean> {
  const body = req.method === 'POST' ? await readBody(req) : undefined
  const a = await signIn.handle(req.method ?? 'GET', url.pathname, req.headers, body)
  if (a === undefined) return false
  send(res, a.status, MIME['.json']!, JSON.stringify(a.body), {
    'cache-control': 'no-store',
    ...a.headers,
  })
  return true
}

// The officer's request is signed by the officer's key; the gateway checks it. This proxy only
// moves bytes between the page and the department's own gateway on loopback.
async function proxyGateway(
  req: IncomingMessage,
  res: ServerResponse,
  gateway: { org: string; path: string; targets: () => Record<string, string>; signIn: SignInRoutes },
): Promise<void> {
  const { org, path } = gateway
  if (req.method === 'POST') gateway.signIn.requireChange(req.headers)
  const target = gateway.targets()[org]
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

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/**
 * The portal's routes, in order: /config.json, sign-in, the demo mailbox, the gateway proxy, and
 * the built portal's files for everything else.
 */
function portalRoutes(parts: {
  config: () => PortalConfig
  signIn: SignInRoutes
  mailbox: DemoMailbox
  gateways: () => Record<string, string>
  files: StaticFiles
}): Handler {
  const { config, signIn, mailbox, gateways, files } = parts
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://portal')
    if (url.pathname === '/config.json') return json(res, 200, config())
    if (url.pathname === '/session' || url.pathname.startsWith('/session/')) {
      if (await sessionRoute(req, res, url, signIn)) return
    }
    if (url.pathname === '/demo/credentials' || url.pathname.startsWith('/demo/credentials/')) {
      return mailbox.handle(req, res, url)
    }
    const gw = /^\/gateway\/([a-z][a-z0-9_-]{0,63})(\/v1\/local\/(?:fetch|status|holder|holder\/check))$/.exec(
      url.pathname,
    )
    if (gw !== null) return proxyGateway(req, res, { org: gw[1]!, path: gw[2]!, targets: gateways, signIn })
    return files.serve(req, res, url)
  }
}

/**
 * The HTTP server under the routes: every request first passes the Host and Origin guard, and a
 * coded refusal is answered as coded JSON; it listens on `host` and closes every connection.
 */
class PortalHttpServer {
  private readonly server: Server
  /** Host names besides the loopback ones the guard accepts. */
  private readonly hostNames: string[]
  private boundPort = 0

  constructor(
    private readonly host: string,
    hosts: string[] | undefined,
    private readonly routes: Handler,
    private readonly log: (line: string) => void,
  ) {
    this.hostNames = [...(hosts ?? []), ...(LOOPBACK_HOSTS.includes(host) || host === '0.0.0.0' ? [] : [host])]
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => this.fail(res, e))
    })
  }

  /** Listens on `port` (0: any free one); returns the bound port. */
  async listen(port: number): Promise<number> {
    const server = this.server
    await new Promise<void>((ok, fail) => {
      server.once('error', fail)
      server.listen(port, this.host, () => {
        server.off('error', fail)
        ok()
      })
    })
    this.boundPort = (server.address() as AddressInfo).port
    return this.boundPort
  }

  /** The URL the page is served at. */
  url(): string {
    return `http://${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${this.boundPort}`
  }

  close(): Promise<void> {
    return new Promise<void>((ok) => {
      this.server.close(() => ok())
      this.server.closeAllConnections()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Before anything else: only this server's names and origin (DNS rebinding, cross-site posts).
    const refused = guardBrowserRequest(req, { hosts: [...LOOPBACK_HOSTS, ...this.hostNames], port: this.boundPort })
    if (refused !== undefined) throw refused
    return this.routes(req, res)
  }

  private fail(res: ServerResponse, e: unknown): void {
    if (res.headersSent) {
      res.destroy()
      return
    }
    if (isGovchainError(e)) {
      // Coded refusals (bad Host or Origin, 413, failed signatures) are answers, not faults.
      const status = e.code === 'PAYLOAD_TOO_LARGE' || e.code === 'HOST_NOT_ALLOWED' ? { connection: 'close' } : {}
      const body = JSON.stringify({ code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) })
      send(res, errorInfo(e.code)?.http ?? 500, MIME['.json']!, body, {
        'cache-control': 'no-store',
        ...status,
      })
      return
    }
    this.log(`portal: ${(e as Error).message}`)
    json(res, 500, { code: 'INTERNAL', message: 'internal error' })
  }
}

export async function servePortal(options: ServePortalOptions): Promise<PortalServer> {
  const log = options.log ?? (() => {})
  const file = readNetworkFile(options)
  const distDir = builtPortalDir(options.distDir ?? PORTAL_DIST)
  const network = networkFacts(file, options.apiUrls)
  const { dir, net, demo, apiUrls } = network
  const operators = operatorIdentities(dir, net, demo)
  const gateways = () => gatewayTargets(net, options.gateways)
  const config = () => portalConfig(network, operators, options.identities, gateways)
  const stored = storedMailbox(dir, demo)
  const { suite, readState, signIn } = portalChain(net, apiUrls, options.secureCookies === true)
  const mailbox = new DemoMailbox(stored, { dir, demo, chainId: net.chainId, suite, readState, signIn })
  const files = new StaticFiles(distDir, contentSecurityPolicy(apiUrls))
  const routes = portalRoutes({ config, signIn, mailbox, gateways, files })
  const http = new PortalHttpServer(options.host ?? '127.0.0.1', options.hosts, routes, log)
  const port = await http.listen(options.port ?? 8080)
  const url = http.url()
  log(`portal ${url}${demo ? ' (demo identities enabled)' : ''}`)
  return { url, port, config, close: () => http.close() }
}
