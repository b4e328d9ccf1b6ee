/**
 * Execution parameters: fixed per chain (the same on every node, or blocks would diverge).
 * A future governance module may change them at a height; for now they are constants.
 */
export interface ExecutionParams {
  /** A transaction may be valid for at most this many blocks ahead; also how long the replay guard remembers it. */
  maxTxValidityBlocks: number
  /** State keys a module writes (without the `<module>/` prefix). */
  maxStateKeyBytes: number
  maxStateValueBytes: number
  /** Distinct keys one transaction may write (bounds a block's tree update). */
  maxWritesPerTx: number
  /** Index entries one transaction may write. */
  maxIndexWritesPerTx: number
}

export const DEFAULT_EXECUTION_PARAMS: Readonly<ExecutionParams> = Object.freeze({
  maxTxValidityBlocks: 1000,
  maxStateKeyBytes: 256,
  maxStateValueBytes: 64 * 1024,
  maxWritesPerTx: 256,
  maxIndexWritesPerTx: 64,
})
