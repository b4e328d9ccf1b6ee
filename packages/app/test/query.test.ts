/**
 * The API's state reads (queryState, readonlyKeeper) go through the store's long-lived state tree
 * (app/tree.ts), so a read at a recent root walks decoded nodes kept in memory instead of reading
 * and decoding every level of its path from the store again.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { suites } from '@govchain/core'
import { MemoryChainStore } from '@govchain/store'
import { syntheticCommit } from '@govchain/store/compliance'
import { queryState } from '../src/query.ts'
import { readonlyModuleState } from '../src/readonly.ts'
import { stateKey } from '../src/state.ts'
import { stateTree } from '../src/tree.ts'

const suite = suites.gm
const enc = new TextEncoder()

/** A store holding 200 keys of module `m` at height 1, counting the state-tree node reads. */
function storeWithState(): { store: MemoryChainStore; reads: () => number; root: Uint8Array } {
  const store = new MemoryChainStore()
  const changes = Array.from(
    { length: 200 },
    (_, i) => [stateKey('m', enc.encode(`k${i}`)), enc.encode(`v${i}`)] as const,
  )
  // Built through another store's tree, so that this store's long-lived tree starts cold.
  const built = stateTree(suite, new MemoryChainStore()).update(new Uint8Array(32), changes, { version: 1 })
  const input = syntheticCommit(1, new Uint8Array(32))
  input.block.header.stateRoot = built.root
  store.commitBlock({ ...input, smtNodes: built.nodes, stateRootVersion: built.rootVersion })
  let n = 0
  const get = store.get.bind(store)
  store.get = (hash: Uint8Array) => {
    n++
    return get(hash)
  }
  return { store, reads: () => n, root: built.root }
}

test('a second API read of a key at the same root reads no node from the store', () => {
  const { store, reads } = storeWithState()
  const first = queryState({ suite, store, module: 'm', key: enc.encode('k7') })
  assert.deepEqual(first.value, enc.encode('v7'))
  const afterFirst = reads()
  assert.ok(afterFirst > 1, `the first read walks the path from the store (${afterFirst} nodes)`)
  const again = queryState({ suite, store, module: 'm', key: enc.encode('k7') })
  assert.deepEqual(again.value, enc.encode('v7'))
  const proven = queryState({ suite, store, module: 'm', key: enc.encode('k7'), prove: true })
  assert.ok(proven.proof !== undefined)
  assert.equal(reads(), afterFirst, 'the same path again is served from the decoded nodes')
})

test('keepers over committed state share those nodes with queryState', () => {
  const { store, reads, root } = storeWithState()
  queryState({ suite, store, module: 'm', key: enc.encode('k9') })
  const before = reads()
  const state = readonlyModuleState(suite, store, root, 'm')
  assert.deepEqual(state.get(enc.encode('k9')), enc.encode('v9'))
  assert.equal(state.has(enc.encode('k9')), true)
  assert.equal(reads(), before)
  // A key never written is answered as absent, and writes are refused.
  assert.equal(state.get(enc.encode('nope')), undefined)
  assert.throws(() => state.set(enc.encode('k9'), enc.encode('x')), { code: 'INVALID_ARGUMENT' })
})
