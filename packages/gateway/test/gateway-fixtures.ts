/**
 * An in-process provider gateway against a fake node: the few node routes a gateway reads
 * (grants, gateway records, resource fields, the latest block) answered from maps the test
 * fills, and POST /v1/txs recording what the gateway submits (receipts, refusals) decoded.
 * Its answers are whole, as the node's route schemas describe them (the gateway checks every
 * answer against its route's schema): a block is a real encoded header with a commit
 * certificate its validator signed, a grant a complete request view.
 * Real TLS (consortium CAs issued here), real signed requests, a real SQLite connector, so the
 * provider's checks run exactly as in production without starting nodes.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TxJson } from '@govchain/app/node-views'
import type { VersionAnswer } from '@govchain/catalog/views'
import {
  BlockHeader,
  CommitCertificate,
  codec,
  fromBase64,
  fromHex,
  getSuite,
  hashValidatorSet,
  memorySigner,
  SignedTx,
  TxBody,
  toBase64,
  toHex,
  utf8,
  type ValidatorSet,
  voteSignBytes,
} from '@govchain/core'
import type { OfficerInfo, OrganisationInfo } from '@govchain/identity/views'
import { type CertAndKey, createOrgCA, issueClientCert, issueNodeCert } from '@govchain/p2p'
import { type DataRequest, subjectPseudonym } from '@govchain/sharing/schema'
import { type WebSocket, WebSocketServer } from 'ws'
import type { GatewayView, RequestView } from '../src/chain.ts'
import { certFingerprintOf, type GatewayConfig, type GatewayHome } from '../src/config.ts'
import type { DataConnector, QuerySpec, Row } from '../src/connector.ts'
import { Gateway } from '../src/gateway.ts'
import { newNonce, signRequest } from '../src/protocol.ts'
import { openSqliteConnector } from '../src/sqlite.ts'

export const suite = getSuite('intl')
const CHAIN_ID = 'govchain-gateway-test'
const RESOURCE = 'police.household'

/** Fake but well-formed people (GB 11643 check digits are not needed here: the rows are opaque to the gateway). */
export const PEOPLE = [
  { idNumber: '110101199003071234', name: '王伟', phone: '13800138001', district: '110101', type: '家庭户' },
  { idNumber: '110102198511230025', name: '李娜', phone: '13900139002', district: '110102', type: '家庭户' },
  { idNumber: '11010519770405003X', name: '张敏', phone: '13700137003', district: '110105', type: '集体户' },
  { idNumber: '110106200101010047', name: '刘洋', phone: '13600136004', district: '110101', type: '家庭户' },
  { idNumber: '110108196812120051', name: '陈静', phone: '13500135005', district: '110108', type: '集体户' },
  { idNumber: '110114199909090068', name: '杨磊', phone: '13400134006', district: '110101', type: '家庭户' },
] as const

const FIELDS = [
  { name: 'id_number', sensitivity: 'personal' },
  { name: 'name', sensitivity: 'personal' },
  { name: 'phone', sensitivity: 'personal' },
  { name: 'household_type', sensitivity: 'internal' },
  { name: 'district', sensitivity: 'public' },
] as const

/** Hashes and keys the fake chain's records name (who published, who asked): well-formed, otherwise opaque. */
const hashOf = (text: string): string => toHex(suite.hash(utf8(text)))
const POLICE_OFFICER_KEY = toHex(suite.generateKeyPair().publicKey)

/** GET /v1/catalog/resources/police.household/versions/1, as the catalogue answers it. */
const HOUSEHOLD_V1: VersionAnswer = {
  version: {
    resourceId: RESOURCE,
    version: 1,
    status: 'active',
    title: '户籍信息',
    description: '常住人口户籍登记信息',
    ownerOrg: 'police',
    rights: ['ownership', 'use'],
    fields: FIELDS.map((f) => ({ ...f, label: f.name })),
    shareType: 'conditional',
    autoApprove: false,
    autoApproveMaxDurationMs: 0,
    updateFrequency: 'daily',
    gateway: null,
    dataHash: hashOf('police.household data'),
    dataVersion: '2026-12-01',
    note: '',
    publishedBy: POLICE_OFFICER_KEY,
    height: 3,
    timeMs: Date.now() - 86_400_000,
    txHash: hashOf('police.household version 1'),
  },
  proof: null,
}

interface RecordedTx {
  module: string
  method: string
  args: Uint8Array
  bytes: Uint8Array
  txHash: string
}

/** The node routes a gateway reads, from maps the test fills; POST /v1/txs records and accepts. */
class FakeNode {
  readonly gateways = new Map<string, GatewayView>()
  readonly requests = new Map<string, RequestView>()
  readonly txs: RecordedTx[] = []
  /** As GET /v1/organisations lists them (the SDK checks each field of the answer). */
  readonly organisations: OrganisationInfo[] = []
  /** Officers by organisation, as GET /v1/organisations/<id>/officers lists them (with the organisation's id). */
  readonly officers = new Map<string, Omit<OfficerInfo, 'orgId'>[]>()
  private server: Server | undefined
  url = ''
  /** The committed height: commit() adds one and announces the block on /v1/events. */
  height = 10
  /** GET requests answered, by path (what the gateway read from its node). */
  readonly reads = new Map<string, number>()
  /** Whether /v1/events takes WebSocket streams (startStream, stopStream). */
  private streaming = false
  private readonly wss = new WebSocketServer({ noServer: true })
  private readonly streams = new Set<WebSocket>()
  private held: { prefix: string; arrived: () => void; release: Promise<void> } | undefined
  /** The fake chain's one validator: it signs each block's commit certificate. */
  private readonly validator = suite.generateKeyPair()
  private readonly validators: ValidatorSet = {
    validators: [{ id: 'police-node', publicKey: this.validator.publicKey, votingPower: 1 }],
  }
  /** When set, GET /v1/blocks/latest answers this body instead of the block (a node answering the wrong shape). */
  latestAnswer: unknown

  /** Block streams open now. */
  get streamCount(): number {
    return this.streams.size
  }

  /** Serves /v1/events (blocks only) from now on. */
  startStream(): void {
    this.streaming = true
  }

  /** Drops every open stream and refuses new ones: the gateway's stream is down. */
  stopStream(): void {
    this.streaming = false
    for (const ws of this.streams) ws.terminate()
    this.streams.clear()
  }

  /**
   * Commits a block: applies `change` to the state, then announces the block on every stream in
   * the same turn, before any read can see the change (as the node does: store, then listeners).
   */
  commit(change: () => void = () => {}): void {
    change()
    this.height++
    const text = JSON.stringify({
      type: 'block',
      height: this.height,
      hash: this.height.toString(16).padStart(64, '0'),
      txCount: 1,
      timeMs: Date.now(),
      proposer: 'police-node',
    })
    for (const ws of this.streams) ws.send(text)
  }

  /**
   * The next GET whose path starts with `prefix` is answered with the state as it is when the
   * request arrives, but only once `release()` is called: a read in flight across a block.
   */
  holdNextRead(prefix: string): { arrived: Promise<void>; release: () => void } {
    let arrived = () => {}
    let release = () => {}
    const arrivedP = new Promise<void>((ok) => {
      arrived = ok
    })
    this.held = {
      prefix,
      arrived: () => arrived(),
      release: new Promise<void>((ok) => {
        release = ok
      }),
    }
    return { arrived: arrivedP, release: () => release() }
  }

  /**
   * The committed height's block as the node renders it (GET /v1/blocks/latest): a real encoded
   * header, its hash, and a commit certificate the fake chain's validator signed.
   */
  latestBlock(): Record<string, unknown> {
    const setHash = hashValidatorSet(suite, this.validators)
    const header: BlockHeader = {
      chainId: CHAIN_ID,
      height: this.height,
      timeMs: Date.now(),
      previousHash: suite.hash(utf8(`block ${this.height - 1}`)),
      txRoot: suite.hash(utf8(`txs ${this.height}`)),
      stateRoot: suite.hash(utf8(`state ${this.height}`)),
      resultsRoot: suite.hash(utf8(`results ${this.height}`)),
      validatorSetHash: setHash,
      nextValidatorSetHash: setHash,
      lastCommitHash: suite.hash(utf8(`commit ${this.height - 1}`)),
      proposer: 'police-node',
    }
    const headerBytes = codec.encode(BlockHeader, header)
    const blockHash = suite.hash(headerBytes)
    const vote = {
      chainId: CHAIN_ID,
      type: 'precommit',
      height: header.height,
      round: 0,
      blockHash,
      validatorIndex: 0,
    } as const
    const signature = suite.sign(this.validator.privateKey, voteSignBytes(vote))
    const certificate = codec.encode(CommitCertificate, {
      height: header.height,
      round: 0,
      blockHash,
      signatures: [{ validatorIndex: 0, signature }],
    })
    return {
      height: header.height,
      hash: toHex(blockHash),
      header: {
        chainId: header.chainId,
        height: header.height,
        timeMs: header.timeMs,
        previousHash: toHex(header.previousHash),
        txRoot: toHex(header.txRoot),
        stateRoot: toHex(header.stateRoot),
        resultsRoot: toHex(header.resultsRoot),
        validatorSetHash: toHex(header.validatorSetHash),
        nextValidatorSetHash: toHex(header.nextValidatorSetHash),
        lastCommitHash: toHex(header.lastCommitHash),
        proposer: header.proposer,
      },
      headerBytes: toBase64(headerBytes),
      txHashes: [],
      certificate: toBase64(certificate),
    }
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = req.url ?? ''
      const held = this.held !== undefined && req.method === 'GET' && url.startsWith(this.held.prefix)
      const gate = held ? this.held : undefined
      if (held) this.held = undefined
      const answer = (status: number, body: unknown) => {
        // The answer's text is the state at arrival, whenever it is sent.
        const text = JSON.stringify(body)
        const send = () => {
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(text)
        }
        if (gate === undefined) return send()
        gate.arrived()
        void gate.release.then(send)
      }
      if (req.method === 'GET') this.reads.set(url, (this.reads.get(url) ?? 0) + 1)
      if (req.method === 'POST' && url === '/v1/txs') {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          const bytes = fromBase64((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { tx: string }).tx)
          const signed = codec.decode(SignedTx, bytes)
          const body = codec.decode(TxBody, signed.body)
          const txHash = toHex(suite.hash(signed.body))
          this.txs.push({ module: body.module, method: body.method, args: body.args, bytes, txHash })
          answer(200, { txHash })
        })
        return
      }
      // What the gateway submitted is committed at once (a stopping gateway waits for its batches).
      const tx = /^\/v1\/txs\/([0-9a-f]{64})$/.exec(url)
      const index = tx === null ? -1 : this.txs.findIndex((t) => t.txHash === tx[1])
      if (tx !== null && index >= 0) {
        const committed: TxJson = {
          hash: tx[1]!,
          status: 'committed',
          height: this.height,
          index,
          code: 'OK',
          events: [],
        }
        return answer(200, committed)
      }
      if (url === '/v1/organisations') return answer(200, { height: 10, organisations: this.organisations })
      const officers = /^\/v1\/organisations\/([^/?]+)\/officers$/.exec(url)
      if (officers !== null) {
        const orgId = decodeURIComponent(officers[1]!)
        return answer(200, { officers: (this.officers.get(orgId) ?? []).map((o) => ({ ...o, orgId })) })
      }
      if (url === '/v1/blocks/latest') return answer(200, this.latestAnswer ?? this.latestBlock())
      const gw = /^\/v1\/catalog\/gateways\/([^/?]+)$/.exec(url)
      if (gw !== null) {
        const view = this.gateways.get(decodeURIComponent(gw[1]!))
        return view === undefined ? answer(404, { code: 'CATALOG_GATEWAY_NOT_FOUND' }) : answer(200, { gateway: view })
      }
      const rq = /^\/v1\/sharing\/requests\/([0-9a-f]{64})$/.exec(url)
      if (rq !== null) {
        const r = this.requests.get(rq[1]!)
        return r === undefined
          ? answer(404, { code: 'SHARING_REQUEST_NOT_FOUND' })
          : answer(200, { request: r, proof: null })
      }
      const rv = /^\/v1\/catalog\/resources\/([^/]+)\/versions\/1$/.exec(url)
      if (rv !== null) {
        if (decodeURIComponent(rv[1]!) !== RESOURCE) return answer(404, { code: 'CATALOG_NOT_FOUND' })
        return answer(200, HOUSEHOLD_V1)
      }
      answer(404, { code: 'NOT_FOUND' })
    })
    this.server.on('upgrade', (req, socket, head) => {
      if (!this.streaming || !(req.url ?? '').startsWith('/v1/events')) return void socket.destroy()
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.streams.add(ws)
        ws.on('close', () => this.streams.delete(ws))
      })
    })
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok))
    const a = this.server.address()
    this.url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`
  }

  async stop(): Promise<void> {
    this.stopStream()
    this.wss.close()
    await new Promise<void>((ok) => {
      this.server?.close(() => ok())
      this.server?.closeAllConnections()
    })
  }

  /** The transactions of one module method, arguments decoded. */
  submitted<T>(method: string, argsCodec: codec.Codec<T>): T[] {
    return this.txs.filter((t) => t.method === method).map((t) => codec.decode(argsCodec, t.args))
  }
}

/** A connector whose next query can be held open, to interleave concurrent requests deterministically. */
class GatedConnector implements DataConnector {
  readonly kind = 'sqlite' as const
  private gate: Promise<void> | undefined
  private openGate: (() => void) | undefined
  /** Resolves when the held query is waiting at the gate. */
  waiting: Promise<void> = Promise.resolve()
  private signalWaiting: (() => void) | undefined
  queries = 0

  constructor(private readonly inner: DataConnector) {}

  /** The next query waits until release(). */
  holdNext(): void {
    this.gate = new Promise((ok) => {
      this.openGate = ok
    })
    this.waiting = new Promise((ok) => {
      this.signalWaiting = ok
    })
  }

  release(): void {
    this.openGate?.()
  }

  createTable = (...a: Parameters<DataConnector['createTable']>) => this.inner.createTable(...a)
  insert = (...a: Parameters<DataConnector['insert']>) => this.inner.insert(...a)
  count = (t: string) => this.inner.count(t)
  close = () => this.inner.close()
  async query(q: QuerySpec): Promise<Row[]> {
    this.queries++
    const gate = this.gate
    if (gate !== undefined) {
      this.gate = undefined
      this.signalWaiting?.()
      await gate
    }
    return this.inner.query(q)
  }
}

export interface Org {
  orgId: string
  ca: CertAndKey
  gatewayTls: CertAndKey
  nodeTls: CertAndKey
  key: { publicKey: Uint8Array; privateKey: Uint8Array }
}

function makeOrg(orgId: string): Org {
  const ca = createOrgCA({ orgId, orgName: `${orgId} 局`, validityDays: 10 })
  return {
    orgId,
    ca,
    gatewayTls: issueClientCert(ca, {
      nodeId: `${orgId}-gateway`,
      orgId,
      hosts: ['127.0.0.1', 'localhost'],
      validityDays: 10,
    }),
    nodeTls: issueNodeCert(ca, { nodeId: `${orgId}-node`, orgId, hosts: ['127.0.0.1'], validityDays: 10 }),
    key: suite.generateKeyPair(),
  }
}

function gatewayView(org: Org, url: string, pseudonymAuthority = false): GatewayView {
  return {
    orgId: org.orgId,
    url,
    certFingerprint: toHex(certFingerprintOf(org.gatewayTls.certPem)),
    publicKey: toHex(org.key.publicKey),
    pseudonymAuthority,
    setBy: POLICE_OFFICER_KEY,
    height: 2,
    timeMs: Date.now() - 86_400_000,
  }
}

export interface ProviderFixture {
  dir: string
  node: FakeNode
  police: Org
  housing: Org
  tax: Org
  pseudonymKey: Uint8Array
  connector: GatedConnector
  gateway: Gateway
  home: GatewayHome
  /** Starts a fresh gateway process on the same home (a restart). */
  restart(config?: Partial<GatewayConfig>): Promise<Gateway>
  close(): Promise<void>
}

/** Police's provider gateway serving police.household (the PEOPLE), housing and tax registered consumers. */
export async function startProvider(
  config: Partial<GatewayConfig> = {},
  /** stream: the fake node serves its block stream from the start (else: never, until startStream). */
  opts: { stream?: boolean } = {},
): Promise<ProviderFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'govchain-gateway-'))
  const gwDir = join(dir, 'gateway')
  mkdirSync(gwDir, { mode: 0o700 })
  const node = new FakeNode()
  await node.start()
  if (opts.stream === true) node.startStream()
  const [police, housing, tax] = [makeOrg('police'), makeOrg('housing'), makeOrg('tax')]
  const pseudonymKey = new Uint8Array(randomBytes(32))
  const data = openSqliteConnector(join(gwDir, 'data.sqlite'))
  await data.createTable('household', [
    { name: 'id_number', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'phone', type: 'text' },
    { name: 'household_type', type: 'text' },
    { name: 'district', type: 'text' },
    { name: 'subject_ref', type: 'text' },
  ])
  await data.insert(
    'household',
    ['id_number', 'name', 'phone', 'household_type', 'district', 'subject_ref'],
    PEOPLE.map((p) => [p.idNumber, p.name, p.phone, p.type, p.district, pseudonymOf(pseudonymKey, p.idNumber)]),
  )
  // The consortium's CAs, as the chain lists its organisations (the gateway's trust anchors).
  node.organisations.push(
    ...[police, housing, tax].map(
      (o, i): OrganisationInfo => ({
        id: o.orgId,
        name: o.orgId,
        nameEn: o.orgId,
        code: `91110000MA0000000${i}`,
        level: 'city',
        regionCode: '110000',
        region: '北京市',
        status: 'active',
        identityAuthority: false,
        activeFromHeight: 0,
        operatorPublicKey: '',
        caCertPem: o.ca.certPem,
      }),
    ),
  )
  const homeWith = (over: Partial<GatewayConfig>): GatewayHome => ({
    dir: gwDir,
    config: {
      orgId: 'police',
      chainId: CHAIN_ID,
      suite: 'intl',
      nodeApiUrl: node.url,
      listen: { host: '127.0.0.1', port: 0 },
      local: { host: '127.0.0.1', port: 0 },
      url: 'https://127.0.0.1:0',
      connector: { kind: 'sqlite', path: 'data.sqlite' },
      resources: { [RESOURCE]: { table: 'household', subjectColumn: 'subject_ref' } },
      requestSkewMs: 60_000,
      // Receipts wait for a countersignature that never comes in these tests; recorded at stop.
      ackTimeoutMs: 600_000,
      corsOrigins: [],
      ...config,
      ...over,
    },
    suite: 'intl',
    chainId: CHAIN_ID,
    key: memorySigner(getSuite('intl'), police.key.privateKey),
    tls: police.gatewayTls,
    certFingerprint: certFingerprintOf(police.gatewayTls.certPem),
    pseudonymKey,
  })
  const connector = new GatedConnector(data)
  const register = (g: Gateway) => {
    node.gateways.set('police', gatewayView(police, g.url, true))
  }
  let home = homeWith({})
  let gateway = await Gateway.start({ home, connector })
  register(gateway)
  node.gateways.set('housing', gatewayView(housing, 'https://127.0.0.1:1'))
  node.gateways.set('tax', gatewayView(tax, 'https://127.0.0.1:2'))
  const fx: ProviderFixture = {
    dir,
    node,
    police,
    housing,
    tax,
    pseudonymKey,
    connector,
    gateway,
    home,
    async restart(over = {}) {
      await fx.gateway.stop().catch(() => {})
      home = homeWith(over)
      const reopened = new GatedConnector(openSqliteConnector(join(gwDir, 'data.sqlite')))
      gateway = await Gateway.start({ home, connector: reopened })
      register(gateway)
      fx.connector = reopened
      fx.gateway = gateway
      fx.home = home
      return gateway
    },
    async close() {
      await fx.gateway.stop().catch(() => {})
      await node.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return fx
}

/** Housing's gateway as a consumer of the fixture's provider (same fake node); stopped by the caller. */
export async function startConsumer(fx: ProviderFixture): Promise<Gateway> {
  const gwDir = join(fx.dir, 'housing-gateway')
  mkdirSync(gwDir, { recursive: true, mode: 0o700 })
  const home: GatewayHome = {
    dir: gwDir,
    config: {
      ...fx.home.config,
      orgId: 'housing',
      listen: { host: '127.0.0.1', port: 0 },
      local: { host: '127.0.0.1', port: 0 },
      resources: {},
    },
    suite: 'intl',
    chainId: CHAIN_ID,
    key: memorySigner(getSuite('intl'), fx.housing.key.privateKey),
    tls: fx.housing.gatewayTls,
    certFingerprint: certFingerprintOf(fx.housing.gatewayTls.certPem),
  }
  return Gateway.start({ home, connector: openSqliteConnector(join(gwDir, 'data.sqlite')) })
}

export function pseudonymOf(key: Uint8Array, idNumber: string): string {
  return toHex(subjectPseudonym(suite, key, 'person', idNumber))
}

let grantCounter = 0

/** Puts an approved grant for `consumer` on police.household into the fake chain; returns its id. */
export function addGrant(
  fx: ProviderFixture,
  o: {
    fields: string[]
    rowsMax: number
    consumer?: string
    rowsUsed?: number
    status?: RequestView['status']
  },
): string {
  const id = toHex(suite.hash(utf8(`grant ${++grantCounter} ${Math.random()}`)))
  const now = Date.now()
  const status = o.status ?? 'approved'
  fx.node.requests.set(id, {
    requestId: id,
    resourceId: RESOURCE,
    resourceVersion: 1,
    consumerOrg: o.consumer ?? 'housing',
    ownerOrg: 'police',
    fields: o.fields,
    purpose: '公租房资格审核',
    legalBasis: '《公共租赁住房管理办法》第七条',
    durationMs: 3_601_000,
    rowsMax: o.rowsMax,
    rowScope: null,
    requestedBy: toHex(fx.housing.key.publicKey),
    height: fx.node.height,
    timeMs: now - 2000,
    status,
    state: status === 'approved' ? 'active' : status,
    decision:
      status === 'pending'
        ? null
        : {
            approve: status !== 'rejected',
            by: POLICE_OFFICER_KEY,
            auto: false,
            reason: '',
            height: fx.node.height,
            timeMs: now - 1000,
          },
    grant: { notBeforeMs: now - 1000, expiresMs: now + 3_600_000, fields: o.fields, rowsMax: o.rowsMax },
    revocation: null,
    rowsUsed: o.rowsUsed ?? 0,
    fetches: 0,
    case: null,
  })
  return id
}

/** A request signed by `org`'s registered gateway key (or altered by `over`), as the query body. */
export function signedQuery(
  org: Org,
  grantId: string,
  fields: string[],
  filter?: { field: string; values: string[] },
  over: Partial<DataRequest> = {},
): { body: { request: string; signature: string }; bytes: Uint8Array } {
  const req: DataRequest = {
    chainId: CHAIN_ID,
    grantId: fromHex(grantId),
    resourceId: RESOURCE,
    consumerOrg: org.orgId,
    providerOrg: 'police',
    fields,
    ...(filter === undefined ? {} : { filter }),
    nonce: newNonce(),
    timeMs: Date.now(),
    consumerKey: org.key.publicKey,
    ...over,
  }
  const signed = signRequest(suite, org.key.privateKey, req)
  return {
    body: { request: toBase64(signed.bytes), signature: toHex(signed.signature) },
    bytes: signed.bytes,
  }
}

export interface RawAnswer {
  status: number
  json: Record<string, unknown>
}

/**
 * An HTTPS request to the provider with a client certificate and any headers or path (no
 * pinning, no retries: what a hostile or broken client would send).
 */
export function rawCall(
  gatewayUrl: string,
  tls: CertAndKey | undefined,
  o: { path?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; method?: string },
): Promise<RawAnswer> {
  const u = new URL(gatewayUrl)
  const payload = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body))
  return new Promise((ok, fail) => {
    const req = httpsRequest(
      {
        host: u.hostname,
        port: u.port,
        path: o.path ?? '/v1/gateway/query',
        method: o.method ?? (payload === undefined ? 'GET' : 'POST'),
        ...(tls === undefined ? {} : { cert: tls.certPem, key: tls.keyPem }),
        rejectUnauthorized: false,
        agent: false,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: Record<string, unknown>
          try {
            json = JSON.parse(text) as Record<string, unknown>
          } catch {
            json = { unparsed: text.slice(0, 200) }
          }
          ok({ status: res.statusCode ?? 0, json })
        })
        res.on('error', fail)
      },
    )
    req.on('error', fail)
    req.end(payload)
  })
}

/** Posts a query as `org` (its registered gateway certificate by default). */
export function query(
  fx: ProviderFixture,
  org: Org,
  body: unknown,
  o: { tls?: CertAndKey; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  return rawCall(fx.gateway.url, o.tls ?? org.gatewayTls, { body, ...(o.headers ? { headers: o.headers } : {}) })
}
