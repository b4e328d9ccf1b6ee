/**
 * The state admission checks senders against (Mempool's `senderState`): the committed state of a
 * chain store, for the next height. Before block 1 is committed there is no state yet, but the
 * genesis document already registers the organisations' officers and validators, so the view is
 * then the genesis state (the modules' initGenesis, executed once, in memory, and kept).
 */

import {
  executeBlock,
  type Genesis,
  genesisStateRoot,
  type ModuleRegistry,
  type SenderStateView,
  stateTree,
} from '@govchain/app'
import { type CryptoSuite, hexOf, SparseMerkleTree } from '@govchain/core'
import type { ChainStore } from '@govchain/store'

export interface CommittedSenderStateInput {
  suite: CryptoSuite
  chainId: string
  modules: ModuleRegistry
  store: ChainStore
  /** The chain's genesis: what the view holds before block 1 (without it, nothing). */
  genesis?: Genesis
}

export function committedSenderState(input: CommittedSenderStateInput): () => SenderStateView {
  const { suite, store } = input
  let genesisView: SenderStateView | undefined
  return () => {
    const meta = store.meta()
    if (meta === undefined) {
      genesisView ??= genesisState(input)
      return genesisView
    }
    const tree = stateTree(suite, store)
    const root = meta.stateRoot
    return {
      height: meta.height + 1,
      timeMs: store.getHeader(meta.height)?.timeMs ?? 0,
      get: (fullKey) => tree.get(root, fullKey),
    }
  }
}

/** The state block 1 starts its transactions from: the genesis sections, seeded by the modules. */
function genesisState(input: CommittedSenderStateInput): SenderStateView {
  const timeMs = input.genesis?.genesisTimeMs ?? 0
  if (input.genesis === undefined) return { height: 1, timeMs, get: () => undefined }
  const out = executeBlock({
    suite: input.suite,
    chainId: input.chainId,
    modules: input.modules,
    store: input.store,
    isCommitted: () => false,
    parentStateRoot: genesisStateRoot(),
    height: 1,
    timeMs,
    txs: [],
    genesis: input.genesis,
  })
  const nodes = out.smtNodes
  const tree = new SparseMerkleTree({ hash: (d) => input.suite.hash(d), store: { get: (h) => nodes.get(hexOf(h)) } })
  return { height: 1, timeMs, get: (fullKey) => tree.get(out.stateRoot, fullKey) }
}
