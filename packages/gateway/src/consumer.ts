/**
 * The consumer role of a gateway (X-Road's client security server): asks a provider gateway
 * over mutual TLS, pins the provider's certificate to the one its organisation registered on
 * chain, checks the receipt (hashes of the exact bytes, the provider's registered key and
 * signature), opens the answer and countersigns the receipt.
 */
import { createHash } from 'node:crypto'
import { Agent as HttpsAgent, type RequestOptions as HttpsRequestOptions, request as httpsRequest } from 'node:https'
import { type ConnectionOptions, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls'
// Registers (and types) catalog's codes: a provider without a gateway is CATALOG_GATEWAY_NOT_FOUND.
import '@govchain/catalog/schema'
import { checkAnswer, requestLabel } from '@govchain/app/answer'
import { ErrorSchema } from '@govchain/app/route-kit'
import { isSdkError } from '@govchain/client'
import {
  type CryptoSuite,
  codec,
  fromBase64,
  fromHex,
  GovchainError,
  isErrorCode,
  isGovchainError,
  toBase64,
  toHex,
} from '@govchain/core'
import { type OwnTls, tlsKeyOptions } from '@govchain/p2p'
import { type DataRequest, ReceiptBody, SHARING_LIMITS } from '@govchain/sharing/schema'
import { GatewayAckAnswer, GatewayQueryAnswer } from '@govchain/sharing/views'
import type { GatewayView, NodeLink, RequestView } from './chain.ts'
import type { GatewayHome } from './config.ts'
import type { Row } from './connector.ts'
import { newNonce, openPayload, signReceipt, signRequest, verifyReceipt } from './protocol.ts'

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

/** The parts of a grant fixed when it is requested (RequestView): parties, resource, case link. */
export type GrantRoute = Pick<RequestView, 'resourceId' | 'ownerOrg' | 'consumerOrg' | 'case'>
/** Grants whose fixed parts a consumer keeps (then it starts again). */
const GRANT_ROUTES_MAX = 10_000

export class Consumer {
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
  /** Grants' fixed parts by id (grantRoute). */
  private readonly grantRoutes = new Map<string, GrantRoute>()

  constructor(
    private readonly home: GatewayHome,
    private readonly suite: CryptoSuite,
    private readonly node: NodeLink,
  ) {}

  private get orgId(): string {
    return this.home.config.orgId
  }

  /**
   * What never changes about a grant once it exists — its parties, resource and service-case link,
   * all written when the request is made — read from the node once per grant (bounded). The
   * consumer reads nothing else of a grant: whether it is still approved, revoked, expired or
   * used up is the provider's check, made on every request against the chain (answer()).
   */
  async grantRoute(grantIdHex: string): Promise<GrantRoute | undefined> {
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
    const answer = await this.callProvider(
      provider,
      '/v1/gateway/query',
      { request: toBase64(signed.bytes), signature: toHex(signed.signature) },
      GatewayQueryAnswer,
    )
    return this.acceptAnswer(provider, request, signed.bytes, answer)
  }

  /** Sends JSON to a provider gateway over mutual TLS, as this gateway; its answer checked against `answer`. */
  private callProvider<S extends AnswerSchema>(
    provider: GatewayView,
    path: string,
    body: unknown,
    answer: S,
  ): Promise<Answer<S>> {
    return postToGateway(this.home.tls, provider, path, body, answer, this.agent)
  }

  private async acceptAnswer(
    provider: GatewayView,
    request: DataRequest,
    requestBytes: Uint8Array,
    answer: GatewayQueryAnswer,
  ): Promise<FetchResult> {
    const bad = (m: string) => new GovchainError('GATEWAY_BAD_RESPONSE', m)
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
    const ack = await this.callProvider(
      provider,
      '/v1/gateway/ack',
      { receiptId: answer.receiptId, consumerSignature: toHex(consumerSignature) },
      GatewayAckAnswer,
    )
    return {
      fields: payload.fields,
      rows: payload.rows,
      receiptId: toHex(this.suite.hash(receiptBytes)),
      txHash: ack.txHash,
      responseHash: toHex(responseHash),
      envelope,
      requestHash: toHex(requestHash),
    }
  }

  /** Closes the kept connections to provider gateways. */
  close(): void {
    this.agent.destroy()
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
 * Resolves with the JSON answer, checked against `answer` (sharing's views declare the provider's);
 * a non-200 answer rejects with its GovchainError code. An answer of another shape, refusals
 * included, is GATEWAY_BAD_RESPONSE, naming the first field that does not match.
 */
export function postToGateway<S extends AnswerSchema>(
  tls: OwnTls,
  provider: Pick<GatewayView, 'url' | 'orgId' | 'certFingerprint'>,
  path: string,
  body: unknown,
  answer: S,
  /** A keep-alive agent to reuse connections (already pinned when they were opened); default: a fresh connection. */
  agent?: HttpsAgent,
): Promise<Answer<S>> {
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
        let parsed: unknown
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          return fail(new GovchainError('GATEWAY_BAD_RESPONSE', 'answer is not JSON'))
        }
        const what = `${requestLabel('POST', path)} to ${provider.orgId}'s gateway`
        if (res.statusCode !== 200) {
          return checkedAnswer(ErrorSchema, parsed, `${what} (${res.statusCode})`).then(
            (e) => fail(new GovchainError(isErrorCode(e.code) ? e.code : 'GATEWAY_BAD_RESPONSE', e.message, e)),
            fail,
          )
        }
        checkedAnswer(answer, parsed, what).then(ok, fail)
      })
    })
  })
}

/** A schema of another gateway's answer, as the checker takes it (TypeBox's TSchema). */
export type AnswerSchema = Parameters<typeof checkAnswer>[0]
/** The answer a schema describes (TypeBox's Static, without parameters). */
export type Answer<S extends AnswerSchema> = S['static']

/** `json` as `schema` says, or GATEWAY_BAD_RESPONSE naming the first field that does not match (checkAnswer). */
async function checkedAnswer<S extends AnswerSchema>(schema: S, json: unknown, what: string): Promise<Answer<S>> {
  try {
    return await checkAnswer(schema, json, what)
  } catch (e) {
    if (!isSdkError(e)) throw e
    throw new GovchainError('GATEWAY_BAD_RESPONSE', e.message, { ...e.details })
  }
}
