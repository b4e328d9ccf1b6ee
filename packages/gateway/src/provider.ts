/**
 * The provider role of a gateway (X-Road's service security server), on https with mutual TLS:
 * serves a query on a resource only to a grantee whose client certificate comes from a
 * consortium organisation's CA AND is the one its organisation registered for its gateway, and
 * whose request is signed with the key that organisation registered on chain; checks the grant on
 * chain at request time; returns only granted fields and rows, encrypted to the requester's key;
 * signs a receipt, and records it on chain once countersigned (or alone after ackTimeoutMs).
 * Every refusal gets a code and a line in the local log, and is counted for the chain when the
 * requester is identified (refusals.ts).
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { RateLimiter } from '@govchain/app'
// Registers (and types) catalog's codes: a resource this gateway does not serve is CATALOG_NOT_FOUND.
import '@govchain/catalog/schema'
import {
  type CryptoSuite,
  codec,
  errorInfo,
  fromHex,
  GovchainError,
  isGovchainError,
  toBase64,
  toHex,
} from '@govchain/core'
import { loadTrustedCAs, type TrustedCA, verifyCertificateChain } from '@govchain/p2p'
import { type DataRequest, ReceiptBody, SHARING_LIMITS } from '@govchain/sharing/schema'
import type { GatewayAckAnswer, GatewayHealthAnswer, GatewayQueryAnswer } from '@govchain/sharing/views'
import type { ReceiptBatcher } from './batcher.ts'
import { parseAckBody, parseQueryBody } from './bodies.ts'
import type { NodeLink, RequestView } from './chain.ts'
import { GATEWAY_DEFAULTS, type GatewayHome, type GatewayLogger, type ResourceBinding } from './config.ts'
import type { DataConnector, Row } from './connector.ts'
import { codeOf, Refused, readBody, send } from './http.ts'
import { encodeReceipt, openRequest, sealPayload, signReceipt, verifyReceipt } from './protocol.ts'
import type { Refusal, RefusalLog } from './refusals.ts'
import { VolumeLedger } from './volume.ts'

/** Replay cache bound (entries live 2 × the accepted skew). */
export const REPLAY_CACHE_MAX = 200_000
/** Receipts served and waiting for the consumer's countersignature. */
const PENDING_RECEIPTS_MAX = 10_000
/** Receipts recorded provider-only for want of a countersignature in time, remembered to tell a late one from an unknown one. */
const EXPIRED_RECEIPTS_REMEMBERED = 10_000

/** Sensitivities whose fields are served only for named data subjects or a scoped grant (issue 13, item 9). */
const PROTECTED_SENSITIVITIES: ReadonlySet<string> = new Set(['personal', 'sensitive'])
/** Data subjects one fetch of personal fields may name. */
export const SUBJECTS_PER_FETCH_MAX = 10

/** What a connection's client certificate proves, verified against `trusted` (that very list). */
interface ConnectionIdentity {
  trusted: TrustedCA[]
  orgId: string
  fingerprint: Uint8Array
  validFromMs: number
  validToMs: number
}

/** A request whose grant has its terms (it was approved at some point). */
type WithTerms = RequestView & { grant: NonNullable<RequestView['grant']> }

function hasTerms(v: RequestView): v is WithTerms {
  return v.grant !== null
}

/** A grant that authorizes a request: approved (its terms present), with the resource's binding here and the rows left. */
interface Granted {
  grant: WithTerms
  caseLink: RequestView['case']
  binding: ResourceBinding
  left: number
}

/** The rows answered, and the data subjects they are about (sorted, for the receipt). */
interface SelectedRows {
  rows: Row[]
  subjects: Uint8Array[]
}

/** What a provider uses of its gateway. */
export interface ProviderParts {
  home: GatewayHome
  suite: CryptoSuite
  node: NodeLink
  connector: DataConnector
  batcher: ReceiptBatcher
  refusals: RefusalLog
  logger: GatewayLogger
  /** Runs a background task the gateway waits for when it stops. */
  track(p: Promise<unknown>): void
}

export class Provider {
  /** The consortium CAs last read from the chain, parsed once per change. */
  private trusted: { pems: string[]; cas: TrustedCA[] } | undefined
  /** Request nonces served, per consumer (checkReplay). */
  private readonly seen = new Map<string, number>()
  private readonly requesters: RateLimiter
  /** Rows answered per grant, reserved durably before each answer (volume.ts). */
  private readonly volume: VolumeLedger
  /** Receipt ids recorded provider-only after ackTimeoutMs (bounded, oldest forgotten first). */
  private readonly expired = new Set<string>()
  private readonly pending = new Map<
    string,
    { args: { body: Uint8Array; providerSignature: Uint8Array }; timer: NodeJS.Timeout; consumerKey: Uint8Array }
  >()
  /** Client identities of open TLS connections, verified once per connection (connectionIdentity). */
  private readonly connections = new WeakMap<TLSSocket, ConnectionIdentity>()
  /** Host header values the provider listener answers for (guardProvider). */
  private hosts = new Set<string>()
  private readonly home: GatewayHome
  private readonly suite: CryptoSuite
  private readonly node: NodeLink
  private readonly connector: DataConnector
  private readonly batcher: ReceiptBatcher
  private readonly refusals: RefusalLog
  private readonly logger: GatewayLogger
  private readonly track: (p: Promise<unknown>) => void

  constructor(parts: ProviderParts) {
    this.home = parts.home
    this.suite = parts.suite
    this.node = parts.node
    this.connector = parts.connector
    this.batcher = parts.batcher
    this.refusals = parts.refusals
    this.logger = parts.logger
    this.track = parts.track
    const { config } = parts.home
    this.volume = new VolumeLedger(join(parts.home.dir, 'volume.sqlite'), join(parts.home.dir, 'volume.json'))
    this.requesters = new RateLimiter({
      ratePerSecond: config.requesterRatePerSecond ?? GATEWAY_DEFAULTS.requesterRatePerSecond,
      burst: config.requesterBurst ?? GATEWAY_DEFAULTS.requesterBurst,
      clientsMax: 1024,
      nowMs: () => Date.now(),
    })
  }

  private get orgId(): string {
    return this.home.config.orgId
  }

  /** The listener is bound: the Host values it answers for follow from its port. */
  bound(port: number): void {
    this.hosts = this.providerHostsFor(port)
  }

  /** Receipts still waiting for a countersignature are recorded provider-only (the gateway is stopping). */
  recordPending(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      this.pending.delete(id)
      this.track(this.batcher.add({ id, args: p.args }))
    }
  }

  /** Closes the volume ledger, once the listener is closed. */
  close(): void {
    this.volume.close()
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.guardProvider(req)
    if (refused !== undefined) return send(res, errorInfo(refused.code)?.http ?? 403, refused.toJSON())
    const url = req.url ?? ''
    if (req.method === 'GET' && url === '/v1/gateway/health')
      return send(res, 200, { ok: true, orgId: this.orgId } satisfies GatewayHealthAnswer)
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
    if (!this.hosts.has((req.headers.host ?? '').toLowerCase())) {
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
      const { requestBytes, signature } = parseQueryBody(await readBody(req))
      const answer = await this.answer(client, requestBytes, signature, refusal)
      send(res, 200, answer)
    } catch (e) {
      const code = codeOf(e, 'INTERNAL')
      refusal.code = code
      refusal.message = e instanceof Error ? e.message : String(e)
      this.refusals.refuse(refusal)
      // The requester learns why (this answer is not on chain); the chain gets the code only.
      send(res, errorInfo(code)?.http ?? 500, { code, message: refusal.message })
    }
  }

  /**
   * A query's answer, in the order its checks must run: who asks (authenticate), under which grant
   * and for what (authorize), which rows (selectRows: reserved before answering), then the sealed
   * answer and its receipt (seal). Each step refuses with a code; `refusal` gathers what the
   * refusal record may name as each step proves it.
   */
  private async answer(
    client: { orgId: string; fingerprint: Uint8Array },
    requestBytes: Uint8Array,
    signature: Uint8Array,
    refusal: Refusal,
  ): Promise<GatewayQueryAnswer> {
    // Back-pressure (ADR 0036): no answer whose receipt could not be held until the chain takes it.
    if (
      this.batcher.size() + this.pending.size >=
      (this.home.config.receiptQueueMax ?? GATEWAY_DEFAULTS.receiptQueueMax)
    )
      throw new Refused('GATEWAY_BUSY', 'receipts are waiting for the chain: retry shortly')
    const { r, requestHash, now } = await this.authenticate(client, requestBytes, signature, refusal)
    const granted = await this.authorize(r, now, refusal)
    const rows = await this.selectRows(r, granted)
    return this.seal(r, requestHash, granted.grant, rows, now)
  }

  /** The request is the registered consumer gateway's own, fresh, for this chain and provider, and not a replay. */
  private async authenticate(
    client: { orgId: string; fingerprint: Uint8Array },
    requestBytes: Uint8Array,
    signature: Uint8Array,
    refusal: Refusal,
  ): Promise<{ r: DataRequest; requestHash: Uint8Array; now: number }> {
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
    const requestHash = this.suite.hash(requestBytes)
    refusal.requestHash = requestHash
    if (r.chainId !== this.home.chainId || r.providerOrg !== this.orgId)
      throw new Refused('GATEWAY_BAD_REQUEST', 'wrong chain or provider')
    const now = Date.now()
    if (Math.abs(now - r.timeMs) > this.home.config.requestSkewMs)
      throw new Refused('GATEWAY_STALE_REQUEST', `request time ${r.timeMs}, now ${now}`)
    this.checkReplay(r, now)
    return { r, requestHash, now }
  }

  /**
   * The grant on chain, read now: this consumer's, on this resource, approved and not expired; the
   * fields asked for granted; personal fields only for named subjects, a row scope or a case; the
   * resource served here; rows left.
   */
  private async authorize(r: DataRequest, now: number, refusal: Refusal): Promise<Granted> {
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
    if (grant.status !== 'approved' || !hasTerms(grant))
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
    const binding = this.home.config.resources[r.resourceId]
    if (binding === undefined) throw new Refused('CATALOG_NOT_FOUND', `${r.resourceId} is not served by this gateway`)
    const grantHex = toHex(r.grantId)
    const left = grant.grant.rowsMax - this.volume.used(grantHex, grant.rowsUsed)
    if (left <= 0) throw new Refused('SHARING_VOLUME_EXCEEDED', 'the grant’s rows are used up')
    return { grant, caseLink, binding, left }
  }

  /**
   * The rows answered: only granted fields, only rows within the filter, the grant's row scope and
   * a case's applicant, at most the rows left; reserved durably before the answer leaves.
   */
  private async selectRows(r: DataRequest, { grant, caseLink, binding, left }: Granted): Promise<SelectedRows> {
    // Only granted fields, only rows within the filter and the grant's row scope.
    const grantHex = toHex(r.grantId)
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
    return { rows, subjects: [...subjects.keys()].sort().map((k) => subjects.get(k)!) }
  }

  /** The answer sealed to the consumer's key, and its receipt: signed, journaled, awaiting the countersignature. */
  private async seal(
    r: DataRequest,
    requestHash: Uint8Array,
    grant: Granted['grant'],
    { rows, subjects }: SelectedRows,
    now: number,
  ): Promise<GatewayQueryAnswer> {
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
      subjects,
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
      const body = parseAckBody(await readBody(req))
      const p = body.receiptId === undefined ? undefined : this.pending.get(body.receiptId)
      // Late, not unknown: the consumer learns the access is recorded already, without its countersignature.
      if (p === undefined && body.receiptId !== undefined && this.expired.has(body.receiptId)) {
        throw new Refused(
          'GATEWAY_ACK_LATE',
          `no countersignature within ${this.home.config.ackTimeoutMs} ms: the receipt was recorded by the provider alone`,
        )
      }
      if (p === undefined || body.consumerSignature === undefined) {
        throw new Refused('GATEWAY_BAD_REQUEST', 'unknown receipt (already recorded?) or malformed signature')
      }
      const decoded = codec.decode(ReceiptBody, p.args.body)
      if (decoded.consumerOrg !== client.orgId) throw new Refused('GATEWAY_CERT_MISMATCH', 'not the receipt’s consumer')
      const sig = body.consumerSignature
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
      send(res, 200, { receiptId, txHash: null, queued: true } satisfies GatewayAckAnswer)
    } catch (e) {
      const code = codeOf(e, 'GATEWAY_BAD_REQUEST')
      send(res, errorInfo(code)?.http ?? 500, { code, message: e instanceof Error ? e.message : String(e) })
    }
  }
}
