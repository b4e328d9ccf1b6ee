/** The modules this node can run. A chain's set is fixed at genesis. */
import type { ApiExtension, ModuleApiContext } from '@govchain/app'
import { ModuleRegistry } from '@govchain/app'
import { anchorModule } from './anchor/index.ts'
import { catalogApi } from './catalog/api.ts'
import { catalogModule } from './catalog/index.ts'
import { governanceApi } from './governance/api.ts'
import { governanceModule } from './governance/index.ts'
import { identityApi } from './identity/api.ts'
import { identityModule } from './identity/index.ts'
import { licenseApi } from './license/api.ts'
import { licenseModule } from './license/index.ts'
import { sharingApi } from './sharing/api.ts'
import { sharingModule } from './sharing/index.ts'

export * from './anchor/index.ts'
export * from './catalog/index.ts'
export * from './governance/index.ts'
export * from './identity/index.ts'
export { LICENSE_ROUTES, licenseApi } from './license/api.ts'
export * from './license/index.ts'
export * from './sharing/index.ts'

/** Every built-in module, in registration order. */
export const BUILTIN_MODULES = [
  anchorModule,
  identityModule,
  governanceModule,
  catalogModule,
  sharingModule,
  licenseModule,
] as const

/**
 * Module API factories: each module with routes of its own adds `(ctx) => ApiExtension` here
 * (see api/extension.ts). The daemon builds them once at start.
 */
export const MODULE_APIS: readonly ((ctx: ModuleApiContext) => ApiExtension)[] = [
  identityApi,
  governanceApi,
  catalogApi,
  sharingApi,
  licenseApi,
]

export function defaultModuleRegistry(): ModuleRegistry {
  return new ModuleRegistry(BUILTIN_MODULES)
}
