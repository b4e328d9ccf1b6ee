/**
 * Multi-process (issue 13, item 1): an outsider who can reach the p2p ports opens hundreds of TCP
 * connections to every validator and never starts TLS, reopening each one the nodes close. While
 * it keeps going, a validator is SIGKILLed and restarted: it must get its peers back and catch up
 * with the others, and the network must keep committing.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { sleep, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

/** Idle connections the attacker keeps trying to hold per node. */
const IDLE_PER_NODE = 300
/** The attacker reopens a connection the node closed after this long (it keeps going, without spinning). */
const REOPEN_MS = 250

/** Holds up to `n` idle connections to `port`, reopening each one that closes, until stop(). */
function idleFlood(host: string, port: number, n: number) {
  let stopped = false
  let accepted = 0
  const live = new Set<Socket>()
  const open = () => {
    if (stopped) return
    const s = connect({ host, port })
    live.add(s)
    s.on('connect', () => accepted++)
    s.on('error', () => {})
    s.on('close', () => {
      live.delete(s)
      if (!stopped) setTimeout(open, REOPEN_MS)
    })
  }
  for (let i = 0; i < n; i++) open()
  return {
    accepted: () => accepted,
    stop() {
      stopped = true
      for (const s of live) s.destroy()
    },
  }
}

describe('p2p slots under an idle-connection flood (intl)', { timeout: 240_000 }, () => {
  let net: TestNetwork
  const floods: ReturnType<typeof idleFlood>[] = []
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    for (const f of floods) f.stop()
    await net?.stopAll()
  })

  test('a validator killed and restarted during the flood reconnects and catches up', async () => {
    const names = net.net.nodes.map((n) => n.name)
    const victim = names[2]!
    const height = async (name: string) => (await net.clients[name]!.status()).height
    await waitUntil('first blocks', async () => (await height(names[0]!)) >= 2)
    for (const n of net.net.nodes) {
      const [host, port] = n.p2pAddress.split(':') as [string, string]
      floods.push(idleFlood(host, Number(port), IDLE_PER_NODE))
    }
    await waitUntil('the flood reached every node', async () => floods.every((f) => f.accepted() >= IDLE_PER_NODE))

    await net.kill(victim, 'SIGKILL')
    const others = names.filter((n) => n !== victim)
    const h0 = await height(others[0]!)
    await waitUntil('the others commit without it', async () => (await height(others[0]!)) >= h0 + 5, 30_000)

    await net.start(victim)
    // Liveness deadline only: nothing asserts on how fast it was.
    await waitUntil(
      'the restarted validator has its peers back',
      async () => (await net.clients[victim]!.status()).peers.length === 3,
      20_000,
    )
    const target = await height(others[0]!)
    await waitUntil('the restarted validator catches up', async () => (await height(victim)) >= target, 20_000)
    const h1 = await height(victim)
    await waitUntil('everyone keeps committing', async () => {
      for (const n of names) if ((await height(n)) < h1 + 3) return false
      return true
    })
    // The flood was still going the whole time.
    const acceptedBefore = floods.map((f) => f.accepted())
    await sleep(2 * REOPEN_MS + 500)
    assert.ok(
      floods.every((f, i) => f.accepted() > acceptedBefore[i]!),
      'every node was still being flooded at the end',
    )
    assert.deepEqual(net.unexpectedExits(), [])
  })
})
