import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { runChainStoreCompliance } from '../src/compliance.ts'
import { LmdbChainStore } from '../src/lmdb.ts'
import { MemoryChainStore } from '../src/memory.ts'
import type { ChainStore } from '../src/types.ts'

const root = mkdtempSync(join(tmpdir(), 'govchain-store-'))
after(() => rmSync(root, { recursive: true, force: true }))

runChainStoreCompliance({ name: 'memory', create: () => new MemoryChainStore() })

let n = 0
const paths = new WeakMap<ChainStore, string>()
runChainStoreCompliance({
  name: 'lmdb',
  create() {
    const path = LmdbChainStore.pathFor(join(root, `home-${n++}`))
    const s = LmdbChainStore.open({ path })
    paths.set(s, path)
    return s
  },
  async reopen(store) {
    const path = paths.get(store)!
    await store.close()
    const s = LmdbChainStore.open({ path })
    paths.set(s, path)
    return s
  },
})
