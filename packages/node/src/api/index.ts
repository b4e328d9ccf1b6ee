export type { ApiExtension, ModuleApiContext, RouteOptionsFor } from '@govchain/app'
export { RateLimiter, type RateLimiterOptions } from '@govchain/app'
export type * from './backend.ts'
export { renderDocsHtml } from './docs-html.ts'
export { type EventFilter, type EventType, eventMatches, parseEventFilter, WS_CLOSE } from './events.ts'
export { buildOpenApiDocument, type OpenApiDocument, type OpenApiOptions } from './openapi.ts'
export {
  COMPONENTS,
  err,
  INTERNAL,
  INVALID,
  type JsonSchema,
  type ResponseSpec,
  ROUTES,
  type RouteSpec,
} from './schemas.ts'
export {
  type ApiLimits,
  type ApiServer,
  type ApiServerOptions,
  createApiServer,
  DEFAULT_API_LIMITS,
  DEFAULT_CORS_ORIGINS,
  errorAnswer,
} from './server.ts'
