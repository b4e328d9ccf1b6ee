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

/** A name for people, in Chinese and English (ADR 0042). */
export type Label = readonly [zh: string, en: string]

/**
 * What an application shows people for the codes it puts on chain (ADR 0042): a name for each
 * event type its module emits and for each error code it declares, in both languages, exported
 * from its own entry point `@govchain/<name>/labels` so that only the pages showing codes load it.
 */
export interface ModuleLabels {
  readonly events: Readonly<Record<string, Label>>
  readonly errors: Readonly<Record<string, Label>>
}
