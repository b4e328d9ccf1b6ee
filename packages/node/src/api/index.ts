export type { ModuleApiContext } from '@govchain/app'

export type * from './backend.ts'

export { buildOpenApiDocument } from './openapi.ts'
export { ROUTES } from './schemas.ts'
export {
  type ApiLimits,
  type ApiServer,
  createApiServer,
  errorAnswer,
} from './server.ts'
