/**
 * Test-only: a Byzantine validator process for sync-byzantine.test.ts. It takes over a real
 * validator's identity (its node home: TLS certificate and key, consensus key, peers and p2p
 * port) and connects through the real transport, so its peers cannot tell it from the honest
 * node. It then lies: its HELLO and every status message claim a huge height, and it never
 * answers a sync request (nor anything else).
 *
 *   node --import tsx byzantine-peer.ts <node home> [claimed height]
 *
 * Prints one JSON line per event on stdout: {"ready":true}, {"peer":id}, {"syncRequests":n}.
 * Stops on SIGTERM/SIGINT.
 */
import { codec, getSuite } from '@govchain/core'
import { CHANNEL, createP2P, loadHome, StatusMessage } from '@govchain/node'

const [homeDir, claimedText] = process.argv.slice(2)
if (homeDir === undefined) {
  process.stderr.write('usage: byzantine-peer.ts <node home> [claimed height]\n')
  process.exit(64)
}
/** Far beyond any real height, and still a safe integer for the u64 codec. */
const claimed = Number(claimedText ?? 2 ** 40)
const STATUS_INTERVAL_MS = 300

const home = loadHome(homeDir)
const suite = getSuite(home.genesis.suite)
const p2p = createP2P(
  {
    chainId: home.genesis.chainId,
    nodeId: home.config.nodeId,
    listen: { host: home.config.p2p.host, port: home.config.p2p.port },
    tls: { ...home.tls, trustedCAPems: home.trustedCaPems },
    signingKey: home.validatorKey,
    peers: home.config.peers,
    channels: Object.values(CHANNEL),
    getLatestHeight: () => claimed,
  },
  { suite },
)
const status = codec.encode(StatusMessage, { height: claimed })
let syncRequests = 0
p2p.onPeerConnected((peer) => {
  p2p.send(peer.nodeId, CHANNEL.status, status)
  process.stdout.write(`${JSON.stringify({ peer: peer.nodeId })}\n`)
})
p2p.onMessage((_peer, channel) => {
  if (channel === CHANNEL.syncRequest) {
    syncRequests++
    process.stdout.write(`${JSON.stringify({ syncRequests })}\n`)
  }
})
await p2p.start()
const timer = setInterval(() => p2p.broadcast(CHANNEL.status, status), STATUS_INTERVAL_MS)
process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
const stop = () => {
  clearInterval(timer)
  p2p.close().then(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
