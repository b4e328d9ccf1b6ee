/**
 * Interoperability both ways with independent implementations:
 *   gm:   sm-crypto-v2 (pure JS, its own SM2/SM3/SM4 code) and the openssl command line (OpenSSL 3);
 *   intl: @noble/curves against the node:crypto path and vice versa (node:crypto is not independent
 *         of our Node path), and @hpke/core for the HPKE construction.
 * Plus the check that an ECDSA signature made with an SM2-curve key does not verify as SM2.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core'
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { sm2 as smSm2, sm3 as smSm3, sm4 as smSm4 } from 'sm-crypto-v2'
import { HPKE_INFO } from '../src/crypto/common.ts'
import { nodePrimitives } from '../src/crypto/node.ts'
import { fromHex, jsSuites, suites, toHex, utf8 } from '../src/index.ts'

const GM = [
  { label: 'js', gm: jsSuites.gm },
  { label: 'node', gm: suites.gm },
] as const
const INTL = [
  { label: 'js', intl: jsSuites.intl },
  { label: 'node', intl: suites.intl },
] as const
const MESSAGES = [
  new Uint8Array(0),
  utf8('hello'),
  utf8('电子证照 govchain'),
  new Uint8Array(1000).map((_, i) => i * 7),
]
const ROUNDS = 8

describe('gm interop with sm-crypto-v2', () => {
  const opts = { hash: true, der: false } as const // SM3(Z||M) with its default user ID "1234567812345678"

  for (const { label, gm } of GM) {
    it(`${label}: we verify what sm-crypto-v2 signs and it verifies what we sign`, () => {
      for (let i = 0; i < ROUNDS; i++) {
        const kp = smSm2.generateKeyPairHex()
        const pub = fromHex(kp.publicKey)
        assert.equal(toHex(gm.publicKeyFromPrivate(fromHex(kp.privateKey.padStart(64, '0')))), kp.publicKey)
        for (const m of MESSAGES) {
          const theirs = fromHex(smSm2.doSignature(m, kp.privateKey, opts))
          assert.equal(gm.verify(pub, m, theirs), true)
          const ours = gm.sign(fromHex(kp.privateKey.padStart(64, '0')), m)
          assert.equal(smSm2.doVerifySignature(m, toHex(ours), kp.publicKey, opts), true)
        }
      }
    })

    it(`${label}: we decrypt what sm-crypto-v2 encrypts (C1C3C2) and it decrypts what we encrypt`, () => {
      for (let i = 0; i < ROUNDS; i++) {
        const kp = smSm2.generateKeyPairHex()
        const priv = fromHex(kp.privateKey.padStart(64, '0'))
        for (const m of MESSAGES.filter((x) => x.length > 0)) {
          // sm-crypto-v2 omits the 04 prefix of C1 in its hex output; we require it.
          const theirs = smSm2.doEncrypt(m, kp.publicKey, 1)
          const withPrefix = theirs.startsWith('04') && theirs.length === 2 * (97 + m.length) ? theirs : `04${theirs}`
          assert.equal(toHex(gm.decrypt(priv, fromHex(withPrefix))), toHex(m))
          const ours = toHex(gm.encrypt(fromHex(kp.publicKey), m))
          const back = smSm2.doDecrypt(ours.slice(2), kp.privateKey, 1, { output: 'array' })
          assert.equal(toHex(back), toHex(m))
        }
      }
    })

    it(`${label}: SM3, HMAC-SM3 and SM4-GCM agree with sm-crypto-v2`, () => {
      for (const m of MESSAGES) {
        assert.equal(toHex(gm.hash(m)), smSm3(m))
        const key = new Uint8Array(20).map((_, i) => i + 1)
        assert.equal(toHex(gm.hmac(key, m)), smSm3(m, { key, mode: 'hmac' }))
        const k16 = key.subarray(0, 16)
        const aad = utf8('aad')
        const sealed = gm.seal(k16, m, aad)
        const nonce = sealed.subarray(0, 12)
        const ct = sealed.subarray(12, sealed.length - 16)
        const tag = sealed.subarray(sealed.length - 16)
        const opened = smSm4.decrypt(ct, k16, {
          mode: 'gcm',
          iv: nonce,
          associatedData: aad,
          tag,
          output: 'array',
          padding: 'none',
        })
        assert.equal(toHex(opened), toHex(m))
        const theirs = smSm4.encrypt(m, k16, {
          mode: 'gcm',
          iv: nonce,
          associatedData: aad,
          output: 'array',
          padding: 'none',
          outputTag: true,
        })
        const mine = new Uint8Array([...nonce, ...theirs.output, ...(theirs.tag ?? [])])
        assert.equal(toHex(gm.open(k16, mine, aad)), toHex(m))
      }
    })
  }
})

// ---------------------------------------------------------------------------------- openssl CLI

const opensslVersion = spawnSync('openssl', ['version'], { encoding: 'utf8' })
const hasOpenssl3 = opensslVersion.status === 0 && /^OpenSSL 3\./.test(opensslVersion.stdout)

/** Reads a DER SEQUENCE of INTEGER / OCTET STRING elements (all we need for SM2 signatures and ciphertexts). */
function derElements(der: Uint8Array): { tag: number; value: Uint8Array }[] {
  const readLen = (o: number): [number, number] => {
    const b = der[o]!
    if (b < 0x80) return [b, o + 1]
    let n = 0
    for (let i = 1; i <= (b & 0x7f); i++) n = (n << 8) | der[o + i]!
    return [n, o + 1 + (b & 0x7f)]
  }
  assert.equal(der[0], 0x30)
  const [total, start] = readLen(1)
  const out: { tag: number; value: Uint8Array }[] = []
  let o = start
  while (o < start + total) {
    const tag = der[o]!
    const [len, vo] = readLen(o + 1)
    out.push({ tag, value: der.subarray(vo, vo + len) })
    o = vo + len
  }
  return out
}

function derLen(n: number): number[] {
  if (n < 0x80) return [n]
  if (n < 0x100) return [0x81, n]
  return [0x82, n >> 8, n & 0xff]
}
function derInt(v: Uint8Array): number[] {
  let i = 0
  while (i < v.length - 1 && v[i] === 0) i++
  const body = [...v.subarray(i)]
  if (body[0]! & 0x80) body.unshift(0)
  return [0x02, ...derLen(body.length), ...body]
}
function derSeq(...items: number[][]): Uint8Array {
  const body = items.flat()
  return new Uint8Array([0x30, ...derLen(body.length), ...body])
}
const derOctets = (v: Uint8Array): number[] => [0x04, ...derLen(v.length), ...v]
const pad32 = (v: Uint8Array): Uint8Array => {
  const out = new Uint8Array(32)
  const s = v.length > 32 ? v.subarray(v.length - 32) : v // drop a DER sign byte
  out.set(s, 32 - s.length)
  return out
}

describe('gm interop with the openssl command line', {
  skip: hasOpenssl3 ? false : 'no OpenSSL 3 openssl command',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'govchain-sm2-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const ossl = (args: string[], input?: Uint8Array) => {
    const r = spawnSync('openssl', args, { cwd: dir, input: input === undefined ? undefined : Buffer.from(input) })
    assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr?.toString()}`)
    return r.stdout as Buffer
  }
  const DISTID = ['-pkeyopt', 'distid:1234567812345678']

  function opensslKey(name: string): { priv: Uint8Array; pub: Uint8Array } {
    ossl(['genpkey', '-algorithm', 'SM2', '-out', `${name}.pem`])
    ossl(['pkey', '-in', `${name}.pem`, '-pubout', '-out', `${name}.pub.pem`])
    const text = ossl(['pkey', '-in', `${name}.pem`, '-noout', '-text']).toString()
    const hexOf = (from: string, to: string) =>
      text.slice(text.indexOf(from) + from.length, text.indexOf(to)).replace(/[^0-9a-f]/g, '')
    const privHex = hexOf('priv:', 'pub:')
    return {
      priv: pad32(fromHex(privHex.length % 2 ? `0${privHex}` : privHex)),
      pub: fromHex(hexOf('pub:', 'ASN1 OID')),
    }
  }

  for (const { label, gm } of GM) {
    it(`${label}: signatures both ways (pkeyutl -rawin -digest sm3, distid 1234567812345678)`, () => {
      for (let i = 0; i < 3; i++) {
        const key = opensslKey(`k${label}${i}`)
        assert.equal(toHex(gm.publicKeyFromPrivate(key.priv)), toHex(key.pub))
        const m = MESSAGES[i % MESSAGES.length]!
        writeFileSync(join(dir, 'm.bin'), m)
        ossl([
          'pkeyutl',
          '-sign',
          '-in',
          'm.bin',
          '-inkey',
          `k${label}${i}.pem`,
          '-rawin',
          '-digest',
          'sm3',
          ...DISTID,
          '-out',
          's.der',
        ])
        const [r, s] = derElements(readFileSync(join(dir, 's.der')))
        const sig = new Uint8Array([...pad32(r!.value), ...pad32(s!.value)])
        assert.equal(gm.verify(key.pub, m, sig), true, 'openssl signature verifies with ours')

        const ours = gm.sign(key.priv, m)
        writeFileSync(join(dir, 'ours.der'), derSeq(derInt(ours.subarray(0, 32)), derInt(ours.subarray(32))))
        const out = ossl([
          'pkeyutl',
          '-verify',
          '-in',
          'm.bin',
          '-rawin',
          '-digest',
          'sm3',
          '-pubin',
          '-inkey',
          `k${label}${i}.pub.pem`,
          '-sigfile',
          'ours.der',
          ...DISTID,
        ]).toString()
        assert.match(out, /Signature Verified Successfully/)
      }
    })

    it(`${label}: encryption both ways (GM/T 0009 ASN.1 <-> C1||C3||C2)`, () => {
      const key = opensslKey(`e${label}`)
      for (const m of MESSAGES.filter((x) => x.length > 0)) {
        writeFileSync(join(dir, 'm.bin'), m)
        ossl(['pkeyutl', '-encrypt', '-pubin', '-inkey', `e${label}.pub.pem`, '-in', 'm.bin', '-out', 'c.der'])
        const [x, y, hash, c2] = derElements(readFileSync(join(dir, 'c.der')))
        const raw = new Uint8Array([0x04, ...pad32(x!.value), ...pad32(y!.value), ...hash!.value, ...c2!.value])
        assert.equal(toHex(gm.decrypt(key.priv, raw)), toHex(m))

        const ours = gm.encrypt(key.pub, m)
        const asn1 = derSeq(
          derInt(ours.subarray(1, 33)),
          derInt(ours.subarray(33, 65)),
          derOctets(ours.subarray(65, 97)),
          derOctets(ours.subarray(97)),
        )
        writeFileSync(join(dir, 'ours.der'), asn1)
        assert.equal(toHex(ossl(['pkeyutl', '-decrypt', '-inkey', `e${label}.pem`, '-in', 'ours.der'])), toHex(m))
      }
    })
  }
})

describe('ECDSA on the SM2 curve is not SM2', () => {
  it("node:crypto's signature with an SM2-curve key (ECDSA) does not verify as SM2 on either path", () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' })
    const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-65))
    const m = utf8('the same message')
    for (let i = 0; i < 4; i++) {
      const ecdsa = new Uint8Array(nodeSign('sm3', m, { key: privateKey, dsaEncoding: 'ieee-p1363' }))
      assert.equal(ecdsa.length, 64)
      assert.equal(suites.gm.verify(pub, m, ecdsa), false)
      assert.equal(jsSuites.gm.verify(pub, m, ecdsa), false)
    }
    // while a real SM2 signature by the same key does verify on both paths
    // The raw scalar sits in the SEC1 ECPrivateKey inside the PKCS#8: INTEGER 1, OCTET STRING(32).
    const der = privateKey.export({ format: 'der', type: 'pkcs8' })
    const at = der.indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]))
    assert.ok(at > 0)
    const priv = new Uint8Array(der.subarray(at + 5, at + 37))
    const sig = suites.gm.sign(priv, m)
    assert.equal(jsSuites.gm.verify(pub, m, sig), true)
    assert.equal(suites.gm.verify(pub, m, sig), true)
  })
})

describe('intl interop: @noble/curves vs node:crypto, @hpke/core', () => {
  it('Ed25519: noble verifies what the node path signs, node verifies what noble signs', () => {
    for (let i = 0; i < ROUNDS; i++) {
      const priv = ed25519.utils.randomSecretKey()
      const pub = suites.intl.publicKeyFromPrivate(priv)
      assert.equal(toHex(pub), toHex(ed25519.getPublicKey(priv)))
      for (const m of MESSAGES) {
        assert.equal(ed25519.verify(suites.intl.sign(priv, m), m, pub), true)
        assert.equal(suites.intl.verify(pub, m, ed25519.sign(m, priv)), true)
      }
    }
  })

  it('X25519: node and noble agree on random keys', () => {
    for (let i = 0; i < ROUNDS; i++) {
      const a = x25519.utils.randomSecretKey()
      const b = x25519.utils.randomSecretKey()
      assert.equal(toHex(nodePrimitives.intl.x25519Base(a)), toHex(x25519.getPublicKey(a)))
      assert.equal(
        toHex(nodePrimitives.intl.x25519(a, x25519.getPublicKey(b))),
        toHex(x25519.getSharedSecret(b, x25519.getPublicKey(a))),
      )
    }
  })

  for (const { label, intl } of INTL) {
    it(`${label}: HPKE both ways with @hpke/core (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM)`, async () => {
      const hpke = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() })
      for (let i = 0; i < 4; i++) {
        const kp = intl.generateKeyPair()
        const xPriv = ed25519.utils.toMontgomerySecret(kp.privateKey)
        const xPub = ed25519.utils.toMontgomery(kp.publicKey)
        for (const m of MESSAGES) {
          const ours = intl.encrypt(kp.publicKey, m)
          const recipientKey = await hpke.kem.importKey('raw', xPriv.slice().buffer, false)
          const opened = await hpke.open(
            { recipientKey, enc: ours.slice(0, 32).buffer, info: HPKE_INFO },
            ours.slice(32),
          )
          assert.equal(toHex(new Uint8Array(opened)), toHex(m))

          const recipientPublicKey = await hpke.kem.importKey('raw', xPub.slice().buffer, true)
          const sealed = await hpke.seal({ recipientPublicKey, info: HPKE_INFO }, m)
          const theirs = new Uint8Array([...new Uint8Array(sealed.enc), ...new Uint8Array(sealed.ct)])
          assert.equal(toHex(intl.decrypt(kp.privateKey, theirs)), toHex(m))
        }
      }
    })
  }

  it('the js and node suites read each other’s ciphertexts and sealed boxes', () => {
    for (const [a, b] of [
      [jsSuites, suites],
      [suites, jsSuites],
    ] as const) {
      for (const name of ['gm', 'intl'] as const) {
        const kp = a[name].generateKeyPair()
        const key = new Uint8Array(a[name].symmetricKeyLength).fill(9)
        for (const m of MESSAGES) {
          assert.equal(toHex(b[name].decrypt(kp.privateKey, a[name].encrypt(kp.publicKey, m))), toHex(m))
          assert.equal(toHex(b[name].open(key, a[name].seal(key, m, utf8('ad')), utf8('ad'))), toHex(m))
        }
      }
    }
  })
})
