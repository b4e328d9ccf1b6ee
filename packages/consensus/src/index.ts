export {
  Consensus,
  createConsensus,
  DEFAULT_FUTURE_ROUNDS,
  type ConsensusConfig,
  type ConsensusInput,
  type ConsensusOutput,
  type ConsensusStats,
  type ConsensusTimeouts,
  type Step,
  type TimeoutKind,
} from './machine.ts'
export { PROPOSER_SCHEDULE_SLOTS_MAX, proposerAt, proposerIndex, proposerSchedule } from './proposer.ts'
export {
  LocalSigner,
  MemorySigner,
  MemorySignerStore,
  SignerLock,
  SignerRecord,
  SignerVote,
  SIGNER_RECENT_VOTES_MAX,
  decodeSignerRecord,
  encodeSignerRecord,
  type SignStep,
  type Signer,
  type SignerStore,
} from './signer.ts'
