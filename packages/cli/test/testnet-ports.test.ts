/**
 * Test networks and gateways take their ports from slots held by lock files, so test files
 * running side by side never share a port (a node of one network answering another's client
 * failed a run: TX_WRONG_CHAIN). The slots here are of a kind of this process's own.
 */
import assert from 'node:assert/strict'
import { existsSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { GovchainError } from '@govchain/core'
import { reservePortSlot } from '../src/testnet.ts'

const kind = `test-${process.pid}`
// Below Linux's ephemeral range (32768-60999 by default) and the node (20000-29999) and gateway
// (30000-32699) slots: a slot in the ephemeral range is refused whenever another test's client
// connection happens to hold one of its ports (a slow-tier run failed that way).
const FIRST = 12_000
const lock = (base: number) => join(tmpdir(), `govchain-${kind}-ports-${base}.lock`)

test('slots are exclusive until released; a lock over an hour old is taken over', async () => {
  const held = await Promise.all([0, 1, 2].map(() => reservePortSlot(kind, FIRST, 3)))
  assert.deepEqual(held.map((h) => h.base).sort(), [FIRST, FIRST + 100, FIRST + 200])
  for (const h of held) assert.ok(existsSync(lock(h.base)))
  await assert.rejects(
    reservePortSlot(kind, FIRST, 3),
    (e: unknown) =>
      e instanceof GovchainError && e.code === 'TESTNET_TIMEOUT' && /no free test-\d+ port slot/.test(e.message),
  )
  held[1]!.release()
  assert.ok(!existsSync(lock(held[1]!.base)))
  const again = await reservePortSlot(kind, FIRST, 3)
  assert.equal(again.base, held[1]!.base)
  // A process that died without releasing: its lock holds the slot for an hour, then not.
  again.release()
  writeFileSync(lock(again.base), '999999')
  await assert.rejects(reservePortSlot(kind, FIRST, 3))
  const old = (Date.now() - 2 * 3_600_000) / 1000
  utimesSync(lock(again.base), old, old)
  const taken = await reservePortSlot(kind, FIRST, 3)
  assert.equal(taken.base, again.base)
  for (const h of [held[0]!, held[2]!, taken]) h.release()
})
