// Browser-safe, no dependency: `@govchain/app/ref` is what an application's schema imports.

/**
 * A typed reference to a module: its name, and (at the type level only) its keeper's type. An
 * application package exports its reference from its browser-safe schema, so another package
 * can declare it in `requires` and call `ctx.keeper(ref)` without importing the module itself.
 */
export interface ModuleRef<N extends string = string, K = unknown> {
  readonly name: N
  /** Type-level only: never set at run time. */
  readonly __keeper?: K
}

/** `moduleRef<IdentityKeeper>()('identity')`: a reference whose keeper type is K. */
export function moduleRef<K>(): <const N extends string>(name: N) => ModuleRef<N, K> {
  return (name) => ({ name })
}

const refName = (m: ModuleRef | string): string => (typeof m === 'string' ? m : m.name)

export { refName as moduleRefName }
