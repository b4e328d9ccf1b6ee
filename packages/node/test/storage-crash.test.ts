/**
 * kill -9 at random instants while a child commits blocks: every reopen finds a consistent
 * prefix of the chain (each block with its certificate, its results and a readable state
 * root; meta = the last block), and nothing the child reported as committed is missing.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { ANCHOR_MODULE, AnchorPutArgs, anchorKey } from '@govchain/anchor/schema'
import { blockHash, stateKey } from '@govchain/app'
import { codec, equalBytes, SignedTx, SparseMerkleTree, suites, TxBody } from '@govchain/core'
import { LmdbChainStore } from '@govchain/store'

const ROUNDS = 6
const root = mkdtempSync(join(tmpdir(), 'govchain-crash-'))
after(() => rmSync(root, { recursive: true, force: true }))
const childPath = new URL('./storage-crash-child.ts', import.meta.url).pathname
/** The child loads TypeScript the way this process does (tsx, and any other --import hooks). */
function importFlags(): string[] {
  const out: string[] = []
  const a = process.execArgv
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--import' && a[i + 1] !== undefined) out.push('--import', a[++i]!)
    else if (a[i]!.startsWith('--import=')) out.push(a[i]!)
  }
  return out.length > 0 ? out : ['--import', 'tsx']
}

/** Runs the child until it has committed a few blocks past its start, kills it after a random delay. */
function runAndKill(path: string, delayMs: number): Promise<{ lastReported: number; start: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...importFlags(), childPath, path], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buf = ''
    let lastReported = 0
    let start = -1
    let timer: NodeJS.Timeout | undefined
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += String(d)
    })
    child.stdout.on('data', (d) => {
      buf += String(d)
      let i = buf.indexOf('\n')
      while (i >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        const [what, h] = line.split(' ')
        if (what === 'ready') {
          start = Number(h)
          timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
        } else if (what === 'committed') lastReported = Number(h)
        i = buf.indexOf('\n')
      }
    })
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${stderr}`))
      else resolve({ lastReported, start })
    })
  })
}

it(`survives ${ROUNDS} SIGKILLs at random instants with a consistent prefix`, { timeout: 120_000 }, async (t) => {
  const suite = suites.intl
  const path = LmdbChainStore.pathFor(join(root, 'node'))
  let previousHeight = 0
  for (let round = 0; round < ROUNDS; round++) {
    const delayMs = 150 + Math.floor(Math.random() * 600)
    const { lastReported, start } = await runAndKill(path, delayMs)
    assert.equal(start, previousHeight, 'the child resumed from the last stored block')
    const store = LmdbChainStore.open({ path })
    try {
      const meta = store.meta()
      const height = meta?.height ?? 0
      assert.ok(height >= lastReported, `reported ${lastReported} committed, store has ${height}`)
      assert.ok(height >= previousHeight)
      assert.equal(store.getBlock(height + 1), undefined, 'nothing beyond meta')
      assert.equal(store.getCertificate(height + 1), undefined)
      const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
      let prevHash: Uint8Array = new Uint8Array(32)
      for (let h = 1; h <= height; h++) {
        const block = store.getBlock(h)
        assert.ok(block !== undefined, `block ${h}`)
        const hash = blockHash(suite, block.header)
        assert.ok(equalBytes(block.header.previousHash, prevHash), `block ${h} links to its parent`)
        assert.equal(store.getHeightByHash(hash), h)
        assert.ok(equalBytes(store.getCertificate(h)!.blockHash, hash), `certificate ${h}`)
        const results = store.getResults(h)!
        assert.equal(results.length, block.txs.length)
        // The state root is readable (the block's anchors are in the tree), and every result is
        // in the tx index (the replay guard) at its block's height.
        for (const [i, r] of results.slice(0, 3).entries()) {
          const body = codec.decode(TxBody, codec.decode(SignedTx, block.txs[i]!).body)
          const key = anchorKey(codec.decode(AnchorPutArgs, body.args).hash)
          assert.ok(tree.get(block.header.stateRoot, stateKey(ANCHOR_MODULE, key)) !== undefined)
          assert.equal(store.getTxResult(r.txHash)?.height, h)
        }
        assert.equal(store.getTxResult(results[0]!.txHash)!.height, h)
        prevHash = hash
      }
      if (meta !== undefined) assert.ok(equalBytes(meta.blockHash, prevHash))
      t.diagnostic(`round ${round}: killed after ${delayMs} ms, reported ${lastReported}, stored ${height}`)
      previousHeight = height
    } finally {
      await store.close()
    }
  }
  assert.ok(previousHeight > ROUNDS, `committed ${previousHeight} blocks over ${ROUNDS} runs`)
})
