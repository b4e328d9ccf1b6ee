/**
 * Read-only access to committed state for the API layer: a module's keeper over the state at
 * a committed height, whose writes throw. Keepers are the one door into a module's storage, so
 * API routes of a module (and of other modules) read through them too, never through raw keys.
 */

import { type CryptoSuite, GovchainError, type SmtNodeStore } from '@govchain/core'
import type { ModuleRegistry, ModuleState } from './module.ts'
import { type ModuleRef, moduleRefName } from './ref.ts'
import { stateKey } from './state.ts'
import { stateTree } from './tree.ts'

export function readonlyModuleState(
  suite: CryptoSuite,
  store: SmtNodeStore,
  root: Uint8Array,
  module: string,
): ModuleState {
  // The store's long-lived tree (app/tree.ts), whose decoded nodes block execution keeps warm.
  const tree = stateTree(suite, store)
  const refuse = (): never => {
    throw new GovchainError('INVALID_ARGUMENT', 'state is read-only here')
  }
  return {
    get: (key) => tree.get(root, stateKey(module, key)),
    has: (key) => tree.get(root, stateKey(module, key)) !== undefined,
    set: refuse,
    delete: refuse,
  }
}

/** The keeper of `module` over committed state at `root` (height/time of that block). */
export function readonlyKeeper<K>(input: {
  suite: CryptoSuite
  store: SmtNodeStore
  modules: ModuleRegistry
  /** The module's typed reference or its name. */
  module: ModuleRef<string, K> | string
  root: Uint8Array
  height: number
  timeMs: number
}): K {
  const name = moduleRefName(input.module)
  const m = input.modules.get(name)
  if (m?.keeper === undefined) {
    throw new GovchainError('EXEC_UNKNOWN_KEEPER', `module ${name} exports no keeper`)
  }
  return m.keeper({
    height: input.height,
    timeMs: input.timeMs,
    state: readonlyModuleState(input.suite, input.store, input.root, name),
  }) as K
}
