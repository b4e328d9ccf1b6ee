/**
 * The node's stop, end to end on a memory network: a transaction whose gossip was lost (a
 * message a full send queue dropped, a peer reconnecting when it went) still reaches every peer
 * when the node that acknowledged it stops for good, because the stop hands the whole pending pool
 * on (MempoolReactor.handOff; its own test is mempool-reactor.test.ts). Four validators, one
 * manual clock; the first node's transaction broadcasts are lost until it stops.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { codec, getSuite, toHex } from '@govchain/core'
import { anchorArgs, docHash, GOV_CHAIN_ID, makeConsortium, makeTx, ORG_IDS } from '@govchain/distribution/testkit'
import type { P2P } from '@govchain/p2p'
import { ManualClock, SeededRandom } from '../src/clock.ts'
import type { GovchainNode } from '../src/daemon.ts'
import { CHANNEL, TxsMessage } from '../src/wire.ts'
import { MemoryNetwork, memoryHome, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const START_MS = 1_700_000_000_000 + 60_000
const { genesis, validators, operators } = makeConsortium(suite, 4, { timeoutProposeMs: 3000 })
const ids = ORG_IDS.slice(0, 4)

describe('a graceful stop hands the pending pool to the peers', () => {
  const clock = new ManualClock(START_MS)
  const random = new SeededRandom(43)
  const net = new MemoryNetwork(clock, random)
  const nodes: GovchainNode[] = []
  /** While set, the first node's transaction broadcasts are lost on the way (its other traffic goes). */
  let loseTxGossip = false
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  test('a transaction whose gossip was lost reaches the peers when its node stops', async () => {
    for (const [i, id] of ids.entries()) {
      const inner = net.transport(id, validators[id]!.publicKey)
      const p2p: P2P =
        i === 0
          ? {
              ...inner,
              broadcast: (channel, payload, except) =>
                loseTxGossip && channel === CHANNEL.txs ? 0 : inner.broadcast(channel, payload, except),
            }
          : inner
      nodes.push(
        await startMemoryNode({
          home: memoryHome({ suite, genesis, nodeId: id, privateKey: validators[id]!.privateKey }),
          clock,
          random,
          p2p,
        }),
      )
    }
    net.connectAll()
    while (Math.min(...nodes.map((n) => n.store.latestHeight())) < 2) clock.advance(50)

    loseTxGossip = true
    const height = nodes[0]!.store.latestHeight()
    const tx = makeTx(suite, operators.market!, {
      chainId: GOV_CHAIN_ID,
      nonce: 1,
      validUntilHeight: height + 50,
      args: anchorArgs(docHash(1)),
    })
    await nodes[0]!.submitTx(tx.bytes)
    clock.advance(6) // the gossip timer fires; its broadcast is lost
    const pending = nodes[0]!.mempool.reap(Number.MAX_SAFE_INTEGER, 1)
    assert.equal(pending.length, 1, 'pending at the node that acknowledged it')
    for (const peer of nodes.slice(1)) assert.equal(peer.mempool.stats().count, 0, 'the peers never got it')
    assert.equal(nodes[0]!.store.latestHeight(), height, 'not committed meanwhile')

    loseTxGossip = false
    const sentBefore = net.sent.length
    await nodes[0]!.stop()
    const handed = net.sent
      .slice(sentBefore)
      .filter((m) => m.from === ids[0] && m.channel === CHANNEL.txs)
      .flatMap((m) => codec.decode(TxsMessage, m.payload).map((b) => `${m.to ?? 'all'} ${toHex(b)}`))
      .sort()
    assert.deepEqual(
      handed,
      ids.slice(1).map((peer) => `${peer} ${toHex(tx.bytes)}`),
      'sent to each peer as the node stopped',
    )
  })
})
