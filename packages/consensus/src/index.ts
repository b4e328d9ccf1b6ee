export {
  Consensus,
  type ConsensusConfig,
  type ConsensusInput,
  type ConsensusOutput,
  type ConsensusStats,
  type ConsensusTimeouts,
  createConsensus,
  DEFAULT_FUTURE_ROUNDS,
  type Step,
  type TimeoutKind,
} from './machine.ts'
export { PROPOSER_SCHEDULE_SLOTS_MAX, proposerAt, proposerIndex, proposerSchedule } from './proposer.ts'
export {
  decodeSignerLock,
  decodeSignerRecord,
  encodeSignerLock,
  encodeSignerRecord,
  LocalSigner,
  type LockInfo,
  MemorySigner,
  MemorySignerStore,
  SIGNER_RECENT_VOTES_MAX,
  type Signer,
  SignerLock,
  type SignerLockSlot,
  SignerRecord,
  type SignerStore,
  SignerVote,
  type SignStep,
} from './signer.ts'
// The simulator's seeded generator: the node's deterministic RandomSource for tests uses it too.
export { Prng } from './sim/prng.ts'
