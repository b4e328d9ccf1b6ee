/**
 * One long-lived state tree per node store (and suite), so its decoded-node cache survives from
 * block to block: executing a block walks from the root for every key it reads and again for
 * every key it writes, the mempool asks the replay guard for every admission, and the upper
 * levels of those walks are the same nodes every time. Nodes are content-addressed, so the
 * cache can never serve a stale node (see SparseMerkleTree's nodeCacheSize).
 */
import { type CryptoSuite, type SmtNodeStore, SparseMerkleTree } from '@govchain/core'

/** Decoded nodes kept per store: ~300 bytes each, so ~30 MB; a block's paths need far fewer. */
const STATE_TREE_NODE_CACHE = 100_000

const trees = new WeakMap<SmtNodeStore, Map<string, SparseMerkleTree>>()

export function stateTree(suite: CryptoSuite, store: SmtNodeStore): SparseMerkleTree {
  let bySuite = trees.get(store)
  if (bySuite === undefined) {
    bySuite = new Map()
    trees.set(store, bySuite)
  }
  let tree = bySuite.get(suite.name)
  if (tree === undefined) {
    tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store, nodeCacheSize: STATE_TREE_NODE_CACHE })
    bySuite.set(suite.name, tree)
  }
  return tree
}
