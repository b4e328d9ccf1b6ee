/**
 * The API contract as data: JSON Schemas for every parameter, body and response, and the route
 * table. Fastify validates requests and serialises responses with these very objects, and the
 * OpenAPI document (openapi.ts) is generated from them, so the documentation cannot drift from
 * what the server enforces.
 *
 * Schemas stay within the intersection of JSON Schema draft-07 (what Ajv in fastify runs) and
 * 2020-12 (what OpenAPI 3.1 speaks): type, pattern, enum, min/max, required, properties,
 * additionalProperties, items, oneOf, const. Bytes are lowercase hex for hashes and keys,
 * base64 for encoded blobs (headers, certificates, proofs, transactions).
 */
import {
  ErrorCodeSchema,
  ErrorSchema,
  err,
  Hex32,
  HexBytes,
  INTERNAL,
  INVALID,
  Int,
  type JsonSchema,
  Nullable,
  type RouteSpec,
  StateSchema,
  StringEnum,
} from '@govchain/app'
import {
  BlockHeaderSchema,
  BlockSchema,
  TxAttributes,
  TxEventSchema,
  type TxJson,
  TxSchema,
} from '@govchain/app/node-views'
import { GovchainError, LIMITS } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'

export type { JsonSchema, RouteSpec, TxJson }

const base64 = { type: 'string', contentEncoding: 'base64', description: 'bytes, standard base64 with padding' }
const height = Int
/**
 * A height in a path or query string. Text with a pattern rather than a coerced integer: Ajv
 * coerces "1e400" to Infinity and then skips its number checks. 15 digits stay below 2^53.
 */
const heightText = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' }

/** Largest base64 text of a transaction within LIMITS.txBytes (4 chars per 3 bytes). */
export const TX_BASE64_CHARS_MAX = Math.ceil(LIMITS.txBytes / 3) * 4
/** A state key is at most 512 bytes (1,024 hex digits); longer keys never exist. */
export const STATE_KEY_HEX_CHARS_MAX = 1024

// ---------------------------------------------------------------- components (named, shown in OpenAPI)
// Answers are TypeBox schemas (JSON Schema underneath): fastify serialises with them and the SDK's
// answer types are their Static<> (docs/adr/0019-typebox-response-schemas.md).

const ValidatorSchema = Type.Object({
  id: Type.String(),
  votingPower: Type.Integer({ minimum: 0 }),
  publicKey: HexBytes,
})
export type ValidatorJson = Static<typeof ValidatorSchema>

const PeerSchema = Type.Object({ id: Type.String(), address: Type.Optional(Type.String()) })

const StatusSchema = Type.Object({
  chainId: Type.String(),
  suite: StringEnum(['gm', 'intl'] as const),
  node: Type.String({ description: 'name of the node that answered' }),
  height,
  latestBlockHash: Hex32,
  stateRoot: Hex32,
  validators: Type.Array(ValidatorSchema),
  peers: Type.Array(PeerSchema),
  catchingUp: Type.Boolean(),
  syncBlocked: Type.Union([
    Type.Null(),
    Type.Object(
      {
        code: Type.Literal('PRUNED'),
        height: Type.Integer({ minimum: 1, description: 'the height this node needs next' }),
        base: Type.Integer({ minimum: 1, description: 'the lowest height any peer ahead still holds' }),
      },
      {
        description:
          'every peer ahead holds blocks only from `base`: block sync cannot reach `height`; import a snapshot',
      },
    ),
  ]),
  round: Type.Integer({ minimum: 0 }),
  mempool: Type.Object({ size: Type.Integer({ minimum: 0 }), bytes: Type.Integer({ minimum: 0 }) }),
})
export type StatusJson = Static<typeof StatusSchema>

// A block and a transaction's status (BlockSchema, TxSchema) are in @govchain/app/node-views, where
// readers that do not load the node (the data gateway) check what they read against them.

const SubmitTxRequestSchema: JsonSchema = {
  type: 'object',
  required: ['tx'],
  additionalProperties: false,
  properties: {
    tx: {
      ...base64,
      minLength: 4,
      // No maxLength here on purpose: a longer text is a too-large transaction (413 TX_TOO_LARGE), not a malformed request.
      description: `the encoded SignedTx, standard base64 with padding; longer than ${TX_BASE64_CHARS_MAX} characters is TX_TOO_LARGE`,
    },
  },
}

const SubmitTxResponseSchema = Type.Object({ hash: Hex32 })

/** Transactions in one POST /v1/txs/batch at most (and the request body limit still applies). */
export const BATCH_TXS_MAX = 1000

const SubmitTxsRequestSchema: JsonSchema = {
  type: 'object',
  required: ['txs'],
  additionalProperties: false,
  properties: {
    txs: {
      type: 'array',
      minItems: 1,
      maxItems: BATCH_TXS_MAX,
      // Items are checked one by one (base64, size) so that one bad item fails alone.
      items: { ...base64, description: 'an encoded SignedTx, standard base64 with padding' },
      description: `1 to ${BATCH_TXS_MAX} transactions; the body limit (1 MiB by default) applies to the whole request`,
    },
  },
}

const SubmitTxsItemSchema = Type.Union(
  [
    Type.Object({ hash: Hex32 }),
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      // Free-form like an error answer's: what a code adds differs from code to code.
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  ],
  {
    description:
      'accepted: `hash`; refused: `code`, `message` and maybe `details`, as a single submission would answer',
  },
)

const SubmitTxsResponseSchema = Type.Object({
  accepted: Type.Integer({ minimum: 0, description: 'how many items were accepted' }),
  results: Type.Array(SubmitTxsItemSchema, { description: 'one per submitted item, in order' }),
})
export type SubmitTxsJson = Static<typeof SubmitTxsResponseSchema>

const TxListItemSchema = Type.Object({
  hash: Hex32,
  height,
  index: Type.Integer({ minimum: 0, description: 'position in its block' }),
  timeMs: Type.Integer({ minimum: 0, description: "the block's time, milliseconds since the Unix epoch" }),
  module: Type.String({ description: 'module the transaction calls; `?` if its body does not decode' }),
  method: Type.String(),
  sender: HexBytes,
  code: Type.String({ description: 'OK, or the error code of a failed transaction' }),
  events: Type.Array(TxEventSchema),
})

const TxListSchema = Type.Object({
  items: Type.Array(TxListItemSchema),
  next: Type.Union([Type.String(), Type.Null()], {
    description: "the next page's `cursor` (`<height>.<index>`); null at the end",
  }),
})
export type TxListJson = Static<typeof TxListSchema>

const StatsSchema = Type.Object({
  height,
  fromHeight: Type.Integer({
    minimum: 1,
    description: 'the totals count the blocks from this height (1 unless the store predates the index)',
  }),
  txs: Type.Integer({ minimum: 0, description: 'committed transactions, failed ones included' }),
  failed: Type.Integer({ minimum: 0 }),
  modules: Type.Array(Type.Object({ module: Type.String(), txs: Type.Integer({ minimum: 0 }) })),
  recent: Type.Object(
    {
      blocks: Type.Integer({ minimum: 0 }),
      txs: Type.Integer({ minimum: 0 }),
      spanMs: Type.Integer({ minimum: 0 }),
      avgBlockTimeMs: Nullable(Type.Integer({ minimum: 0 })),
      txPerSecond: Nullable(Type.Number({ minimum: 0 })),
    },
    { description: 'the latest blocks (up to 100): their transactions per second and average block time' },
  ),
})
export type StatsJson = Static<typeof StatsSchema>

const ValidatorsSchema = Type.Object({
  validators: Type.Array(ValidatorSchema),
  encoded: Type.String({
    contentEncoding: 'base64',
    description: 'the encoded ValidatorSet, base64 (what a light client trusts)',
  }),
})

const HealthSchema = Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()) })

const BlockEventSchema = Type.Object({
  type: Type.Literal('block'),
  height,
  hash: Hex32,
  txCount: Type.Integer({ minimum: 0 }),
  timeMs: Type.Integer({ minimum: 0 }),
  proposer: Type.String(),
})

const TxResultEventSchema = Type.Object({
  type: Type.Literal('tx'),
  height,
  index: Type.Integer({ minimum: 0 }),
  hash: Hex32,
  code: Type.String(),
})

const ModuleEventSchema = Type.Object({
  type: Type.Literal('event'),
  height,
  txHash: Hex32,
  module: Type.String(),
  name: Type.String(),
  attributes: TxAttributes,
})

const ChainEventSchema = Type.Union([BlockEventSchema, TxResultEventSchema, ModuleEventSchema], {
  description: 'One WebSocket text message of /v1/events.',
})
export type ChainEventJson = Static<typeof ChainEventSchema>

const JsonSchemaObject = Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON Schema' })

/** The outline of GET /openapi.json (the OpenAPI 3.1 specification describes the rest). */
const OpenApiDocumentSchema = Type.Object(
  {
    openapi: Type.Literal('3.1.0'),
    info: Type.Object({ title: Type.String(), version: Type.String(), description: Type.String() }),
    servers: Type.Optional(Type.Array(Type.Object({ url: Type.String() }))),
    tags: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
    paths: Type.Record(
      Type.String(),
      Type.Record(Type.String(), JsonSchemaObject, { description: 'operations by method' }),
      { description: 'path items by path' },
    ),
    components: Type.Object({ schemas: Type.Record(Type.String(), JsonSchemaObject) }),
    'x-error-catalogue': Type.Record(Type.String(), Type.Object({ http: Int, message: Type.String() })),
  },
  { description: 'An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0).' },
)

/** Named schemas: the OpenAPI document shows them under components.schemas and refers to them by $ref. */
export const COMPONENTS: Record<string, JsonSchema> = {
  Error: ErrorSchema,
  ErrorCode: ErrorCodeSchema,
  Status: StatusSchema,
  Validator: ValidatorSchema,
  Peer: PeerSchema,
  BlockHeader: BlockHeaderSchema,
  Block: BlockSchema,
  SubmitTxRequest: SubmitTxRequestSchema,
  SubmitTxResponse: SubmitTxResponseSchema,
  SubmitTxsRequest: SubmitTxsRequestSchema,
  SubmitTxsItem: SubmitTxsItemSchema,
  SubmitTxsResponse: SubmitTxsResponseSchema,
  TxEvent: TxEventSchema,
  Tx: TxSchema,
  State: StateSchema,
  Validators: ValidatorsSchema,
  Health: HealthSchema,
  BlockEvent: BlockEventSchema,
  TxResultEvent: TxResultEventSchema,
  ModuleEvent: ModuleEventSchema,
  ChainEvent: ChainEventSchema,
}

// ---------------------------------------------------------------- request parts

const HeightParamsSchema: JsonSchema = {
  type: 'object',
  required: ['height'],
  additionalProperties: false,
  properties: { height: { ...heightText, description: 'block height, decimal (the first block is 1)' } },
}

const TxHashParamsSchema: JsonSchema = {
  type: 'object',
  required: ['hash'],
  additionalProperties: false,
  properties: { hash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'transaction hash, hex' } },
}

const BlockHashParamsSchema: JsonSchema = {
  type: 'object',
  required: ['hash'],
  additionalProperties: false,
  properties: { hash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'block hash, hex' } },
}

const TxListQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'transactions per page' },
    cursor: {
      type: 'string',
      pattern: '^[1-9][0-9]{0,14}\\.(0|[1-9][0-9]{0,5})$',
      description: 'the previous page’s `next`',
    },
    height: { ...heightText, description: "only this block's transactions, in block order" },
  },
}

const StateParamsSchema: JsonSchema = {
  type: 'object',
  required: ['module', 'key'],
  additionalProperties: false,
  properties: {
    module: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$', description: 'module name, e.g. anchor' },
    key: {
      type: 'string',
      pattern: '^([0-9a-fA-F]{2})+$',
      maxLength: STATE_KEY_HEX_CHARS_MAX,
      description: 'state key within the module, hex',
    },
  },
}

const StateQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prove: { type: 'boolean', default: false, description: 'include a proof, the header and its certificate' },
    height: { ...heightText, description: 'height to read at, decimal; default the latest committed height' },
  },
}

export const EVENT_TYPES = ['block', 'tx', 'event'] as const

const EventsQuerySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    types: {
      type: 'string',
      pattern: '^(block|tx|event)(,(block|tx|event)){0,2}$',
      description: 'comma-separated event types to receive; default all',
    },
    module: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_-]{0,31}$',
      description: 'only module events (type `event`) of this module; block and tx events are not filtered by it',
    },
  },
}

// ---------------------------------------------------------------- routes

export const ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/status',
    operationId: 'getStatus',
    summary: 'Node and chain status',
    description: 'Chain id, crypto suite, latest height and hashes, validators, peers, sync and mempool state.',
    tag: 'chain',
    responses: { 200: { description: 'status', schema: StatusSchema }, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/blocks/latest',
    operationId: 'getLatestBlock',
    summary: 'Latest committed block',
    description: 'Same answer as /v1/blocks/{height} for the latest committed height.',
    tag: 'chain',
    responses: {
      200: { description: 'the block', schema: BlockSchema },
      404: err('no block committed yet (BLOCK_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/blocks/:height',
    operationId: 'getBlock',
    summary: 'Block by height',
    description: 'Header (decoded and as the exact encoded bytes), transaction hashes and commit certificate.',
    tag: 'chain',
    params: HeightParamsSchema,
    responses: {
      200: { description: 'the block', schema: BlockSchema },
      400: INVALID,
      404: err('no block at that height (BLOCK_NOT_FOUND)'),
      410: err('this node no longer holds that height: it started from a snapshot above it, or pruned it (PRUNED)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/blocks/by-hash/:hash',
    operationId: 'getBlockByHash',
    summary: 'Block by hash',
    description: 'Same answer as /v1/blocks/{height} for the committed block with this hash.',
    tag: 'chain',
    params: BlockHashParamsSchema,
    responses: {
      200: { description: 'the block', schema: BlockSchema },
      400: INVALID,
      404: err('no committed block has that hash (BLOCK_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/txs',
    operationId: 'listTxs',
    summary: 'Committed transactions, newest first, by cursor',
    description:
      'Each with its block, position, module and method, sender key, result code and events. Pages by cursor: ' +
      'pass `next` back as `cursor` until it is null; the node reads only non-empty blocks, so no page stops at a ' +
      'fixed scan size. With `height`, that block’s transactions in block order.',
    tag: 'transactions',
    querystring: TxListQuerySchema,
    responses: {
      200: { description: 'a page of transactions', schema: TxListSchema },
      400: INVALID,
      404: err('no block at that height (BLOCK_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/stats',
    operationId: 'getStats',
    summary: 'Chain statistics',
    description:
      'Height, committed transactions (failed ones counted apart) in total and per module, and over the latest ' +
      '100 blocks the transactions per second and the average block time.',
    tag: 'chain',
    responses: { 200: { description: 'the figures', schema: StatsSchema }, 500: INTERNAL },
  },
  {
    method: 'POST',
    url: '/v1/txs',
    operationId: 'submitTx',
    summary: 'Submit a signed transaction',
    description:
      'Admits the transaction to the mempool and gossips it. 202 means accepted for inclusion, not committed: ' +
      'follow it with GET /v1/txs/{hash} or the `tx` events. Rejections carry the admission error code ' +
      '(TX_MALFORMED, TX_BAD_SIGNATURE, TX_DUPLICATE, MEMPOOL_FULL, ...).',
    tag: 'transactions',
    body: SubmitTxRequestSchema,
    responses: {
      202: { description: 'accepted into the mempool', schema: SubmitTxResponseSchema },
      400: err('malformed request or transaction (INVALID_ARGUMENT, TX_MALFORMED, TX_BAD_SIGNATURE, ...)'),
      409: err('duplicate or replayed transaction (TX_DUPLICATE, TX_REPLAY)'),
      413: err('body or transaction too large (PAYLOAD_TOO_LARGE, TX_TOO_LARGE)'),
      415: err('body is not application/json (UNSUPPORTED_MEDIA_TYPE)'),
      429: err('too many requests from this client or sender (RATE_LIMITED, MEMPOOL_SENDER_QUOTA)'),
      503: err('mempool full (MEMPOOL_FULL)'),
      500: INTERNAL,
    },
  },
  {
    method: 'POST',
    url: '/v1/txs/batch',
    operationId: 'submitTxs',
    summary: 'Submit up to 1,000 signed transactions at once',
    description:
      'Each item is admitted exactly as POST /v1/txs would admit it, in order; the accepted ones are made durable ' +
      'together (one journal write) before the answer. 200 when every item was accepted, 207 when some were ' +
      'refused: `results[i]` is `{hash}` or `{code, message, details?}` for item i. The per-client rate limit ' +
      'counts every item (a batch takes as many tokens as it has items, at most the burst).',
    tag: 'transactions',
    body: SubmitTxsRequestSchema,
    responses: {
      200: { description: 'every item accepted into the mempool', schema: SubmitTxsResponseSchema },
      207: { description: 'some items refused; see each item', schema: SubmitTxsResponseSchema },
      400: err(`malformed request: not an array, empty, over ${BATCH_TXS_MAX} items (INVALID_ARGUMENT)`),
      413: err('body too large (PAYLOAD_TOO_LARGE)'),
      415: err('body is not application/json (UNSUPPORTED_MEDIA_TYPE)'),
      429: err('too many transactions from this client (RATE_LIMITED)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/txs/:hash',
    operationId: 'getTx',
    summary: 'Transaction status and result',
    description: 'pending (in the mempool), committed (with height, index, code OK and events) or failed.',
    tag: 'transactions',
    params: TxHashParamsSchema,
    responses: {
      200: { description: 'the transaction', schema: TxSchema },
      400: INVALID,
      404: err('unknown transaction (TX_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/state/:module/:key',
    operationId: 'getState',
    summary: 'Read a state value, optionally with a proof',
    description:
      'With prove=true the answer carries a membership or absence proof against the state root of `height`, ' +
      "that height's header bytes and commit certificate, and the validator set, so a light client can verify it offline.",
    tag: 'state',
    params: StateParamsSchema,
    querystring: StateQuerySchema,
    responses: {
      200: { description: 'the value (or null) at that height', schema: StateSchema },
      400: INVALID,
      404: err('unknown module or height (QUERY_UNKNOWN_MODULE, QUERY_UNKNOWN_HEIGHT, SMT_NODE_MISSING)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/validators',
    operationId: 'getValidators',
    summary: 'Current validator set',
    description: 'The validators with their voting power and public keys, and the encoded set a light client trusts.',
    tag: 'chain',
    responses: { 200: { description: 'the validator set', schema: ValidatorsSchema }, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/events',
    operationId: 'streamEvents',
    summary: 'WebSocket stream of blocks, transaction results and module events',
    description:
      'Upgrade to a WebSocket. Each text message is one JSON ChainEvent. Filter with `types` and `module`. ' +
      'The node closes a connection with code 1013 when the client reads too slowly (its send buffer passed the ' +
      'limit), 1001 when it shuts down; an upgrade beyond the connection limit is answered 503 TOO_MANY_CONNECTIONS, ' +
      'one beyond the limit per client address (an IPv6 /64 counts as one) 429 CLIENT_STREAM_LIMIT. ' +
      'Messages sent by the client are ignored.',
    tag: 'events',
    querystring: EventsQuerySchema,
    responses: {
      101: { description: 'switching to the WebSocket protocol; messages follow the ChainEvent schema' },
      400: INVALID,
      426: err('a plain GET without Upgrade (UPGRADE_REQUIRED)'),
      429: err('too many open streams from this client address (CLIENT_STREAM_LIMIT)'),
      503: err('too many open streams (TOO_MANY_CONNECTIONS)'),
    },
  },
  {
    method: 'GET',
    url: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness and readiness',
    description: '200 when the node is healthy, 503 with a reason otherwise (for load balancers and orchestrators).',
    tag: 'operations',
    responses: {
      200: { description: 'healthy', schema: HealthSchema },
      503: { description: 'unhealthy, with a reason', schema: HealthSchema },
    },
  },
  {
    method: 'GET',
    url: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Prometheus text exposition format 0.0.4. Series are listed in docs/api.md.',
    tag: 'operations',
    responses: { 200: { description: 'metrics', contentType: 'text/plain; version=0.0.4' } },
  },
  {
    method: 'GET',
    url: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document',
    description: 'Generated from the schemas the server validates with.',
    tag: 'operations',
    responses: { 200: { description: 'the OpenAPI document', schema: OpenApiDocumentSchema } },
  },
  {
    method: 'GET',
    url: '/docs',
    operationId: 'getDocs',
    summary: 'Human-readable API documentation',
    description: 'A self-contained HTML page rendered from the OpenAPI document (no external resources).',
    tag: 'operations',
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  },
]

/** Fastify's `schema` option for a route: validation of the request parts and serialisation of JSON answers. */
export function fastifySchema(route: RouteSpec): JsonSchema {
  const schema: JsonSchema = {}
  if (route.params !== undefined) schema.params = route.params
  if (route.querystring !== undefined) schema.querystring = route.querystring
  if (route.body !== undefined) schema.body = route.body
  const response: JsonSchema = {}
  for (const [status, spec] of Object.entries(route.responses)) {
    if (spec.schema !== undefined && Number(status) >= 200) response[status] = spec.schema
  }
  // Any error status not listed still serialises as the error object.
  response['4xx'] = ErrorSchema
  response['5xx'] = ErrorSchema
  schema.response = response
  return schema
}

export function routeSpec(operationId: string, extra: readonly RouteSpec[] = []): RouteSpec {
  const r = ROUTES.find((x) => x.operationId === operationId) ?? extra.find((x) => x.operationId === operationId)
  if (r === undefined) throw new GovchainError('INTERNAL', `no route ${operationId}`)
  return r
}
