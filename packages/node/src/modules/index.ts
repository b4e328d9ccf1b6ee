/** The modules this node can run. A chain's set is fixed at genesis. */
import { ModuleRegistry } from '../execution/module.ts'
import { anchorModule } from './anchor/index.ts'

export * from './anchor/index.ts'

/** Every built-in module, in registration order. */
export const BUILTIN_MODULES = [anchorModule] as const

export function defaultModuleRegistry(): ModuleRegistry {
  return new ModuleRegistry(BUILTIN_MODULES)
}
