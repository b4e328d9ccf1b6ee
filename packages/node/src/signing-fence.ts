/**
 * The signing fence of a restored validator (docs/adr/0027-backup-and-restore.md).
 *
 * A backup carries the signer's last-signed record, but the validator may have signed more after
 * the backup was taken (a home restored from last night's archive). Its record alone would let
 * the restored node sign those heights again, differently: equivocation. So `govchain restore`
 * writes `<home>/signing-fence.json` in state `until-synced`, and a node that finds it:
 *
 *   1. signs nothing (its signer answers SIGNER_REFUSED, which consensus counts and skips) while
 *      it follows the chain through block sync and its peers' votes;
 *   2. once at least one peer in good standing is connected and the node has committed up to the
 *      highest height any such peer announced, call that L, sets the fence to
 *      F = max(L + 2, signerHeight + 1), writes it durably (state `resolved`), and only then
 *      signs again, at heights >= F.
 *
 * Why L + 2: the old instance, stopped before the restore, signed only at heights it was working
 * on, that is at most one past what the network had committed; the network had committed at most
 * L when the fence resolved, so the old instance signed nothing at L + 2 or above. The height
 * L + 1, which the network may be deciding right now, is left to the others.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LockInfo, Signer, SignerLock, SignerRecord } from '@govchain/consensus'
import { GovchainError, type Proposal, type Vote } from '@govchain/core'

export const FENCE_FILE = 'signing-fence.json'

export interface SigningFenceFile {
  state: 'until-synced' | 'resolved'
  restoredAt: string
  /** Height of the restored backup. */
  backupHeight: number
  /** Height of the signer record the restored home started from. */
  signerHeight: number
  /** Signing resumes at this height (state resolved). */
  fromHeight?: number
  /** The peers' best height the fence was resolved at. */
  syncedTo?: number
}

export class SigningFence {
  private constructor(
    private readonly path: string,
    private file: SigningFenceFile,
  ) {}

  /** The fence of a home, if `govchain restore` left one. Throws CONFIG_INVALID if unreadable. */
  static load(home: string): SigningFence | undefined {
    const path = join(home, FENCE_FILE)
    if (!existsSync(path)) return undefined
    let file: SigningFenceFile
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as SigningFenceFile
    } catch {
      throw new GovchainError('CONFIG_INVALID', `${path} is not JSON`)
    }
    // JSON that is not an object (`null`, a number) is not a fence either, not a TypeError.
    if (typeof file !== 'object' || file === null) {
      throw new GovchainError('CONFIG_INVALID', `${path} is not a signing fence`)
    }
    const okState =
      file.state === 'until-synced' || (file.state === 'resolved' && Number.isSafeInteger(file.fromHeight))
    if (!okState || !Number.isSafeInteger(file.signerHeight)) {
      throw new GovchainError('CONFIG_INVALID', `${path} is not a signing fence`)
    }
    return new SigningFence(path, file)
  }

  get state(): SigningFenceFile {
    return { ...this.file }
  }

  /** Whether a signature at `height` may be made. */
  allows(height: number): boolean {
    return this.file.state === 'resolved' && height >= this.file.fromHeight!
  }

  /**
   * Resolves the fence once the node has caught up with its peers (see the file comment).
   * `committed`: this node's latest height; `bestPeer`: the highest height a connected peer in
   * good standing announced (0: none). Returns the new fence height when it resolves now.
   */
  observe(committed: number, bestPeer: number, peers: number): number | undefined {
    if (this.file.state === 'resolved' || peers === 0 || bestPeer === 0 || committed < bestPeer) return undefined
    const next: SigningFenceFile = {
      ...this.file,
      state: 'resolved',
      fromHeight: Math.max(committed + 2, this.file.signerHeight + 1),
      syncedTo: committed,
    }
    // Durable before any signature relies on it.
    const tmp = `${this.path}.tmp`
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 })
    const fd = openSync(tmp, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
    this.file = next
    return next.fromHeight
  }
}

/** A signer that refuses (SIGNER_REFUSED) every signature the fence does not allow. */
export class FencedSigner implements Signer {
  constructor(
    private readonly inner: Signer,
    private readonly fence: SigningFence,
  ) {}

  lastSigned(): SignerRecord | undefined {
    return this.inner.lastSigned()
  }

  lockedValue(): SignerLock | undefined {
    return this.inner.lockedValue()
  }

  signVote(vote: Vote, lock?: LockInfo): Uint8Array {
    this.check(vote.height, vote.type)
    return this.inner.signVote(vote, lock)
  }

  signProposal(proposal: Proposal): Uint8Array {
    this.check(proposal.height, 'proposal')
    return this.inner.signProposal(proposal)
  }

  private check(height: number, step: string): void {
    if (this.fence.allows(height)) return
    const f = this.fence.state
    throw new GovchainError(
      'SIGNER_REFUSED',
      f.state === 'resolved'
        ? `signer refused: ${step} at ${height} is below the restore fence ${f.fromHeight}`
        : `signer refused: restored from a backup, not signing until caught up with the peers`,
      { height, step, fence: f.fromHeight ?? null },
    )
  }
}
