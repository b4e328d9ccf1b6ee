/**
 * Prometheus metrics of one node, on its own Registry (never prom-client's global one) so that
 * several nodes can run in one test process without their series colliding.
 *
 * Rates are left to Prometheus: committed transactions per second is
 * `rate(govchain_committed_txs_total[1m])`; there is no precomputed rate gauge, because a
 * gauge averaged over a window the node chooses cannot be re-aggregated correctly.
 *
 * The daemon calls the typed methods below; the metric objects are also exposed (readonly)
 * for components that need an unusual label combination.
 */
import { X509Certificate } from 'node:crypto'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

const CONSENSUS_STEPS = ['propose', 'prevote', 'precommit', 'commit'] as const
export type ConsensusStep = (typeof CONSENSUS_STEPS)[number]
export type P2pDirection = 'in' | 'out'

/** A certificate whose expiry the node exports: `node-tls`, `ca:<org>`… and its notAfter. */
export interface CertificateExpiry {
  cert: string
  notAfterMs: number
}

export interface NodeMetricsOptions {
  /** Constant label added to every series, e.g. `{ node: 'market' }`; useful when nodes share a scrape target. */
  labels?: Record<string, string>
  /** Default process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean
}

/** Buckets in seconds: BFT steps take milliseconds on a LAN and up to seconds when a round times out. */
const STEP_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const HTTP_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export class NodeMetrics {
  readonly registry: Registry
  readonly height: Gauge
  readonly round: Gauge
  readonly committedTxs: Counter
  readonly mempoolSize: Gauge
  readonly mempoolBytes: Gauge
  readonly peers: Gauge
  readonly storageUnwritable: Gauge
  readonly storageRefusals: Counter
  readonly consensusStepDuration: Histogram<'step'>
  readonly blockCommitDuration: Histogram
  readonly txsRejected: Counter<'code'>
  readonly p2pMessages: Counter<'channel' | 'direction'>
  readonly p2pRefused: Counter<'code'>
  readonly apiRequests: Counter<'method' | 'route' | 'status'>
  readonly apiRequestDuration: Histogram<'method' | 'route'>
  readonly wsConnections: Gauge
  readonly wsDropped: Counter<'reason'>
  readonly certExpiry: Gauge<'cert'>
  /** The certificates whose expiry is exported, with the clock the seconds are counted by. */
  private certificates: readonly CertificateExpiry[] = []
  private nowMs: () => number = () => Date.now()

  constructor(opts: NodeMetricsOptions = {}) {
    this.registry = new Registry()
    if (opts.labels !== undefined) this.registry.setDefaultLabels(opts.labels)
    const registers = [this.registry]
    this.height = new Gauge({ name: 'govchain_height', help: 'Height of the latest committed block', registers })
    this.round = new Gauge({ name: 'govchain_round', help: 'Consensus round at the current height', registers })
    this.committedTxs = new Counter({
      name: 'govchain_committed_txs_total',
      help: 'Transactions committed in blocks (use rate() for tx/s)',
      registers,
    })
    this.mempoolSize = new Gauge({ name: 'govchain_mempool_size', help: 'Transactions in the mempool', registers })
    this.mempoolBytes = new Gauge({
      name: 'govchain_mempool_bytes',
      help: 'Encoded bytes of the transactions in the mempool',
      registers,
    })
    this.peers = new Gauge({ name: 'govchain_peers', help: 'Connected and authenticated peers', registers })
    this.storageUnwritable = new Gauge({
      name: 'govchain_storage_unwritable',
      help: '1 while the node storage refuses writes (disk full or failing), else 0',
      registers,
    })
    this.storageRefusals = new Counter({
      name: 'govchain_storage_refused_writes_total',
      help: 'Writes the node storage refused (STORE_UNWRITABLE)',
      registers,
    })
    this.consensusStepDuration = new Histogram({
      name: 'govchain_consensus_step_duration_seconds',
      help: 'Time spent in each consensus step',
      labelNames: ['step'],
      buckets: STEP_BUCKETS_SECONDS,
      registers,
    })
    this.blockCommitDuration = new Histogram({
      name: 'govchain_block_commit_duration_seconds',
      help: 'Time to execute and persist a decided block',
      buckets: STEP_BUCKETS_SECONDS,
      registers,
    })
    this.txsRejected = new Counter({
      name: 'govchain_txs_rejected_total',
      help: 'Transactions rejected at admission, by error code',
      labelNames: ['code'],
      registers,
    })
    this.p2pMessages = new Counter({
      name: 'govchain_p2p_messages_total',
      help: 'P2P messages by channel and direction (in|out)',
      labelNames: ['channel', 'direction'],
      registers,
    })
    this.p2pRefused = new Counter({
      name: 'govchain_p2p_refusals_total',
      help: 'Peer connections refused or dropped by this node, by error code (e.g. P2P_CERT_REVOKED)',
      labelNames: ['code'],
      registers,
    })
    this.apiRequests = new Counter({
      name: 'govchain_api_requests_total',
      help: 'API requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    })
    this.apiRequestDuration = new Histogram({
      name: 'govchain_api_request_duration_seconds',
      help: 'API request duration by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: HTTP_BUCKETS_SECONDS,
      registers,
    })
    this.wsConnections = new Gauge({
      name: 'govchain_ws_connections',
      help: 'Open /v1/events WebSocket connections',
      registers,
    })
    this.wsDropped = new Counter({
      name: 'govchain_ws_dropped_total',
      help: 'WebSocket connections closed by the node, by reason',
      labelNames: ['reason'],
      registers,
    })
    const self = this
    this.certExpiry = new Gauge({
      name: 'govchain_cert_expiry_seconds',
      help: 'Seconds until a certificate this node uses expires (negative: expired), by certificate',
      labelNames: ['cert'],
      registers,
      // Computed at scrape time from each certificate's notAfter, so it counts down between scrapes.
      collect() {
        this.reset()
        const now = self.nowMs()
        for (const c of self.certificates) this.set({ cert: c.cert }, Math.round((c.notAfterMs - now) / 1000))
      },
    })
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  /** The certificates to export `govchain_cert_expiry_seconds` for (replaced on each call: a renewal calls it again). */
  setCertificates(certificates: readonly CertificateExpiry[], nowMs: () => number): void {
    this.certificates = [...certificates]
    this.nowMs = nowMs
  }

  setHeight(height: number): void {
    this.height.set(height)
  }
  setRound(round: number): void {
    this.round.set(round)
  }
  addCommittedTxs(count: number): void {
    this.committedTxs.inc(count)
  }
  setMempool(size: number, bytes: number): void {
    this.mempoolSize.set(size)
    this.mempoolBytes.set(bytes)
  }
  setPeers(count: number): void {
    this.peers.set(count)
  }
  /** One refused write; `unwritable` is the state after it (or after a write that succeeded). */
  setStorage(unwritable: boolean, refused: boolean): void {
    this.storageUnwritable.set(unwritable ? 1 : 0)
    if (refused) this.storageRefusals.inc()
  }
  observeConsensusStep(step: ConsensusStep, seconds: number): void {
    this.consensusStepDuration.observe({ step }, seconds)
  }
  observeBlockCommit(seconds: number): void {
    this.blockCommitDuration.observe(seconds)
  }
  incTxRejected(code: string): void {
    this.txsRejected.inc({ code })
  }
  incP2pMessages(channel: string, direction: P2pDirection, count = 1): void {
    this.p2pMessages.inc({ channel, direction }, count)
  }
  incP2pRefused(code: string): void {
    this.p2pRefused.inc({ code })
  }

  /** Prometheus text exposition format (version 0.0.4). */
  async text(): Promise<string> {
    return this.registry.metrics()
  }
  get contentType(): string {
    return this.registry.contentType
  }
}

/**
 * The node's TLS certificate and the CA certificates it trusts, with their notAfter, for
 * `govchain_cert_expiry_seconds` (issue 18). A certificate that does not parse is left out (the
 * TLS layer reports it).
 */
export function certificateExpiries(nodeCertPem: string, caPems: readonly string[]): CertificateExpiry[] {
  const out: CertificateExpiry[] = []
  const add = (cert: string, pem: string) => {
    try {
      const x = new X509Certificate(pem)
      out.push({ cert, notAfterMs: Date.parse(x.validTo) })
    } catch {}
  }
  add('node-tls', nodeCertPem)
  for (const pem of caPems) {
    let cn = 'ca'
    try {
      cn = /CN=([^\n,]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? 'ca'
    } catch {}
    add(`ca:${cn}`, pem)
  }
  return out
}
