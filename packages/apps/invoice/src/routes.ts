/**
 * The `invoice` module's REST routes, served by the node under /v1/invoice (docs/invoice.md):
 * an issuer, an invoice (with a state proof on request), invoices by seller or buyer (paged
 * with a seek cursor), and 查验: a file checked against the chain's record.
 */
import {
  type ApiExtension,
  err,
  INTERNAL,
  INVALID,
  type ModuleApiContext,
  type RouteSpec,
  seekPage,
  stateJson,
} from '@govchain/app'
import { codec, concatBytes, GovchainError, utf8 } from '@govchain/core'
import { DID_PATTERN } from '@govchain/identity/schema'
import { checkInvoiceFile, type InvoiceFile } from './client.ts'
import { renderInvoice, renderIssuer } from './module.ts'
import {
  INVOICE_CODE_PATTERN,
  INVOICE_INDEX,
  INVOICE_KEYS,
  INVOICE_MODULE,
  INVOICE_NUMBER_PATTERN,
  InvoiceIssuerRecord,
  InvoiceRecord,
} from './schema.ts'

import { InvoiceAnswer, InvoiceCheckAnswer, InvoicePage, IssuerAnswer, IssuersAnswer } from './views.ts'

const LIST_LIMIT_MAX = 200
const CODE = { type: 'string', pattern: INVOICE_CODE_PATTERN.source }
const NUMBER = { type: 'string', pattern: INVOICE_NUMBER_PATTERN.source }
/** What /verify accepts of a file: the shape checkInvoiceFile reads, nothing else unbounded. */
const FILE_SCHEMA = {
  type: 'object',
  required: ['format', 'kind', 'code', 'number', 'seller', 'buyer', 'lines', 'amountFen', 'taxFen', 'salt'],
  properties: {
    format: { type: 'string', const: 'govchain-invoice/1' },
    chainId: { type: 'string', maxLength: 64 },
    kind: { type: 'string', enum: ['invoice', 'receipt'] },
    code: CODE,
    number: NUMBER,
    seller: {
      type: 'object',
      required: ['code'],
      properties: { code: { type: 'string', maxLength: 18 }, name: { type: 'string', maxLength: 128 } },
    },
    buyer: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { type: 'string', enum: ['enterprise', 'person'] },
        code: { type: 'string', maxLength: 18 },
        did: { type: 'string', maxLength: 64 },
        name: { type: 'string', maxLength: 128 },
      },
    },
    date: { type: 'string', maxLength: 10 },
    lines: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['item', 'quantity', 'unitPriceFen', 'amountFen', 'taxRate', 'taxFen'],
        properties: {
          item: { type: 'string', maxLength: 200 },
          quantity: { type: 'string', maxLength: 32 },
          unitPriceFen: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          amountFen: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          taxRate: { type: 'string', maxLength: 16 },
          taxFen: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        },
      },
    },
    amountFen: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    taxFen: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    salt: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
}

export const INVOICE_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/invoice/issuers',
    operationId: 'invoiceIssuersByDid',
    summary: 'The issuers (enterprises, receipt units) a DID signs for',
    description: 'What an enterprise that logs in with its DID may issue and claim as; seek cursor (`next`).',
    tag: INVOICE_MODULE,
    querystring: {
      type: 'object',
      required: ['did'],
      additionalProperties: false,
      properties: {
        did: { type: 'string', pattern: DID_PATTERN.source },
        after: { type: 'string', maxLength: 64 },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
      },
    },
    responses: { 200: { description: 'issuers', schema: IssuersAnswer }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/invoice/issuers/:code',
    operationId: 'invoiceIssuer',
    summary: 'A registered issuer (enterprise or receipt unit), its quota and invoices issued',
    description: 'With prove=true the answer carries the state proof.',
    tag: INVOICE_MODULE,
    params: { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 18 } } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { prove: { type: 'string', enum: ['true', 'false'] } },
    },
    responses: {
      200: { description: 'the issuer', schema: IssuerAnswer },
      400: INVALID,
      404: err('no issuer with this credit code (INVOICE_ISSUER_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/invoice/invoices/:code/:number',
    operationId: 'invoiceGet',
    summary: 'An invoice (发票代码 + 发票号码): status, claim, commitments; never the amounts',
    description: 'With prove=true the answer carries the state proof.',
    tag: INVOICE_MODULE,
    params: { type: 'object', required: ['code', 'number'], properties: { code: CODE, number: NUMBER } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { prove: { type: 'string', enum: ['true', 'false'] } },
    },
    responses: {
      200: { description: 'the invoice', schema: InvoiceAnswer },
      400: INVALID,
      404: err('no such invoice (INVOICE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/invoice/invoices',
    operationId: 'invoiceList',
    summary: 'Invoices of a seller or of a buyer, newest first, one page',
    description:
      'seller: a credit code; buyer: a credit code or a person’s wallet DID. Pass the answer’s `next` as ' +
      '`after` for the next page; `next` is null at the end.',
    tag: INVOICE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        seller: { type: 'string', maxLength: 18 },
        buyer: { type: 'string', maxLength: 64 },
        after: { type: 'string', maxLength: 64 },
        limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX },
      },
    },
    responses: { 200: { description: 'one page', schema: InvoicePage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'POST',
    url: '/v1/invoice/verify',
    operationId: 'invoiceVerify',
    summary: '查验: check an invoice file against the chain',
    description:
      'valid: the file opens the record (amount and tax commitment, lines, seller, buyer, kind); void: it ' +
      'does, and the invoice was reversed; mismatch: something in the file differs (reasons name what); ' +
      'not-found: no such invoice. The claim, if any, is shown.',
    tag: INVOICE_MODULE,
    body: {
      type: 'object',
      required: ['file'],
      additionalProperties: false,
      properties: { file: FILE_SCHEMA },
    },
    responses: { 200: { description: 'the check', schema: InvoiceCheckAnswer }, 400: INVALID, 500: INTERNAL },
  },
]

export function invoiceApi(ctx: ModuleApiContext): ApiExtension {
  const invoiceAt = (key: Uint8Array) => {
    const s = ctx.state(INVOICE_MODULE, key, { prove: false })
    return s.value === undefined ? undefined : renderInvoice(codec.decode(InvoiceRecord, s.value))
  }
  return {
    name: INVOICE_MODULE,
    routes: INVOICE_ROUTES,
    register(app, spec) {
      app.route<{ Querystring: { did: string; after?: string; limit?: number } }>({
        ...spec('invoiceIssuersByDid'),
        handler: async (request) => {
          const q = request.query
          const page = seekPage({
            scan: (pre, n, from) => ctx.scanIndex(pre, n, from),
            prefix: concatBytes(utf8(`${INVOICE_MODULE}/`), INVOICE_INDEX.issuersByDid(q.did)),
            after: q.after === undefined ? undefined : utf8(q.after),
            limit: q.limit ?? 50,
            take: ({ value }) => {
              const s = ctx.state(INVOICE_MODULE, INVOICE_KEYS.issuer(new TextDecoder().decode(value)), {
                prove: false,
              })
              return s.value === undefined ? undefined : renderIssuer(codec.decode(InvoiceIssuerRecord, s.value))
            },
          })
          return { items: page.items, next: page.next === null ? null : new TextDecoder().decode(page.next) }
        },
      })
      app.route<{ Params: { code: string }; Querystring: { prove?: string } }>({
        ...spec('invoiceIssuer'),
        handler: async (request) => {
          const s = ctx.state(INVOICE_MODULE, INVOICE_KEYS.issuer(request.params.code), {
            prove: request.query.prove === 'true',
          })
          if (s.value === undefined) throw new GovchainError('INVOICE_ISSUER_NOT_FOUND')
          return { issuer: renderIssuer(codec.decode(InvoiceIssuerRecord, s.value)), state: stateJson(s) }
        },
      })
      app.route<{ Params: { code: string; number: string }; Querystring: { prove?: string } }>({
        ...spec('invoiceGet'),
        handler: async (request) => {
          const { code, number } = request.params
          const s = ctx.state(INVOICE_MODULE, INVOICE_KEYS.invoice(code, number), {
            prove: request.query.prove === 'true',
          })
          if (s.value === undefined) throw new GovchainError('INVOICE_NOT_FOUND')
          return { invoice: renderInvoice(codec.decode(InvoiceRecord, s.value)), state: stateJson(s) }
        },
      })
      app.route<{ Querystring: { seller?: string; buyer?: string; after?: string; limit?: number } }>({
        ...spec('invoiceList'),
        handler: async (request) => {
          const q = request.query
          if ((q.seller === undefined) === (q.buyer === undefined)) {
            throw new GovchainError('INVALID_ARGUMENT', 'give seller or buyer (one of them)')
          }
          const local = q.seller !== undefined ? INVOICE_INDEX.bySeller(q.seller) : INVOICE_INDEX.byBuyer(q.buyer!)
          const page = seekPage({
            scan: (pre, n, from) => ctx.scanIndex(pre, n, from),
            prefix: concatBytes(utf8(`${INVOICE_MODULE}/`), local),
            after: q.after === undefined ? undefined : utf8(q.after),
            limit: q.limit ?? 50,
            take: ({ value }) => invoiceAt(value),
          })
          return { items: page.items, next: page.next === null ? null : new TextDecoder().decode(page.next) }
        },
      })
      app.route<{ Body: { file: InvoiceFile } }>({
        ...spec('invoiceVerify'),
        handler: async (request) => {
          const file = request.body.file
          const record = invoiceAt(INVOICE_KEYS.invoice(file.code, file.number))
          const check = checkInvoiceFile(ctx.suite, file, record)
          return { ...check, invoice: record ?? null, height: ctx.latestHeight() }
        },
      })
    },
  }
}
