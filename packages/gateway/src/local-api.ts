/**
 * A gateway's local API (plain HTTP on loopback): the department's officers — the portal
 * console — ask their own gateway to fetch under a grant, and issuers use the holder register.
 * Every request is signed by an active officer of this department, within requestSkewMs and with
 * a fresh nonce.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
// Registers (and types) identity's codes: the local API answers IDENTITY_WRONG_ORGANISATION.
import '@govchain/identity/schema'
import '@govchain/service/schema'
import { guardBrowserRequest, LOOPBACK_HOSTS } from '@govchain/app'
import { isSdkError } from '@govchain/client'
import { type CryptoSuite, errorInfo, fromHex, GovchainError, isGovchainError } from '@govchain/core'
import { OfficersAnswer } from '@govchain/identity/views'
import { checkHolderMatch, HOLDER_CHECK_PATH, HOLDER_LOOKUP_PATH, holderRequestMessage } from '@govchain/license/client'
import type { HolderCheckAnswer, HolderLookupAnswer } from '@govchain/license/views'
import { CaseAnswer } from '@govchain/service/views'
import { gatewayLocalMessage } from '@govchain/sharing/schema'
// The answers' schemas are shared with the pages that check them (sharing's and licence's views).
import type { LocalFetchAnswer, LocalStatusAnswer } from '@govchain/sharing/views'
import { parseHolderRequest, parseLocalFetch } from './bodies.ts'
import type { NodeLink } from './chain.ts'
import type { GatewayHome } from './config.ts'
import type { DataConnector } from './connector.ts'
import type { Consumer } from './consumer.ts'
import { lookupHolder } from './holders.ts'
import { codeOf, readBody, send } from './http.ts'
import { REPLAY_CACHE_MAX } from './provider.ts'

export class LocalApi {
  private readonly localNonces = new Map<string, number>()
  /** The port the local listener bound (its Host check), and the provider listener's URL (status). */
  port = 0
  providerUrl = ''

  constructor(
    private readonly home: GatewayHome,
    private readonly suite: CryptoSuite,
    private readonly node: NodeLink,
    private readonly connector: DataConnector,
    private readonly consumer: Consumer,
  ) {}

  private get orgId(): string {
    return this.home.config.orgId
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin
    const corsAllowed = typeof origin === 'string' && this.home.config.corsOrigins.includes(origin)
    // Only this API's own names (DNS rebinding); a browser origin only if configured for CORS.
    const refused = guardBrowserRequest(req, {
      hosts: [...LOOPBACK_HOSTS, this.home.config.local.host],
      port: this.port,
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
      const status: LocalStatusAnswer = {
        orgId: this.orgId,
        url: this.providerUrl,
        resources: Object.keys(this.home.config.resources),
      }
      return send(res, 200, status, cors)
    }
    if (req.method === 'POST' && (req.url === HOLDER_LOOKUP_PATH || req.url === HOLDER_CHECK_PATH)) {
      const path = req.url
      try {
        return send(res, 200, await this.serveHolder(path, await readBody(req)), cors)
      } catch (e) {
        const code = codeOf(e, 'GATEWAY_BAD_REQUEST')
        const details = (isGovchainError(e) || isSdkError(e)) && e.details !== undefined ? { details: e.details } : {}
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
      const b = parseLocalFetch(await readBody(req))
      const now = Date.now()
      if (Math.abs(now - b.timeMs) > this.home.config.requestSkewMs) throw new GovchainError('GATEWAY_STALE_REQUEST')
      const msg = gatewayLocalMessage(b.grantId, b.fields, b.filter, b.timeMs, b.nonce)
      if (!this.suite.verify(fromHex(b.publicKey), msg, fromHex(b.signature)))
        throw new GovchainError('GATEWAY_BAD_SIGNATURE')
      if (!(await this.isOwnOfficer(b.publicKey)))
        throw new GovchainError('IDENTITY_WRONG_ORGANISATION', 'not an officer of this department')
      this.useLocalNonce(b.nonce, now)
      await this.checkCaseOfficer(b.grantId, b.publicKey)
      const r = await this.consumer.fetch({ grantId: b.grantId, fields: b.fields, filter: b.filter })
      const answer: LocalFetchAnswer = {
        rows: r.rows,
        fields: r.fields,
        receiptId: r.receiptId,
        txHash: r.txHash,
        responseHash: r.responseHash,
      }
      send(res, 200, answer, cors)
    } catch (e) {
      const code = codeOf(e, 'GATEWAY_BAD_REQUEST')
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
      const list = await this.node.get(path, OfficersAnswer)
      return new Map(
        (list?.officers ?? [])
          .filter((o) => o.status === 'active')
          .map((o) => [o.publicKey, { officerId: o.officerId, roles: o.roles }]),
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
  private async serveHolder(path: string, raw: Buffer): Promise<HolderLookupAnswer | HolderCheckAnswer> {
    const { payload, publicKey, signature, request: p } = parseHolderRequest(raw, path === HOLDER_CHECK_PATH)
    const now = Date.now()
    if (Math.abs(now - p.timeMs) > this.home.config.requestSkewMs) throw new GovchainError('GATEWAY_STALE_REQUEST')
    let signed = false
    try {
      signed = this.suite.verify(
        fromHex(publicKey),
        holderRequestMessage(this.home.chainId, path, payload),
        fromHex(signature),
      )
    } catch {
      signed = false
    }
    if (!signed) throw new GovchainError('GATEWAY_BAD_SIGNATURE')
    const officer = await this.ownOfficer(publicKey)
    if (officer === undefined)
      throw new GovchainError('IDENTITY_WRONG_ORGANISATION', 'not an active officer of this department')
    if (!officer.roles.includes('issuer'))
      throw new GovchainError('IDENTITY_ROLE_MISSING', 'the holder register is for issuers', { role: 'issuer' })
    this.useLocalNonce(p.nonce, now)
    const record = await lookupHolder(this.connector, p.kind, p.id)
    if (path === HOLDER_LOOKUP_PATH) return { record }
    // parseHolderRequest checked both for a check.
    checkHolderMatch(record, { holder: p.holder!, fields: p.fields! })
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
    const grant = await this.consumer.grantRoute(grantIdHex)
    if (grant?.case === undefined || grant.case === null) return
    const c = await this.node.getAtHeight(`/v1/service/cases/${grant.case.caseId}`, CaseAnswer)
    const officerId = await this.ownOfficerId(publicKeyHex)
    if (c === undefined || c.case.officerId === null || c.case.officerId !== officerId) {
      throw new GovchainError(
        'SERVICE_NOT_CASE_OFFICER',
        `case ${grant.case.caseId}: its data is pulled by the officer who accepted it`,
      )
    }
  }
}

/** A random 16-byte nonce in hex (local API clients). */
export function localNonce(): string {
  return randomBytes(16).toString('hex')
}
