/** The modules this node can run. A chain's set is fixed at genesis. */
import type { ApiExtension, ModuleApiContext } from '../api/extension.ts'
import { ModuleRegistry } from '../execution/module.ts'
import { anchorModule } from './anchor/index.ts'

export * from './anchor/index.ts'

/** Every built-in module, in registration order. */
export const BUILTIN_MODULES = [anchorModule] as const

/**
 * Module API factories: each module with routes of its own adds `(ctx) => ApiExtension` here
 * (see api/extension.ts). The daemon builds them once at start.
 */
export const MODULE_APIS: readonly ((ctx: ModuleApiContext) => ApiExtension)[] = []

export function defaultModuleRegistry(): ModuleRegistry {
  return new ModuleRegistry(BUILTIN_MODULES)
}
