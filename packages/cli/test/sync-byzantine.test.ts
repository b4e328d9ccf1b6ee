/**
 * Multi-process (issue 13, item 2): one dishonest department must not stall a lagging node.
 * Four validators; one (the lagger) is stopped while the others commit; another is replaced by a
 * Byzantine process (byzantine-peer.ts) with that validator's real certificate and keys, which
 * claims a huge height in its HELLO and status messages and never answers a sync request. With
 * two honest validators left the chain cannot commit until the lagger is back, so the lagger must
 * catch up from the honest ones; then the three honest validators must keep committing.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const BYZANTINE = fileURLToPath(new URL('./byzantine-peer.ts', import.meta.url))
/** More than a few sync batches (SYNC_BLOCKS_MAX = 32), so the lagger must ask again and again. */
const LAG_BLOCKS = 70

describe('sync with a peer that lies about its height (intl)', { timeout: 360_000 }, () => {
  let net: TestNetwork
  let liar: ChildProcess | undefined
  let liarOut = ''
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    if (liar !== undefined && liar.exitCode === null) {
      const exited = new Promise((r) => liar!.once('exit', r))
      liar.kill('SIGTERM')
      await exited
    }
    await net?.stopAll()
  })

  test('a lagging validator catches up from the honest peers and the chain keeps committing', async () => {
    const [a, b, lagger, dishonest] = net.net.nodes.map((n) => n.name) as [string, string, string, string]
    const height = async (name: string) => (await net.clients[name]!.status()).height
    await waitUntil('first blocks', async () => (await height(a)) >= 2)

    await net.kill(lagger, 'SIGTERM')
    const h0 = await height(a)
    await waitUntil('the others move ahead', async () => (await height(a)) >= h0 + LAG_BLOCKS, 120_000)

    // The dishonest department takes its validator's place with the lying process.
    await net.kill(dishonest, 'SIGTERM')
    const home = net.net.nodes.find((n) => n.name === dishonest)!.home
    liar = spawn(process.execPath, ['--import', 'tsx', BYZANTINE, home], { stdio: ['ignore', 'pipe', 'pipe'] })
    liar.stdout!.on('data', (c: Buffer) => {
      liarOut += c.toString('utf8')
    })
    liar.stderr!.on('data', (c: Buffer) => {
      liarOut += c.toString('utf8')
    })
    await waitUntil('the liar is connected to both honest validators', async () => {
      if (liar!.exitCode !== null) throw new Error(`byzantine peer exited: ${liarOut}`)
      return liarOut.includes(`{"peer":"${a}"}`) && liarOut.includes(`{"peer":"${b}"}`)
    })
    const stuck = await height(a)

    await net.start(lagger)
    // Liveness deadlines only: nothing asserts on how fast it was.
    await waitUntil(
      'the lagger catches up with the honest validators',
      async () => (await height(lagger)) >= stuck,
      60_000,
    )
    const h1 = await height(lagger)
    await waitUntil(
      'the three honest validators keep committing',
      async () => {
        for (const n of [a, b, lagger]) if ((await height(n)) < h1 + 3) return false
        return true
      },
      60_000,
    )
    assert.equal(liar.exitCode, null, 'the liar was there the whole time')
    // It was asked (it announces more than anyone) and did not hold the lagger back.
    assert.match(liarOut, /"syncRequests":\d+/, 'the liar received sync requests')
    assert.deepEqual(net.unexpectedExits(), [])
  })
})
