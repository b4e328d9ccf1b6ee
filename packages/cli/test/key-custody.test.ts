/**
 * Multi-process, gm: a 4-validator network initialised without --dev keeps every private key
 * encrypted (keystores, encrypted PKCS#8), its nodes open them with GOVCHAIN_PASSPHRASE and
 * commit 1,000 transactions; then a scan of every file the network wrote (homes, LMDB, logs,
 * genesis) finds none of the private keys — neither their bytes nor their hex — nor the pseudonym
 * key of a data gateway initialised on it (a secret keystore, in no file in clear). A node with a
 * wrong or missing passphrase, or with a plain key file, does not start, and says why.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { toHex } from '@govchain/core'
import { loadKeyFile, newKeyFile } from '@govchain/node'
import { initNodeGateway, loadGatewayPackage } from '../src/gateway-home.ts'
import { startNetwork, type TestNetwork } from '../src/testnet.ts'
import { assertNoSecretIn, commitAnchors, pemSecret, type Secret } from './key-scan.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const PASSPHRASE = '住建委 validator passphrase'
const TXS = 1000

describe('encrypted keys on a 4-validator gm network', { timeout: 600_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'gm', passphrase: PASSPHRASE })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('1,000 transactions commit, and no file the network wrote holds a private key', async () => {
    const names = net.net.nodes.map((n) => n.name)
    await commitAnchors(net, 'gm', TXS)

    // Every private key of the network, opened the way a node opens it.
    const secrets: Secret[] = []
    for (const n of net.net.nodes) {
      const v = loadKeyFile(join(n.home, 'keys', 'validator.json'), { passphrase: PASSPHRASE, allowPlain: false })
      secrets.push({ name: `${n.name} validator`, key: Buffer.from(v.privateKey) })
      secrets.push(pemSecret(`${n.name} TLS`, join(n.home, 'keys', 'tls.key'), PASSPHRASE))
      secrets.push(pemSecret(`${n.orgId} CA`, join(net.dir, 'orgs', n.orgId, 'ca.key'), PASSPHRASE))
    }
    for (const [org, k] of Object.entries(net.keys))
      secrets.push({ name: `${org} operator`, key: Buffer.from(k.privateKey) })

    // A data gateway on the first node, holding the identity authority's pseudonym key.
    const pseudonymKey = new Uint8Array(randomBytes(32))
    await loadGatewayPackage()
    const saved = process.env.GOVCHAIN_PASSPHRASE
    process.env.GOVCHAIN_PASSPHRASE = PASSPHRASE
    try {
      const gw = initNodeGateway(net.net.nodes[0]!.home, { port: 0, localPort: 0, pseudonymKey })
      assert.deepEqual(gw.pseudonymKey, pseudonymKey)
      secrets.push({ name: 'gateway pseudonym', key: Buffer.from(pseudonymKey) })
      secrets.push(pemSecret('gateway TLS', join(gw.dir, 'tls.key'), PASSPHRASE))
      const gk = loadKeyFile(join(gw.dir, 'key.json'), { passphrase: PASSPHRASE, allowPlain: false })
      secrets.push({ name: 'gateway suite', key: Buffer.from(gk.privateKey) })
    } finally {
      if (saved === undefined) delete process.env.GOVCHAIN_PASSPHRASE
      else process.env.GOVCHAIN_PASSPHRASE = saved
    }
    assert.equal(secrets.length, 19)
    assert.ok(secrets.every((s) => s.key.length === 32))

    // Stop the nodes so that everything they hold is on disk, then read every byte they wrote.
    await Promise.all(names.map((n) => net.kill(n, 'SIGTERM')))
    const { files, bytes } = assertNoSecretIn(net.dir, secrets)
    assert.ok(bytes > 100_000 && files > 20, `scanned ${bytes} bytes in ${files} files`)
  })

  test('a node with a wrong or no passphrase, or a plain key file, does not start and says why', () => {
    const home = net.net.nodes[0]!.home
    const start = (env: NodeJS.ProcessEnv) => {
      const e: NodeJS.ProcessEnv = { ...process.env, ...env }
      delete e.NODE_TEST_CONTEXT
      for (const k of Object.keys(env)) if (env[k] === undefined) delete e[k]
      return spawnSync(process.execPath, [BIN, 'node', 'start', '--home', home], {
        env: e,
        encoding: 'utf8',
        timeout: 60_000,
      })
    }
    const wrong = start({ GOVCHAIN_PASSPHRASE: 'not the passphrase' })
    assert.notEqual(wrong.status, 0)
    assert.match(wrong.stderr, /KEYSTORE_WRONG_PASSPHRASE/)
    const none = start({ GOVCHAIN_PASSPHRASE: undefined, GOVCHAIN_PASSPHRASE_FILE: undefined })
    assert.notEqual(none.status, 0)
    assert.match(none.stderr, /KEY_PASSPHRASE_MISSING/)

    // The same key, in clear: refused on a network that was not started with --dev.
    const keyPath = join(home, 'keys', 'validator.json')
    copyFileSync(keyPath, `${keyPath}.keystore`)
    const plain = loadKeyFile(keyPath, { passphrase: PASSPHRASE })
    const file = { ...newKeyFile('gm'), publicKey: toHex(plain.publicKey), privateKey: toHex(plain.privateKey) }
    writeFileSync(keyPath, JSON.stringify(file))
    try {
      const r = start({ GOVCHAIN_PASSPHRASE: PASSPHRASE })
      assert.notEqual(r.status, 0)
      assert.match(r.stderr, /KEY_PLAINTEXT_REFUSED/)
    } finally {
      copyFileSync(`${keyPath}.keystore`, keyPath)
    }
  })
})
