/**
 * Multi-process, intl: a 4-validator network (initialised without --dev) whose validator keys
 * are moved onto a PKCS#11 token (SoftHSM2) with `govchain keys pkcs11-import`, so each node
 * signs its votes and proposals through C_Sign, and whose TLS keys (P-256) are moved onto it with
 * `govchain certs pkcs11-import`, so each node's TLS handshakes sign through OpenSSL's PKCS#11
 * engine (docs/adr/0039-tls-keys-on-pkcs11.md). It commits 1,000 transactions with every peer
 * connected; then a scan of every file the network wrote finds none of the validator or TLS keys
 * (nor any other key of the network). A node without its token PIN does not start and says why.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CommitCertificate, codec } from '@govchain/core'
import { loadKeyFile } from '@govchain/node'
import { makeSoftHsm, type SoftHsm } from '../../app/test/softhsm-fixture.ts'
import { startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'
import { assertNoSecretIn, commitAnchors, pemSecret, type Secret } from './key-scan.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const PASSPHRASE = 'tax bureau operations passphrase'
const TXS = 1000
const TLS_TOKEN = 'govchain-tls'

function cli(args: string[], env: Record<string, string | undefined>) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete e.NODE_TEST_CONTEXT
  for (const k of Object.keys(env)) if (env[k] === undefined) delete e[k]
  return spawnSync(process.execPath, [BIN, ...args], { env: e, encoding: 'utf8', timeout: 60_000 })
}

describe('validator keys on a PKCS#11 token (SoftHSM2), 4 validators', { timeout: 600_000 }, () => {
  /** Each node's own token store, as each department has its own HSM. */
  const hsms = new Map<string, SoftHsm>()
  const nodeEnv: Record<string, Record<string, string>> = {}
  let net: TestNetwork
  const secrets: Secret[] = []
  before(async () => {
    net = await startNetwork({
      orgs: 4,
      suite: 'intl',
      passphrase: PASSPHRASE,
      nodeEnv,
      beforeStart: (network) => {
        for (const n of network.nodes) {
          // Validator keys on one token, TLS keys on another: libp11's engine cannot list a token
          // that holds Ed25519 keys (ADR 0039). Both tokens have the same PIN. One token store per
          // node: SoftHSM2's file store is not safe for processes that start at once
          // (softhsm/SoftHSMv2#757; docs/operations.md), and no two departments share an HSM.
          const hsm = makeSoftHsm('govchain-validators', TLS_TOKEN)
          hsms.set(n.name, hsm)
          nodeEnv[n.name] = hsm.env
          const path = join(n.home, 'keys', 'validator.json')
          const key = loadKeyFile(path, { passphrase: PASSPHRASE })
          secrets.push({ name: `${n.name} validator`, key: Buffer.from(key.privateKey) })
          // What an operator runs: the keystore becomes a reference to a key on the token.
          const r = cli(
            [
              'keys',
              'pkcs11-import',
              '--in',
              path,
              '--out',
              path,
              '--module',
              hsm.module,
              '--token',
              hsm.token,
              '--label',
              `validator-${n.name}`,
            ],
            { ...hsm.env, GOVCHAIN_PASSPHRASE: PASSPHRASE },
          )
          assert.equal(r.status, 0, r.stderr)
          assert.match(r.stdout, new RegExp(`key "validator-${n.name}" on token`))
          // The TLS key too: onto the token (its certificate stays valid), keys/tls.key deleted.
          secrets.push(pemSecret(`${n.name} TLS`, join(n.home, 'keys', 'tls.key'), PASSPHRASE))
          const t = cli(['certs', 'pkcs11-import', '--home', n.home, '--module', hsm.module, '--token', TLS_TOKEN], {
            ...hsm.env,
            GOVCHAIN_PASSPHRASE: PASSPHRASE,
          })
          assert.equal(t.status, 0, t.stderr)
          assert.match(t.stdout, new RegExp(`now key "tls-${n.name}" on token "${TLS_TOKEN}"`))
        }
      },
    })
  })
  after(async () => {
    await net?.stopAll()
    for (const hsm of hsms.values()) hsm.remove()
  })

  test('1,000 transactions commit with every vote and TLS handshake signed on the token; no file holds a key', async () => {
    for (const n of net.net.nodes) {
      const ref = JSON.parse(readFileSync(join(n.home, 'keys', 'validator.json'), 'utf8'))
      assert.equal(ref.kind, 'govchain-pkcs11')
      assert.equal(ref.privateKey, undefined)
      const config = JSON.parse(readFileSync(join(n.home, 'config.json'), 'utf8'))
      assert.deepEqual(config.tlsKey, {
        source: 'pkcs11',
        module: hsms.get(n.name)?.module,
        token: TLS_TOKEN,
        label: `tls-${n.name}`,
      })
      assert.ok(!existsSync(join(n.home, 'keys', 'tls.key')))
    }
    const names = net.net.nodes.map((n) => n.name)
    const a = names[0]!
    assert.equal((await net.clients[a]!.status()).validators.length, 4)
    // Every node has handshaken with every other (mutual TLS: each side signs with its token key).
    await waitUntil('every peer connected', async () => {
      for (const n of names) if ((await net.clients[n]!.status()).peers.length < 3) return false
      return true
    })
    const last = await commitAnchors(net, 'intl', TXS)
    // Every validator signed commits, and it could only have done so on the token.
    const signers = new Set<number>()
    for (let h = Math.max(1, last - 20); h <= last; h++) {
      const cert = codec.decode(CommitCertificate, (await net.clients[a]!.block(h)).certificate)
      for (const sig of cert.signatures) signers.add(sig.validatorIndex)
    }
    assert.deepEqual([...signers].sort(), [0, 1, 2, 3])

    for (const n of net.net.nodes) {
      secrets.push(pemSecret(`${n.orgId} CA`, join(net.dir, 'orgs', n.orgId, 'ca.key'), PASSPHRASE))
    }
    for (const [org, k] of Object.entries(net.keys))
      secrets.push({ name: `${org} operator`, key: Buffer.from(k.privateKey) })
    assert.equal(secrets.length, 16)
    await Promise.all(names.map((n) => net.kill(n, 'SIGTERM')))
    const { files, bytes } = assertNoSecretIn(net.dir, secrets)
    assert.ok(bytes > 100_000 && files > 20, `scanned ${bytes} bytes in ${files} files`)
  })

  test('a node without its token PIN, or with a wrong one, does not start and says why', () => {
    const home = net.net.nodes[0]!.home
    const hsm = hsms.get(net.net.nodes[0]!.name)!
    const start = (env: Record<string, string | undefined>) =>
      cli(['node', 'start', '--home', home], { GOVCHAIN_PASSPHRASE: PASSPHRASE, ...env })
    const none = start({ SOFTHSM2_CONF: hsm.env.SOFTHSM2_CONF, GOVCHAIN_PKCS11_PIN: undefined })
    assert.notEqual(none.status, 0)
    assert.match(none.stderr, /PKCS11_LOGIN_FAILED: token "govchain-validators" needs its PIN/)
    const wrong = start({ ...hsm.env, GOVCHAIN_PKCS11_PIN: '999999' })
    assert.notEqual(wrong.status, 0)
    assert.match(wrong.stderr, /PKCS11_LOGIN_FAILED/)
  })
})
