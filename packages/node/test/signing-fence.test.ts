/**
 * The signing fence of a restored home (signing-fence.ts; docs/adr/0027-backup-and-restore.md):
 * nothing is signed until the node has caught up with a peer, then nothing below
 * max(L + 2, signerHeight + 1), and the resolved fence survives a restart.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { MemorySigner } from '@govchain/consensus'
import { getSuite, isGovchainError, type Vote } from '@govchain/core'
import { FENCE_FILE, FencedSigner, SigningFence, type SigningFenceFile } from '../src/signing-fence.ts'

const suite = getSuite('intl')

function homeWith(fence: SigningFenceFile): string {
  const home = mkdtempSync(join(tmpdir(), 'govchain-fence-'))
  writeFileSync(join(home, FENCE_FILE), JSON.stringify(fence))
  return home
}

const vote = (height: number): Vote => ({
  chainId: 'c',
  type: 'prevote',
  height,
  round: 0,
  validatorIndex: 0,
  blockHash: new Uint8Array(32).fill(height),
})

function refused(f: () => unknown): boolean {
  try {
    f()
    return false
  } catch (e) {
    return isGovchainError(e) && e.code === 'SIGNER_REFUSED'
  }
}

test('a restored signer signs nothing until caught up, then only from max(L + 2, signed + 1)', () => {
  const home = homeWith({ state: 'until-synced', restoredAt: 'x', backupHeight: 10, signerHeight: 10 })
  const fence = SigningFence.load(home)!
  const signer = new FencedSigner(new MemorySigner(suite, suite.generateKeyPair().privateKey), fence)
  assert.ok(
    refused(() => signer.signVote(vote(11))),
    'nothing before it resolves',
  )
  // No peer yet, or behind the best peer: still fenced.
  assert.equal(fence.observe(10, 0, 0), undefined)
  assert.equal(fence.observe(10, 30, 3), undefined)
  assert.equal(fence.observe(29, 30, 3), undefined)
  assert.ok(refused(() => signer.signVote(vote(31))))
  // Caught up with the best announced height: L = 30, signing resumes at 32.
  assert.equal(fence.observe(30, 30, 3), 32)
  assert.ok(
    refused(() => signer.signVote(vote(31))),
    'L + 1 is left to the others',
  )
  assert.equal(signer.signVote(vote(32)).length, 64)
  assert.equal(signer.lastSigned()?.height, 32)
  // Durable: a restart reads the resolved fence.
  const again = SigningFence.load(home)!
  assert.equal(again.state.state, 'resolved')
  assert.equal(again.allows(31), false)
  assert.equal(again.allows(32), true)
  assert.equal(JSON.parse(readFileSync(join(home, FENCE_FILE), 'utf8')).fromHeight, 32)
})

test('the fence never resolves below the restored signer record', () => {
  const fence = SigningFence.load(
    homeWith({ state: 'until-synced', restoredAt: 'x', backupHeight: 5, signerHeight: 50 }),
  )!
  assert.equal(fence.observe(20, 20, 1), 51)
})

test('an unreadable fence file stops the node from starting', () => {
  const home = mkdtempSync(join(tmpdir(), 'govchain-fence-'))
  writeFileSync(join(home, FENCE_FILE), '{"state":"resolved"}')
  assert.throws(() => SigningFence.load(home), /CONFIG_INVALID|not a signing fence/)
  // JSON that is not an object: the same typed refusal, not a TypeError.
  for (const text of ['null', '7', '"resolved"', '[]', 'not json']) {
    writeFileSync(join(home, FENCE_FILE), text)
    assert.throws(
      () => SigningFence.load(home),
      (e: unknown) => isGovchainError(e) && e.code === 'CONFIG_INVALID',
      text,
    )
  }
  assert.equal(SigningFence.load(mkdtempSync(join(tmpdir(), 'govchain-fence-'))), undefined)
})
