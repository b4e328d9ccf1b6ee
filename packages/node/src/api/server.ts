/**
 * The node's HTTP/WebSocket API (fastify). It only translates: HTTP and WebSocket in, calls to
 * the NodeApiBackend, JSON out, GovchainError codes to HTTP statuses. Every request part is
 * validated with the schemas of schemas.ts, which also generate /openapi.json and /docs.
 *
 * Error model: every error answer is `{code, message, details?}`. A GovchainError answers its
 * catalogue status; a validation failure 400 INVALID_ARGUMENT; anything unexpected 500 INTERNAL
 * with a fixed message, the stack going to the log only.
 */
import { STATUS_CODES } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import fastifyCors from '@fastify/cors'
import fastifyWebsocket from '@fastify/websocket'
import type { ApiExtension, ApiRouteSpec } from '@govchain/app'
import { clientAddressKey, RateLimiter } from '@govchain/app'
import {
  ERROR_CATALOGUE,
  type ErrorCode,
  errorInfo,
  fromHex,
  GovchainError,
  isGovchainError,
  toHex,
} from '@govchain/core'
import { Ajv } from 'ajv'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyTypeProvider,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import type { Logger } from '../log.ts'
import type { NodeMetrics } from '../metrics.ts'
import type { NodeApiBackend, SubmitTxOutcome } from './backend.ts'
import { DOCS_CSP, renderDocsHtml } from './docs-html.ts'
import { EventHub, parseEventFilter } from './events.ts'
import { lazyCompilersFactory, type ValidatorCompiler } from './lazy-compilers.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { fastifySchema, type JsonSchema, routeSpec, STATE_KEY_HEX_CHARS_MAX, TX_BASE64_CHARS_MAX } from './schemas.ts'
import { blockJson, stateJson, statsJson, statusJson, txJson, txListJson, validatorsJson } from './views.ts'

/** How long close() waits for in-flight requests and streams before destroying their sockets. */
const API_CLOSE_GRACE_MS = 5000

export interface ApiLimits {
  /** Largest request body; a transaction is at most 300 KiB, 400 KiB as base64. */
  bodyBytesMax: number
  /** Open /v1/events streams at once. */
  wsConnectionsMax: number
  /** Open /v1/events streams of one client address (an IPv6 /64 counts as one): beyond, 429. */
  wsConnectionsPerClientMax: number
  /** Bytes queued towards one stream before it is dropped as a slow consumer (close 1013). */
  wsBufferedBytesMax: number
  /** Largest message a client may send on a stream (clients have nothing to say). */
  wsMessageBytesMax: number
  /** Ping period that detects vanished stream clients; 0 disables. */
  wsPingIntervalMs: number
  /** POST /v1/txs per client IP: sustained rate (0 disables rate limiting) and burst. */
  txPerSecondPerClient: number
  txBurstPerClient: number
  /** Client IPs tracked by the rate limiter at once. */
  rateLimitClientsMax: number
  /** Whole-request deadline, against clients that send slowly (slowloris). */
  requestTimeoutMs: number
}

const DEFAULT_API_LIMITS: Readonly<ApiLimits> = Object.freeze({
  bodyBytesMax: 1024 * 1024,
  wsConnectionsMax: 256,
  wsConnectionsPerClientMax: 16,
  wsBufferedBytesMax: 4 * 1024 * 1024,
  wsMessageBytesMax: 4 * 1024,
  wsPingIntervalMs: 30_000,
  txPerSecondPerClient: 500,
  txBurstPerClient: 1_000,
  rateLimitClientsMax: 10_000,
  requestTimeoutMs: 30_000,
})

/** Default CORS: any localhost origin (the portal in development); production lists its origins. */
const DEFAULT_CORS_ORIGINS: readonly (string | RegExp)[] = [/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/]

export interface ApiServerOptions {
  backend: NodeApiBackend
  metrics: NodeMetrics
  logger: Logger
  host: string
  /** 0 picks a free port; listen() tells which. */
  port: number
  /** Origins allowed by CORS; default DEFAULT_CORS_ORIGINS; `'*'` allows any origin. */
  corsOrigins?: readonly (string | RegExp)[] | '*'
  limits?: Partial<ApiLimits>
  /** Monotonic clock for the rate limiter; default performance.now. */
  nowMs?: () => number
  /** Module routes (identity, licences, …), registered with the same validation and error model. */
  extensions?: readonly ApiExtension[]
}

export interface ApiServer {
  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:26657`. */
  listen(): Promise<{ url: string }>
  /** Closes event streams (1001), stops accepting, waits for in-flight requests. Idempotent. */
  close(): Promise<void>
  /** In-process requests without a socket (fastify.inject), for tests and the CLI. */
  inject: FastifyInstance['inject']
}

interface ErrorAnswer {
  status: number
  body: { code: ErrorCode; message: string; details?: Record<string, unknown> }
}

const answer = (code: ErrorCode, message?: string): ErrorAnswer => ({
  status: errorInfo(code)?.http ?? 500,
  body: { code, message: message ?? errorInfo(code)?.message ?? code },
})

/** Details are data of the error, but must survive JSON: bytes become hex, bigints strings, the rest is dropped. */
function jsonDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  try {
    const text = JSON.stringify(details, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return toHex(v)
      if (typeof v === 'bigint') return v.toString()
      return v
    })
    if (text === undefined || text.length > 4096) return undefined
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** Fastify's own client errors (parsing, limits) by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_ARGUMENT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_ARGUMENT',
}

export function errorAnswer(error: unknown): ErrorAnswer {
  if (isGovchainError(error)) {
    // A 5xx GovchainError is the node's own failure: say which, but no message or details from inside.
    if (error.httpStatus >= 500) return answer(error.code)
    const a = answer(error.code, error.message)
    if (error.details !== undefined) {
      const details = jsonDetails(error.details)
      if (details !== undefined) a.body.details = details
    }
    return a
  }
  const fe = error as Partial<FastifyError> | null
  if (fe !== null && typeof fe === 'object') {
    if (fe.validation !== undefined) return answer('INVALID_ARGUMENT', String(fe.message))
    const mapped = typeof fe.code === 'string' ? FASTIFY_CODES[fe.code] : undefined
    if (mapped !== undefined) return answer(mapped, mapped === 'INVALID_ARGUMENT' ? String(fe.message) : undefined)
    // Any other client error fastify raised before our handler (e.g. malformed JSON): the request was bad.
    const status = fe.statusCode
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (status === 404) return answer('NOT_FOUND')
      if (status === 413) return answer('PAYLOAD_TOO_LARGE')
      if (status === 415) return answer('UNSUPPORTED_MEDIA_TYPE')
      return answer('INVALID_ARGUMENT', typeof fe.message === 'string' ? fe.message : undefined)
    }
  }
  return answer('INTERNAL')
}

/** Messages for the router's refusals: fixed texts, never the URL (it may be megabytes, or carry anything). */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: ERROR_CATALOGUE.URI_TOO_LONG.message,
  FST_ERR_BAD_URL: 'a path parameter is not valid percent-encoding',
}

/** The HTTP parser's refusal by its code (node's `clientError`): headers over the limit, a slow request, bad syntax. */
function clientErrorCode(error: { code?: string }): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE'
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT'
  return 'HTTP_MALFORMED'
}

/**
 * Answers a request the HTTP parser refused (server `clientError`) with the error model's JSON,
 * then closes the socket (the parser's state is lost, so the connection cannot go on).
 */
function writeClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const a = answer(clientErrorCode(error))
  if (socket.writable) {
    const body = JSON.stringify(a.body)
    socket.write(
      `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

/** Strict standard base64 (with padding); atob alone accepts whitespace and missing padding. */
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/
function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !BASE64_RE.test(s)) return undefined
  const buf = Buffer.from(s, 'base64')
  // Canonical form only: re-encoding gives back the same text (rejects non-zero pad bits).
  if (buf.toString('base64') !== s) return undefined
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/**
 * The compiler of request validators, with two Ajv instances: query strings and path params are
 * text, so they coerce ("12" → 12, "true" → true); JSON bodies have types of their own and never
 * coerce (a number is not a base64 string). strictNumbers: "1e400" coerces to Infinity, which must
 * not pass as an integer.
 */
export function requestValidatorCompiler(): ValidatorCompiler {
  const ajvOptions = { useDefaults: true, removeAdditional: false, allErrors: false, strictNumbers: true } as const
  const ajvParams = new Ajv({ ...ajvOptions, coerceTypes: 'array' })
  const ajvBody = new Ajv({ ...ajvOptions, coerceTypes: false })
  return ({ schema, httpPart }) => (httpPart === 'body' ? ajvBody : ajvParams).compile(schema)
}

/** The API's fastify instance as a plugin of createApiServer's sees it. */
type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  FastifyTypeProvider
>

/** The chain's reads: status, blocks, transactions, a module's state with its proof, validators. */
function chainReadRoutes(r: ApiApp, spec: ApiRouteSpec, backend: NodeApiBackend): void {
  r.route({ ...spec('getStatus'), handler: async () => statusJson(backend.status()) })

  r.route({
    ...spec('getLatestBlock'),
    handler: async () => {
      const height = backend.status().height
      const block = height > 0 ? backend.block(height) : undefined
      if (block === undefined) throw new GovchainError('BLOCK_NOT_FOUND', 'no block committed yet')
      return blockJson(block)
    },
  })

  r.route<{ Params: { height: string } }>({
    ...spec('getBlock'),
    handler: async (request) => {
      const height = Number(request.params.height)
      const block = backend.block(height)
      if (block === undefined) throw new GovchainError('BLOCK_NOT_FOUND', `no block at height ${height}`)
      return blockJson(block)
    },
  })

  r.route<{ Params: { hash: string } }>({
    ...spec('getBlockByHash'),
    handler: async (request) => {
      const height = backend.heightByHash(fromHex(request.params.hash.toLowerCase()))
      const block = height === undefined ? undefined : backend.block(height)
      if (block === undefined) throw new GovchainError('BLOCK_NOT_FOUND', 'no committed block has that hash')
      return blockJson(block)
    },
  })

  r.route<{ Querystring: { limit: number; cursor?: string; height?: string } }>({
    ...spec('listTxs'),
    handler: async (request) => {
      const { limit, cursor, height } = request.query
      return txListJson(
        backend.txList({
          limit,
          ...(cursor === undefined ? {} : { cursor }),
          ...(height === undefined ? {} : { height: Number(height) }),
        }),
      )
    },
  })

  r.route({ ...spec('getStats'), handler: async () => statsJson(backend.chainStats()) })

  r.route<{ Params: { hash: string } }>({
    ...spec('getTx'),
    handler: async (request) => {
      const tx = backend.tx(fromHex(request.params.hash))
      if (tx === undefined) throw new GovchainError('TX_NOT_FOUND')
      return txJson(tx)
    },
  })

  r.route<{ Params: { module: string; key: string }; Querystring: { prove: boolean; height?: string } }>({
    ...spec('getState'),
    handler: async (request) => {
      const { module, key } = request.params
      const { prove, height } = request.query
      const opts = height === undefined ? { prove } : { prove, height: Number(height) }
      const view = backend.state(module, fromHex(key), opts)
      return stateJson(view)
    },
  })

  r.route({ ...spec('getValidators'), handler: async () => validatorsJson(backend.validatorSet()) })
}

/** Submitting transactions, one or a batch, each within the per-client rate limit. */
function submitRoutes(
  r: ApiApp,
  spec: ApiRouteSpec,
  backend: NodeApiBackend,
  metrics: NodeMetrics,
  limiter: RateLimiter | undefined,
): void {
  r.route<{ Body: { tx: string } }>({
    ...spec('submitTx'),
    onRequest: async (request, reply) => {
      if (limiter === undefined || limiter.take(request.ip)) return
      reply.header('retry-after', String(limiter.retryAfterSeconds(request.ip)))
      metrics.incTxRejected('RATE_LIMITED')
      throw new GovchainError('RATE_LIMITED')
    },
    handler: async (request, reply) => {
      const text = request.body.tx
      if (text.length > TX_BASE64_CHARS_MAX) throw new GovchainError('TX_TOO_LARGE')
      const bytes = decodeBase64Strict(text)
      if (bytes === undefined)
        throw new GovchainError('INVALID_ARGUMENT', 'body/tx must be standard base64 with padding')
      try {
        const { hash } = await backend.submitTx(bytes)
        reply.code(202)
        return { hash: toHex(hash) }
      } catch (e) {
        if (isGovchainError(e)) metrics.incTxRejected(e.code)
        throw e
      }
    },
  })

  r.route<{ Body: { txs: string[] } }>({
    ...spec('submitTxs'),
    // After validation (the item count is known): every item takes a token.
    preHandler: async (request, reply) => {
      const count = request.body.txs.length
      if (limiter === undefined || limiter.take(request.ip, count)) return
      reply.header('retry-after', String(limiter.retryAfterSeconds(request.ip, count)))
      metrics.incTxRejected('RATE_LIMITED')
      throw new GovchainError('RATE_LIMITED')
    },
    handler: async (request, reply) => {
      const texts = request.body.txs
      const results: Record<string, unknown>[] = new Array(texts.length)
      const refuse = (i: number, e: unknown) => {
        const a = errorAnswer(e)
        if (isGovchainError(e)) metrics.incTxRejected(e.code)
        results[i] = a.body
      }
      const decoded: Uint8Array[] = []
      const at: number[] = []
      for (const [i, text] of texts.entries()) {
        const bytes = text.length > TX_BASE64_CHARS_MAX ? undefined : decodeBase64Strict(text)
        if (bytes !== undefined) {
          decoded.push(bytes)
          at.push(i)
        } else if (text.length > TX_BASE64_CHARS_MAX) refuse(i, new GovchainError('TX_TOO_LARGE'))
        else refuse(i, new GovchainError('INVALID_ARGUMENT', `body/txs/${i} must be standard base64 with padding`))
      }
      let outcomes: SubmitTxOutcome[] = []
      if (decoded.length > 0) {
        outcomes =
          backend.submitTxs !== undefined
            ? await backend.submitTxs(decoded)
            : await Promise.all(
                decoded.map((b) =>
                  Promise.resolve()
                    .then(() => backend.submitTx(b))
                    .then(
                      ({ hash }) => ({ hash }),
                      (error: unknown) => ({ error }),
                    ),
                ),
              )
      }
      let accepted = 0
      outcomes.forEach((o, k) => {
        const i = at[k]!
        if ('hash' in o) {
          results[i] = { hash: toHex(o.hash) }
          accepted++
        } else refuse(i, o.error)
      })
      reply.code(accepted === texts.length ? 200 : 207)
      return { accepted, results }
    },
  })
}

/** The event stream over WebSocket, admitted within the hub's connection limits before the upgrade. */
function eventStreamRoute(r: ApiApp, spec: ApiRouteSpec, hub: EventHub, metrics: NodeMetrics): void {
  r.route<{ Querystring: { types?: string; module?: string } }>({
    ...spec('streamEvents'),
    // Refuse over the limit before upgrading, so the client gets a coded HTTP answer.
    preHandler: async (request) => {
      if (!request.ws) throw new GovchainError('UPGRADE_REQUIRED')
      const slot = hub.admits(clientAddressKey(request.ip))
      if (slot === 'client_limit') {
        metrics.wsDropped.inc({ reason: 'client_max' })
        throw new GovchainError('CLIENT_STREAM_LIMIT')
      }
      if (slot === 'total_limit') {
        metrics.wsDropped.inc({ reason: 'connections_max' })
        throw new GovchainError('TOO_MANY_CONNECTIONS')
      }
    },
    handler: async () => {
      throw new GovchainError('UPGRADE_REQUIRED')
    },
    wsHandler: (socket, request) => {
      hub.add(
        socket,
        parseEventFilter(request.query as { types?: string; module?: string }),
        clientAddressKey(request.ip),
      )
    },
  })
}

/** What operators and integrators read: health, metrics, the OpenAPI document and its page. */
function operatorRoutes(
  r: ApiApp,
  spec: ApiRouteSpec,
  backend: NodeApiBackend,
  metrics: NodeMetrics,
  openApi: () => string,
): void {
  let docsHtml: string | undefined
  r.route({
    ...spec('getHealth'),
    handler: async (_request, reply) => {
      const h = backend.healthy()
      reply.code(h.ok ? 200 : 503)
      return h.reason === undefined ? { ok: h.ok } : { ok: h.ok, reason: h.reason }
    },
  })

  r.route({
    ...spec('getMetrics'),
    handler: async (_request, reply) => {
      const text = await metrics.text()
      reply.type(metrics.contentType)
      return text
    },
  })

  r.route({
    ...spec('getOpenApi'),
    handler: async (_request, reply) => {
      reply.type('application/json; charset=utf-8')
      return openApi()
    },
  })

  r.route({
    ...spec('getDocs'),
    handler: async (_request, reply) => {
      docsHtml ??= renderDocsHtml(JSON.parse(openApi()))
      reply.type('text/html; charset=utf-8').header('content-security-policy', DOCS_CSP)
      return docsHtml
    },
  })
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...opts.limits }
  const { backend, metrics } = opts
  const log = opts.logger.child({ component: 'api' })

  const app = Fastify({
    loggerInstance: log,
    // Per-request lines are debug (log.ts), written by our onResponse hook; fastify's own are info.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytesMax,
    requestTimeout: limits.requestTimeoutMs,
    // Path params are at most a state key in hex; fastify's default (100) would cut them short.
    routerOptions: { maxParamLength: STATE_KEY_HEX_CHARS_MAX * 2 },
    // A request that reaches a route while the API closes is refused by our own hook below with
    // the coded NODE_STOPPING (503); fastify's built-in answer has no code (our error model's).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // The router's own refusals (an over-long or badly percent-encoded path parameter) answer
    // coded JSON like every other error; fastify's default echoed the whole URL back.
    frameworkErrors: (error, _request, reply) => {
      const a = answer(
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : 'INVALID_ARGUMENT',
        FRAMEWORK_MESSAGES[error.code],
      )
      // The reply is typed for no route in particular (its status and body types resolve to never).
      ;(reply as unknown as FastifyReply).code(a.status).send(a.body)
    },
    // Requests the HTTP parser refuses never reach a route: answer them coded JSON on the socket.
    clientErrorHandler: (error, socket) => writeClientError(error, socket),
    // Each route's validators and serializers compile on their first use, not at start-up.
    schemaController: { compilersFactory: lazyCompilersFactory(requestValidatorCompiler()) },
  })
  // JSON only: a text/plain body is refused with 415 instead of reaching the schema as a string.
  app.removeContentTypeParser('text/plain')

  const hub = new EventHub({
    backend,
    metrics,
    logger: log,
    connectionsMax: limits.wsConnectionsMax,
    connectionsPerClientMax: limits.wsConnectionsPerClientMax,
    bufferedBytesMax: limits.wsBufferedBytesMax,
    pingIntervalMs: limits.wsPingIntervalMs,
  })
  const limiter =
    limits.txPerSecondPerClient > 0
      ? new RateLimiter({
          ratePerSecond: limits.txPerSecondPerClient,
          burst: Math.max(1, limits.txBurstPerClient),
          clientsMax: limits.rateLimitClientsMax,
          nowMs: opts.nowMs ?? (() => performance.now()),
        })
      : undefined

  const extensions = opts.extensions ?? []
  const extraRoutes = extensions.flatMap((e) => e.routes)
  let openApiText: string | undefined
  const openApi = (): string => {
    openApiText ??= JSON.stringify(buildOpenApiDocument({ extraRoutes }))
    return openApiText
  }

  app.register(fastifyCors, {
    origin: opts.corsOrigins === '*' ? true : [...(opts.corsOrigins ?? DEFAULT_CORS_ORIGINS)],
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type'],
    maxAge: 600,
  })
  app.register(fastifyWebsocket, {
    options: { maxPayload: limits.wsMessageBytesMax },
    // A stream error (client vanished mid-frame) is the client's business: drop it, log at debug.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: error }, 'event stream error')
      socket.terminate()
    },
    // Our own close() closes streams with 1001 first; nothing left for the plugin to do but stop ws.
    preClose(done) {
      hub.closeAll()
      this.websocketServer.close()
      done()
    },
  })

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const a = errorAnswer(error)
    // 500 is the node's own fault and needs an operator; 503 (mempool full, too many streams) is load, not a fault.
    if (a.status === 500) request.log.error({ err: error, url: request.url, method: request.method }, 'request failed')
    reply.code(a.status).send(a.body)
  })
  app.setNotFoundHandler((_request, reply) => {
    const a = answer('NOT_FOUND')
    reply.code(a.status).send(a.body)
  })
  let closing: Promise<void> | undefined
  // First of the hooks: while the API closes, a request on a connection still open (kept alive,
  // pipelined, or begun before the close) is answered 503 NODE_STOPPING, and its connection is
  // closed, so the SDK's transport fails over to the next node (transport.ts, isUnavailable).
  app.addHook('onRequest', async (_request, reply) => {
    if (closing === undefined) return
    reply.header('connection', 'close')
    throw new GovchainError('NODE_STOPPING')
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    return payload
  })
  // Requests in flight (method and route), so a shutdown that has to force them can name them.
  const inflight = new Map<string, string>()
  app.addHook('onRequest', async (request) => {
    inflight.set(request.id, `${request.method} ${request.routeOptions.url ?? request.url.slice(0, 100)}`)
  })
  app.addHook('onRequestAbort', async (request) => {
    inflight.delete(request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    inflight.delete(request.id)
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.apiRequests.inc({ method: request.method, route, status: String(reply.statusCode) })
    metrics.apiRequestDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    )
  })

  app.register(async (r) => {
    const spec = (id: string) => {
      const s = routeSpec(id, extraRoutes)
      return { method: s.method, url: s.url, schema: fastifySchema(s) as Record<string, JsonSchema> }
    }

    for (const ext of extensions) ext.register(r, spec)
    chainReadRoutes(r, spec, backend)
    submitRoutes(r, spec, backend, metrics, limiter)
    eventStreamRoute(r, spec, hub, metrics)
    operatorRoutes(r, spec, backend, metrics, openApi)
  })

  // A stream request (an HTTP upgrade) that arrives while the API closes is answered 503 (the
  // NODE_STOPPING hook above), but on a socket Node's HTTP server has already handed over:
  // nothing ends it after the answer, closeAllConnections() does not see it, and app.close()
  // waited for it until the grace periods below ran out ("forcing", then "did not close"; the
  // likely cause of the fail-over test's occasional hang, where a resumed node's clients
  // reconnect their block streams as it shuts down). This listener, after the websocket
  // plugin's, ends such a socket once the answer is written; the grace periods stay as a net.
  const endUpgradeWhileClosing = (_request: unknown, socket: Duplex) => {
    // After the hook's coded answer, which is written within this turn's promise jobs (no I/O on
    // its way): the next turn of the loop.
    if (closing !== undefined) setImmediate(() => socket.end(() => socket.destroy()))
  }
  return {
    async listen() {
      const address = await app.listen({ host: opts.host, port: opts.port })
      app.server.on('upgrade', endUpgradeWhileClosing)
      log.info({ url: address }, 'API listening')
      return { url: address }
    },
    close() {
      closing ??= closeApi(app, hub, inflight, log)
      return closing
    },
    inject: app.inject.bind(app) as FastifyInstance['inject'],
  }
}

/**
 * Closes the API: streams first, then in-flight requests get a grace period before every socket
 * is destroyed, and a server that still does not close is left behind (logged) so the node's
 * shutdown goes on.
 */
async function closeApi(
  app: Pick<FastifyInstance, 'close' | 'server' | 'websocketServer'>,
  hub: EventHub,
  inflight: ReadonlyMap<string, string>,
  log: ApiServerOptions['logger'],
): Promise<void> {
  hub.closeAll()
  // In-flight requests and streams get a grace period; then every socket is destroyed, so
  // a client that never finishes (a stream opened while closing, a peer that stopped
  // reading) cannot hold the node's shutdown open.
  const force = setTimeout(() => {
    const streams = app.websocketServer?.clients.size ?? 0
    log.warn(
      { graceMs: API_CLOSE_GRACE_MS, streams, inflight: [...inflight.values()].slice(0, 20) },
      'API close: forcing the remaining connections',
    )
    for (const c of app.websocketServer?.clients ?? []) c.terminate()
    app.server.closeAllConnections()
  }, API_CLOSE_GRACE_MS)
  // A socket the server no longer tracks (one taken over mid-upgrade, or accepted from the
  // backlog of a node that was paused) can keep app.close() pending even after forcing.
  // The API holds nothing the store needs, so after a second grace the node goes on with
  // its shutdown (p2p, then the store) rather than hang; a supervisor's restart is clean.
  let gaveUp: ReturnType<typeof setTimeout> | undefined
  const outcome = await Promise.race([
    app.close().then(() => 'closed' as const),
    new Promise<'open'>((resolve) => {
      gaveUp = setTimeout(() => resolve('open'), 2 * API_CLOSE_GRACE_MS)
    }),
  ]).finally(() => {
    clearTimeout(force)
    clearTimeout(gaveUp)
  })
  if (outcome === 'open') {
    log.error(
      { graceMs: 2 * API_CLOSE_GRACE_MS },
      'API close: the server did not close after forcing its connections; shutting down without it',
    )
    return
  }
  log.info('API closed')
}
