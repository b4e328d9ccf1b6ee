export * from './block.ts'
export {
  ADMISSION_CODES,
  type BlockExecution,
  type ExecuteBlockInput,
  type ExecuteOptions,
  type ExecutionOutcome,
  executeBlock,
  executeBlockWith,
} from './execute.ts'
export * from './module.ts'
export * from './params.ts'
export * from './query.ts'
export { committedBefore, type IsCommitted, type TxIndexReader } from './replay.ts'
export * from './results.ts'
export { stateKey } from './state.ts'
export {
  type Preverified,
  SenderGate,
  type SenderStateView,
  signTx,
  txHashOf,
  type ValidatedTx,
  type ValidateOptions,
  validateTx,
} from './validate.ts'
