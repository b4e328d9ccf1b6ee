/**
 * Multi-process: `govchain certs renew` on a running validator of a network with encrypted keys.
 * The node loads the new certificate without a restart (same process), presents it to a peer
 * that connects afterwards, its `govchain_cert_expiry_seconds` follows, and the chain keeps
 * committing. A wrong passphrase changes nothing.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import { readPemKey } from '@govchain/node'
import { startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const PASSPHRASE = 'market regulation ops passphrase'

function govchain(args: string[], env: Record<string, string>) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete e.NODE_TEST_CONTEXT
  return spawnSync(process.execPath, [BIN, ...args], { env: e, encoding: 'utf8', timeout: 60_000 })
}

/** The serial of the certificate a node's p2p port presents to a peer connecting now (as `peer`). */
function presentedSerial(net: TestNetwork, node: string, peer: string): Promise<string> {
  const target = net.net.nodes.find((n) => n.name === node)!
  const me = net.net.nodes.find((n) => n.name === peer)!
  const [host, port] = target.p2pAddress.split(':') as [string, string]
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(port),
      cert: readFileSync(join(me.home, 'keys', 'tls.crt'), 'utf8'),
      key: readPemKey(join(me.home, 'keys', 'tls.key'), { passphrase: PASSPHRASE }),
      ca: readFileSync(join(net.dir, 'orgs', target.orgId, 'ca.crt'), 'utf8'),
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1.3',
    })
    socket.once('secureConnect', () => {
      const serial = socket.getPeerCertificate().serialNumber
      socket.destroy()
      resolve(serial.toUpperCase())
    })
    socket.once('error', reject)
  })
}

async function tlsExpirySeconds(net: TestNetwork, node: string): Promise<number> {
  const url = net.net.nodes.find((n) => n.name === node)!.apiUrl
  const text = await (await fetch(`${url}/metrics`)).text()
  const m = /govchain_cert_expiry_seconds\{cert="node-tls"[^}]*\} (-?\d+)/.exec(text)
  assert.ok(m, 'govchain_cert_expiry_seconds{cert="node-tls"} is exported')
  return Number(m[1])
}

describe('renewing a running node’s TLS certificate', { timeout: 300_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl', passphrase: PASSPHRASE })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('the node presents the new certificate to new peers without a restart; the metric follows', async () => {
    const market = net.net.nodes.find((n) => n.name === 'market')!
    const client = net.clients.market!
    await waitUntil('first block', async () => (await client.status()).height >= 1)
    const pid = net.procs.get('market')!.pid
    const before = new X509Certificate(readFileSync(join(market.home, 'keys', 'tls.crt'), 'utf8'))
    assert.equal(await presentedSerial(net, 'market', 'housing'), before.serialNumber.toUpperCase())
    const expiryBefore = await tlsExpirySeconds(net, 'market')
    assert.ok(expiryBefore > 800 * 86_400, `825-day certificate: ${expiryBefore} s left`)

    const wrong = govchain(['certs', 'renew', '--home', market.home, '--days', '30'], {
      GOVCHAIN_PASSPHRASE: 'not the passphrase at all',
    })
    assert.notEqual(wrong.status, 0)
    assert.match(wrong.stderr, /KEYSTORE_WRONG_PASSPHRASE/)
    assert.equal(readFileSync(join(market.home, 'keys', 'tls.crt'), 'utf8'), before.toString())

    const r = govchain(['certs', 'renew', '--home', market.home, '--days', '30', '--json'], {
      GOVCHAIN_PASSPHRASE: PASSPHRASE,
    })
    assert.equal(r.status, 0, r.stderr)
    const renewed = JSON.parse(r.stdout) as { serial: string; notAfter: string }
    assert.notEqual(renewed.serial, before.serialNumber)
    // Still encrypted, as the home keeps keys.
    assert.match(readFileSync(join(market.home, 'keys', 'tls.key'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/)

    await waitUntil('the node reloads the certificate', async () => {
      const left = await tlsExpirySeconds(net, 'market')
      return left > 29 * 86_400 && left <= 30 * 86_400
    })
    assert.equal(await presentedSerial(net, 'market', 'tax'), renewed.serial.toUpperCase())
    assert.equal(net.procs.get('market')!.pid, pid, 'the same process: no restart')
    assert.match(net.logOf('market'), /TLS certificate reloaded/)

    // A peer that reconnects now handshakes with the new certificate, and the chain goes on.
    await net.kill('housing', 'SIGTERM')
    await net.start('housing')
    await waitUntil(
      'housing reconnects to market',
      async () => (await client.status()).peers.some((p) => p.id === 'housing'),
      60_000,
    )
    const h = (await client.status()).height
    await waitUntil('blocks after the renewal', async () => (await client.status()).height >= h + 3, 60_000)
  })
})
