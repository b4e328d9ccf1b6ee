/**
 * The module contract. One government application = one package, and its module is one
 * `defineModule({...})` value:
 *
 *   export const licenseModule = defineModule({
 *     name: 'license',
 *     version: '1.0.0',
 *     requires: [identityRef],              // typed keeper references: ctx.keeper(identityRef)
 *     errors: LICENSE_ERRORS,               // merged into the one catalogue
 *     genesis: { parse, default, init },    // the module's own genesis section
 *     handlers: { issue: handler(IssueArgs, (ctx, a) => { ... }) },
 *     queries, keeper, events,
 *     routes: licenseRoutes,                // encapsulated fastify routes with typed schemas
 *   })
 *
 * The node takes a list of such modules (the distribution) and names none of them; the genesis
 * pins each by name and version.
 */
import { registerErrors } from '@govchain/core'
import type { Module, ModuleRef } from './module.ts'

export interface DefinedModule<N extends string = string, K = unknown> extends Module {
  readonly name: N
  readonly version: string
  readonly requires: readonly ModuleRef[]
  /** This module's typed reference (what other modules put in `requires`). */
  readonly ref: ModuleRef<N, K>
}

export type ModuleDefinition<N extends string, K> = Omit<Module, 'name' | 'version' | 'requires' | 'keeper'> & {
  readonly name: N
  readonly version: string
  readonly requires?: readonly ModuleRef[]
  readonly keeper?: (ctx: Parameters<NonNullable<Module['keeper']>>[0]) => K
}

const VERSION = /^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$/

/** Checks a module definition and registers its error codes; returns the module with its reference. */
export function defineModule<const N extends string, K = undefined>(def: ModuleDefinition<N, K>): DefinedModule<N, K> {
  if (!VERSION.test(def.version)) throw new TypeError(`module ${def.name}: version must be MAJOR.MINOR.PATCH`)
  if (def.errors !== undefined) registerErrors(def.name, def.errors)
  return { ...def, requires: def.requires ?? [], ref: { name: def.name } }
}
