/**
 * The gateway's link to its department's node, through the SDK's HTTP transport (the one every
 * govchain client uses): reads grants, gateway records, catalogue fields and the consortium's
 * CA certificates through the node's public API (committed state, at request time), each answer
 * checked against its route's schema (ADR 0019), and submits the gateway's transactions
 * (receipts, refusals) signed with the gateway's chain key. The gateway knows nothing of the
 * node's internals: any node of its department answering the API will do.
 *
 * What it reads of the node's state is kept until the node's next block, and only while it
 * follows the node's block stream (heights.ts); with the stream down or silent, every lookup
 * reads from the node.
 */
import { randomInt } from 'node:crypto'
import { signTx } from '@govchain/app'
import { checkAnswer, requestLabel } from '@govchain/app/answer'
import { BlockSchema, TxSchema } from '@govchain/app/node-views'
import { GatewayAnswer, type GatewayView, VersionAnswer } from '@govchain/catalog/views'
import { ApiError, HttpTransport, isSdkError } from '@govchain/client'
import { type CryptoSuite, GovchainError, type KeySigner, toBase64, toHex } from '@govchain/core'
import { listOrganisations } from '@govchain/identity/client'
import { ReceiptAnswer, RequestAnswer, type RequestView } from '@govchain/sharing/views'
import { HeightCache } from './heights.ts'

export const NODE_TIMEOUT_MS = 10_000
/** With the block stream down: how stale the latest block (height for validUntilHeight, time for expiry) may be. */
export const LATEST_CACHE_MS = 1_000
/** Node answers a gateway reads are small; a larger one is refused unread. */
export const NODE_ANSWER_BYTES_MAX = 4 * 1024 * 1024

export type { GatewayView, RequestView }

/** A route's answer schema, as the checker takes it (TypeBox's TSchema). */
type AnswerSchema = Parameters<typeof checkAnswer>[0]
/** The answer a schema describes, as the checker returns it (TypeBox's Static, without parameters). */
type Answer<S extends AnswerSchema> = S['static']

/** Any failure to get an answer from the node becomes NODE_UNREACHABLE, with what was asked. */
function unreachable(what: string, e: unknown): GovchainError {
  if (e instanceof ApiError) return new GovchainError('NODE_UNREACHABLE', `${what}: ${e.status} ${e.code} ${e.message}`)
  if (isSdkError(e)) return new GovchainError('NODE_UNREACHABLE', `${what}: ${e.code} ${e.message}`)
  return new GovchainError('NODE_UNREACHABLE', `${what}: ${String(e)}`)
}

export class NodeLink {
  readonly transport: HttpTransport
  /** Reads of committed state, kept until the next block (heights.ts). */
  readonly heights: HeightCache

  constructor(
    readonly baseUrl: string,
    readonly suite: CryptoSuite,
    readonly chainId: string,
    private readonly key: KeySigner,
    opts: { streamSilentMs?: number; onStreamState?: (live: boolean, why: string) => void } = {},
  ) {
    this.heights = new HeightCache({
      url: baseUrl,
      ...(opts.streamSilentMs === undefined ? {} : { silentMs: opts.streamSilentMs }),
      ...(opts.onStreamState === undefined ? {} : { onState: opts.onStreamState }),
    })
    this.transport = new HttpTransport({
      url: baseUrl,
      timeoutMs: NODE_TIMEOUT_MS,
      responseBytesMax: NODE_ANSWER_BYTES_MAX,
    })
  }

  /** A GET answer of committed state, kept until the next block while the block stream is live. */
  getAtHeight<S extends AnswerSchema>(path: string, schema: S): Promise<Answer<S> | undefined> {
    return this.heights.get(path, () => this.get(path, schema))
  }

  /**
   * A GET answer checked against `schema`, its route's answer schema (the module's views, or
   * `@govchain/app/node-views` for the node's own routes), or undefined for a 404 (an absent
   * record). An answer of another shape is SdkError SDK_BAD_RESPONSE, never passed on: the
   * gateway reads nothing from it and answers its callers 502 (http.ts, codeOf).
   */
  async get<S extends AnswerSchema>(path: string, schema: S): Promise<Answer<S> | undefined> {
    let json: unknown
    try {
      json = await this.transport.find(path)
    } catch (e) {
      throw unreachable(`GET ${path}`, e)
    }
    return json === undefined ? undefined : checkAnswer(schema, json, requestLabel('GET', path))
  }

  /**
   * PEM certificates of the consortium's organisation CAs, as the chain records them (every
   * organisation not removed): the trust anchors of the gateways' mutual TLS. Kept until the next
   * block like every read of committed state, so an organisation's removal (which takes effect at
   * a scheduled height, where the node's answer says `removed`) is followed from the first request
   * after that block; with the block stream down, read on every request (ADR 0041).
   */
  trustedCaPems(): Promise<string[]> {
    return this.heights.get('organisations: CA certificates', async () => {
      let orgs: Awaited<ReturnType<typeof listOrganisations>>
      try {
        orgs = await listOrganisations({ getJson: (path) => this.transport.get(path) })
      } catch (e) {
        throw unreachable('GET /v1/organisations', e)
      }
      return orgs.flatMap((o) => (o.status === 'removed' || o.caCertPem === undefined ? [] : [o.caCertPem]))
    })
  }

  async request(requestIdHex: string): Promise<RequestView | undefined> {
    return (await this.getAtHeight(`/v1/sharing/requests/${requestIdHex}`, RequestAnswer))?.request
  }

  private readonly fieldCache = new Map<string, Map<string, string>>()

  /** Field name → sensitivity of a catalogue resource version (versions never change: cached, bounded). */
  async resourceFields(resourceId: string, version: number): Promise<Map<string, string>> {
    const key = `${resourceId}@${version}`
    const hit = this.fieldCache.get(key)
    if (hit !== undefined) return hit
    const answer = await this.get(
      `/v1/catalog/resources/${encodeURIComponent(resourceId)}/versions/${version}`,
      VersionAnswer,
    )
    if (answer === undefined) throw new GovchainError('CATALOG_NOT_FOUND', `${resourceId} version ${version}`)
    const fields = new Map(answer.version.fields.map((f) => [f.name, f.sensitivity]))
    if (this.fieldCache.size >= 1024) this.fieldCache.clear()
    this.fieldCache.set(key, fields)
    return fields
  }

  async gateway(orgId: string): Promise<GatewayView | undefined> {
    return (await this.getAtHeight(`/v1/catalog/gateways/${encodeURIComponent(orgId)}`, GatewayAnswer))?.gateway
  }

  private latestSeen: { at: number; value: { height: number; timeMs: number } } | undefined

  /**
   * The latest block: the block stream's while it is live, else read at most LATEST_CACHE_MS ago
   * (grant expiry also uses the wall clock).
   */
  async latestCached(): Promise<{ height: number; timeMs: number }> {
    const streamed = this.heights.latest()
    if (streamed !== undefined) return streamed
    if (this.latestSeen !== undefined && Date.now() - this.latestSeen.at < LATEST_CACHE_MS) return this.latestSeen.value
    const value = await this.latest()
    this.latestSeen = { at: Date.now(), value }
    return value
  }

  async latest(): Promise<{ height: number; timeMs: number }> {
    const b = await this.get('/v1/blocks/latest', BlockSchema)
    if (b === undefined) return { height: 0, timeMs: 0 }
    return { height: b.header.height, timeMs: b.header.timeMs }
  }

  /** Signs and submits `module.method(args)` with the gateway key; resolves with the tx hash (hex). */
  async submit(module: string, method: string, args: Uint8Array): Promise<string> {
    const { height } = await this.latestCached()
    const { bytes, txHash } = signTx(
      this.suite,
      {
        chainId: this.chainId,
        sender: this.key.publicKey,
        nonce: randomInt(0, 2 ** 47),
        validUntilHeight: height + 200,
        module,
        method,
        args,
      },
      [this.key],
    )
    try {
      await this.transport.post('/v1/txs', { tx: toBase64(bytes) })
    } catch (e) {
      throw unreachable(`submit ${module}.${method}`, e)
    }
    return toHex(txHash)
  }

  /** The transaction's result code once committed; null while it is pending or unknown to the node. */
  async txResult(hashHex: string): Promise<string | null> {
    const t = await this.getAtHeight(`/v1/txs/${hashHex}`, TxSchema)
    return t !== undefined && t.status !== 'pending' && t.code !== null ? t.code : null
  }

  /** Whether the chain holds this receipt (GET /v1/sharing/receipts/:id answers it). */
  async receiptRecorded(receiptIdHex: string): Promise<boolean> {
    return (await this.getAtHeight(`/v1/sharing/receipts/${receiptIdHex}`, ReceiptAnswer)) !== undefined
  }

  /** Waits until the transaction is committed; resolves with its result code (OK or an error code). */
  async waitTx(hashHex: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const t = await this.get(`/v1/txs/${hashHex}`, TxSchema)
      if (t !== undefined && t.status !== 'pending' && t.code !== null) return t.code
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new GovchainError('TX_TIMEOUT', `transaction ${hashHex} not committed within ${timeoutMs} ms`)
  }
}
