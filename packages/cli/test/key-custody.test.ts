/**
 * Multi-process, gm: a 4-validator network initialised without --dev keeps every private key
 * encrypted (keystores, encrypted PKCS#8), its nodes open them with GOVCHAIN_PASSPHRASE and
 * commit 1,000 transactions; then a scan of every file the network wrote (homes, LMDB, logs,
 * genesis) finds none of the private keys — neither their bytes nor their hex. A node with a
 * wrong or missing passphrase, or with a plain key file, does not start, and says why.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createPrivateKey, randomBytes } from 'node:crypto'
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { getSuite, toHex } from '@govchain/core'
import { loadKeyFile, newKeyFile, readPemKey } from '@govchain/node'
import { anchorPut } from '@govchain/sdk'
import { startNetwork, type TestNetwork, waitForCommits, waitUntil } from '../src/testnet.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const PASSPHRASE = '住建委 validator passphrase'
const TXS = 1000
const suite = getSuite('gm')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
}

describe('encrypted keys on a 4-validator gm network', { timeout: 600_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'gm', passphrase: PASSPHRASE })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('1,000 transactions commit, and no file the network wrote holds a private key', async () => {
    const [a] = net.net.nodes.map((n) => n.name) as [string]
    await waitUntil('first block', async () => (await net.clients[a]!.status()).height >= 1)
    const { chainId, height } = await net.clients[a]!.status()
    const orgs = Object.keys(net.keys)
    const txs = Array.from({ length: TXS }, (_, i) =>
      anchorPut({
        suite,
        chainId,
        privateKey: net.keys[orgs[i % orgs.length]!]!.privateKey,
        hash: new Uint8Array(randomBytes(32)),
        kind: 'custody',
        validUntilHeight: height + 500,
      }),
    )
    const names = net.net.nodes.map((n) => n.name)
    let cursor = 0
    const accepted: string[] = []
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (cursor < txs.length) {
          const i = cursor++
          accepted.push((await net.clients[names[i % names.length]!]!.submitTx(txs[i]!.bytes)).hash)
        }
      }),
    )
    const { counts } = await waitForCommits(net.clients[a]!, accepted, 180_000)
    assert.equal(counts.size, TXS)
    assert.ok([...counts.values()].every((c) => c === 1))

    // Every private key of the network, opened the way a node opens it.
    const secrets: { name: string; key: Buffer }[] = []
    for (const n of net.net.nodes) {
      const v = loadKeyFile(join(n.home, 'keys', 'validator.json'), { passphrase: PASSPHRASE, allowPlain: false })
      secrets.push({ name: `${n.name} validator`, key: Buffer.from(v.privateKey) })
      const tls = readPemKey(join(n.home, 'keys', 'tls.key'), { passphrase: PASSPHRASE, allowPlain: false })
      const d = createPrivateKey(tls).export({ format: 'jwk' }).d!
      secrets.push({ name: `${n.name} TLS`, key: Buffer.from(d, 'base64url') })
      const ca = readPemKey(join(net.dir, 'orgs', n.orgId, 'ca.key'), { passphrase: PASSPHRASE, allowPlain: false })
      secrets.push({
        name: `${n.orgId} CA`,
        key: Buffer.from(createPrivateKey(ca).export({ format: 'jwk' }).d!, 'base64url'),
      })
    }
    for (const [org, k] of Object.entries(net.keys))
      secrets.push({ name: `${org} operator`, key: Buffer.from(k.privateKey) })
    assert.equal(secrets.length, 16)
    assert.ok(secrets.every((s) => s.key.length === 32))

    // Stop the nodes so that everything they hold is on disk, then read every byte they wrote.
    await Promise.all(names.map((n) => net.kill(n, 'SIGTERM')))
    const files = filesUnder(net.dir)
    assert.ok(
      files.some((f) => f.includes(`${join('data', '')}`)),
      'the scan covers the nodes’ stores',
    )
    let scanned = 0
    for (const f of files) {
      const bytes = readFileSync(f)
      scanned += bytes.length
      const text = bytes.toString('latin1').toLowerCase()
      // PEM blocks are searched decoded too: a plain PKCS#8 key holds its scalar inside base64.
      const pems = [...bytes.toString('latin1').matchAll(/-----BEGIN [A-Z ]+-----([A-Za-z0-9+/=\s]+)-----END/g)].map(
        (m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'),
      )
      for (const s of secrets) {
        for (const der of pems) assert.equal(der.indexOf(s.key), -1, `${f} holds the ${s.name} key in a PEM block`)
        assert.equal(bytes.indexOf(s.key), -1, `${f} holds the ${s.name} key's bytes`)
        assert.equal(text.indexOf(s.key.toString('hex')), -1, `${f} holds the ${s.name} key in hex`)
        assert.equal(bytes.indexOf(Buffer.from(s.key.toString('base64url'))), -1, `${f} holds it in base64url`)
      }
    }
    assert.ok(scanned > 100_000, `scanned ${scanned} bytes in ${files.length} files`)
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
