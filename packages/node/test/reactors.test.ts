/**
 * The daemon's reactors over injected parts (docs/adr/0018-reactors.md): no decision reads the
 * platform's clock or randomness, and with a manual clock and a seeded random source the node
 * does the same thing twice.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { blockHash, chainModules, DEFAULT_EXECUTION_PARAMS, type Genesis, ModuleRegistry } from '@govchain/app'
import {
  Block,
  codec,
  DOMAIN,
  DuplicateProposalEvidence,
  getSuite,
  memorySigner,
  Proposal,
  signingBytes,
  toHex,
  Vote,
  verifyDuplicateProposalEvidence,
} from '@govchain/core'
import { defaultModules, EvidenceRecord, governanceKeys, governanceReaders, powerAt } from '@govchain/distribution'
import { makeConsortium, ORG_IDS } from '@govchain/distribution/testkit'
import type { P2P } from '@govchain/p2p'
import { MemoryChainStore } from '@govchain/store'
import { NodeChain } from '../src/chain.ts'
import { ManualClock, SeededRandom, systemRandom } from '../src/clock.ts'
import type { GovchainNode } from '../src/daemon.ts'
import type { NodeHome } from '../src/home.ts'
import { VerifiedCache } from '../src/mempool/index.ts'
import { BlockSyncReactor, SYNC_REQUEST_TIMEOUT_MS } from '../src/reactors/block-sync.ts'
import { SyncPeers } from '../src/sync-peers.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'
import { CHANNEL, ProposalMessage, StatusMessage, SyncPruned, SyncRequest, VoteMessage } from '../src/wire.ts'
import { MemoryNetwork, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src')
/** The manual clocks start here: a while after the testkit's genesis time, like a real network's first start. */
const START_MS = 1_700_000_000_000 + 60_000
const TIMEOUT_PROPOSE_MS = 3000

describe('no decision reads the platform clock or randomness', () => {
  /** The reactors' sources: the daemon, its chain and reactors, the mempool, sync peer choice. */
  const scanned = (): string[] => {
    const files = ['daemon.ts', 'chain.ts', 'sync-peers.ts']
    for (const dir of ['reactors', 'mempool']) {
      for (const f of readdirSync(join(SRC, dir))) if (f.endsWith('.ts')) files.push(join(dir, f))
    }
    return files
  }
  const FORBIDDEN: [string, RegExp][] = [
    ['Date.now', /\bDate\.now\b/],
    ['new Date', /\bnew Date\b/],
    ['Math.random', /\bMath\.random\b/],
    ['setTimeout', /\bsetTimeout\b/],
    ['setInterval', /\bsetInterval\b/],
    ['crypto random', /\b(randomInt|randomBytes|randomUUID|getRandomValues)\b/],
    ['node:crypto', /['"](node:)?crypto['"]/],
    // Timing for logs and metrics only, and only where the line says so.
    ['performance.now', /\bperformance\.now\b(?!.*\/\/ metrics only)/],
  ]

  test('the scanner sees what it looks for (a check that cannot fail is no check)', () => {
    const hits = (line: string) => FORBIDDEN.filter(([, re]) => re.test(line)).map(([name]) => name)
    assert.deepEqual(hits('const t = Date.now() + Math.random()'), ['Date.now', 'Math.random'])
    assert.deepEqual(hits("import { randomInt } from 'node:crypto'"), ['crypto random', 'node:crypto'])
    assert.deepEqual(hits('setTimeout(f, 1); setInterval(g, 2)'), ['setTimeout', 'setInterval'])
    assert.deepEqual(hits('const started = performance.now()'), ['performance.now'])
    assert.deepEqual(hits('const started = performance.now() // metrics only: a duration'), [])
  })

  test('reactor sources use only the injected clock and random source', () => {
    const files = scanned()
    assert.ok(files.length >= 7, `scanned ${files.join(', ')}`)
    const found: string[] = []
    for (const file of files) {
      for (const [i, line] of readFileSync(join(SRC, file), 'utf8').split('\n').entries()) {
        const code = line.replace(/^\s*(\/\*|\*|\/\/).*$/, '') // comment lines may name what they avoid
        for (const [name, re] of FORBIDDEN) if (re.test(code)) found.push(`${file}:${i + 1}: ${name}`)
      }
    }
    assert.deepEqual(found, [])
  })

  test('the system implementations are where the platform is read', () => {
    const clock = readFileSync(join(SRC, 'clock.ts'), 'utf8')
    for (const re of [/\bDate\.now\(\)/, /\bsetTimeout\(/, /\brandomInt\(/, /\brandomBytes\(/]) assert.match(clock, re)
  })
})

describe('clock and random implementations', () => {
  test('a manual clock fires timers in due order, at their own time, and only when advanced', () => {
    const clock = new ManualClock(1000)
    const fired: string[] = []
    clock.setTimer(30, () => fired.push(`b@${clock.nowMs()}`))
    clock.setTimer(10, () => {
      fired.push(`a@${clock.nowMs()}`)
      clock.setTimer(0, () => fired.push(`a2@${clock.nowMs()}`))
    })
    const c = clock.setTimer(20, () => fired.push('cleared'))
    clock.clearTimer(c)
    clock.advance(9)
    assert.deepEqual(fired, [])
    clock.advance(100)
    assert.deepEqual(fired, ['a@1010', 'a2@1010', 'b@1030'])
    assert.equal(clock.nowMs(), 1109)
    assert.equal(clock.monotonicMs(), 109)
    assert.equal(clock.pending, 0)
  })

  test('a seeded source repeats itself; int stays in range, refuses a bad range', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed)
      return [r.int(10), r.int(Number.MAX_SAFE_INTEGER), toHex(r.bytes(8))]
    }
    assert.deepEqual(draw(7), draw(7))
    assert.notDeepEqual(draw(7), draw(8))
    for (const r of [new SeededRandom(1), systemRandom]) {
      for (let i = 0; i < 200; i++) {
        const v = r.int(3)
        assert.ok(Number.isInteger(v) && v >= 0 && v < 3)
      }
      assert.ok(r.int(Number.MAX_SAFE_INTEGER) < Number.MAX_SAFE_INTEGER)
      assert.equal(r.bytes(5).length, 5)
      for (const bad of [0, -1, 1.5, 2 ** 53]) assert.throws(() => r.int(bad), { code: 'INVALID_ARGUMENT' })
    }
  })
})

// ------------------------------------------------------------------------------ fixtures

interface Consortium {
  genesis: Genesis
  keys: { publicKey: Uint8Array; privateKey: Uint8Array }[]
  ids: string[]
}

/** N validators (the testkit's consortium; its keys are fresh, so each test makes one and reuses it). */
function consortium(n: number): Consortium {
  const { genesis, validators } = makeConsortium(suite, n, { timeoutProposeMs: TIMEOUT_PROPOSE_MS })
  const ids = ORG_IDS.slice(0, n)
  return { genesis, keys: ids.map((id) => validators[id]!), ids }
}

function home(c: Consortium, i: number): NodeHome {
  return {
    home: '/nonexistent',
    dataDir: '/nonexistent',
    config: {
      nodeId: c.ids[i]!,
      orgId: c.ids[i]!,
      api: { host: '127.0.0.1', port: 0 },
      p2p: { host: '127.0.0.1', port: 0 },
      peers: [],
      logLevel: 'error',
    },
    genesis: c.genesis,
    validatorKey: memorySigner(suite, c.keys[i]!.privateKey),
    tls: { certPem: '', keyPem: '' },
    trustedCaPems: [],
  }
}

/** Four validators in one process: memory stores, a memory network, one manual clock, one seed. */
async function network(
  c: Consortium,
  seed: number,
  opts: { connect?: boolean; wrap?: (i: number, p2p: P2P) => P2P } = {},
) {
  const clock = new ManualClock(START_MS)
  const random = new SeededRandom(seed)
  const net = new MemoryNetwork(clock, random)
  const nodes: GovchainNode[] = []
  for (const [i, key] of c.keys.entries()) {
    nodes.push(
      await startMemoryNode({
        home: home(c, i),
        clock,
        random,
        p2p: opts.wrap?.(i, net.transport(c.ids[i]!, key.publicKey)) ?? net.transport(c.ids[i]!, key.publicKey),
      }),
    )
  }
  if (opts.connect !== false) net.connectAll()
  const stop = () => Promise.all(nodes.map((n) => n.stop()))
  return { c, clock, net, nodes, stop }
}

/** Advances the clock in steps until every node committed `height`; fails past `simMsMax` of simulated time. */
function runUntil(clock: ManualClock, nodes: GovchainNode[], height: number, simMsMax = 600_000): void {
  const deadline = clock.nowMs() + simMsMax
  while (Math.min(...nodes.map((n) => n.store.latestHeight())) < height) {
    assert.ok(clock.nowMs() < deadline, `height ${height} not reached in ${simMsMax} ms of simulated time`)
    clock.advance(50)
  }
}

function blockHashes(node: GovchainNode, upTo: number): string[] {
  const out: string[] = []
  for (let h = 1; h <= upTo; h++) out.push(toHex(blockHash(suite, node.store.getHeader(h)!)))
  return out
}

// ------------------------------------------------------------------------------ consensus

describe('consensus reactor on a manual clock', () => {
  test('a propose timeout fires exactly when the clock passes it, and not before', async () => {
    // Nobody connected: a validator that is not the proposer of height 1 waits for a proposal
    // that cannot come, then prevotes nil when its propose timeout fires.
    const c = consortium(4)
    const { clock, net, stop } = await network(c, 1, { connect: false })
    try {
      const proposers = new Set(net.sent.filter((m) => m.channel === CHANNEL.proposal).map((m) => m.from))
      assert.equal(proposers.size, 1, 'exactly one validator proposes height 1 at once')
      const waiting = c.ids.filter((id) => !proposers.has(id))
      const votesOf = (id: string) =>
        net.sent
          .filter((m) => m.from === id && m.channel === CHANNEL.vote)
          .map((m) => codec.decode(Vote, codec.decode(VoteMessage, m.payload).vote))
      for (const id of waiting) assert.deepEqual(votesOf(id), [])

      clock.advance(TIMEOUT_PROPOSE_MS - 1)
      for (const id of waiting) assert.deepEqual(votesOf(id), [], `${id} voted before its timeout`)

      clock.advance(1)
      for (const id of waiting) {
        const votes = votesOf(id)
        assert.equal(votes.length, 1, `${id} prevotes once its timeout fired`)
        assert.equal(votes[0]!.type, 'prevote')
        assert.equal(votes[0]!.height, 1)
        assert.equal(votes[0]!.round, 0)
        assert.equal(votes[0]!.blockHash, undefined, 'for nil: no proposal was seen')
        const at = net.sent.find((m) => m.from === id && m.channel === CHANNEL.vote)!.atMs
        assert.equal(at, START_MS + TIMEOUT_PROPOSE_MS)
      }
    } finally {
      await stop()
    }
  })

  test('four validators on one manual clock commit the same blocks, and the same seed twice gives the same hashes', async () => {
    const HEIGHT = 4
    const c = consortium(4)
    const run = async (seed: number) => {
      const { clock, nodes, stop } = await network(c, seed)
      try {
        runUntil(clock, nodes, HEIGHT)
        const hashes = blockHashes(nodes[0]!, HEIGHT)
        for (const n of nodes) assert.deepEqual(blockHashes(n, HEIGHT), hashes, `${n.nodeId} agrees`)
        // Block 1 was proposed at once, at the injected clock's time, not the machine's.
        assert.equal(nodes[0]!.store.getHeader(1)!.timeMs, START_MS)
        for (let h = 2; h <= HEIGHT; h++) {
          const t = nodes[0]!.store.getHeader(h)!.timeMs
          assert.ok(t > START_MS && t <= clock.nowMs(), `block ${h} time ${t} is simulated time`)
        }
        return hashes
      } finally {
        await stop()
      }
    }
    const first = await run(7)
    assert.deepEqual(await run(7), first, 'same seed, same chain')
    // Another seed draws other link latencies: blocks are decided at other simulated times.
    assert.notDeepEqual(await run(8), first, 'another seed, another chain')
  })
})

describe('proposal equivocation on the in-process network (ADR 0026)', () => {
  test('a validator that signs two proposals for one round is reported, and governance takes its power away', async () => {
    const c = consortium(4)
    const BYZ = 1
    const byzId = c.ids[BYZ]!
    let forged: { height: number; round: number } | undefined
    // The byzantine node's transport: its first proposal from height 2 on goes out, then a second
    // one for the same (height, round), signed with its key, for a block one millisecond later.
    const wrap = (i: number, p2p: P2P): P2P =>
      i !== BYZ
        ? p2p
        : {
            ...p2p,
            broadcast: (channel, payload, except) => {
              const n = p2p.broadcast(channel, payload, except)
              if (channel !== CHANNEL.proposal || forged !== undefined) return n
              const m = codec.decode(ProposalMessage, payload)
              const p = codec.decode(Proposal, m.proposal.proposal)
              if (p.height < 2) return n
              const block = codec.decode(Block, m.value)
              const header = { ...block.header, timeMs: block.header.timeMs + 1 }
              const value = codec.encode(Block, { ...block, header })
              const body = codec.encode(Proposal, { ...p, blockHash: blockHash(suite, header) })
              const signature = suite.sign(c.keys[BYZ]!.privateKey, signingBytes(DOMAIN.proposal, body))
              p2p.broadcast(channel, codec.encode(ProposalMessage, { proposal: { proposal: body, signature }, value }))
              forged = { height: p.height, round: p.round }
              return n
            },
          }
    const { clock, nodes, stop } = await network(c, 3, { wrap })
    try {
      // What GET /v1/state/governance/{key} answers on each node.
      const read = (n: GovchainNode, key: Uint8Array) => n.state('governance', key, { prove: false }).value
      const offender = (n: GovchainNode) =>
        codec.decode(governanceReaders.Validators, read(n, governanceKeys.validators())!).find((v) => v.id === byzId)!
      const jailed = () => (nodes[0]!.store.latestHeight() === 0 ? undefined : offender(nodes[0]!).jailedAtHeight)
      const deadline = clock.nowMs() + 600_000
      while (jailed() === undefined) {
        assert.ok(clock.nowMs() < deadline, 'the offender was not penalised in 600 s of simulated time')
        clock.advance(50)
      }
      assert.ok(forged !== undefined)
      const at = jailed()!
      // The evidence transaction committed: one record, for the offender, at the forged round, type proposal.
      const stored = read(nodes[0]!, governanceKeys.evidence(byzId, forged.height, forged.round, 'proposal'))
      assert.ok(stored !== undefined, 'the evidence record is in state')
      const record = codec.decode(EvidenceRecord, stored)
      assert.equal(record.validatorId, byzId)
      assert.equal(record.type, 'proposal')
      assert.equal(record.height, forged.height)
      assert.equal(record.round, forged.round)
      assert.equal(record.submittedHeight, at)
      const ev = codec.decode(DuplicateProposalEvidence, record.evidence)
      assert.deepEqual(
        verifyDuplicateProposalEvidence(suite, c.genesis.chainId, nodes[0]!.validatorSetAt(forged.height), ev),
        {
          proposerIndex: BYZ,
          height: forged.height,
          round: forged.round,
        },
      )
      // The same penalty as for duplicate votes: power 0 from the evidence height + 2.
      assert.ok(powerAt(offender(nodes[0]!), at + 1) > 0)
      assert.equal(powerAt(offender(nodes[0]!), at + 2), 0)
      // Every node agrees, and the network goes on without it.
      runUntil(clock, nodes, at + 4)
      for (const n of nodes) assert.equal(offender(n).jailedAtHeight, at)
      assert.deepEqual(
        nodes[0]!.validatorSetAt(at + 3).validators.map((v) => v.id),
        c.ids.filter((id) => id !== byzId),
      )
    } finally {
      await stop()
    }
  })
})

// ------------------------------------------------------------------------------ block sync

describe('block-sync reactor: peer choice on the injected clock and random source', () => {
  const c = consortium(1)
  const modules = new ModuleRegistry(chainModules(c.genesis, defaultModules()))

  /** A block-sync reactor at height 0 whose five peers all announce height 10 and never answer. */
  const lagging = (seed: number) => {
    const clock = new ManualClock(START_MS)
    const logger = memoryLogger('error').logger
    const asked: { peer: string; atMs: number; fromHeight: number }[] = []
    const chain = new NodeChain({
      suite,
      genesis: c.genesis,
      modules,
      params: DEFAULT_EXECUTION_PARAMS,
      store: new MemoryChainStore(),
      clock,
      logger,
      preverified: new VerifiedCache(16),
    })
    const reactor = new BlockSyncReactor({
      chain,
      clock,
      random: new SeededRandom(seed),
      logger,
      consensus: { height: 1, holdNextHeight: () => {} },
      p2p: {
        send: (peer, channel, payload) => {
          if (channel === CHANNEL.syncRequest) {
            asked.push({ peer, atMs: clock.monotonicMs(), fromHeight: codec.decode(SyncRequest, payload).fromHeight })
          }
          return true
        },
        broadcast: () => 0,
        disconnect: () => {},
      },
    })
    // Announced on the status channel: the first announcement is asked at once (the only
    // candidate then); each timeout moves on to the best of the others.
    for (const peer of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      reactor.receive(peer, CHANNEL.status, codec.encode(StatusMessage, { height: 10 }))
    }
    return { clock, reactor, asked }
  }

  test('a request times out exactly at SYNC_REQUEST_TIMEOUT_MS of the manual clock, then the next peer is asked', () => {
    const { clock, asked } = lagging(1)
    assert.equal(asked.length, 1)
    assert.equal(asked[0]!.fromHeight, 1)
    clock.advance(SYNC_REQUEST_TIMEOUT_MS - 1)
    assert.equal(asked.length, 1, 'no second request before the timeout')
    clock.advance(1)
    assert.equal(asked.length, 2, 'the timeout moved on to another peer')
    assert.equal(asked[1]!.atMs, SYNC_REQUEST_TIMEOUT_MS)
    assert.notEqual(asked[1]!.peer, asked[0]!.peer)
  })

  test('the order peers are tried in follows the seed: the same seed the same order, other seeds others', () => {
    const order = (seed: number) => {
      const { clock, asked } = lagging(seed)
      clock.advance(4 * SYNC_REQUEST_TIMEOUT_MS)
      return asked.map((a) => a.peer)
    }
    const first = order(11)
    assert.equal(first.length, 5)
    assert.equal(new Set(first).size, 5, 'each peer once before any is asked again')
    assert.deepEqual(order(11), first)
    const orders = new Set([11, 12, 13, 14, 15, 16].map((s) => order(s).join(' ')))
    assert.ok(orders.size > 1, `seeds 11-16 gave one order: ${[...orders].join(' | ')}`)
  })

  test('a peer that answers "pruned" is not blamed; when every peer ahead is pruned, sync says so', () => {
    const { clock, reactor, asked } = lagging(1)
    const pruned = (peer: string, base: number) =>
      reactor.receive(peer, CHANNEL.syncPruned, codec.encode(SyncPruned, { base }))
    // An answer from a peer that was not asked proves nothing.
    const other = ['p1', 'p2', 'p3', 'p4', 'p5'].find((p) => p !== asked[0]!.peer)!
    pruned(other, 5)
    assert.equal(asked.length, 1)
    for (let i = 0; i < 5; i++) {
      assert.equal(reactor.blocked(), undefined)
      pruned(asked.at(-1)!.peer, 5)
    }
    assert.equal(new Set(asked.map((a) => a.peer)).size, 5, 'each answer moved on to another peer')
    assert.ok(
      asked.every((a) => a.atMs === asked[0]!.atMs),
      'at once: no timeout or backoff was waited out',
    )
    assert.deepEqual(reactor.blocked(), { code: 'PRUNED', height: 1, base: 5 })
    // Nobody is asked below a base again, timeouts or not.
    clock.advance(10 * SYNC_REQUEST_TIMEOUT_MS)
    assert.equal(asked.length, 5)
  })

  test('a "pruned" answer at or below the height asked contradicts itself and counts as an empty one', () => {
    const { reactor, asked } = lagging(1)
    reactor.receive(asked[0]!.peer, CHANNEL.syncPruned, codec.encode(SyncPruned, { base: 1 }))
    assert.equal(asked.length, 2, 'the next peer is asked')
    assert.notEqual(asked[1]!.peer, asked[0]!.peer)
    assert.equal(reactor.blocked(), undefined)
  })

  test('without a random source SyncPeers keeps its node-id tie-break (ADR 0015)', () => {
    const s = new SyncPeers()
    for (const p of ['p3', 'p1', 'p2']) s.announced(p, 10, 0)
    assert.deepEqual(s.pick(0, 0), { peer: 'p1' })
  })
})
