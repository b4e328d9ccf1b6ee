/**
 * The data gateway (one per department, beside its node). It plays both X-Road roles:
 *
 *   provider  https with mutual TLS: serves a query on a resource only to a grantee whose client
 *             certificate comes from a consortium organisation's CA AND whose request is signed
 *             with the key its organisation registered on chain; checks the grant on chain at
 *             request time; returns only granted fields and rows, encrypted to the requester's
 *             key; signs a receipt, records it on chain once countersigned (or alone after
 *             ackTimeoutMs). Every refusal gets a code, a line in refusals.jsonl and — when the
 *             requester is identifiable (a consortium certificate) — a refusal record on chain.
 *   consumer  `fetch()`: asks a provider gateway, checks the provider's pinned certificate, the
 *             receipt (hashes of the exact bytes, the provider's signature), opens the answer and
 *             countersigns the receipt.
 *
 * A local plain-HTTP API (loopback) lets the department's officers (the portal console) ask
 * their own gateway to fetch, authenticated by an officer signature.
 */
import { createHash, randomBytes } from 'node:crypto'
import { appendFileSync, chmodSync, existsSync, renameSync, statSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  createServer as createHttpsServer,
  Agent as HttpsAgent,
  type RequestOptions as HttpsRequestOptions,
  request as httpsRequest,
} from 'node:https'
import { join } from 'node:path'
import { type ConnectionOptions, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls'
// Registers (and types) identity's codes: the local API answers IDENTITY_WRONG_ORGANISATION.
import { guardBrowserRequest, LOOPBACK_HOSTS, RateLimiter } from '@govchain/app'
import {
  type CryptoSuite,
  codec,
  type ErrorCode,
  errorInfo,
  fromBase64,
  fromHex,
  GovchainError,
  getSuite,
  isErrorCode,
  isGovchainError,
  toBase64,
  toHex,
} from '@govchain/core'
import {
  type DataRequest,
  gatewayLocalMessage,
  REFUSAL_CODES,
  ReceiptBody,
  SHARING_LIMITS,
  SharingRefusalArgs,
} from '@govchain/sharing/schema'
import '@govchain/catalog/schema'
import '@govchain/identity/schema'
import '@govchain/service/schema'
import {
  checkHolderMatch,
  HOLDER_CHECK_PATH,
  HOLDER_LOOKUP_PATH,
  type HolderRequestPayload,
  holderRequestMessage,
} from '@govchain/license/client'
import { loadTrustedCAs, type OwnTls, type TrustedCA, tlsKeyOptions, verifyCertificateChain } from '@govchain/p2p'
import { type BatcherClock, ReceiptBatcher } from './batcher.ts'
import { type GatewayView, NodeLink, type RequestView } from './chain.ts'
import { GATEWAY_DEFAULTS, type GatewayHome } from './config.ts'
import type { DataConnector, Row } from './connector.ts'
import { lookupHolder } from './holders.ts'
import { ReceiptJournal } from './journal.ts'
import {
  encodeReceipt,
  newNonce,
  openPayload,
  openRequest,
  sealPayload,
  signReceipt,
  signRequest,
  verifyReceipt,
} from './protocol.ts'
import { VolumeLedger } from './volume.ts'

export const GATEWAY_BODY_BYTES_MAX = 1024 * 1024
/** Replay cache bound (entries live 2 × the accepted skew). */
export const REPLAY_CACHE_MAX = 200_000
/** Receipts served and waiting for the consumer's countersignature. */
export const PENDING_RECEIPTS_MAX = 10_000
/** Receipts recorded provider-only for want of a countersignature in time, remembered to tell a late one from an unknown one. */
export const EXPIRED_RECEIPTS_REMEMBERED = 10_000

export interface GatewayLogger {
  info(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

export interface StartGatewayOptions {
  home: GatewayHome
  connector: DataConnector
  logger?: GatewayLogger
  /** The receipt batcher's clock and timers (tests); absent: the system's. */
  clock?: BatcherClock
}

/** How long stopping waits for receipt batches in flight to commit (the rest stay in the journal). */
export const STOP_RECEIPTS_WAIT_MS = 10_000

export interface FetchInput {
  grantId: string
  fields: string[]
  filter?: { field: string; values: string[] } | null
}

export interface FetchResult {
  fields: string[]
  rows: Row[]
  receiptId: string
  /**
   * Null: the provider acknowledged the receipt once it was in its journal, and records it in
   * its next batch (ADR 0036); `GET /v1/sharing/receipts/:receiptId` answers once committed.
   */
  txHash: string | null
  responseHash: string
  /** The exact envelope bytes delivered (what responseHash covers). */
  envelope: Uint8Array
  requestHash: string
}

/** Refusals of one requester with one code in the current interval. */
interface RefusalGroup {
  consumerOrg: string
  code: ErrorCode
  grantId?: Uint8Array
  count: number
  firstMs: number
  lastMs: number
}

interface Refusal {
  code: ErrorCode
  /** For the requester and the local log only; never on chain. */
  message: string
  consumerOrg?: string
  grantId?: Uint8Array
  resourceId?: string
  /** The local log's: the department can match a requester's complaint to its line. Never on chain. */
  requestHash?: Uint8Array
}

/**
 * Refusals recorded on chain: the sharing module's list. The others (no identified requester,
 * spam controls, oversize, internal faults) stay in the local log.
 */
const RECORDED_REFUSALS: ReadonlySet<string> = new Set(REFUSAL_CODES)
/** Sensitivities whose fields are served only for named data subjects or a scoped grant (issue 13, item 9). */
const PROTECTED_SENSITIVITIES: ReadonlySet<string> = new Set(['personal', 'sensitive'])
/** Data subjects one fetch of personal fields may name. */
export const SUBJECTS_PER_FETCH_MAX = 10

/** The parts of a grant fixed when it is requested (RequestView): parties, resource, case link. */
type GrantRoute = Pick<RequestView, 'resourceId' | 'ownerOrg' | 'consumerOrg' | 'case'>
/** Grants whose fixed parts a consumer keeps (then it starts again). */
const GRANT_ROUTES_MAX = 10_000

/** What a connection's client certificate proves, verified against `trusted` (that very list). */
interface ConnectionIdentity {
  trusted: TrustedCA[]
  orgId: string
  fingerprint: Uint8Array
  validFromMs: number
  validToMs: number
}

class Refused extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

const quietLogger: GatewayLogger = { info() {}, warn() {} }

/**
 * A request body of at most GATEWAY_BODY_BYTES_MAX. Oversize is PAYLOAD_TOO_LARGE, which the
 * caller answers as coded JSON (413) — after the rest of the body was read and dropped (send).
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const tooLarge = () => new GovchainError('PAYLOAD_TOO_LARGE', undefined, { bytesMax: GATEWAY_BODY_BYTES_MAX })
    if (Number(req.headers['content-length'] ?? 0) > GATEWAY_BODY_BYTES_MAX) return reject(tooLarge())
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > GATEWAY_BODY_BYTES_MAX) {
        if (!over) reject(tooLarge())
        over = true
        chunks.length = 0
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (!over) resolveBody(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}

/** What a refused request's unread body may still cost before the answer goes out anyway. */
export const DRAIN_BYTES_MAX = 16 * GATEWAY_BODY_BYTES_MAX
export const DRAIN_TIMEOUT_MS = 10_000

/**
 * Reads what is left of a request's body and drops it, up to DRAIN_BYTES_MAX or
 * DRAIN_TIMEOUT_MS. An answer sent while the client is still writing, followed by closing the
 * connection (a client that said `Connection: close`), makes the kernel reset it, and the client
 * sees the reset instead of the answer (issue 13, Low: oversize bodies got a reset, not a 413).
 */
function drainBody(req: IncomingMessage): Promise<void> {
  return new Promise((done) => {
    let bytes = 0
    const finish = () => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', finish)
      req.off('error', finish)
      req.off('close', finish)
      done()
    }
    const onData = (c: Buffer) => {
      bytes += c.length
      if (bytes > DRAIN_BYTES_MAX) finish()
    }
    const timer = setTimeout(finish, DRAIN_TIMEOUT_MS)
    req.on('data', onData)
    req.on('end', finish)
    req.on('error', finish)
    req.on('close', finish)
    req.resume()
  })
}

/** Answers JSON once the request was read to its end (drainBody): refusals included, never a reset. */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  const write = () => {
    if (res.headersSent || res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }
  const req = res.req as IncomingMessage | undefined
  if (req === undefined || req.complete || req.destroyed) write()
  else void drainBody(req).then(write)
}

/**
 * The gateway folder holds keys, the department's data, the volume ledger and the refusal log:
 * this user only (issue 13, Low). New files are created so; a home made by an earlier version
 * (0755 folder, 0644 log) is tightened at start.
 */
function tightenHome(dir: string): void {
  chmodSync(dir, 0o700)
  for (const f of [REFUSAL_LOG, `${REFUSAL_LOG}.1`, 'key.json', 'tls.key', 'pseudonym.key', RECEIPT_JOURNAL]) {
    if (existsSync(join(dir, f))) chmodSync(join(dir, f), 0o600)
  }
}

/** The gateway's local log of refusals, with their detail (never on chain). */
const REFUSAL_LOG = 'refusals.jsonl'
/** Receipts acknowledged and not yet seen committed (journal.ts). */
const RECEIPT_JOURNAL = 'receipts.sqlite'

export class Gateway {
  readonly suite: CryptoSuite
  readonly node: NodeLink
  /** The consortium CAs last read from the chain, parsed once per change. */
  private trusted: { pems: string[]; cas: TrustedCA[] } | undefined
  private readonly seen = new Map<string, number>()
  /** Refusals counted for the chain, per requester and code, until the interval ends. */
  private readonly refusals = new Map<string, RefusalGroup>()
  /** Bytes in the local refusal log (rotated at refusalLogBytesMax). */
  private refusalLogBytes = -1
  private refusalTimer: NodeJS.Timeout | undefined
  private stopping = false
  private readonly refusalIntervalMs: number
  private readonly refusalLogBytesMax: number
  private readonly requesters: RateLimiter
  /** Rows answered per grant, reserved durably before each answer (volume.ts). */
  private readonly volume: VolumeLedger
  /** Receipts acknowledged and not yet seen committed (journal.ts), and their batches (batcher.ts). */
  private readonly journal: ReceiptJournal
  readonly batcher: ReceiptBatcher
  /** Receipt ids recorded provider-only after ackTimeoutMs (bounded, oldest forgotten first). */
  private readonly expired = new Set<string>()
  private readonly pending = new Map<
    string,
    { args: { body: Uint8Array; providerSignature: Uint8Array }; timer: NodeJS.Timeout; consumerKey: Uint8Array }
  >()
  private readonly localNonces = new Map<string, number>()
  /** Grants' fixed parts by id (grantRoute). */
  private readonly grantRoutes = new Map<string, GrantRoute>()
  /** Client identities of open TLS connections, verified once per connection (connectionIdentity). */
  private readonly connections = new WeakMap<TLSSocket, ConnectionIdentity>()
  private server: Server | undefined
  private localServer: Server | undefined
  private readonly background = new Set<Promise<unknown>>()
  /** Keep-alive connections to provider gateways (bounded): a TLS handshake per exchange costs more than the query. */
  /**
   * Connections to provider gateways are reused (keep-alive), but TLS sessions are not resumed: a
   * resumed TLS 1.3 session carries no peer certificate, so the provider's certificate could not
   * be pinned on the new connection (it failed as GATEWAY_CERT_MISMATCH).
   */
  private readonly agent = new HttpsAgent({
    keepAlive: true,
    maxSockets: 32,
    // As many kept as may be open: with fewer, each burst of pulls past the free count closed
    // connections that the next burst opened again, each with a TLS handshake on both sides.
    maxFreeSockets: 32,
    timeout: 60_000,
    maxCachedSessions: 0,
  })
  /** TLS connections the provider listener accepted (keep-alive: far fewer than requests). */
  tlsConnections = 0
  url = ''
  localUrl = ''
  private localPort = 0
  /** Host header values the provider listener answers for (guardProvider). */
  private providerHosts = new Set<string>()

  private constructor(
    readonly home: GatewayHome,
    readonly connector: DataConnector,
    private readonly logger: GatewayLogger,
    clock?: BatcherClock,
  ) {
    this.suite = getSuite(home.suite)
    tightenHome(home.dir)
    this.node = new NodeLink(home.config.nodeApiUrl, this.suite, home.chainId, home.key, {
      streamSilentMs: home.config.nodeStreamSilentMs ?? GATEWAY_DEFAULTS.nodeStreamSilentMs,
      onStreamState: (live, why) =>
        live
          ? logger.info({ why }, 'following the node’s blocks: reads cached per height')
          : logger.warn({ why }, 'node block stream down: reading every lookup from the node'),
    })
    this.volume = new VolumeLedger(join(home.dir, 'volume.sqlite'), join(home.dir, 'volume.json'))
    this.journal = new ReceiptJournal(join(home.dir, RECEIPT_JOURNAL))
    const node = this.node
    this.batcher = new ReceiptBatcher({
      providerOrg: home.config.orgId,
      suite: this.suite,
      journal: this.journal,
      chain: {
        submitBatch: (args) => node.submit('sharing', 'receiptBatch', args),
        txResult: (h) => node.txResult(h),
        receiptRecorded: (id) => node.receiptRecorded(id),
      },
      ...(clock === undefined ? {} : { clock }),
      logger,
      batchMax: home.config.receiptBatchMax ?? GATEWAY_DEFAULTS.receiptBatchMax,
      intervalMs: home.config.receiptBatchIntervalMs ?? GATEWAY_DEFAULTS.receiptBatchIntervalMs,
      queueMax: home.config.receiptQueueMax ?? GATEWAY_DEFAULTS.receiptQueueMax,
    })
    this.refusalIntervalMs = home.config.refusalIntervalMs ?? GATEWAY_DEFAULTS.refusalIntervalMs
    this.refusalLogBytesMax = home.config.refusalLogBytesMax ?? GATEWAY_DEFAULTS.refusalLogBytesMax
    this.requesters = new RateLimiter({
      ratePerSecond: home.config.requesterRatePerSecond ?? GATEWAY_DEFAULTS.requesterRatePerSecond,
      burst: home.config.requesterBurst ?? GATEWAY_DEFAULTS.requesterBurst,
      clientsMax: 1024,
      nowMs: () => Date.now(),
    })
  }

  static async start(opts: StartGatewayOptions): Promise<Gateway> {
    const g = new Gateway(opts.home, opts.connector, opts.logger ?? quietLogger, opts.clock)
    g.node.heights.start()
    // Receipts acknowledged before a stop or crash and not seen committed go out again.
    g.track(
      g.batcher.resume().then((n) => {
        if (n > 0) g.logger.info({ receipts: n }, 'receipts from the journal queued again')
      }),
    )
    try {
      await g.listen()
    } catch (e) {
      // Not started: nothing of it may keep reconnecting (the stream's timers hold the process).
      g.node.heights.stop()
      throw e
    }
    return g
  }

  get orgId(): string {
    return this.home.config.orgId
  }

  private async listen(): Promise<void> {
    const { config, tls } = this.home
    this.server = createHttpsServer(
      {
        cert: tls.certPem,
        ...tlsKeyOptions(tls),
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      },
      (req, res) => {
        this.handleProvider(req, res).catch((e) => send(res, 500, { code: 'INTERNAL', message: String(e) }))
      },
    )
    this.server.on('secureConnection', () => {
      this.tlsConnections++
    })
    this.localServer = createHttpServer((req, res) => {
      this.handleLocal(req, res).catch((e) => send(res, 500, { code: 'INTERNAL', message: String(e) }))
    })
    const listenOn = (s: Server, host: string, port: number) =>
      new Promise<number>((ok, fail) => {
        s.once('error', fail)
        s.listen(port, host, () => {
          const a = s.address()
          ok(typeof a === 'object' && a !== null ? a.port : port)
        })
      })
    const port = await listenOn(this.server, config.listen.host, config.listen.port)
    const localPort = await listenOn(this.localServer, config.local.host, config.local.port)
    this.providerHosts = this.providerHostsFor(port)
    this.url = `https://${config.listen.host}:${port}`
    this.localUrl = `http://${config.local.host}:${localPort}`
    this.localPort = localPort
    this.logger.info({ orgId: this.orgId, url: this.url, localUrl: this.localUrl }, 'gateway listening')
  }

  async stop(): Promise<void> {
    this.stopping = true
    // Counted refusals are recorded before stopping.
    this.track(this.flushRefusals())
    // Receipts still waiting for a countersignature are recorded provider-only before stopping.
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      this.pending.delete(id)
      this.track(this.batcher.add({ id, args: p.args }))
    }
    await Promise.allSettled([...this.background])
    // Batches in flight are followed to their commit for a while; what is left stays in the journal.
    await this.batcher.stop(STOP_RECEIPTS_WAIT_MS)
    this.journal.close()
    this.node.heights.stop()
    const close = (s: Server | undefined) =>
      new Promise<void>((ok) => {
        if (s === undefined) return ok()
        s.close(() => ok())
        s.closeAllConnections()
      })
    this.agent.destroy()
    await close(this.server)
    await close(this.localServer)
    await this.connector.close()
    this.volume.close()
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.logger.warn({ err: String(e) }, 'gateway background task failed'))
    this.background.add(q)
    void q.finally(() => this.background.delete(q))
  }

  // ------------------------------------------------------------------ provider

  private async handleProvider(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.guardProvider(req)
    if (refused !== undefined) return send(res, errorInfo(refused.code)?.http ?? 403, refused.toJSON())
    const url = req.url ?? ''
    if (req.method === 'GET' && url === '/v1/gateway/health') return send(res, 200, { ok: true, orgId: this.orgId })
    if (req.method === 'POST' && url === '/v1/gateway/query') return this.serveQuery(req, res)
    if (req.method === 'POST' && url === '/v1/gateway/ack') return this.serveAck(req, res)
    send(res, 404, { code: 'NOT_FOUND', message: 'no such route' })
  }

  /**
   * Gateways call each other at the URL registered on chain and never from a browser (issue 13,
   * item 4): the Host must be this gateway's own name and port — a rebound DNS name is refused —
   * and any Origin or fetch-metadata header means a browser made the request, refused even for
   * this gateway's own origin (no page belongs here). Nothing is logged or counted for the chain:
   * the requester is not identified yet.
   */
  private guardProvider(req: IncomingMessage): GovchainError | undefined {
    if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) {
      return new GovchainError('ORIGIN_NOT_ALLOWED')
    }
    if (!this.providerHosts.has((req.headers.host ?? '').toLowerCase())) {
      return new GovchainError('HOST_NOT_ALLOWED', undefined, { host: (req.headers.host ?? '').slice(0, 100) })
    }
    return undefined
  }

  /**
   * The Host values the provider answers for: the registered URL's name and the listening
   * address, each with the URL's port and the port actually bound (they differ behind a port
   * mapping, or when the configuration asks for an ephemeral port).
   */
  private providerHostsFor(boundPort: number): Set<string> {
    const { config } = this.home
    const url = new URL(config.url)
    const names = new Set([url.hostname.toLowerCase()])
    // A wildcard listening address is no name a client sends.
    if (!['0.0.0.0', '::', '[::]'].includes(config.listen.host)) {
      const h = config.listen.host.toLowerCase()
      names.add(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h)
    }
    const ports = new Set([Number(url.port === '' ? 443 : url.port), boundPort])
    const hosts = new Set<string>()
    for (const name of names) {
      for (const port of ports) {
        hosts.add(`${name}:${port}`)
        if (port === 443) hosts.add(name) // the default port may be left out
      }
    }
    return hosts
  }

  /**
   * The consortium identity of the TLS client, or a refusal: its certificate must chain to a
   * consortium CA and be the certificate an organisation registered for its data gateway
   * (catalog.setGateway). A node's or any other consortium certificate is refused
   * (GATEWAY_CERT_NOT_REGISTERED), and like an outsider it makes nothing be written on chain.
   */
  private async trustedCAs(): Promise<TrustedCA[]> {
    const pems = await this.node.trustedCaPems()
    if (this.trusted?.pems === pems) return this.trusted.cas
    // Read again after each block; the same CAs keep their parsed list, and so the connections verified against it.
    const same = this.trusted !== undefined && this.trusted.pems.join('\n') === pems.join('\n')
    this.trusted = { pems, cas: same && this.trusted !== undefined ? this.trusted.cas : loadTrustedCAs(pems) }
    return this.trusted.cas
  }

  private async clientIdentity(req: IncomingMessage): Promise<{ orgId: string; fingerprint: Uint8Array }> {
    const socket = req.socket as TLSSocket
    const trusted = await this.trustedCAs()
    const { orgId, fingerprint } = this.connectionIdentity(socket, trusted)
    const registered = await this.node.gateway(orgId)
    if (registered === undefined || registered.certFingerprint !== toHex(fingerprint)) {
      throw new Refused('GATEWAY_CERT_NOT_REGISTERED', `${orgId}: not its registered gateway certificate`)
    }
    return { orgId, fingerprint }
  }

  /**
   * The consortium identity a connection's client certificate proves. A TLS connection keeps its
   * peer certificate for its whole life, so the chain is verified once per connection (and again
   * when the consortium's CAs change) instead of once per request: parsing and verifying the
   * certificate was about a quarter of a provider's time per fetch (docs/benchmarks.md). The
   * certificate's validity period is still checked on every request.
   */
  private connectionIdentity(socket: TLSSocket, trusted: TrustedCA[]): ConnectionIdentity {
    const now = Date.now()
    const known = this.connections.get(socket)
    if (known !== undefined && known.trusted === trusted) {
      if (now < known.validFromMs || now > known.validToMs)
        throw new Refused('GATEWAY_CERT_NOT_CONSORTIUM', 'client certificate: PKI_INVALID_CERTIFICATE')
      return known
    }
    const cert = socket.getPeerCertificate?.()
    if (cert === undefined || cert === null || cert.raw === undefined) {
      throw new Refused('GATEWAY_CERT_NOT_CONSORTIUM', 'no client certificate')
    }
    let id: ReturnType<typeof verifyCertificateChain>
    try {
      id = verifyCertificateChain({ raw: cert.raw }, trusted)
      if (id.role !== 'client' && id.role !== 'node') throw new Error('role')
    } catch (e) {
      throw new Refused('GATEWAY_CERT_NOT_CONSORTIUM', `client certificate: ${isGovchainError(e) ? e.code : String(e)}`)
    }
    const identity: ConnectionIdentity = {
      trusted,
      orgId: id.orgId,
      fingerprint: new Uint8Array(createHash('sha256').update(cert.raw).digest()),
      validFromMs: Date.parse(cert.valid_from),
      validToMs: Date.parse(cert.valid_to),
    }
    this.connections.set(socket, identity)
    return identity
  }

  private async serveQuery(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal: Refusal = { code: 'GATEWAY_BAD_REQUEST', message: '' }
    try {
      const client = await this.clientIdentity(req)
      refusal.consumerOrg = client.orgId
      // Per requesting organisation: junk cannot crowd out the others (RATE_LIMITED is logged, not recorded).
      if (!this.requesters.take(client.orgId))
        throw new Refused('RATE_LIMITED', 'too many requests from this organisation')
      const raw = await readBody(req)
      let body: { request?: unknown; signature?: unknown }
      try {
        body = JSON.parse(raw.toString('utf8')) as typeof body
      } catch {
        throw new Refused('GATEWAY_BAD_REQUEST', 'body is not JSON')
      }
      if (
        typeof body.request !== 'string' ||
        typeof body.signature !== 'string' ||
        !/^[0-9a-f]{128}$/.test(body.signature)
      ) {
        throw new Refused('GATEWAY_BAD_REQUEST', 'request (base64) and signature (hex) are required')
      }
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.request) || body.request.length % 4 !== 0) {
        throw new Refused('GATEWAY_BAD_REQUEST', 'request is not base64')
      }
      const requestBytes = fromBase64(body.request)
      const answer = await this.answer(client, requestBytes, fromHex(body.signature), refusal)
      send(res, 200, answer)
    } catch (e) {
      const code: ErrorCode = e instanceof Refused ? e.code : isGovchainError(e) ? e.code : 'INTERNAL'
      refusal.code = code
      refusal.message = e instanceof Error ? e.message : String(e)
      this.refuse(refusal)
      // The requester learns why (this answer is not on chain); the chain gets the code only.
      send(res, errorInfo(code)?.http ?? 500, { code, message: refusal.message })
    }
  }

  private async answer(
    client: { orgId: string; fingerprint: Uint8Array },
    requestBytes: Uint8Array,
    signature: Uint8Array,
    refusal: Refusal,
  ): Promise<Record<string, string>> {
    const { config } = this.home
    // Back-pressure (ADR 0036): no answer whose receipt could not be held until the chain takes it.
    if (this.batcher.size() + this.pending.size >= (config.receiptQueueMax ?? GATEWAY_DEFAULTS.receiptQueueMax))
      throw new Refused('GATEWAY_BUSY', 'receipts are waiting for the chain: retry shortly')
    let r: DataRequest
    try {
      r = openRequest(this.suite, requestBytes, signature)
    } catch (e) {
      throw new Refused(isGovchainError(e) ? e.code : 'GATEWAY_BAD_REQUEST', e instanceof Error ? e.message : String(e))
    }
    // Nothing the requester sent reaches the refusal record until it is proven to be the
    // registered consumer's own, and then only identifiers the chain already holds (issue 13, item 5).
    if (r.consumerOrg !== client.orgId)
      throw new Refused('GATEWAY_CERT_MISMATCH', `certificate of ${client.orgId}, request for ${r.consumerOrg}`)
    const consumerGw = await this.node.gateway(r.consumerOrg)
    if (consumerGw === undefined)
      throw new Refused('GATEWAY_UNKNOWN_CONSUMER', `${r.consumerOrg} has no registered gateway`)
    if (consumerGw.publicKey !== toHex(r.consumerKey)) {
      throw new Refused(
        'GATEWAY_BAD_SIGNATURE',
        'request not signed by the consumer organisation’s registered gateway key',
      )
    }
    if (consumerGw.certFingerprint !== toHex(client.fingerprint)) {
      throw new Refused('GATEWAY_CERT_MISMATCH', 'client certificate is not the one the consumer registered')
    }
    // Signed by the registered consumer: its local log line names the request.
    refusal.requestHash = this.suite.hash(requestBytes)
    if (r.chainId !== this.home.chainId || r.providerOrg !== this.orgId)
      throw new Refused('GATEWAY_BAD_REQUEST', 'wrong chain or provider')
    const now = Date.now()
    if (Math.abs(now - r.timeMs) > config.requestSkewMs)
      throw new Refused('GATEWAY_STALE_REQUEST', `request time ${r.timeMs}, now ${now}`)
    this.checkReplay(r, now)

    // The grant, read on chain now.
    const grant = await this.node.request(toHex(r.grantId))
    if (
      grant === undefined ||
      grant.consumerOrg !== r.consumerOrg ||
      grant.ownerOrg !== this.orgId ||
      grant.resourceId !== r.resourceId
    ) {
      throw new Refused('SHARING_NO_GRANT', 'no such grant for this consumer and resource')
    }
    // A grant on chain for this consumer and resource: its id and resource are the chain's own.
    refusal.grantId = r.grantId
    refusal.resourceId = grant.resourceId
    // A service case's grant ends with its case (closing it revokes the grant on chain).
    const caseLink = grant.case ?? null
    if (grant.status === 'revoked') {
      throw caseLink === null
        ? new Refused('SHARING_GRANT_REVOKED', 'the grant was revoked')
        : new Refused('SHARING_CASE_CLOSED', `service case ${caseLink.caseId} is closed`)
    }
    if (grant.status !== 'approved' || grant.grant === null)
      throw new Refused('SHARING_GRANT_NOT_ACTIVE', `the grant is ${grant.status}`)
    const chainNow = Math.max(now, (await this.node.latestCached()).timeMs)
    if (chainNow >= grant.grant.expiresMs)
      throw new Refused('SHARING_GRANT_EXPIRED', `expired at ${grant.grant.expiresMs}`)
    const granted = new Set(grant.grant.fields)
    const notGranted = r.fields.filter((f) => !granted.has(f))
    if (r.fields.length === 0 || notGranted.length > 0)
      throw new Refused('SHARING_FIELD_NOT_GRANTED', `not granted: ${notGranted.join(', ')}`)
    if (r.filter !== undefined && !granted.has(r.filter.field))
      throw new Refused('SHARING_FIELD_NOT_GRANTED', `filter on ${r.filter.field}`)
    // Personal or sensitive fields only for named data subjects (a filter on a personal identifier
    // naming at most SUBJECTS_PER_FETCH_MAX of them) or under a grant scoped to rows (issue 13, item 9).
    const sensitivity = await this.node.resourceFields(grant.resourceId, grant.resourceVersion)
    const touched = [...r.fields, ...(r.filter === undefined ? [] : [r.filter.field])]
    if (
      caseLink === null &&
      grant.rowScope === null &&
      touched.some((f) => PROTECTED_SENSITIVITIES.has(sensitivity.get(f) ?? 'personal'))
    ) {
      const named =
        r.filter !== undefined &&
        sensitivity.get(r.filter.field) === 'personal' &&
        r.filter.values.length >= 1 &&
        r.filter.values.length <= SUBJECTS_PER_FETCH_MAX
      if (!named) throw new Refused('SHARING_SCOPE_REQUIRED', `name at most ${SUBJECTS_PER_FETCH_MAX} data subjects`)
    }
    const binding = config.resources[r.resourceId]
    if (binding === undefined) throw new Refused('CATALOG_NOT_FOUND', `${r.resourceId} is not served by this gateway`)
    const grantHex = toHex(r.grantId)
    const left = grant.grant.rowsMax - this.volume.used(grantHex, grant.rowsUsed)
    if (left <= 0) throw new Refused('SHARING_VOLUME_EXCEEDED', 'the grant’s rows are used up')

    // Only granted fields, only rows within the filter and the grant's row scope.
    const where = []
    if (r.filter !== undefined) where.push({ column: r.filter.field, values: r.filter.values })
    if (grant.rowScope !== null) where.push({ column: grant.rowScope.field, values: grant.rowScope.values })
    if (caseLink !== null) {
      // A case's pull serves its applicant only: a filter that selects anyone else is refused (and
      // recorded), never silently narrowed, so a pull for another person leaves a trace on chain.
      if (r.filter !== undefined) {
        const probe = await this.connector.query({
          table: binding.table,
          columns: [binding.subjectColumn],
          where: [{ column: r.filter.field, values: r.filter.values }],
          limit: SHARING_LIMITS.rowsPerFetch,
        })
        if (probe.some((row) => row[binding.subjectColumn] !== caseLink.subject)) {
          throw new Refused(
            'SHARING_CASE_MISMATCH',
            `the filter selects someone other than case ${caseLink.caseId}'s applicant`,
          )
        }
      }
      where.push({ column: binding.subjectColumn, values: [caseLink.subject] })
    }
    const columns = [...new Set([...r.fields, binding.subjectColumn])]
    const found = await this.connector.query({
      table: binding.table,
      columns,
      where,
      limit: Math.min(SHARING_LIMITS.rowsPerFetch, left),
    })
    // Reserve what is answered before answering, in one fsynced transaction (volume.ts, shared
    // with the reservations asked for in the same turn and made in order): parallel requests,
    // restarts and late receipts cannot take the grant past its rows; reserving only rows found
    // leaves the others theirs. Rows beyond the reservation are not answered, and nothing is
    // answered before its reservation is committed.
    const reserved = await this.volume.reserve(
      grantHex,
      grant.grant.rowsMax,
      grant.rowsUsed,
      found.length,
      grant.grant.expiresMs,
    )
    if (reserved === 0 && found.length > 0) throw new Refused('SHARING_VOLUME_EXCEEDED', 'the grant’s rows are used up')
    const subjects = new Map<string, Uint8Array>()
    const rows = found.slice(0, reserved).map((row) => {
      const s = row[binding.subjectColumn]
      if (typeof s === 'string' && /^[0-9a-f]{64}$/.test(s)) subjects.set(s, fromHex(s))
      const out: Row = {}
      for (const f of r.fields) out[f] = row[f] ?? null
      return out
    })
    const requestHash = this.suite.hash(requestBytes)
    const envelope = sealPayload(this.suite, r.consumerKey, requestHash, { fields: r.fields, rows })
    const receipt: ReceiptBody = {
      chainId: this.home.chainId,
      grantId: r.grantId,
      resourceId: r.resourceId,
      resourceVersion: grant.resourceVersion,
      consumerOrg: r.consumerOrg,
      providerOrg: this.orgId,
      consumerKey: r.consumerKey,
      providerKey: this.home.key.publicKey,
      requestHash,
      responseHash: this.suite.hash(envelope),
      fields: r.fields,
      rows: rows.length,
      subjects: [...subjects.keys()].sort().map((k) => subjects.get(k)!),
      servedAtMs: now,
    }
    const receiptBytes = encodeReceipt(receipt)
    const providerSignature = signReceipt(this.suite, this.home.key, receiptBytes)
    const receiptId = toHex(this.suite.hash(receiptBytes))
    // Journaled before the answer leaves: a crash before the countersignature loses no access.
    await this.holdReceipt(receiptId, { body: receiptBytes, providerSignature }, r.consumerKey)
    this.logger.info({ receiptId, consumerOrg: r.consumerOrg, resourceId: r.resourceId, rows: rows.length }, 'served')
    return {
      envelope: toBase64(envelope),
      receipt: toBase64(receiptBytes),
      receiptId,
      providerSignature: toHex(providerSignature),
    }
  }

  private checkReplay(r: DataRequest, now: number): void {
    const key = `${r.consumerOrg}/${toHex(r.nonce)}`
    if (this.seen.size >= REPLAY_CACHE_MAX) {
      const horizon = now - 2 * this.home.config.requestSkewMs
      for (const [k, t] of this.seen) if (t < horizon) this.seen.delete(k)
      if (this.seen.size >= REPLAY_CACHE_MAX) throw new Refused('GATEWAY_REPLAY', 'replay cache full, retry later')
    }
    if (this.seen.has(key)) throw new Refused('GATEWAY_REPLAY', 'this request was already served')
    this.seen.set(key, now)
  }

  /** Journals a receipt served (fsynced, awaiting its countersignature), then waits for the ack. */
  private async holdReceipt(
    receiptId: string,
    args: { body: Uint8Array; providerSignature: Uint8Array },
    consumerKey: Uint8Array,
  ): Promise<void> {
    await this.batcher.hold({ id: receiptId, args })
    this.awaitAck(receiptId, args, consumerKey)
  }

  private awaitAck(
    receiptId: string,
    args: { body: Uint8Array; providerSignature: Uint8Array },
    consumerKey: Uint8Array,
  ): void {
    if (this.pending.size >= PENDING_RECEIPTS_MAX) {
      // Record the oldest alone rather than drop it: every answer served leaves a receipt.
      const [oldest] = this.pending.keys()
      if (oldest !== undefined) this.expireReceipt(oldest)
    }
    const timer = setTimeout(() => this.expireReceipt(receiptId), this.home.config.ackTimeoutMs)
    timer.unref()
    this.pending.set(receiptId, { args, timer, consumerKey })
  }

  private expireReceipt(receiptId: string): void {
    const p = this.pending.get(receiptId)
    if (p === undefined) return
    clearTimeout(p.timer)
    this.pending.delete(receiptId)
    this.expired.add(receiptId)
    if (this.expired.size > EXPIRED_RECEIPTS_REMEMBERED) this.expired.delete(this.expired.values().next().value!)
    this.logger.warn({ receiptId }, 'no countersignature in time: recording the receipt provider-only')
    this.track(this.batcher.add({ id: receiptId, args: p.args }))
  }

  private async serveAck(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const client = await this.clientIdentity(req)
      const body = JSON.parse((await readBody(req)).toString('utf8')) as {
        receiptId?: string
        consumerSignature?: string
      }
      const p = typeof body.receiptId === 'string' ? this.pending.get(body.receiptId) : undefined
      // Late, not unknown: the consumer learns the access is recorded already, without its countersignature.
      if (p === undefined && typeof body.receiptId === 'string' && this.expired.has(body.receiptId)) {
        throw new Refused(
          'GATEWAY_ACK_LATE',
          `no countersignature within ${this.home.config.ackTimeoutMs} ms: the receipt was recorded by the provider alone`,
        )
      }
      if (
        p === undefined ||
        typeof body.consumerSignature !== 'string' ||
        !/^[0-9a-f]{128}$/.test(body.consumerSignature)
      ) {
        throw new Refused('GATEWAY_BAD_REQUEST', 'unknown receipt (already recorded?) or malformed signature')
      }
      const decoded = codec.decode(ReceiptBody, p.args.body)
      if (decoded.consumerOrg !== client.orgId) throw new Refused('GATEWAY_CERT_MISMATCH', 'not the receipt’s consumer')
      const sig = fromHex(body.consumerSignature)
      if (!verifyReceipt(this.suite, p.consumerKey, p.args.body, sig))
        throw new Refused('GATEWAY_BAD_SIGNATURE', 'countersignature')
      clearTimeout(p.timer)
      const receiptId = body.receiptId!
      this.pending.delete(receiptId)
      // Acknowledged once journaled (fsynced): the batcher records it with its batch (ADR 0036).
      try {
        await this.batcher.add({ id: receiptId, args: { ...p.args, consumerSignature: sig } })
      } catch (e) {
        // Not journaled: kept as served, to be recorded provider-only, and the consumer told so.
        this.awaitAck(receiptId, p.args, p.consumerKey)
        throw e
      }
      send(res, 200, { receiptId, txHash: null, queued: true })
    } catch (e) {
      const code: ErrorCode = e instanceof Refused ? e.code : isGovchainError(e) ? e.code : 'GATEWAY_BAD_REQUEST'
      send(res, errorInfo(code)?.http ?? 500, { code, message: e instanceof Error ? e.message : String(e) })
    }
  }

  /**
   * Logs a refusal locally (refusals.jsonl, 0600: the detail stays with the department) and
   * counts it for the chain: refusals of an identified, registered requester are recorded
   * aggregated, one transaction per interval with a count per requester and code. The record
   * holds only what the chain holds already (organisations, a grant, the code, a count): never
   * anything the requester sent, nor a hash of it (issue 13, items 5 and 6).
   */
  private refuse(r: Refusal): void {
    const line = {
      timeMs: Date.now(),
      code: r.code,
      message: r.message,
      consumerOrg: r.consumerOrg ?? null,
      grantId: r.grantId === undefined ? null : toHex(r.grantId),
      resourceId: r.resourceId ?? null,
      requestHash: r.requestHash === undefined ? null : toHex(r.requestHash),
    }
    this.logRefusal(`${JSON.stringify(line)}\n`)
    this.logger.warn(line, 'refused')
    if (r.consumerOrg === undefined || !RECORDED_REFUSALS.has(r.code)) return
    this.count({
      consumerOrg: r.consumerOrg,
      code: r.code,
      ...(r.grantId === undefined ? {} : { grantId: r.grantId }),
      count: 1,
      firstMs: line.timeMs,
      lastMs: line.timeMs,
    })
    this.refusalTimer ??= setTimeout(() => this.track(this.flushRefusals()), this.refusalIntervalMs)
  }

  /** Adds to the interval's count of a requester and code (bounded: beyond, the local log only). */
  private count(g: RefusalGroup): void {
    const key = `${g.consumerOrg}\n${g.code}`
    const group = this.refusals.get(key)
    if (group === undefined) {
      if (this.refusals.size >= SHARING_LIMITS.refusalCounts) return
      this.refusals.set(key, { ...g })
      return
    }
    group.count += g.count
    group.firstMs = Math.min(group.firstMs, g.firstMs)
    group.lastMs = Math.max(group.lastMs, g.lastMs)
    // A group mixing grants names none of them.
    if (group.grantId !== undefined && (g.grantId === undefined || toHex(g.grantId) !== toHex(group.grantId))) {
      delete group.grantId
    }
  }

  /**
   * Appends to the local refusal log, rotating it to refusals.jsonl.1 (the one before is
   * dropped) at refusalLogBytesMax: junk from anyone who reaches the port fills no disk.
   */
  private logRefusal(text: string): void {
    const path = join(this.home.dir, REFUSAL_LOG)
    try {
      if (this.refusalLogBytes < 0) this.refusalLogBytes = existsSync(path) ? statSync(path).size : 0
      const bytes = Buffer.byteLength(text)
      if (this.refusalLogBytes > 0 && this.refusalLogBytes + bytes > this.refusalLogBytesMax) {
        renameSync(path, `${path}.1`)
        this.refusalLogBytes = 0
      }
      appendFileSync(path, text, { mode: 0o600 })
      this.refusalLogBytes += bytes
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'cannot append to refusals.jsonl')
    }
  }

  /**
   * Records the interval's counted refusals on chain now, in one transaction (the timer calls it
   * once per refusalIntervalMs at most). Counts that cannot be submitted (node unreachable) are
   * kept for the next interval. Returns the transaction hash, if anything was counted.
   */
  async flushRefusals(): Promise<string | undefined> {
    if (this.refusalTimer !== undefined) clearTimeout(this.refusalTimer)
    this.refusalTimer = undefined
    const groups = [...this.refusals.values()]
    this.refusals.clear()
    if (groups.length === 0) return undefined
    try {
      const args = codec.encode(SharingRefusalArgs, {
        providerOrg: this.orgId,
        fromMs: Math.min(...groups.map((g) => g.firstMs)),
        toMs: Math.max(...groups.map((g) => g.lastMs)),
        counts: groups.map((g) => ({
          consumerOrg: g.consumerOrg,
          code: g.code,
          ...(g.grantId === undefined ? {} : { grantId: g.grantId }),
          count: g.count,
        })),
      })
      return await this.node.submit('sharing', 'refusal', args)
    } catch (e) {
      const total = groups.reduce((n, g) => n + g.count, 0)
      this.logger.warn(
        { err: String(e), refusals: total },
        'cannot record refusals on chain: kept for the next interval',
      )
      for (const g of groups) this.count(g)
      if (!this.stopping)
        this.refusalTimer ??= setTimeout(() => this.track(this.flushRefusals()), this.refusalIntervalMs)
      return undefined
    }
  }

  // ------------------------------------------------------------------ consumer

  /**
   * What never changes about a grant once it exists — its parties, resource and service-case link,
   * all written when the request is made — read from the node once per grant (bounded). The
   * consumer reads nothing else of a grant: whether it is still approved, revoked, expired or
   * used up is the provider's check, made on every request against the chain (answer()).
   */
  private async grantRoute(grantIdHex: string): Promise<GrantRoute | undefined> {
    const known = this.grantRoutes.get(grantIdHex)
    if (known !== undefined) return known
    const g = await this.node.request(grantIdHex)
    // Not found is not kept: the request may be committed in a moment.
    if (g === undefined) return undefined
    const route: GrantRoute = {
      resourceId: g.resourceId,
      ownerOrg: g.ownerOrg,
      consumerOrg: g.consumerOrg,
      case: g.case ?? null,
    }
    if (this.grantRoutes.size >= GRANT_ROUTES_MAX) this.grantRoutes.clear()
    this.grantRoutes.set(grantIdHex, route)
    return route
  }

  /** Fetches granted data from the provider's gateway; returns the rows and the countersigned receipt. */
  async fetch(input: FetchInput): Promise<FetchResult> {
    const grant = await this.grantRoute(input.grantId)
    if (grant === undefined) throw new GovchainError('SHARING_REQUEST_NOT_FOUND')
    const provider = await this.node.gateway(grant.ownerOrg)
    if (provider === undefined) throw new GovchainError('CATALOG_GATEWAY_NOT_FOUND', `${grant.ownerOrg} has no gateway`)
    const request: DataRequest = {
      chainId: this.home.chainId,
      grantId: fromHex(input.grantId),
      resourceId: grant.resourceId,
      consumerOrg: this.orgId,
      providerOrg: grant.ownerOrg,
      fields: input.fields,
      ...(input.filter === undefined || input.filter === null ? {} : { filter: input.filter }),
      nonce: newNonce(),
      timeMs: Date.now(),
      consumerKey: this.home.key.publicKey,
    }
    const signed = signRequest(this.suite, this.home.key, request)
    const answer = await this.callProvider(provider, '/v1/gateway/query', {
      request: toBase64(signed.bytes),
      signature: toHex(signed.signature),
    })
    return this.acceptAnswer(provider, request, signed.bytes, answer)
  }

  /** Sends raw JSON to a provider gateway over mutual TLS, as this gateway. */
  callProvider(provider: GatewayView, path: string, body: unknown): Promise<Record<string, string>> {
    return postToGateway(this.home.tls, provider, path, body, this.agent)
  }

  private async acceptAnswer(
    provider: GatewayView,
    request: DataRequest,
    requestBytes: Uint8Array,
    answer: Record<string, string>,
  ): Promise<FetchResult> {
    const bad = (m: string) => new GovchainError('GATEWAY_BAD_RESPONSE', m)
    if (
      typeof answer.envelope !== 'string' ||
      typeof answer.receipt !== 'string' ||
      typeof answer.providerSignature !== 'string'
    ) {
      throw bad('answer lacks envelope, receipt or signature')
    }
    const envelope = fromBase64(answer.envelope)
    const receiptBytes = fromBase64(answer.receipt)
    const body = codec.decode(ReceiptBody, receiptBytes)
    const requestHash = this.suite.hash(requestBytes)
    const responseHash = this.suite.hash(envelope)
    if (toHex(body.requestHash) !== toHex(requestHash)) throw bad('receipt is for another request')
    if (toHex(body.responseHash) !== toHex(responseHash)) throw bad('receipt does not cover the bytes delivered')
    if (
      toHex(body.grantId) !== toHex(request.grantId) ||
      body.consumerOrg !== this.orgId ||
      body.providerOrg !== provider.orgId
    ) {
      throw bad('receipt parties or grant differ')
    }
    if (toHex(body.providerKey) !== provider.publicKey) throw bad('receipt not from the provider’s registered key')
    if (!verifyReceipt(this.suite, body.providerKey, receiptBytes, fromHex(answer.providerSignature)))
      throw bad('provider signature')
    const payload = openPayload(this.suite, this.home.key, requestHash, envelope)
    if (payload.rows.length !== body.rows || payload.fields.some((f) => !request.fields.includes(f))) {
      throw bad('answer differs from its receipt')
    }
    const consumerSignature = signReceipt(this.suite, this.home.key, receiptBytes)
    const ack = await this.callProvider(provider, '/v1/gateway/ack', {
      receiptId: answer.receiptId,
      consumerSignature: toHex(consumerSignature),
    })
    return {
      fields: payload.fields,
      rows: payload.rows,
      receiptId: toHex(this.suite.hash(receiptBytes)),
      txHash: typeof ack.txHash === 'string' ? ack.txHash : null,
      responseHash: toHex(responseHash),
      envelope,
      requestHash: toHex(requestHash),
    }
  }

  // ------------------------------------------------------------------ local API (officers)

  private async handleLocal(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin
    const corsAllowed = typeof origin === 'string' && this.home.config.corsOrigins.includes(origin)
    // Only this API's own names (DNS rebinding); a browser origin only if configured for CORS.
    const refused = guardBrowserRequest(req, {
      hosts: [...LOOPBACK_HOSTS, this.home.config.local.host],
      port: this.localPort,
    })
    if (refused !== undefined && !(corsAllowed && refused.code === 'ORIGIN_NOT_ALLOWED')) {
      return send(res, refused.code === 'HOST_NOT_ALLOWED' ? 421 : 403, refused.toJSON())
    }
    const cors: Record<string, string> = corsAllowed
      ? { 'access-control-allow-origin': origin, 'access-control-allow-headers': 'content-type', vary: 'origin' }
      : {}
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST', 'access-control-max-age': '600' })
      return void res.end()
    }
    if (req.method === 'GET' && req.url === '/v1/local/status') {
      return send(
        res,
        200,
        { orgId: this.orgId, url: this.url, resources: Object.keys(this.home.config.resources) },
        cors,
      )
    }
    if (req.method === 'POST' && (req.url === HOLDER_LOOKUP_PATH || req.url === HOLDER_CHECK_PATH)) {
      const path = req.url
      try {
        return send(res, 200, await this.serveHolder(path, await readBody(req)), cors)
      } catch (e) {
        const code: ErrorCode = isGovchainError(e) ? e.code : 'GATEWAY_BAD_REQUEST'
        const details = isGovchainError(e) && e.details !== undefined ? { details: e.details } : {}
        return send(
          res,
          errorInfo(code)?.http ?? 500,
          { code, message: e instanceof Error ? e.message : String(e), ...details },
          cors,
        )
      }
    }
    if (req.method !== 'POST' || req.url !== '/v1/local/fetch')
      return send(res, 404, { code: 'NOT_FOUND', message: 'no such route' }, cors)
    try {
      const b = JSON.parse((await readBody(req)).toString('utf8')) as {
        grantId: string
        fields: string[]
        filter: { field: string; values: string[] } | null
        timeMs: number
        nonce: string
        publicKey: string
        signature: string
      }
      if (
        typeof b.grantId !== 'string' ||
        !/^[0-9a-f]{64}$/.test(b.grantId) ||
        !Array.isArray(b.fields) ||
        typeof b.timeMs !== 'number' ||
        typeof b.nonce !== 'string' ||
        !/^[0-9a-f]{32}$/.test(b.nonce) ||
        typeof b.publicKey !== 'string' ||
        typeof b.signature !== 'string'
      ) {
        throw new GovchainError('GATEWAY_BAD_REQUEST', 'grantId, fields, filter, timeMs, nonce, publicKey, signature')
      }
      const now = Date.now()
      if (Math.abs(now - b.timeMs) > this.home.config.requestSkewMs) throw new GovchainError('GATEWAY_STALE_REQUEST')
      const msg = gatewayLocalMessage(b.grantId, b.fields, b.filter ?? null, b.timeMs, b.nonce)
      if (!this.suite.verify(fromHex(b.publicKey), msg, fromHex(b.signature)))
        throw new GovchainError('GATEWAY_BAD_SIGNATURE')
      if (!(await this.isOwnOfficer(b.publicKey)))
        throw new GovchainError('IDENTITY_WRONG_ORGANISATION', 'not an officer of this department')
      this.useLocalNonce(b.nonce, now)
      await this.checkCaseOfficer(b.grantId, b.publicKey)
      const r = await this.fetch({ grantId: b.grantId, fields: b.fields, filter: b.filter ?? null })
      send(
        res,
        200,
        { rows: r.rows, fields: r.fields, receiptId: r.receiptId, txHash: r.txHash, responseHash: r.responseHash },
        cors,
      )
    } catch (e) {
      const code: ErrorCode = isGovchainError(e) ? e.code : 'GATEWAY_BAD_REQUEST'
      send(res, errorInfo(code)?.http ?? 500, { code, message: e instanceof Error ? e.message : String(e) }, cors)
    }
  }

  private async isOwnOfficer(publicKeyHex: string): Promise<boolean> {
    return (await this.ownOfficerId(publicKeyHex)) !== undefined
  }

  /** The officer id of an active officer of this department with this key. */
  private async ownOfficerId(publicKeyHex: string): Promise<string | undefined> {
    return (await this.ownOfficer(publicKeyHex))?.officerId
  }

  /**
   * The department's active officers by key, as committed: kept until the node's next block
   * (NodeLink.heights), so an officer removed is refused from the block that removes them on.
   */
  private async ownOfficer(publicKeyHex: string): Promise<{ officerId: string; roles: string[] } | undefined> {
    const path = `/v1/organisations/${encodeURIComponent(this.orgId)}/officers`
    const keys = await this.node.heights.get(`officers:${path}`, async () => {
      const list = await this.node.get<{
        officers: { officerId: string; publicKey: string; status: string; roles?: string[] }[]
      }>(path)
      return new Map(
        (list?.officers ?? [])
          .filter((o) => o.status === 'active')
          .map((o) => [o.publicKey, { officerId: o.officerId, roles: o.roles ?? [] }]),
      )
    })
    return keys.get(publicKeyHex)
  }

  /**
   * The holder register (holders.ts): an issuer of this department looks a holder up by credit
   * code or identity number, and has the licence it is about to sign checked against the record
   * (LICENSE_HOLDER_MISMATCH). The request is the payload text the officer signed
   * (holderRequestMessage), within requestSkewMs and with a fresh nonce; the answer goes only
   * to that officer, never on chain.
   */
  private async serveHolder(path: string, raw: Buffer): Promise<unknown> {
    const b = JSON.parse(raw.toString('utf8')) as { payload?: unknown; publicKey?: unknown; signature?: unknown }
    if (
      typeof b.payload !== 'string' ||
      typeof b.publicKey !== 'string' ||
      !/^[0-9a-f]{2,256}$/.test(b.publicKey) ||
      typeof b.signature !== 'string' ||
      !/^[0-9a-f]{2,512}$/.test(b.signature)
    ) {
      throw new GovchainError('GATEWAY_BAD_REQUEST', 'payload, publicKey, signature')
    }
    const p = JSON.parse(b.payload) as Partial<HolderRequestPayload>
    if (
      (p.kind !== 'enterprise' && p.kind !== 'person') ||
      typeof p.id !== 'string' ||
      typeof p.timeMs !== 'number' ||
      typeof p.nonce !== 'string' ||
      !/^[0-9a-f]{32}$/.test(p.nonce)
    ) {
      throw new GovchainError('GATEWAY_BAD_REQUEST', 'payload: kind, id, timeMs, nonce')
    }
    const now = Date.now()
    if (Math.abs(now - p.timeMs) > this.home.config.requestSkewMs) throw new GovchainError('GATEWAY_STALE_REQUEST')
    let signed = false
    try {
      signed = this.suite.verify(
        fromHex(b.publicKey),
        holderRequestMessage(this.home.chainId, path, b.payload),
        fromHex(b.signature),
      )
    } catch {
      signed = false
    }
    if (!signed) throw new GovchainError('GATEWAY_BAD_SIGNATURE')
    const officer = await this.ownOfficer(b.publicKey)
    if (officer === undefined)
      throw new GovchainError('IDENTITY_WRONG_ORGANISATION', 'not an active officer of this department')
    if (!officer.roles.includes('issuer'))
      throw new GovchainError('IDENTITY_ROLE_MISSING', 'the holder register is for issuers', { role: 'issuer' })
    this.useLocalNonce(p.nonce, now)
    const record = await lookupHolder(this.connector, p.kind, p.id)
    if (path === HOLDER_LOOKUP_PATH) return { record }
    if (typeof p.holder !== 'string' || typeof p.fields !== 'object' || p.fields === null || Array.isArray(p.fields))
      throw new GovchainError('GATEWAY_BAD_REQUEST', 'payload: holder, fields')
    checkHolderMatch(record, { holder: p.holder, fields: p.fields })
    return { ok: true, holder: record.did, name: record.name }
  }

  private useLocalNonce(nonce: string, now: number): void {
    for (const [k, t] of this.localNonces) if (t < now - 2 * this.home.config.requestSkewMs) this.localNonces.delete(k)
    if (this.localNonces.has(nonce) || this.localNonces.size > REPLAY_CACHE_MAX)
      throw new GovchainError('GATEWAY_REPLAY')
    this.localNonces.set(nonce, now)
  }

  /**
   * A service case's grant is for the officer who accepted the case (issue 16): its pulled data
   * is decrypted for that officer only, and only once the case was accepted.
   */
  private async checkCaseOfficer(grantIdHex: string, publicKeyHex: string): Promise<void> {
    const grant = await this.grantRoute(grantIdHex)
    if (grant?.case === undefined || grant.case === null) return
    const c = await this.node.getAtHeight<{ case: { officerId: string | null } }>(
      `/v1/service/cases/${grant.case.caseId}`,
    )
    const officerId = await this.ownOfficerId(publicKeyHex)
    if (c === undefined || c.case.officerId === null || c.case.officerId !== officerId) {
      throw new GovchainError(
        'SERVICE_NOT_CASE_OFFICER',
        `case ${grant.case.caseId}: its data is pulled by the officer who accepted it`,
      )
    }
  }
}

/** The SHA-256 of each connection's server certificate, computed when it was first pinned. */
const pinnedFingerprints = new WeakMap<TLSSocket, string>()

/**
 * Our client certificate and key as one TLS context, made once per OwnTls (a renewed certificate
 * is a new OwnTls): given cert and key, every new connection parsed the key and built a context
 * again, a third of a consumer gateway's TLS cost when a burst of pulls opened connections.
 */
const clientContexts = new WeakMap<OwnTls, SecureContext>()
function clientContext(own: OwnTls): SecureContext {
  let context = clientContexts.get(own)
  if (context === undefined) {
    context = createSecureContext({ cert: own.certPem, ...tlsKeyOptions(own), minVersion: 'TLSv1.3' })
    clientContexts.set(own, context)
  }
  return context
}

/**
 * POSTs JSON to a gateway over mutual TLS with the given client certificate, after checking that
 * the server's certificate is the one its organisation registered on chain (pinning).
 * Resolves with the JSON answer; a non-200 answer rejects with its GovchainError code.
 */
export function postToGateway(
  tls: OwnTls,
  provider: Pick<GatewayView, 'url' | 'orgId' | 'certFingerprint'>,
  path: string,
  body: unknown,
  /** A keep-alive agent to reuse connections (already pinned when they were opened); default: a fresh connection. */
  agent?: HttpsAgent,
): Promise<Record<string, string>> {
  const text = JSON.stringify(body)
  return new Promise((ok, fail) => {
    const u = new URL(provider.url)
    // node:https hands these to tls.connect, which takes a ready secureContext (its RequestOptions
    // type does not list it).
    const options: HttpsRequestOptions & Pick<ConnectionOptions, 'secureContext'> = {
      host: u.hostname,
      port: u.port,
      path,
      method: 'POST',
      secureContext: clientContext(tls),
      // Not read by tls.connect when a secureContext is given, but part of the agent's pool key:
      // an agent given another certificate keeps its connections apart.
      cert: tls.certPem,
      // The provider's certificate is pinned to the fingerprint its organisation registered on
      // chain (checked below before anything is sent), which is stronger than a CA check.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      agent: agent ?? false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      timeout: 30_000,
    }
    const req = httpsRequest(options)
    req.on('socket', (socket) => {
      const tlsSocket = socket as TLSSocket
      const pin = () => {
        // A connection's certificate never changes: its fingerprint is computed once (getPeerCertificate
        // builds a new object from the DER on every call).
        let fp = pinnedFingerprints.get(tlsSocket)
        if (fp === undefined) {
          const cert = tlsSocket.getPeerCertificate()
          fp = cert?.raw === undefined ? '' : createHash('sha256').update(cert.raw).digest('hex')
          if (fp !== '') pinnedFingerprints.set(tlsSocket, fp)
        }
        if (fp !== provider.certFingerprint) {
          req.destroy(
            new GovchainError(
              'GATEWAY_CERT_MISMATCH',
              `${provider.orgId}'s gateway certificate is not the registered one`,
            ),
          )
          return
        }
        req.end(text)
      }
      // A reused keep-alive socket is already connected (and was pinned when it was opened).
      if (
        tlsSocket.encrypted === true &&
        !tlsSocket.connecting &&
        (pinnedFingerprints.has(tlsSocket) || tlsSocket.getPeerCertificate()?.raw !== undefined)
      )
        pin()
      else tlsSocket.once('secureConnect', pin)
    })
    req.on('timeout', () => req.destroy(new GovchainError('GATEWAY_UNREACHABLE', 'timed out')))
    req.on('error', (e) => fail(isGovchainError(e) ? e : new GovchainError('GATEWAY_UNREACHABLE', String(e))))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > SHARING_LIMITS.envelopeBytes * 2)
          req.destroy(new GovchainError('GATEWAY_BAD_RESPONSE', 'answer too large'))
        else chunks.push(c)
      })
      res.on('end', () => {
        let parsed: Record<string, string>
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>
        } catch {
          return fail(new GovchainError('GATEWAY_BAD_RESPONSE', 'answer is not JSON'))
        }
        if (res.statusCode !== 200) {
          const code = (parsed.code ?? 'GATEWAY_BAD_RESPONSE') as ErrorCode
          return fail(new GovchainError(isErrorCode(code) ? code : 'GATEWAY_BAD_RESPONSE', parsed.message, parsed))
        }
        ok(parsed)
      })
    })
  })
}

/** A random 16-byte nonce in hex (local API clients). */
export function localNonce(): string {
  return randomBytes(16).toString('hex')
}
