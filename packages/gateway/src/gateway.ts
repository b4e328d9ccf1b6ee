/**
 * The data gateway (one per department, beside its node). It plays both X-Road roles and serves
 * its department's officers:
 *
 *   provider   provider.ts: https with mutual TLS, serves other departments' gateways under
 *              grants on chain, receipts every answer; refusals.ts logs and counts its refusals.
 *   consumer   consumer.ts: `fetch()` asks a provider gateway and countersigns its receipt.
 *   local API  local-api.ts: plain HTTP on loopback, for the department's officers (the portal
 *              console) and issuers (the holder register), authenticated by officer signatures.
 *
 * This file starts and stops them together: the listeners, the node link (its block stream), the
 * receipt journal and batcher, and the background work a stop waits for.
 */
import { chmodSync, existsSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { join } from 'node:path'
import { type CryptoSuite, getSuite } from '@govchain/core'
import { tlsKeyOptions } from '@govchain/p2p'
import { type BatcherClock, ReceiptBatcher } from './batcher.ts'
import { NodeLink } from './chain.ts'
import { GATEWAY_DEFAULTS, type GatewayHome, type GatewayLogger } from './config.ts'
import type { DataConnector } from './connector.ts'
import { Consumer, type FetchInput, type FetchResult } from './consumer.ts'
import { send } from './http.ts'
import { ReceiptJournal } from './journal.ts'
import { LocalApi } from './local-api.ts'
import { Provider } from './provider.ts'
import { REFUSAL_LOG, RefusalLog } from './refusals.ts'

export interface StartGatewayOptions {
  home: GatewayHome
  connector: DataConnector
  logger?: GatewayLogger
  /** The receipt batcher's clock and timers (tests); absent: the system's. */
  clock?: BatcherClock
}

/** How long stopping waits for receipt batches in flight to commit (the rest stay in the journal). */
export const STOP_RECEIPTS_WAIT_MS = 10_000

const quietLogger: GatewayLogger = { info() {}, warn() {} }

/** Receipts acknowledged and not yet seen committed (journal.ts). */
const RECEIPT_JOURNAL = 'receipts.sqlite'

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

export class Gateway {
  readonly suite: CryptoSuite
  readonly node: NodeLink
  /** Receipts acknowledged and not yet seen committed (journal.ts), and their batches (batcher.ts). */
  private readonly journal: ReceiptJournal
  readonly batcher: ReceiptBatcher
  private readonly refusals: RefusalLog
  private readonly provider: Provider
  private readonly consumer: Consumer
  private readonly local: LocalApi
  private server: Server | undefined
  private localServer: Server | undefined
  private readonly background = new Set<Promise<unknown>>()
  /** TLS connections the provider listener accepted (keep-alive: far fewer than requests). */
  tlsConnections = 0
  url = ''
  localUrl = ''

  private constructor(
    readonly home: GatewayHome,
    readonly connector: DataConnector,
    private readonly logger: GatewayLogger,
    clock?: BatcherClock,
  ) {
    this.suite = getSuite(home.suite)
    tightenHome(home.dir)
    const { config } = home
    this.node = new NodeLink(config.nodeApiUrl, this.suite, home.chainId, home.key, {
      streamSilentMs: config.nodeStreamSilentMs ?? GATEWAY_DEFAULTS.nodeStreamSilentMs,
      onStreamState: (live, why) =>
        live
          ? logger.info({ why }, 'following the node’s blocks: reads cached per height')
          : logger.warn({ why }, 'node block stream down: reading every lookup from the node'),
    })
    this.journal = new ReceiptJournal(join(home.dir, RECEIPT_JOURNAL))
    const node = this.node
    this.batcher = new ReceiptBatcher({
      providerOrg: config.orgId,
      suite: this.suite,
      journal: this.journal,
      chain: {
        submitBatch: (args) => node.submit('sharing', 'receiptBatch', args),
        txResult: (h) => node.txResult(h),
        receiptRecorded: (id) => node.receiptRecorded(id),
      },
      ...(clock === undefined ? {} : { clock }),
      logger,
      batchMax: config.receiptBatchMax ?? GATEWAY_DEFAULTS.receiptBatchMax,
      intervalMs: config.receiptBatchIntervalMs ?? GATEWAY_DEFAULTS.receiptBatchIntervalMs,
      spacingMs: config.receiptBatchSpacingMs ?? GATEWAY_DEFAULTS.receiptBatchSpacingMs,
      idleMs: config.receiptBatchIdleMs ?? GATEWAY_DEFAULTS.receiptBatchIdleMs,
      queueMax: config.receiptQueueMax ?? GATEWAY_DEFAULTS.receiptQueueMax,
    })
    const track = (p: Promise<unknown>) => this.track(p)
    this.refusals = new RefusalLog({
      dir: home.dir,
      orgId: config.orgId,
      submit: (args) => node.submit('sharing', 'refusal', args),
      logger,
      intervalMs: config.refusalIntervalMs ?? GATEWAY_DEFAULTS.refusalIntervalMs,
      logBytesMax: config.refusalLogBytesMax ?? GATEWAY_DEFAULTS.refusalLogBytesMax,
      track,
    })
    this.provider = new Provider({
      home,
      suite: this.suite,
      node,
      connector,
      batcher: this.batcher,
      refusals: this.refusals,
      logger,
      track,
    })
    this.consumer = new Consumer(home, this.suite, node)
    this.local = new LocalApi(home, this.suite, node, connector, this.consumer)
  }

  static async start(opts: StartGatewayOptions): Promise<Gateway> {
    const g = new Gateway(opts.home, opts.connector, opts.logger ?? quietLogger, opts.clock)
    g.node.heights.start()
    try {
      await g.listen()
    } catch (e) {
      await g.abandon()
      throw e
    }
    // Receipts acknowledged before a stop or crash and not seen committed go out again, once this
    // gateway is the one serving (a start that failed, on a home another gateway serves, sends none).
    g.track(
      g.batcher.resume().then((n) => {
        if (n > 0) g.logger.info({ receipts: n }, 'receipts from the journal queued again')
      }),
    )
    return g
  }

  /**
   * A start that failed: what it opened is closed (a listener that did bind, the receipt journal,
   * the volume ledger) and nothing of it keeps running (the block stream's timers would hold the
   * process). The connector stays the caller's.
   */
  private async abandon(): Promise<void> {
    this.node.heights.stop()
    const close = (s: Server | undefined) =>
      new Promise<void>((ok) => (s?.listening === true ? s.close(() => ok()) : ok()))
    await close(this.server)
    await close(this.localServer)
    this.journal.close()
    this.provider.close()
  }

  get orgId(): string {
    return this.home.config.orgId
  }

  /** Fetches granted data from the provider's gateway; returns the rows and the countersigned receipt. */
  fetch(input: FetchInput): Promise<FetchResult> {
    return this.consumer.fetch(input)
  }

  /** Records the interval's counted refusals on chain now (RefusalLog.flush). */
  flushRefusals(): Promise<string | undefined> {
    return this.refusals.flush()
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
        this.provider.handle(req, res).catch((e) => send(res, 500, { code: 'INTERNAL', message: String(e) }))
      },
    )
    this.server.on('secureConnection', () => {
      this.tlsConnections++
    })
    this.localServer = createHttpServer((req, res) => {
      this.local.handle(req, res).catch((e) => send(res, 500, { code: 'INTERNAL', message: String(e) }))
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
    this.provider.bound(port)
    this.url = `https://${config.listen.host}:${port}`
    this.localUrl = `http://${config.local.host}:${localPort}`
    this.local.port = localPort
    this.local.providerUrl = this.url
    this.logger.info({ orgId: this.orgId, url: this.url, localUrl: this.localUrl }, 'gateway listening')
  }

  async stop(): Promise<void> {
    this.refusals.stop()
    // Counted refusals are recorded before stopping.
    this.track(this.refusals.flush())
    // Receipts still waiting for a countersignature are recorded provider-only before stopping.
    this.provider.recordPending()
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
    this.consumer.close()
    await close(this.server)
    await close(this.localServer)
    await this.connector.close()
    this.provider.close()
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.logger.warn({ err: String(e) }, 'gateway background task failed'))
    this.background.add(q)
    void q.finally(() => this.background.delete(q))
  }
}
