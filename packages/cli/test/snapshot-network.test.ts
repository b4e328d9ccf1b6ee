/**
 * State snapshots on a running network (issue 18; docs/adr/0029-state-snapshots.md): a
 * 4-validator intl network commits anchor transactions; `govchain snapshot export` takes the
 * state at height N from market's home while market runs. A court observer prepared with
 * `init-node` and registered by governance refuses a truncated and a foreign snapshot, leaving
 * its home without a store, then imports the real one, starts, syncs on from N + 1 by block sync
 * and serves the API: at a later height its header and state root are those of housing, which
 * synced from genesis.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BlockHeader, codec, getSuite, toHex } from '@govchain/core'
import { identityKeys } from '@govchain/identity/schema'
import { importSnapshot } from '@govchain/node'
import { anchorPut, type Client } from '@govchain/sdk'
import { networkCli, runCli, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const suite = getSuite('intl')
const OBSERVER = 'court-observer'

describe('a node started from a snapshot (intl)', { timeout: 600_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('export at N while running; corrupt and foreign refused; import, start, same state root later', async (t) => {
    const market = net.clients.market!
    const { url, ok, decide, initNode } = networkCli(net)
    const height = async (c: Client = market) => (await c.status()).height
    const refused = async (args: string[], code: string) => {
      const r = await runCli(url, args)
      assert.notEqual(r.code, 0, `${args.join(' ')} should fail\n${r.stdout}`)
      assert.match(r.stderr + r.stdout, new RegExp(code), args.join(' '))
    }
    await waitUntil('block 2', async () => (await height()) >= 2)

    // ---- anchors over a number of blocks
    const { chainId } = await market.status()
    const orgs = Object.keys(net.keys)
    for (let i = 0; i < 40; i++) {
      const tx = anchorPut({
        suite,
        chainId,
        privateKey: net.keys[orgs[i % orgs.length]!]!.privateKey,
        hash: new Uint8Array(randomBytes(32)),
        kind: 'snapshot-load',
        validUntilHeight: (await height()) + 500,
      })
      await net.clients[net.net.nodes[i % 4]!.name]!.submitTx(tx.bytes)
    }

    t.diagnostic(`anchors submitted at height ${await height()}`)
    // ---- the court's node: init-node, registered as an observer by governance
    const { node, client: observer } = await initNode(OBSERVER, 'police')
    const from = await decide([
      'add-observer',
      '--id',
      OBSERVER,
      '--org',
      'police',
      '--public-key',
      join(node.home, 'keys', 'validator.json'),
    ])
    await waitUntil('observer in force', async () => (await height()) >= from + 1)

    t.diagnostic(`observer registered from ${from}`)
    // ---- export from market's home while market runs
    const marketHome = net.net.nodes[0]!.home
    const file = join(net.dir, 'market.snapshot')
    const started = performance.now()
    const exported = await ok(['snapshot', 'export', '--home', marketHome, '--out', file])
    const exportMs = performance.now() - started
    const m = /wrote .*: (\d+) bytes, chain \S+ height (\d+) \(block ([0-9a-f]{64})\), (\d+) state entries/.exec(
      exported.stdout,
    )
    assert.ok(m, exported.stdout)
    const N = Number(m[2])
    assert.match(exported.stdout, /^state \d+/m, 'progress lines')
    assert.equal(statSync(file).size, Number(m[1]))
    const headerN = codec.decode(BlockHeader, (await market.block(N)).headerBytes)
    assert.equal(toHex(suite.hash((await market.block(N)).headerBytes)), m[3])
    await refused(['snapshot', 'export', '--home', marketHome, '--out', file], 'SNAPSHOT_EXISTS')

    t.diagnostic(`exported at ${N} in ${Math.round(exportMs)} ms`)
    // ---- refused before anything is written: truncated, a flipped byte, another chain
    const bytes = readFileSync(file)
    const store = join(node.home, 'data', 'chain.lmdb')
    const bad = (name: string, content: Uint8Array) => {
      const p = join(net.dir, name)
      writeFileSync(p, content)
      return p
    }
    const refusedImport = (path: string, code: string, trustHash?: string) =>
      assert.rejects(
        importSnapshot({ home: node.home, file: path, ...(trustHash === undefined ? {} : { trustHash }) }),
        {
          code,
        },
      )
    await refusedImport(bad('truncated', bytes.subarray(0, bytes.length - 100)), 'SNAPSHOT_CORRUPT')
    const flipped = Buffer.from(bytes)
    flipped[flipped.length - 50]! ^= 0xff
    await refusedImport(bad('flipped', flipped), 'SNAPSHOT_CORRUPT')
    const foreign = Buffer.from(
      bytes.toString('latin1').replace(`"chainId":"${chainId}"`, `"chainId":"${chainId.slice(0, -1)}x"`),
      'latin1',
    )
    await refusedImport(bad('foreign', foreign), 'SNAPSHOT_FOREIGN')
    await refusedImport(file, 'SNAPSHOT_UNTRUSTED', '00'.repeat(32))
    // One refusal through the command: a coded error and a non-zero exit.
    await refused(
      ['snapshot', 'import', '--home', node.home, '--file', bad('truncated', bytes.subarray(0, 99))],
      'SNAPSHOT_CORRUPT',
    )
    assert.ok(!existsSync(store), 'nothing written by a refused import')

    // ---- import, start: it syncs on from N + 1 and serves the API
    const imported = await ok(['snapshot', 'import', '--home', node.home, '--file', file, '--trust-hash', m[3]!])
    assert.match(imported.stdout, new RegExp(`at height ${N} .*sync on from height ${N + 1}`))
    await refusedImport(file, 'SNAPSHOT_TARGET_NOT_EMPTY')
    t.diagnostic('imported')
    await net.start(OBSERVER)
    assert.ok((await height(observer)) >= N)
    const later = (await height()) + 3
    await waitUntil('the observer syncs past the snapshot', async () => (await height(observer)) >= later, 120_000)
    const housing = net.clients.housing!
    const [a, b] = await Promise.all([observer.block(later), housing.block(later)])
    assert.equal(toHex(a.headerBytes), toHex(b.headerBytes), `header ${later}`)
    assert.equal(
      toHex(codec.decode(BlockHeader, a.headerBytes).stateRoot),
      toHex(codec.decode(BlockHeader, b.headerBytes).stateRoot),
    )
    assert.equal(
      toHex(codec.decode(BlockHeader, (await observer.block(N)).headerBytes).stateRoot),
      toHex(headerN.stateRoot),
    )
    // State with proofs at the latest height, as every node serves it.
    const proven = await observer.state('identity', toHex(identityKeys.org('police')), { prove: true })
    assert.ok(proven.height >= later && proven.value !== undefined && proven.proof !== undefined)
    console.log(
      `snapshot figures: height ${N}, ${m[4]} state entries, ${m[1]} bytes, export ${(exportMs / 1000).toFixed(1)} s (CLI process included)`,
    )
  })
})
