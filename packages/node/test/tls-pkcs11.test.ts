/**
 * TLS keys on a PKCS#11 token (SoftHSM2) through OpenSSL's PKCS#11 engine
 * (docs/adr/0039-tls-keys-on-pkcs11.md): a node's TLS key generated on the token by `certs renew`,
 * another moved onto it by `certs pkcs11-import`; both homes load with the key on the token (no
 * PIN and no key in any file), complete a mutual TLS 1.3 handshake, and a later renewal certifies
 * the same token key again. Every way of getting the engine, token, PIN, key or certificate wrong
 * stops the home from loading with its code, and changes nothing.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import tls from 'node:tls'
import { generatePkcs11Key } from '@govchain/app'
import { GovchainError } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { parsePeerIdentity, tlsKeyOptions } from '@govchain/p2p'
import { type SoftHsm, sharedTlsSoftHsm } from '../../app/test/softhsm-fixture.ts'
import {
  importNodeTlsKeyToPkcs11,
  initNetwork,
  loadHome,
  type NodeHome,
  readHomeInfo,
  renewNodeCertificate,
} from '../src/home.ts'

const code = (c: string) => (e: unknown) => e instanceof GovchainError && e.code === c

/** A mutual TLS 1.3 handshake between two homes' certificates and keys; resolves with what each saw. */
async function handshake(server: NodeHome, client: NodeHome): Promise<{ serverSaw: string; clientSaw: string }> {
  const ca = server.trustedCaPems
  const srv = tls.createServer({
    cert: server.tls.certPem,
    ...tlsKeyOptions(server.tls),
    ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  })
  let serverSaw = ''
  srv.on('secureConnection', (s) => {
    serverSaw = parsePeerIdentity(s.getPeerCertificate().raw).nodeId
    s.end('ok')
  })
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok))
  const port = (srv.address() as { port: number }).port
  try {
    const clientSaw = await new Promise<string>((ok, fail) => {
      const c = tls.connect({
        host: '127.0.0.1',
        port,
        cert: client.tls.certPem,
        ...tlsKeyOptions(client.tls),
        ca,
        minVersion: 'TLSv1.3',
        checkServerIdentity: () => undefined,
      })
      c.on('error', fail)
      c.on('data', () => {
        ok(parsePeerIdentity(c.getPeerCertificate().raw).nodeId)
        c.end()
      })
    })
    return { serverSaw, clientSaw }
  } finally {
    srv.close()
  }
}

describe('TLS keys on a PKCS#11 token (SoftHSM2, P-256, OpenSSL engine)', () => {
  let hsm: SoftHsm
  let dir = ''
  let homeA = ''
  let homeB = ''
  before(async () => {
    // Two tokens: the second is never logged in to with the right PIN, for the PIN refusals.
    hsm = sharedTlsSoftHsm()
    process.env.GOVCHAIN_PKCS11_PIN = hsm.pin
    dir = mkdtempSync(join(tmpdir(), 'govchain-tls-pkcs11-'))
    const net = await initNetwork({ modules: defaultModules(), dir, orgs: 2, suite: 'intl', dev: true })
    homeA = net.nodes[0]!.home
    homeB = net.nodes[1]!.home
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('a key generated on the token and a key moved onto it serve a mutual TLS handshake; no file holds them', async () => {
    const oldB = readFileSync(join(homeB, 'keys', 'tls.crt'), 'utf8')
    const target = (label: string) => ({ module: hsm.module, token: hsm.token, label })
    // A: `certs renew --pkcs11-token`: a new key pair on the token, certified by the org CA.
    const renewed = renewNodeCertificate(readHomeInfo(homeA), { validityDays: 30, toPkcs11: target('tls-a') })
    assert.equal(renewed.key, 'key "tls-a" on token "govchain-tls"')
    // B: `certs pkcs11-import`: its key moves onto the token, its certificate stays.
    assert.deepEqual(importNodeTlsKeyToPkcs11(readHomeInfo(homeB), target('tls-b')), {
      key: 'key "tls-b" on token "govchain-tls"',
    })
    assert.equal(readFileSync(join(homeB, 'keys', 'tls.crt'), 'utf8'), oldB)
    for (const home of [homeA, homeB]) {
      assert.ok(!existsSync(join(home, 'keys', 'tls.key')), `${home}/keys/tls.key is deleted`)
      const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))
      assert.equal(config.tlsKey.source, 'pkcs11')
      assert.ok(!readFileSync(join(home, 'config.json'), 'utf8').includes(hsm.pin), 'no PIN in config.json')
      assert.deepEqual(readdirSync(join(home, 'keys')).sort(), ['tls.crt', 'validator.json'])
    }
    const a = loadHome(homeA)
    const b = loadHome(homeB)
    for (const h of [a, b]) {
      assert.ok('engineKey' in h.tls, 'the key is an engine key')
      if (!('engineKey' in h.tls)) continue
      assert.equal(h.tls.engineKey.engine, 'pkcs11')
      assert.match(
        h.tls.engineKey.identifier,
        /^pkcs11:token=govchain-tls;object=tls-[ab];id=(%[0-9a-f]{2}){16};type=private$/,
      )
      assert.ok(!h.tls.engineKey.identifier.includes('pin'), 'the PIN never goes to OpenSSL')
    }
    assert.deepEqual(await handshake(a, b), { serverSaw: b.config.nodeId, clientSaw: a.config.nodeId })
    assert.deepEqual(await handshake(b, a), { serverSaw: a.config.nodeId, clientSaw: b.config.nodeId })

    // A later renewal certifies the same token key again: new serial, same public key.
    const before = new X509Certificate(a.tls.certPem)
    const again = renewNodeCertificate(readHomeInfo(homeA), { validityDays: 60 })
    assert.equal(again.key, 'key "tls-a" on token "govchain-tls"')
    const after = new X509Certificate(readFileSync(join(homeA, 'keys', 'tls.crt'), 'utf8'))
    assert.notEqual(after.serialNumber, before.serialNumber)
    assert.equal(
      after.publicKey.export({ type: 'spki', format: 'pem' }),
      before.publicKey.export({ type: 'spki', format: 'pem' }),
    )
    const reloaded = loadHome(homeA).readTls!()
    assert.equal(reloaded.certPem, readFileSync(join(homeA, 'keys', 'tls.crt'), 'utf8'))
    assert.deepEqual(await handshake(loadHome(homeA), b), { serverSaw: b.config.nodeId, clientSaw: a.config.nodeId })
  })

  test('engine, module, token, PIN, key and certificate mistakes stop the home with their code', () => {
    const configPath = join(homeA, 'config.json')
    const good = readFileSync(configPath, 'utf8')
    const withKey = (tlsKey: unknown, fn: () => void) => {
      writeFileSync(configPath, JSON.stringify({ ...JSON.parse(good), tlsKey }))
      try {
        fn()
      } finally {
        writeFileSync(configPath, good)
      }
    }
    const ref = JSON.parse(good).tlsKey
    const loads = (c: string) => () => assert.throws(() => loadHome(homeA), code(c))
    withKey({ ...ref, engine: '/nonexistent/engines-3/pkcs11.so' }, loads('PKCS11_ENGINE_UNAVAILABLE'))
    withKey({ ...ref, module: '/nonexistent/libpkcs11.so' }, loads('PKCS11_UNAVAILABLE'))
    withKey({ ...ref, token: 'no-such-token' }, loads('PKCS11_TOKEN_NOT_FOUND'))
    withKey({ ...ref, label: 'no-such-key' }, loads('PKCS11_KEY_NOT_FOUND'))
    withKey({ ...ref, label: 'tls-b' }, loads('PKI_INVALID_KEY'))
    withKey({ source: 'hsm' }, loads('CONFIG_INVALID'))
    withKey({ ...ref, token: 'tls-second' }, () => {
      const pin = process.env.GOVCHAIN_PKCS11_PIN
      try {
        delete process.env.GOVCHAIN_PKCS11_PIN
        assert.throws(
          () => loadHome(homeA),
          (e) => code('PKCS11_LOGIN_FAILED')(e) && /needs its PIN/.test(String(e)),
        )
        process.env.GOVCHAIN_PKCS11_PIN = '999999'
        assert.throws(() => loadHome(homeA), code('PKCS11_LOGIN_FAILED'))
      } finally {
        process.env.GOVCHAIN_PKCS11_PIN = pin
      }
    })
    // A token that holds an Ed25519 key (a validator's) cannot hold TLS keys: libp11 cannot list it.
    const mixed = { module: hsm.module, token: 'tls-mixed' }
    generatePkcs11Key({ ...mixed, label: 'validator-x' })
    assert.throws(
      () => renewNodeCertificate(readHomeInfo(homeB), { validityDays: 30, toPkcs11: { ...mixed, label: 'tls-x' } }),
      (e) => code('CONFIG_INVALID')(e) && /holds Ed25519 keys/.test(String(e)),
    )
    // Nothing was changed: the home still loads with its key on the token.
    assert.equal(readFileSync(configPath, 'utf8'), good)
    assert.ok('engineKey' in loadHome(homeA).tls)
  })
})
