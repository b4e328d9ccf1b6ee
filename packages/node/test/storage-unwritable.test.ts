/**
 * A validator whose disk fills, end to end on a memory network (storage-health.ts): four
 * validators on one manual clock; the fourth one's store refuses block commits and journal
 * writes with STORE_UNWRITABLE while `full` is set, as the LMDB store does on a full disk
 * (packages/store/test/full-disk.test.ts). The signer's small record still fits, as it did on the
 * chaos suite's 16 KB of free space. A signer that cannot persist its record stops the node, with
 * the code in its last log line (the second test).
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { GovchainError, getSuite } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { anchorArgs, docHash, GOV_CHAIN_ID, makeConsortium, makeTx, ORG_IDS } from '@govchain/distribution/testkit'
import { type ChainStore, type CommitBlockInput, MemoryChainStore, type PendingTx } from '@govchain/store'
import { ManualClock, SeededRandom } from '../src/clock.ts'
import { type GovchainNode, type NodeOptions, startNode } from '../src/daemon.ts'
import { STORAGE_PROBE_MS } from '../src/storage-health.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'
import { parsePrometheus, prometheusValue } from '../src/testing/prometheus.ts'
import { CHANNEL } from '../src/wire.ts'
import { MemoryNetwork, memoryHome, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const START_MS = 1_700_000_000_000 + 60_000
const { genesis, validators, operators } = makeConsortium(suite, 4, { timeoutProposeMs: 3000 })
const ids = ORG_IDS.slice(0, 4)

/** A memory store whose block commits and journal writes are refused while `full` is set. */
class FillingStore extends MemoryChainStore {
  full = false
  /** The signer's record refused as well (a disk with no byte left). */
  signerFull = false
  commitsTried = 0
  refused = 0

  private refuse(): void {
    if (!this.full) return
    this.refused++
    throw new GovchainError('STORE_UNWRITABLE', 'No space left on device (ENOSPC)')
  }

  override commitBlock(input: CommitBlockInput): void {
    this.commitsTried++
    this.refuse()
    super.commitBlock(input)
  }

  override putRecordSync(name: string, value: Uint8Array): void {
    if (this.signerFull) throw new GovchainError('STORE_UNWRITABLE', 'No space left on device (ENOSPC)')
    super.putRecordSync(name, value)
  }

  override async putPending(txs: readonly PendingTx[]): Promise<void> {
    this.refuse()
    await super.putPending(txs)
  }
}

const isUnwritable = (e: unknown) => e instanceof GovchainError && e.code === 'STORE_UNWRITABLE'

/**
 * Four validators on `net`, each on a memory store unless `own(i)` gives it options of its own
 * (a store, a logger); until all are at height 2.
 */
async function startNetwork(
  net: MemoryNetwork,
  clock: ManualClock,
  random: SeededRandom,
  own: (i: number) => Pick<NodeOptions, 'store' | 'logger' | 'onFatal'> | undefined,
): Promise<GovchainNode[]> {
  const nodes: GovchainNode[] = []
  for (const [i, id] of ids.entries()) {
    const home = memoryHome({ suite, genesis, nodeId: id, privateKey: validators[id]!.privateKey })
    const p2p = net.transport(id, validators[id]!.publicKey)
    const opts = own(i)
    nodes.push(
      opts === undefined
        ? await startMemoryNode({ home, clock, random, p2p })
        : await startNode({ home, modules: defaultModules(), api: false, clock, random, p2p, ...opts }),
    )
  }
  net.connectAll()
  while (Math.min(...nodes.map((n) => n.store.latestHeight())) < 2) clock.advance(50)
  return nodes
}

/** A network of its own for one suite: the fourth validator's store and log; stopped after it. */
function lab(seed: number) {
  const clock = new ManualClock(START_MS)
  const random = new SeededRandom(seed)
  const nodes: GovchainNode[] = []
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })
  return {
    clock,
    random,
    net: new MemoryNetwork(clock, random),
    nodes,
    store: new FillingStore(),
    log: memoryLogger('info'),
  }
}

describe('a validator whose disk is full', () => {
  const { clock, random, net, nodes, store, log } = lab(47)

  const metric = async (node: GovchainNode, name: string) =>
    prometheusValue(parsePrometheus(await node.metrics.registry.metrics()).samples, name)
  const lines = (msg: string) => log.lines().filter((l) => JSON.parse(l).msg.startsWith(msg))
  const top = () => Math.max(...nodes.slice(0, 3).map((n) => n.store.latestHeight()))

  test('is one coded state: reported once, admission refused, no block stored, then heals', async () => {
    nodes.push(
      ...(await startNetwork(net, clock, random, (i) => (i === 3 ? { store, logger: log.logger } : undefined))),
    )
    const full = nodes[3]!
    assert.deepEqual(full.healthy(), { ok: true })
    assert.equal(await metric(full, 'govchain_storage_unwritable'), 0)

    store.full = true
    const stuckAt = full.store.latestHeight()
    const tx = (nonce: number) =>
      makeTx(suite, operators.market!, {
        chainId: GOV_CHAIN_ID,
        nonce,
        validUntilHeight: stuckAt + 200,
        args: anchorArgs(docHash(nonce)),
      })
    // The first refusal comes from the journal: the transaction is not taken in.
    await assert.rejects(full.submitTx(tx(1).bytes), isUnwritable)
    assert.equal(full.mempool.stats().count, 0)
    // The other three go on without it.
    while (top() < stuckAt + 6) clock.advance(50)
    const triedBefore = store.commitsTried
    const spanMs = 20 * STORAGE_PROBE_MS
    const until = clock.monotonicMs() + spanMs
    while (clock.monotonicMs() < until) clock.advance(50)

    assert.equal(full.store.latestHeight(), stuckAt, 'no block is stored on the full disk')
    assert.ok(top() > stuckAt + 6, 'the others commit meanwhile')
    const health = full.healthy()
    assert.equal(health.ok, false)
    assert.match(health.reason ?? '', /^storage refuses writes for \d+ s: No space left on device \(ENOSPC\)$/)
    assert.equal(await metric(full, 'govchain_storage_unwritable'), 1)
    // While the state lasts, admission refuses at once and changes nothing.
    await assert.rejects(full.submitTx(tx(2).bytes), isUnwritable)
    const batch = await full.submitTxs([tx(3).bytes, tx(4).bytes])
    assert.deepEqual(
      batch.map((o) => 'error' in o && isUnwritable(o.error)),
      [true, true],
    )
    assert.equal(full.mempool.stats().count, 0)
    // Commits are still tried, as probes: block sync and consensus, each at most once per
    // STORAGE_PROBE_MS.
    const probes = store.commitsTried - triedBefore
    assert.ok(probes >= 5 && probes <= 2 * (spanMs / STORAGE_PROBE_MS) + 2, `probes in ${spanMs} ms: ${probes}`)
    assert.equal(await metric(full, 'govchain_storage_refused_writes_total'), store.refused)
    // Said once, not once per message or per probe.
    assert.equal(lines('storage refuses writes').length, 1)
    assert.equal(lines('could not handle a peer message').length, 0)

    store.full = false
    const target = top()
    const freedAt = clock.monotonicMs()
    while (full.store.latestHeight() < target) clock.advance(50)
    // The next probe finds room: within one probe interval and a round trip, not at the peers'
    // sync backoff (14 s on this seed without the probe timer).
    const healMs = clock.monotonicMs() - freedAt
    assert.ok(healMs <= STORAGE_PROBE_MS + 1000, `caught up ${healMs} ms after the space returned`)
    assert.deepEqual(full.healthy(), { ok: true })
    assert.equal(await metric(full, 'govchain_storage_unwritable'), 0)
    assert.equal(lines('storage takes writes again').length, 1)
    await full.submitTx(tx(5).bytes)
    assert.equal(full.mempool.stats().count, 1)
  })
})

describe('a validator whose signer cannot persist', () => {
  const { clock, random, net, nodes, store, log } = lab(53)

  test('stops, and its last word is STORE_UNWRITABLE: it never signs what it could not record', async () => {
    const fatal: unknown[] = []
    nodes.push(
      ...(await startNetwork(net, clock, random, (i) =>
        i === 3 ? { store, logger: log.logger, onFatal: (e) => fatal.push(e) } : undefined,
      )),
    )
    const full = nodes[3]!
    // Only the signer's record: with the block commits refused too, the node would wait at its
    // stored height and never come to sign (the first test).
    store.signerFull = true
    const signed = () =>
      net.sent.filter((m) => m.from === ids[3] && (m.channel === CHANNEL.vote || m.channel === CHANNEL.proposal)).length
    const signedBefore = signed()
    const fatalLines = () =>
      log
        .lines()
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'fatal: stopping')
    const deadline = clock.monotonicMs() + 120_000
    while (fatalLines().length === 0 && clock.monotonicMs() < deadline) clock.advance(50)
    assert.deepEqual(
      fatalLines().map((l) => l.code),
      ['STORE_UNWRITABLE'],
    )
    // The stop runs on; the process's onFatal (the CLI exits non-zero) comes after it.
    while (fatal.length === 0) await new Promise((r) => setImmediate(r))
    assert.ok(isUnwritable(fatal[0]))
    assert.deepEqual(full.healthy(), { ok: false, reason: 'stopped' })
    assert.ok(signedBefore > 0, 'it voted before')
    assert.equal(signed(), signedBefore, 'nothing signed once its record could not be stored')
  })
})

describe('every validator whose disk is full at once', () => {
  const { clock, random, net, nodes } = lab(59)

  test('waits with nothing stored, and goes on by itself once there is room: no peer had the block', async () => {
    const stores = ids.map(() => new FillingStore())
    nodes.push(
      ...(await startNetwork(net, clock, random, (i) => ({ store: stores[i]!, logger: memoryLogger('error').logger }))),
    )
    for (const s of stores) s.full = true
    const heights = () => nodes.map((n) => n.store.latestHeight())
    const frozen = heights()
    const until = clock.monotonicMs() + 10 * STORAGE_PROBE_MS
    while (clock.monotonicMs() < until) clock.advance(50)
    assert.deepEqual(heights(), frozen, 'nothing is stored while every disk is full')
    assert.ok(nodes.every((n) => n.healthy().ok === false))

    for (const s of stores) s.full = false
    const freedAt = clock.monotonicMs()
    const goal = Math.max(...frozen) + 3
    while (Math.min(...heights()) < goal && clock.monotonicMs() < freedAt + 60_000) clock.advance(50)
    assert.ok(
      Math.min(...heights()) >= goal,
      `every node past ${goal} a minute after the space returned: ${heights().join(', ')}`,
    )
    // The decision each node holds is stored at its next try, within one probe interval.
    assert.ok(clock.monotonicMs() - freedAt <= STORAGE_PROBE_MS + 10_000)
    assert.ok(nodes.every((n) => n.healthy().ok))
  })
})
