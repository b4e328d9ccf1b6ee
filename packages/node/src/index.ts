// The genesis document lives in @govchain/app; re-exported for the CLI and tools that start nodes.
export {
  type ChainParams,
  chainModules,
  DEFAULT_PARAMS,
  describeGenesis,
  type Genesis,
  type GenesisModule,
  type GenesisOfficer,
  type GenesisOrganisation,
  type GenesisValidator,
  genesisBytes,
  genesisHash,
  genesisValidatorSet,
  parseGenesis,
} from '@govchain/app'
export * from '@govchain/p2p'
export { createP2P, type P2P, type P2POptions } from '@govchain/p2p'
export { type ChainStore, LmdbChainStore, MemoryChainStore } from '@govchain/store'
export type * from './api/backend.ts'
export { createApiServer } from './api/index.ts'
export * from './backup.ts'
export * from './daemon.ts'
export * from './home.ts'
export { createLogger, type Logger } from './log.ts'
export { committedSenderState, Mempool, type MempoolOptions } from './mempool/index.ts'
export { certificateExpiries, NodeMetrics } from './metrics.ts'
export * from './pruning.ts'
export { lastSignedStep } from './signer-store.ts'
export { FENCE_FILE, FencedSigner, SigningFence, type SigningFenceFile } from './signing-fence.ts'
export * from './snapshot.ts'
export * from './wire.ts'
