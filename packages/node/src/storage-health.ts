/**
 * Whether this node's storage takes writes. A write the machine refuses (a full disk, a failing
 * device: the store's STORE_UNWRITABLE) puts the node in one coded state, reported once, instead
 * of an error line per peer message (found by the chaos suite, docs/reliability.md):
 *
 * - entered at the first refused write: one `error` line, `govchain_storage_unwritable` 1,
 *   `/healthz` 503 with the reason;
 * - while it lasts: admission refuses at once with STORE_UNWRITABLE (503, so clients fail over)
 *   and changes nothing; commits are still tried every STORAGE_PROBE_MS, by block sync (a peer's
 *   block) and by consensus (its own decision, for when no peer holds it), and each refusal is
 *   counted (`govchain_storage_refused_writes_total`), logged at `debug` only;
 * - left at the next write that succeeds (the operator freed space, the device came back): one
 *   `info` line, the gauge back to 0, and block sync catches the node up.
 *
 * A block that cannot be stored is not voted past: the node stays at its last stored height and
 * signs nothing newer. A signer record that cannot be stored still stops the node (consensus
 * reactor `step`), as signing without it could equivocate after a restart.
 */
import { GovchainError, isGovchainError } from '@govchain/core'
import type { Clock } from './clock.ts'
import type { Logger } from './log.ts'
import type { NodeMetrics } from './metrics.ts'

/** While the storage refuses writes, how often a commit is tried again (block sync, consensus). */
export const STORAGE_PROBE_MS = 2000

export interface StorageFailure {
  /** The store's reason, e.g. "No space left on device (ENOSPC)". */
  reason: string
  /** Monotonic time of the first refused write of this spell. */
  sinceMs: number
  /** Writes refused in this spell. */
  refused: number
}

/** Whether `e` is the store refusing a write (STORE_UNWRITABLE). */
export function isUnwritable(e: unknown): e is GovchainError {
  return isGovchainError(e) && e.code === 'STORE_UNWRITABLE'
}

/** What a writer needs of the storage state: run its writes through it, and ask before taking work in. */
export interface StorageWrites {
  /** Runs a write: a refusal enters (or extends) the state and is rethrown; success leaves it. */
  write<T>(fn: () => T): T
  /** `write` for an asynchronous write. */
  writeAsync<T>(p: Promise<T>): Promise<T>
  /** STORE_UNWRITABLE while writes are refused (nothing is to be taken in), else undefined. */
  refusal(): GovchainError | undefined
}

/** For parts made without a node (tools, tests): writes run as they are, nothing is watched. */
export const UNWATCHED_STORAGE: StorageWrites = Object.freeze({
  write: <T>(fn: () => T): T => fn(),
  writeAsync: <T>(p: Promise<T>): Promise<T> => p,
  refusal: () => undefined,
})

export class StorageHealth implements StorageWrites {
  private spell: StorageFailure | undefined

  constructor(private readonly parts: { logger: Logger; metrics: NodeMetrics; clock: Clock }) {
    parts.metrics.setStorage(false, false)
  }

  /** The current spell of refused writes, or undefined while the storage takes writes. */
  get failure(): Readonly<StorageFailure> | undefined {
    return this.spell
  }

  refusal(): GovchainError | undefined {
    return this.spell === undefined ? undefined : new GovchainError('STORE_UNWRITABLE', this.spell.reason)
  }

  write<T>(fn: () => T): T {
    let result: T
    try {
      result = fn()
    } catch (e) {
      this.refusedBy(e)
      throw e
    }
    this.written()
    return result
  }

  async writeAsync<T>(p: Promise<T>): Promise<T> {
    let result: T
    try {
      result = await p
    } catch (e) {
      this.refusedBy(e)
      throw e
    }
    this.written()
    return result
  }

  private refusedBy(e: unknown): void {
    if (!isUnwritable(e)) return
    this.parts.metrics.setStorage(true, true)
    if (this.spell !== undefined) {
      this.spell.refused++
      this.parts.logger.debug({ code: e.code, refused: this.spell.refused }, 'storage refused a write')
      return
    }
    this.spell = { reason: e.message, sinceMs: this.parts.clock.monotonicMs(), refused: 1 }
    this.parts.logger.error(
      { code: e.code, reason: e.message },
      'storage refuses writes: admission paused, the node waits at its last stored height until a write succeeds',
    )
  }

  private written(): void {
    const spell = this.spell
    if (spell === undefined) return
    this.spell = undefined
    this.parts.metrics.setStorage(false, false)
    const seconds = Math.round((this.parts.clock.monotonicMs() - spell.sinceMs) / 1000)
    this.parts.logger.info({ refused: spell.refused, seconds }, 'storage takes writes again')
  }
}
