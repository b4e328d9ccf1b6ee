/**
 * The node's state answers are cached (GovchainNode.state: the tree half by state root and key,
 * the height half by height). Four validators in one process anchor documents while the test
 * reads one key before, during and after the block that writes it: every answer is the state at
 * the height it names, proven against that height's header by a light client, and a write is
 * seen by the very next read after its commit.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { anchorKeyHex } from '@govchain/anchor/client'
import { LightClient } from '@govchain/client'
import { fromHex, getSuite, toHex } from '@govchain/core'
import { anchorArgs, docHash, GOV_CHAIN_ID, makeConsortium, makeTx, ORG_IDS } from '@govchain/distribution/testkit'
import { ManualClock, SeededRandom } from '../src/clock.ts'
import type { GovchainNode } from '../src/daemon.ts'
import { MemoryNetwork, memoryHome, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const { genesis, validators, operators } = makeConsortium(suite, 4, { timeoutProposeMs: 3000 })

describe('cached state answers', () => {
  test('each answer is the state at its height, proven; a write is seen at the first read after its commit', async () => {
    const clock = new ManualClock(1_700_000_000_000 + 60_000)
    const net = new MemoryNetwork(clock, new SeededRandom(41))
    const nodes: GovchainNode[] = []
    for (const id of ORG_IDS.slice(0, 4)) {
      const home = memoryHome({ suite, genesis, nodeId: id, privateKey: validators[id]!.privateKey })
      nodes.push(
        await startMemoryNode({
          home,
          clock,
          random: new SeededRandom(7),
          p2p: net.transport(id, validators[id]!.publicKey),
        }),
      )
    }
    net.connectAll()
    const node = nodes[0]!
    const runTo = (height: number) => {
      while (Math.min(...nodes.map((n) => n.store.latestHeight())) < height) clock.advance(50)
    }
    const light = new LightClient({ suite, chainId: GOV_CHAIN_ID, trustedValidatorSet: node.validatorSetAt(1) })
    const key = fromHex(anchorKeyHex(docHash(1)))
    /** The proven answer at `height` (latest when omitted), checked by the light client; its value's hex. */
    const proven = (height?: number): { height: number; value: string | undefined } => {
      const view = node.state('anchor', key, { prove: true, ...(height === undefined ? {} : { height }) })
      const checked = light.verifyState(view)
      assert.equal(checked.height, view.height)
      assert.equal(checked.value === undefined ? undefined : toHex(checked.value), view.value && toHex(view.value))
      return { height: view.height, value: view.value && toHex(view.value) }
    }
    try {
      runTo(2)
      const before = proven()
      assert.equal(before.value, undefined, 'nothing anchored yet')
      assert.equal(node.state('anchor', key, { prove: false }).value, undefined)
      // Empty blocks keep the state root: later heights answer the same, each proven at its own height.
      runTo(before.height + 2)
      const later = proven()
      assert.ok(later.height > before.height)
      assert.equal(later.value, undefined)
      assert.deepEqual(proven(before.height), before, 'asked again at the old height: the same answer')

      await node.submitTx(
        makeTx(suite, operators.market!, {
          chainId: GOV_CHAIN_ID,
          nonce: 1,
          validUntilHeight: node.store.latestHeight() + 5,
          args: anchorArgs(docHash(1)),
        }).bytes,
      )
      // Read after every step of the clock: the first height that holds the record answers with it.
      let written: { height: number; value: string | undefined } | undefined
      const deadline = clock.nowMs() + 60_000
      while (written === undefined) {
        assert.ok(clock.nowMs() < deadline, 'the anchor was not committed in 60 s of simulated time')
        const h = node.store.latestHeight()
        const direct = node.state('anchor', key, { prove: false }).value
        const answer = proven()
        assert.equal(answer.height, h)
        assert.equal(answer.value, direct && toHex(direct), 'with and without proof, the same state')
        if (answer.value !== undefined) written = answer
        else clock.advance(50)
      }
      // The height before the write still answers "absent", proven; the write's height and later hold it.
      assert.equal(proven(written.height - 1).value, undefined)
      runTo(written.height + 2)
      assert.equal(proven().value, written.value)
      assert.deepEqual(proven(written.height), written)
    } finally {
      for (const n of nodes) await n.stop()
    }
  })
})
