export { heightKey } from './encoding.ts'
export { LmdbChainStore, type LmdbChainStoreOptions } from './lmdb.ts'
export { MemoryChainStore } from './memory.ts'
export * from './types.ts'
