/**
 * The licence API (docs/license-api.md): the catalogue, licences with state proofs, node-local
 * listings, history, verification of a credential or QR payload (a verdict with every check and
 * the proof material for an offline re-check), and the holder-authenticated uses and grants.
 */

import type { ApiExtension, ApiRouteApp, ApiRouteSpec, ModuleApiContext } from '@govchain/app'
import {
  err,
  ID_PARAM,
  INTERNAL,
  INVALID,
  inTimeRange,
  PUBLIC_KEY_PARAM,
  type RouteSpec,
  SEQUENCE_QUERY_PROPERTIES,
  type SequenceQuery,
  SIGNATURE_PARAM,
  type StateView,
  seekPage,
  sequencePage,
  stateJson,
  timeRange,
} from '@govchain/app'
import { BlockHeader, codec, type ErrorCode, fromHex, GovchainError, toHex, utf8 } from '@govchain/core'
import type { IdentityKeeper } from '@govchain/identity'
import { DID_PATTERN, DidRecord, IDENTITY_MODULE, identityKeys, identityRef } from '@govchain/identity/schema'
import {
  credentialFromQr,
  decodeLicenseQr,
  evaluateLicense,
  type LicenseQr,
  licenseIdOf,
  tryParseSdJwt,
} from './credential.ts'
import {
  type LicenseKeeper,
  renderGrant,
  renderHistory,
  renderLicense,
  renderLicenseType,
  renderUse,
} from './module.ts'
import { printLicensePdf } from './pdf.ts'
import { evaluatePresentation, type LicensePresentation, parsePresentationUrl } from './presentation.ts'
import {
  HOLDER_QUERY_SKEW_MS,
  holderQueryMessage,
  LICENSE_INDEX,
  LICENSE_KEYS,
  LICENSE_MODULE,
  LicenseRecord,
  type LicenseTypeRecord,
  parseLicenseId,
} from './schema.ts'
import {
  EFFECTIVE_STATUSES,
  LicenseAnswer,
  LicenseGrantPage,
  LicenseHistoryAnswer,
  LicensePage,
  LicenseTypesAnswer,
  LicenseTypeView,
  LicenseUsesAnswer,
  type LicenseVerdictView,
  PresentationVerdictView,
  type VerdictCheckView,
  LicenseVerdictView as VerdictSchema,
} from './views.ts'

const licenseIdParam = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[0-9A-Z.]+$' }
const typeParam = { type: 'string', pattern: '^([0-9A-Z]{1,32}|[a-z][a-z0-9-]{0,31})$' }
const didParam = { type: 'string', pattern: DID_PATTERN.source }
const proveText = { type: 'string', enum: ['true', 'false'] }
const heightText = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' }
const timeMsText = { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' }
const authProps = {
  did: didParam,
  key: PUBLIC_KEY_PARAM,
  ts: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' },
  sig: SIGNATURE_PARAM,
}

/** Listing limits: a page and the scan behind a filtered page. */
export const LICENSE_LIST_MAX = 200
/** Holder grants per page unless `limit` says otherwise (at most 500). */
export const GRANTS_PAGE_DEFAULT = 100

export const LICENSE_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/license-types',
    operationId: 'licenseListTypes',
    summary: 'The licence type catalogue',
    description: 'Every licence type with its fields (which are personal), trusted issuers and validity rule.',
    tag: LICENSE_MODULE,
    responses: {
      200: {
        description: 'types',
        schema: LicenseTypesAnswer,
      },
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/license-types/:code',
    operationId: 'licenseGetType',
    summary: 'One licence type, by code or alias',
    description: 'LicenseTypeView.',
    tag: LICENSE_MODULE,
    params: { type: 'object', required: ['code'], properties: { code: typeParam } },
    responses: {
      200: { description: 'the type', schema: LicenseTypeView },
      400: INVALID,
      404: err('LICENSE_TYPE_NOT_FOUND'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/licenses',
    operationId: 'licenseList',
    summary: 'Licences by holder, issuer or type (node-local index)',
    description:
      'At least one of holder, issuer, type; the others filter (e.g. `type` with `issuer`: one department). ' +
      '`issuer` names the issuing department (an organisation id): one the chain does not know is ' +
      'IDENTITY_ORG_NOT_FOUND, not an empty list. ' +
      '`status` filters on the effective status at the latest block time; `fromMs`/`toMs` on the issue block ' +
      'time, both bounds inclusive (INVALID_DATE_RANGE when `fromMs` is after `toMs`). ' +
      "Pages by seek cursor: pass the previous page's `next` as `after`; a page may come back short with a " +
      'non-null `next` when a filter skipped many entries, and `next` is null only on the last page.',
    tag: LICENSE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        holder: didParam,
        issuer: ID_PARAM,
        type: { type: 'string', pattern: '^[0-9A-Z]{1,32}$' },
        status: { type: 'string', enum: [...EFFECTIVE_STATUSES] },
        fromMs: { ...timeMsText, description: 'issued at or after this block time (ms)' },
        toMs: { ...timeMsText, description: 'issued at or before this block time (ms)' },
        limit: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)$' },
        after: licenseIdParam,
      },
    },
    responses: {
      200: {
        description: 'licenses',
        schema: LicensePage,
      },
      400: err('invalid query (INVALID_ARGUMENT), or a date range whose start is after its end (INVALID_DATE_RANGE)'),
      404: err('the `issuer` department is not an organisation of the chain (IDENTITY_ORG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/licenses/:id',
    operationId: 'licenseGet',
    summary: 'A licence record, optionally with its state proof',
    description: 'The on-chain record (nothing personal), its type, and with prove=true the proof material.',
    tag: LICENSE_MODULE,
    params: { type: 'object', required: ['id'], properties: { id: licenseIdParam } },
    querystring: { type: 'object', additionalProperties: false, properties: { prove: proveText, height: heightText } },
    responses: {
      200: {
        description: 'the licence',
        schema: LicenseAnswer,
      },
      400: INVALID,
      404: err('LICENSE_NOT_FOUND'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/licenses/:id/history',
    operationId: 'licenseHistory',
    summary: 'Every transition of a licence: who, when, why; one page',
    description: 'Oldest first. Pass the answer’s `next` as `after` for the next page; null at the last entry.',
    tag: LICENSE_MODULE,
    params: { type: 'object', required: ['id'], properties: { id: licenseIdParam } },
    querystring: { type: 'object', additionalProperties: false, properties: SEQUENCE_QUERY_PROPERTIES },
    responses: {
      200: {
        description: 'history',
        schema: LicenseHistoryAnswer,
      },
      400: INVALID,
      404: err('LICENSE_NOT_FOUND'),
      500: INTERNAL,
    },
  },
  {
    method: 'POST',
    url: '/v1/licenses/verify',
    operationId: 'licenseVerify',
    summary: 'Verify a licence credential or QR payload',
    description:
      'A verdict with every check and its reason, evaluated at the latest committed height and its block time, ' +
      'and the proof material (record, SMT proof, header, commit certificate) for an offline re-check.',
    tag: LICENSE_MODULE,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        credential: { type: 'string', minLength: 1, maxLength: 16384 },
        qr: { type: 'string', minLength: 1, maxLength: 8192 },
        prove: { type: 'boolean' },
      },
    },
    responses: { 200: { description: 'the verdict', schema: VerdictSchema }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'POST',
    url: '/v1/licenses/print',
    operationId: 'licensePrint',
    summary: 'The printable licence (PDF) of a valid credential',
    description:
      "The licence in its type's print template (docs/license.md): holder by name, the disclosed fields, " +
      "validity from the credential's nbf/exp, the issuing department's seal bound to the issuer signature by " +
      'its fingerprint, and a QR with the credential and the proof of its record. Only a credential that ' +
      'verifies as valid at the latest height is printed; otherwise the error is the first failed check.',
    tag: LICENSE_MODULE,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['credential'],
      properties: {
        credential: { type: 'string', minLength: 1, maxLength: 16384 },
        verifyUrl: { type: 'string', minLength: 1, maxLength: 512, pattern: '^https?://' },
      },
    },
    responses: {
      200: { description: 'the PDF', contentType: 'application/pdf' },
      400: INVALID,
      404: err('LICENSE_NOT_FOUND'),
      409: err('LICENSE_REVOKED, LICENSE_SUSPENDED, LICENSE_EXPIRED, … (the licence is not valid)'),
      500: INTERNAL,
    },
  },
  {
    method: 'POST',
    url: '/v1/licenses/presentations/verify',
    operationId: 'licenseVerifyPresentation',
    summary: 'Verify a short 亮证 QR: a verify URL with a holder-signed, expiring token',
    description:
      "The URL the holder's wallet shows (docs/adr/0025): the token must verify with a current key of the " +
      "licence holder's DID for `audience` (the verifier's own verify page URL), be unexpired by this node's " +
      'clock, and name a licence that is active at the latest block time. With prove (default true) the answer ' +
      "carries the proofs of the licence record and of the holder's DID document for an offline re-check. " +
      'Bad input gives an invalid verdict with its reason; nothing is stored.',
    tag: LICENSE_MODULE,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'audience'],
      properties: {
        url: { type: 'string', minLength: 1, maxLength: 1024 },
        audience: { type: 'string', minLength: 1, maxLength: 512 },
        prove: { type: 'boolean' },
      },
    },
    responses: {
      200: { description: 'the verdict', schema: PresentationVerdictView },
      400: INVALID,
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/licenses/:id/uses',
    operationId: 'licenseUses',
    summary: 'Grants and recorded uses of a licence (holder only); the uses one page',
    description:
      'Holder-authenticated by a signature of a current key of the holder DID (docs/license-api.md). ' +
      'Every grant; the uses oldest first, a page at a time: pass `usesNext` as `after` (with a fresh ' +
      'or the same signature) for the next page.',
    tag: LICENSE_MODULE,
    params: { type: 'object', required: ['id'], properties: { id: licenseIdParam } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      required: ['did', 'key', 'ts', 'sig'],
      properties: { ...authProps, ...SEQUENCE_QUERY_PROPERTIES },
    },
    responses: {
      200: {
        description: 'grants and uses',
        schema: LicenseUsesAnswer,
      },
      400: INVALID,
      401: err('LICENSE_AUTH_INVALID'),
      403: err('LICENSE_NOT_HOLDER'),
      404: err('LICENSE_NOT_FOUND'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/license-grants',
    operationId: 'licenseHolderGrants',
    summary: "All of a holder's grants (holder only)",
    description: 'Holder-authenticated like /v1/licenses/{id}/uses; `holder` is the authenticated DID.',
    tag: LICENSE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      required: ['did', 'key', 'ts', 'sig'],
      properties: {
        ...authProps,
        limit: { type: 'string', pattern: '^([1-9][0-9]{0,1}|[1-4][0-9]{2}|500)$' },
        after: { type: 'string', pattern: '^[0-9a-f]{64}$', description: "the previous page's `next`" },
      },
    },
    responses: {
      200: {
        description: 'grants, a page at a time; `next` is null on the last page',
        schema: LicenseGrantPage,
      },
      400: INVALID,
      401: err('LICENSE_AUTH_INVALID'),
      500: INTERNAL,
    },
  },
]

interface AuthQuery {
  did: string
  key: string
  ts: string
  sig: string
}

/** The index prefix of a licence listing, as the store keys it (`license/` + facet). */
function indexPrefix(facet: Uint8Array): Uint8Array {
  return new Uint8Array([...utf8(`${LICENSE_MODULE}/`), ...facet])
}

/**
 * Licence types and issuer views read at the latest height, kept until the next block: a
 * verification reads both, and a verifier checks many licences of few types and issuers.
 */
class LatestReads {
  private height = -1
  private readonly types = new Map<string, LicenseTypeRecord | undefined>()
  private readonly issuers = new Map<string, LicenseVerdictView['issuer']>()

  /** `keepers`: the API's own keeper getters, the one way its routes reach the committed state. */
  constructor(
    private readonly ctx: ModuleApiContext,
    private readonly keepers: { license(): LicenseKeeper; identity(): IdentityKeeper },
  ) {}

  type(code: string): LicenseTypeRecord | undefined {
    this.refresh()
    if (!this.types.has(code)) this.types.set(code, this.keepers.license().type(code))
    return this.types.get(code)
  }

  issuer(orgId: string): LicenseVerdictView['issuer'] {
    this.refresh()
    if (!this.issuers.has(orgId)) {
      const o = this.keepers.identity().organisation(orgId)
      this.issuers.set(orgId, o === undefined ? null : { orgId, name: o.name, nameEn: o.nameEn, code: o.code })
    }
    return this.issuers.get(orgId)!
  }

  private refresh(): void {
    const h = this.ctx.latestHeight()
    // Bounded: unknown codes asked for within one block cannot grow the maps without limit.
    if (h === this.height && this.types.size + this.issuers.size < 512) return
    this.height = h
    this.types.clear()
    this.issuers.clear()
  }
}

/** The licence routes' work: verification, printing, presentations and the holder's signed queries. */
class LicenseApi {
  private readonly reads: LatestReads
  private readonly dec = new TextDecoder()

  constructor(
    private readonly ctx: ModuleApiContext,
    private readonly clock: () => number,
  ) {
    this.reads = new LatestReads(ctx, { license: () => this.keeper(), identity: () => this.identity() })
  }

  private keeper(): LicenseKeeper {
    return this.ctx.keeper<LicenseKeeper>(LICENSE_MODULE)
  }

  private identity(): IdentityKeeper {
    return this.ctx.keeper(identityRef)
  }

  private at(): { height: number; timeMs: number } {
    return { height: this.ctx.latestHeight(), timeMs: this.ctx.latestTimeMs() }
  }

  /** The holder's signed query: a current key of `did`, a fresh timestamp, a signature over the path. */
  private authenticate(path: string, q: AuthQuery): void {
    const ts = Number(q.ts)
    // The API edge may read the wall clock (never a state transition): it bounds replays of a read.
    if (Math.abs(this.clock() - ts) > HOLDER_QUERY_SKEW_MS) {
      throw new GovchainError('LICENSE_AUTH_INVALID', 'ts is outside the accepted window', {
        skewMs: HOLDER_QUERY_SKEW_MS,
      })
    }
    const key = fromHex(q.key)
    const message = holderQueryMessage({ chainId: this.ctx.chainId, path, did: q.did, timeMs: ts })
    if (!this.ctx.suite.verify(key, message, fromHex(q.sig)))
      throw new GovchainError('LICENSE_AUTH_INVALID', 'signature does not verify')
    if (!this.identity().isDidKey(q.did, key))
      throw new GovchainError('LICENSE_AUTH_INVALID', 'key is not a current key of the DID')
  }

  verify(body: { credential?: string; qr?: string; prove?: boolean }): LicenseVerdictView {
    if ((body.credential === undefined) === (body.qr === undefined)) {
      throw new GovchainError('INVALID_ARGUMENT', 'give exactly one of credential or qr')
    }
    const suite = this.ctx.suite
    let credential: string | undefined = body.credential
    let qr: LicenseQr | undefined
    if (body.qr !== undefined) {
      try {
        qr = decodeLicenseQr(body.qr.trim())
      } catch (e) {
        return this.malformedVerdict(e as GovchainError)
      }
      if (qr.type === 'full') credential = credentialFromQr(qr.value.credential)
    }
    const parsed = credential === undefined ? undefined : tryParseSdJwt(suite, credential)
    const licenseId = parsed !== undefined ? licenseIdOf(parsed) : qr?.type === 'ref' ? qr.value.licenseId : undefined
    const prove = body.prove ?? true
    const key = licenseId === undefined ? undefined : LICENSE_KEYS.license(licenseId)
    const view = key === undefined ? undefined : this.ctx.state(LICENSE_MODULE, key, { prove })
    let timeMs = this.ctx.latestTimeMs()
    const height = view?.height ?? this.ctx.latestHeight()
    if (view?.headerBytes !== undefined) timeMs = codec.decode(BlockHeader, view.headerBytes).timeMs
    const record = view?.value === undefined ? undefined : codec.decode(LicenseRecord, view.value)
    const type = record === undefined ? undefined : this.reads.type(record.typeCode)
    const extra = {
      license: record === undefined ? null : renderLicense(record, { height, timeMs }),
      type: type === undefined ? null : renderLicenseType(type),
      issuer: record === undefined ? null : this.reads.issuer(record.issuerOrg),
      proof: prove && view !== undefined ? stateJson(view) : null,
    }
    if (credential === undefined && qr?.type === 'ref') {
      // A reference QR: no credential to check, only the record and the hash it names.
      const hashOk = record !== undefined && toHex(record.credentialHash) === toHex(qr.value.credentialHash)
      const status = record === undefined ? undefined : renderLicense(record, { height, timeMs }).effectiveStatus
      const checks: VerdictCheckView[] = [
        {
          check: 'format',
          ok: true,
          message: 'reference QR (no credential: fields cannot be checked)',
          messageZh: '引用型二维码(不含凭证)',
        },
        record === undefined
          ? {
              check: 'chain_record',
              ok: false,
              code: 'LICENSE_NOT_FOUND',
              message: 'licence not on chain',
              messageZh: '链上无此证照',
            }
          : { check: 'chain_record', ok: true, message: `found at height ${height}`, messageZh: '链上找到证照记录' },
        {
          check: 'credential_hash',
          ok: hashOk,
          ...(hashOk ? {} : { code: 'LICENSE_CREDENTIAL_HASH_MISMATCH' }),
          message: hashOk ? 'hash matches' : 'hash does not match',
          messageZh: hashOk ? '哈希一致' : '哈希不一致',
        },
      ]
      const valid = hashOk && status === 'active'
      return {
        valid,
        verdict: !hashOk || record === undefined ? 'invalid' : status === 'active' ? 'valid' : (status ?? 'invalid'),
        reasons: checks.flatMap((c) => ('code' in c && c.code !== undefined ? [c.code] : [])),
        checks,
        licenseId: qr.value.licenseId,
        disclosed: [],
        atHeight: height,
        atTimeMs: timeMs,
        ...extra,
      }
    }
    if (qr?.type === 'full' && qr.value.chainId !== this.ctx.chainId) {
      return this.malformedVerdict(new GovchainError('LICENSE_WRONG_CHAIN', `QR is for chain ${qr.value.chainId}`))
    }
    const verdict = evaluateLicense({
      suite,
      chainId: this.ctx.chainId,
      credential: credential ?? '',
      ...(parsed === undefined ? {} : { parsed }),
      record,
      type,
      atHeight: height,
      atTimeMs: timeMs,
    })
    return { ...verdict, licenseId: verdict.licenseId ?? null, ...extra }
  }

  /** The printed licence of a credential that verifies as valid now (see licensePrint). */
  async print(body: { credential: string; verifyUrl?: string }): Promise<{ id: string; bytes: Buffer }> {
    const v = this.verify({ credential: body.credential, prove: false })
    if (!v.valid || v.licenseId === null || v.license === null) {
      const code = (v.reasons[0] ?? 'LICENSE_CREDENTIAL_MALFORMED') as ErrorCode
      throw new GovchainError(code, `only a valid licence is printed (verdict: ${v.verdict})`)
    }
    const record = this.keeper().license(v.licenseId)
    const type = record === undefined ? undefined : this.reads.type(record.typeCode)
    if (record === undefined || type === undefined) throw new GovchainError('LICENSE_NOT_FOUND')
    const org = this.reads.issuer(record.issuerOrg)
    const view = this.ctx.state(LICENSE_MODULE, LICENSE_KEYS.license(v.licenseId), { prove: true })
    const proof =
      view.value !== undefined &&
      view.proof !== undefined &&
      view.headerBytes !== undefined &&
      view.certificate !== undefined
        ? {
            height: view.height,
            value: view.value,
            proof: view.proof,
            headerBytes: view.headerBytes,
            certificate: view.certificate,
          }
        : undefined
    const printed = await printLicensePdf({
      suite: this.ctx.suite,
      chainId: this.ctx.chainId,
      credential: body.credential,
      typeName: type.name,
      typeNameEn: type.nameEn,
      typeAlias: type.alias,
      typeCode: type.code,
      issuerName: org?.name ?? record.issuerOrg,
      ...(org === null ? {} : { issuerNameEn: org.nameEn }),
      labels: Object.fromEntries(type.fields.map((f) => [f.name, { label: f.label, labelEn: f.labelEn }])),
      ...(proof === undefined ? {} : { proof }),
      ...(body.verifyUrl === undefined ? {} : { verifyUrl: body.verifyUrl }),
    })
    return { id: v.licenseId, bytes: printed.pdf }
  }

  verifyPresentation(body: { url: string; audience: string; prove?: boolean }): PresentationVerdictView {
    const prove = body.prove ?? true
    const none = { license: null, type: null, issuer: null, proof: null, holderProof: null }
    let presentation: LicensePresentation
    try {
      presentation = parsePresentationUrl(body.url).presentation
    } catch (e) {
      if (!(e instanceof GovchainError)) throw e
      return {
        valid: false,
        verdict: 'invalid',
        reasons: [e.code],
        checks: [{ check: 'format', ok: false, code: e.code, message: e.message, messageZh: '亮证码格式错误' }],
        licenseId: null,
        holder: null,
        expiresAtMs: null,
        atHeight: this.ctx.latestHeight(),
        atTimeMs: this.ctx.latestTimeMs(),
        ...none,
      }
    }
    const licenseView =
      parseLicenseId(presentation.c) === undefined
        ? undefined
        : this.ctx.state(LICENSE_MODULE, LICENSE_KEYS.license(presentation.c), { prove })
    let didView: StateView | undefined
    try {
      didView = this.ctx.state(IDENTITY_MODULE, identityKeys.did(presentation.iss), { prove })
    } catch {
      didView = undefined // not a DID: the format check says so
    }
    const height = licenseView?.height ?? this.ctx.latestHeight()
    const timeMs =
      licenseView?.headerBytes !== undefined
        ? codec.decode(BlockHeader, licenseView.headerBytes).timeMs
        : this.ctx.latestTimeMs()
    const record = licenseView?.value === undefined ? undefined : codec.decode(LicenseRecord, licenseView.value)
    const did = didView?.value === undefined ? undefined : codec.decode(DidRecord, didView.value)
    const v = evaluatePresentation({
      suite: this.ctx.suite,
      audience: body.audience,
      presentation,
      record,
      holderKeys: did?.status === 'active' ? did.keys.map((k) => k.publicKey) : [],
      // The API edge may read the wall clock (never a state transition): it bounds the token's life.
      nowMs: this.clock(),
      atHeight: height,
      atTimeMs: timeMs,
    })
    const type = record === undefined ? undefined : this.reads.type(record.typeCode)
    const { status: _status, ...answer } = v
    return {
      ...answer,
      licenseId: v.licenseId ?? null,
      holder: v.holder ?? null,
      expiresAtMs: v.expiresAtMs ?? null,
      license: record === undefined ? null : renderLicense(record, { height, timeMs }),
      type: type === undefined ? null : renderLicenseType(type),
      issuer: record === undefined ? null : this.reads.issuer(record.issuerOrg),
      proof: prove && licenseView !== undefined ? stateJson(licenseView) : null,
      holderProof: prove && didView !== undefined ? stateJson(didView) : null,
    }
  }

  private malformedVerdict(e: GovchainError): LicenseVerdictView {
    const code = e.code
    return {
      valid: false,
      verdict: 'invalid',
      reasons: [code],
      checks: [{ check: 'format', ok: false, code, message: e.message, messageZh: '凭证或二维码格式错误' }],
      licenseId: null,
      license: null,
      type: null,
      issuer: null,
      disclosed: [],
      atHeight: this.ctx.latestHeight(),
      atTimeMs: this.ctx.latestTimeMs(),
      proof: null,
    }
  }

  register(app: ApiRouteApp, spec: ApiRouteSpec): void {
    app.route({
      ...spec('licenseListTypes'),
      handler: async () => ({ items: this.keeper().types().map(renderLicenseType) }),
    })
    app.route<{ Params: { code: string } }>({
      ...spec('licenseGetType'),
      handler: async (request) => {
        const t = this.reads.type(request.params.code)
        if (t === undefined) throw new GovchainError('LICENSE_TYPE_NOT_FOUND')
        return renderLicenseType(t)
      },
    })
    app.route<{
      Querystring: {
        holder?: string
        issuer?: string
        type?: string
        status?: string
        fromMs?: string
        toMs?: string
        limit?: string
        after?: string
      }
    }>({
      ...spec('licenseList'),
      handler: async (request) => {
        const q = request.query
        const range = timeRange(q.fromMs, q.toMs)
        // A department filter naming no organisation is a mistake to report, not an empty list.
        if (q.issuer !== undefined && this.identity().organisation(q.issuer) === undefined)
          throw new GovchainError('IDENTITY_ORG_NOT_FOUND', undefined, { issuer: q.issuer })
        const limit = Number(q.limit ?? 50)
        let prefix: Uint8Array
        if (q.holder !== undefined) prefix = LICENSE_INDEX.byHolder(q.holder)
        else if (q.issuer !== undefined) prefix = LICENSE_INDEX.byIssuer(q.issuer)
        else if (q.type !== undefined) prefix = LICENSE_INDEX.byType(q.type)
        else throw new GovchainError('INVALID_ARGUMENT', 'give at least one of holder, issuer, type')
        const now = this.at()
        const k = this.keeper()
        const page = seekPage({
          scan: this.ctx.scanIndex,
          prefix: indexPrefix(prefix),
          after: q.after === undefined ? undefined : utf8(q.after),
          limit,
          take: ({ suffix }) => {
            const r = k.license(this.dec.decode(suffix))
            if (r === undefined) return undefined
            if (q.holder !== undefined && r.holder !== q.holder) return undefined
            if (q.issuer !== undefined && r.issuerOrg !== q.issuer) return undefined
            if (q.type !== undefined && r.typeCode !== q.type) return undefined
            if (!inTimeRange(range, r.issuedTimeMs)) return undefined
            const view = renderLicense(r, now)
            return q.status !== undefined && view.effectiveStatus !== q.status ? undefined : view
          },
        })
        return { items: page.items, next: page.next === null ? null : this.dec.decode(page.next) }
      },
    })
    app.route<{ Params: { id: string }; Querystring: { prove?: string; height?: string } }>({
      ...spec('licenseGet'),
      handler: async (request) => {
        const prove = request.query.prove === 'true'
        const view = this.ctx.state(LICENSE_MODULE, LICENSE_KEYS.license(request.params.id), {
          prove,
          ...(request.query.height === undefined ? {} : { height: Number(request.query.height) }),
        })
        if (view.value === undefined) throw new GovchainError('LICENSE_NOT_FOUND', undefined, { id: request.params.id })
        const r = codec.decode(LicenseRecord, view.value)
        const timeMs =
          view.headerBytes !== undefined ? codec.decode(BlockHeader, view.headerBytes).timeMs : this.ctx.latestTimeMs()
        const t = this.reads.type(r.typeCode)
        return {
          license: renderLicense(r, { height: view.height, timeMs }),
          type: t === undefined ? null : renderLicenseType(t),
          proof: prove ? stateJson(view) : null,
        }
      },
    })
    app.route<{ Params: { id: string }; Querystring: SequenceQuery }>({
      ...spec('licenseHistory'),
      handler: async (request) => {
        const id = request.params.id
        const k = this.keeper()
        const r = k.license(id)
        if (r === undefined) throw new GovchainError('LICENSE_NOT_FOUND')
        const page = sequencePage({
          count: r.historyCount,
          after: request.query.after,
          limit: request.query.limit,
          what: 'licence history entry',
          read: (seq) => {
            const e = k.historyEntry(id, seq)
            return e === undefined ? undefined : renderHistory(e, seq)
          },
        })
        return { id, items: page.items, next: page.next }
      },
    })
    app.route<{ Body: { credential?: string; qr?: string; prove?: boolean } }>({
      ...spec('licenseVerify'),
      handler: async (request) => this.verify(request.body ?? {}),
    })
    app.route<{ Body: { credential: string; verifyUrl?: string } }>({
      ...spec('licensePrint'),
      handler: async (request, reply) => {
        const pdf = await this.print(request.body)
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="licence-${pdf.id}.pdf"`)
          .send(pdf.bytes)
      },
    })
    app.route<{ Body: { url: string; audience: string; prove?: boolean } }>({
      ...spec('licenseVerifyPresentation'),
      handler: async (request) => this.verifyPresentation(request.body),
    })
    app.route<{ Params: { id: string }; Querystring: AuthQuery & SequenceQuery }>({
      ...spec('licenseUses'),
      handler: async (request) => {
        const id = request.params.id
        this.authenticate(`/v1/licenses/${id}/uses`, request.query)
        const k = this.keeper()
        const r = k.license(id)
        if (r === undefined) throw new GovchainError('LICENSE_NOT_FOUND')
        if (r.holder !== request.query.did) throw new GovchainError('LICENSE_NOT_HOLDER')
        const now = this.at()
        const uses = sequencePage({
          count: k.recordedUseCount(id),
          after: request.query.after,
          limit: request.query.limit,
          what: 'licence use entry',
          read: (seq) => {
            const u = k.recordedUse(id, seq)
            return u === undefined ? undefined : renderUse(u, seq)
          },
        })
        return {
          licenseId: id,
          grants: k.grantsOf(id).map((g) => renderGrant(g, r, now.timeMs)),
          uses: uses.items,
          usesNext: uses.next,
        }
      },
    })
    app.route<{ Querystring: AuthQuery & { limit?: string; after?: string } }>({
      ...spec('licenseHolderGrants'),
      handler: async (request) => {
        this.authenticate('/v1/license-grants', request.query)
        const k = this.keeper()
        const now = this.at()
        const { after, limit } = request.query
        const page = seekPage({
          scan: this.ctx.scanIndex,
          prefix: indexPrefix(LICENSE_INDEX.grantsByHolder(request.query.did)),
          after: after === undefined ? undefined : utf8(after),
          limit: Number(limit ?? GRANTS_PAGE_DEFAULT),
          take: ({ suffix }) => {
            const g = k.grant(fromHex(this.dec.decode(suffix)))
            return g === undefined ? undefined : renderGrant(g, k.license(g.licenseId), now.timeMs)
          },
        })
        return { items: page.items, next: page.next === null ? null : this.dec.decode(page.next) }
      },
    })
  }
}

export function licenseApi(ctx: ModuleApiContext, clock: () => number = Date.now): ApiExtension {
  const api = new LicenseApi(ctx, clock)
  return { name: LICENSE_MODULE, routes: LICENSE_ROUTES, register: (app, spec) => api.register(app, spec) }
}
