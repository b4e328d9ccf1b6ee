/**
 * @govchain/app: the application platform — the module contract, the deterministic execution
 * engine, the genesis document, and the route kit modules build their REST routes with.
 */
export * from './block.ts'
export * from './define.ts'
export {
  ADMISSION_CODES,
  type BlockExecution,
  type ExecuteBlockInput,
  type ExecuteOptions,
  type ExecutionOutcome,
  executeBlock,
  executeBlockWith,
} from './execute.ts'
export * from './fonts.ts'
export * from './genesis.ts'
export * from './http-guard.ts'
export * from './key-file.ts'
export * from './module.ts'
export * from './paging.ts'
export * from './params.ts'
export * from './pkcs11.ts'
export * from './query.ts'
export * from './rate-limit.ts'
export { readonlyKeeper, readonlyModuleState } from './readonly.ts'
export { committedBefore, type IsCommitted, type TxIndexReader } from './replay.ts'
export * from './route-kit.ts'
export * from './routes.ts'
export * from './signin-http.ts'
export * from './signin-sessions.ts'
export { stateKey } from './state.ts'
export { stateTree } from './tree.ts'
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
