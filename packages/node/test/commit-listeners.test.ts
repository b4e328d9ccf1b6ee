/**
 * What follows a stored commit (chain.ts, NodeChain.onCommitted): the mempool's cleanup, the
 * commit's events, the status to peers, the next height. The block is stored before any of them
 * runs, so a listener that throws must not look like a refused commit to the caller (consensus
 * would wait for a block it already has), nor leave the later listeners undone (the node would
 * sit at that height for good). Every listener runs; a fault is reported once they have, and the
 * daemon stops the node on it, whose restart resumes from the stored block. Reading the next
 * heights' validator sets comes first: when it fails, no listener runs.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildBlock, chainModules, DEFAULT_EXECUTION_PARAMS, ModuleRegistry } from '@govchain/app'
import { GovchainError, getSuite } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { fakeCertificate, makeConsortium, ORG_IDS, tx } from '@govchain/distribution/testkit'
import { ProposeArgs } from '@govchain/governance/schema'
import { CreateDidArgs } from '@govchain/identity/schema'
import { MemoryChainStore } from '@govchain/store'
import { NodeChain } from '../src/chain.ts'
import { ManualClock, SeededRandom } from '../src/clock.ts'
import { type GovchainNode, startNode } from '../src/daemon.ts'
import { VerifiedCache } from '../src/mempool/index.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'
import { CHANNEL } from '../src/wire.ts'
import { MemoryNetwork, memoryHome, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const START_MS = 1_700_000_000_000 + 60_000
const { genesis, validators, operators } = makeConsortium(suite, 4, { timeoutProposeMs: 3000 })
const ids = ORG_IDS.slice(0, 4)

/** A memory store the node's stop does not close, so that the test can read it afterwards. */
class KeptStore extends MemoryChainStore {
  override async close(): Promise<void> {}
}

/** A memory store whose first read of the chain's head after a stored block fails, once, while armed. */
class FailingReadStore extends MemoryChainStore {
  armed = false
  private stored = false

  override commitBlock(input: Parameters<MemoryChainStore['commitBlock']>[0]): void {
    super.commitBlock(input)
    this.stored = this.armed
  }

  override meta(): ReturnType<MemoryChainStore['meta']> {
    if (this.stored) {
      this.stored = false
      this.armed = false
      throw new Error('state read failed')
    }
    return super.meta()
  }
}

/** A NodeChain on a memory store, and a way to commit its next (empty) block. */
function chainOf(onListenerFault?: (e: unknown) => void, store: MemoryChainStore = new MemoryChainStore()) {
  const log = memoryLogger('debug')
  const chain = new NodeChain({
    suite,
    genesis,
    modules: new ModuleRegistry(chainModules(genesis, defaultModules())),
    params: DEFAULT_EXECUTION_PARAMS,
    store,
    clock: new ManualClock(START_MS),
    logger: log.logger,
    preverified: new VerifiedCache(16),
    ...(onListenerFault === undefined ? {} : { onListenerFault }),
  })
  const commitNext = (txs: Uint8Array[] = []) => {
    const height = chain.store.latestHeight() + 1
    const parent = chain.parentHeader(height)
    const built = buildBlock({
      ...chain.chainContext(height),
      height,
      timeMs: START_MS + height * 1000,
      ...(parent === undefined ? {} : { parent: { header: parent, hash: chain.store.meta()!.blockHash } }),
      ...(height === 1 ? {} : { lastCommit: chain.store.getCertificate(height - 1)! }),
      validatorSetHash: chain.validatorSetHash,
      nextValidatorSetHash: chain.nextValidatorSetHash,
      proposer: ids[0]!,
      txs,
    })
    chain.commit(built.block, fakeCertificate(height, built.blockHash), false)
    return built.execution.results
  }
  const lines = (msg: string) =>
    log
      .lines()
      .map((l) => JSON.parse(l) as { msg: string; height?: number; code?: string })
      .filter((l) => l.msg === msg)
  return { chain, commitNext, lines }
}

describe('the listeners of a stored commit', () => {
  test('all run when one throws; the fault is reported once, after them, with the block stored', () => {
    const faults: unknown[] = []
    const { chain, commitNext, lines } = chainOf((e) => faults.push(e))
    const ran: string[] = []
    const boom = new Error('status broadcast failed')
    chain.onCommitted(() => ran.push('mempool'))
    chain.onCommitted(() => {
      ran.push('events')
      throw boom
    })
    chain.onCommitted(() => {
      ran.push('status')
      throw new GovchainError('INVALID_ARGUMENT', 'a second fault')
    })
    chain.onCommitted((c) => ran.push(`next height ${c.block.header.height + 1}`))
    commitNext()
    assert.equal(chain.store.latestHeight(), 1)
    assert.deepEqual(ran, ['mempool', 'events', 'status', 'next height 2'])
    assert.deepEqual(faults, [boom], 'the first fault, once')
    assert.deepEqual(
      lines('a step after the commit failed (the block is stored)').map((l) => [l.height, l.code]),
      [
        [1, 'INTERNAL'],
        [1, 'INVALID_ARGUMENT'],
      ],
    )
    // The next commit starts from the stored block.
    ran.length = 0
    commitNext()
    assert.equal(chain.store.latestHeight(), 2)
    assert.equal(ran.at(-1), 'next height 3')
  })

  test('a listener whose write the storage refuses is no fault: the rest run, nothing is thrown', () => {
    const faults: unknown[] = []
    const { chain, commitNext, lines } = chainOf((e) => faults.push(e))
    const ran: string[] = []
    chain.onCommitted(() => {
      throw new GovchainError('STORE_UNWRITABLE', 'No space left on device (ENOSPC)')
    })
    chain.onCommitted((c) => ran.push(`next height ${c.block.header.height + 1}`))
    commitNext()
    assert.deepEqual(ran, ['next height 2'])
    assert.deepEqual(faults, [])
    assert.deepEqual(
      lines('a step after the commit waits for the storage').map((l) => [l.height, l.code]),
      [[1, 'STORE_UNWRITABLE']],
    )
  })

  test('when the next validator sets cannot be read after the commit, no listener runs and the fault is raised', () => {
    const faults: unknown[] = []
    const store = new FailingReadStore()
    store.armed = true
    const { chain, commitNext, lines } = chainOf((e) => faults.push(e), store)
    const ran: string[] = []
    chain.onCommitted(() => ran.push('listener'))
    commitNext()
    assert.equal(chain.store.latestHeight(), 1, 'the block is stored')
    assert.deepEqual(ran, [], 'nothing acts on a commit whose next sets are unknown')
    assert.equal(faults.length, 1)
    assert.match(String(faults[0]), /state read failed/)
    assert.deepEqual(
      lines('a step after the commit failed (the block is stored)').map((l) => l.height),
      [1],
    )
  })

  test('without a fault handler (tools) the first fault is thrown, after every listener ran', () => {
    const { chain, commitNext } = chainOf()
    const ran: string[] = []
    chain.onCommitted(() => {
      throw new Error('first')
    })
    chain.onCommitted(() => ran.push('after'))
    assert.throws(commitNext, /^Error: first$/)
    assert.deepEqual(ran, ['after'])
    assert.equal(chain.store.latestHeight(), 1)
  })
})

describe('a node whose step after a commit fails', () => {
  test('stops with the fault (fatal), where it used to sit at that height; its peers go on', async () => {
    const clock = new ManualClock(START_MS)
    const random = new SeededRandom(5)
    const net = new MemoryNetwork(clock, random)
    const log = memoryLogger('info')
    const fatal: unknown[] = []
    let armed = false
    const boom = new Error('status broadcast failed')
    const nodes: GovchainNode[] = []
    try {
      for (const [i, id] of ids.entries()) {
        const home = memoryHome({ suite, genesis, nodeId: id, privateKey: validators[id]!.privateKey })
        const p2p = net.transport(id, validators[id]!.publicKey)
        if (i < 3) {
          nodes.push(await startMemoryNode({ home, clock, random, p2p }))
          continue
        }
        // The fourth node's transport fails its next status broadcast once armed: the block-sync
        // reactor's listener, which runs before consensus's own (the next height).
        const broadcast = p2p.broadcast.bind(p2p)
        p2p.broadcast = (channel, payload) => {
          if (armed && channel === CHANNEL.status) {
            armed = false
            throw boom
          }
          return broadcast(channel, payload)
        }
        nodes.push(
          await startNode({
            home,
            modules: defaultModules(),
            api: false,
            clock,
            random,
            p2p,
            store: new KeptStore(),
            logger: log.logger,
            onFatal: (e) => fatal.push(e),
          }),
        )
      }
      net.connectAll()
      while (Math.min(...nodes.map((n) => n.store.latestHeight())) < 2) clock.advance(50)
      armed = true
      for (let i = 0; i < 2_000 && fatal.length === 0; i++) {
        clock.advance(50)
        await new Promise((r) => setImmediate(r))
      }
      assert.deepEqual(fatal, [boom], 'the node stopped on the fault')
      const failed = log
        .lines()
        .map((l) => JSON.parse(l) as { msg: string; height?: number })
        .filter((l) => l.msg === 'a step after the commit failed (the block is stored)')
      assert.equal(failed.length, 1)
      const stuck = nodes[3]!
      assert.equal(stuck.store.latestHeight(), failed[0]!.height, 'the block of the failed step is stored')
      assert.deepEqual(stuck.healthy(), { ok: false, reason: 'stopped' })
      assert.ok(
        !log.lines().some((l) => l.includes('could not handle a peer message')),
        'the fault did not surface as a failed message',
      )
      const top = Math.max(...nodes.slice(0, 3).map((n) => n.store.latestHeight()))
      for (let i = 0; i < 400 && Math.min(...nodes.slice(0, 3).map((n) => n.store.latestHeight())) < top + 2; i++) {
        clock.advance(50)
      }
      assert.ok(Math.min(...nodes.slice(0, 3).map((n) => n.store.latestHeight())) >= top + 2, 'the other three go on')
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
    }
  })
})

describe('the peer trust after a commit', () => {
  /** A NodeChain whose p2p layer is a recorder of what the chain asks of it. */
  function watched() {
    const { chain, commitNext } = chainOf()
    const asked: string[] = []
    chain.setPeerTrust({
      setTrustedCAs: (pems) => asked.push(`cas ${pems.length}`),
      setRevokedCertificates: () => asked.push('revoked'),
      recheckPeers: () => asked.push('recheck'),
    })
    return { chain, commitNext, asked }
  }

  test("a citizen's DID leaves it alone; a governance proposal has it read again", () => {
    const { chain, commitNext, asked } = watched()
    commitNext()
    // As the daemon does at start: the CAs of genesis's four organisations.
    chain.refreshTrust()
    assert.deepEqual(asked, ['cas 4', 'revoked', 'recheck'])
    asked.length = 0
    const citizens = [suite.generateKeyPair(), suite.generateKeyPair()]
    const dids = commitNext(citizens.map((c) => tx(suite, c, 'identity', 'createDid', CreateDidArgs, {})))
    assert.deepEqual(
      dids.map((r) => [r.code, r.events.map((e) => e.type)]),
      [
        ['OK', ['identity.did']],
        ['OK', ['identity.did']],
      ],
    )
    assert.deepEqual(asked, [], 'identity names none of its events as changing trust')
    const proposal = commitNext([
      tx(suite, operators[ids[1]!]!, 'governance', 'propose', ProposeArgs, {
        title: 'block size',
        actions: [{ type: 'setParams', value: { blockMaxTxs: 77 } }],
        effectiveHeight: 0,
        expiresHeight: 50,
      }),
    ])
    assert.deepEqual(
      proposal.map((r) => [r.code, r.events.map((e) => e.type)]),
      [['OK', ['governance.proposal']]],
    )
    // The CAs are unchanged (not set again); the connected peers are checked again.
    assert.deepEqual(asked, ['recheck'])
  })
})
