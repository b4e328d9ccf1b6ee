/**
 * The SM2 addon's own verification (GB/T 32918.2 §7.1 on OpenSSL's EC arithmetic, with
 * precomputed tables) against OpenSSL's EVP SM2 verification and sm-crypto-v2: same answer on
 * the standard's example, on random keys and messages, and on every kind of bad signature, with
 * and without the key's table.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { sm2 as smSm2, sm3 as smSm3 } from 'sm-crypto-v2'
import { digestBackend, SM2_TABLE_AFTER_USES, sm2Native } from '../src/crypto/node.ts'
import { fromHex, jsSuites, suites, toHex } from '../src/index.ts'
import { loadVectors } from './vectors/runner.ts'

const N = BigInt('0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123')
const be32 = (x: bigint): Uint8Array => fromHex(x.toString(16).padStart(64, '0'))
const rs = (r: bigint, s: bigint): Uint8Array => {
  const out = new Uint8Array(64)
  out.set(be32(r), 0)
  out.set(be32(s), 32)
  return out
}
const big = (b: Uint8Array): bigint => BigInt(`0x${toHex(b) || '0'}`)
const SM = { hash: true, der: false } as const

describe('SM2 native verification (precomputed tables) agrees with EVP and sm-crypto-v2', () => {
  const addon = sm2Native
  if (addon === undefined) {
    it('runs only with the addon, which GOVCHAIN_CRYPTO_NATIVE=0 turns off', () => {
      assert.equal(process.env.GOVCHAIN_CRYPTO_NATIVE, '0')
    })
    return
  }

  /** Both native paths, the fast one first without and then with the key's table. */
  function allPaths(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean[] {
    const a = addon!
    const h = a.parsePublicKey(pub)
    assert.ok(h, 'valid public key')
    const out = [a.verifyEvp(h, msg, sig), a.verify(h, msg, sig)]
    assert.equal(a.precompute(h), true)
    out.push(a.verify(h, msg, sig))
    a.dropPrecompute(h)
    out.push(a.verify(h, msg, sig))
    return out
  }

  it('GB/T 32918.5 signature example: valid on every path, and invalid once any part changes', () => {
    const v = loadVectors<{
      sign: { publicKey: string; msgHex: string; r: string; s: string }[]
    }>('./sm2.json').sign[0]!
    const pub = fromHex(v.publicKey)
    const msg = fromHex(v.msgHex)
    const sig = fromHex(v.r + v.s)
    assert.deepEqual(allPaths(pub, msg, sig), [true, true, true, true])
    for (let i = 0; i < 64; i += 7) {
      const bad = sig.slice()
      bad[i]! ^= 0x01
      assert.deepEqual(allPaths(pub, msg, bad), [false, false, false, false], `sig byte ${i}`)
    }
    const badMsg = msg.slice()
    badMsg[0]! ^= 0x80
    assert.deepEqual(allPaths(pub, badMsg, sig), [false, false, false, false])
  })

  it('random keys and messages: what sm-crypto-v2 signs verifies on every path; tampering fails on every path', () => {
    for (let k = 0; k < 12; k++) {
      const kp = smSm2.generateKeyPairHex()
      const pub = fromHex(kp.publicKey)
      const other = fromHex(smSm2.generateKeyPairHex().publicKey)
      for (let m = 0; m < 4; m++) {
        const msg = new Uint8Array(randomBytes(m * 97))
        const sig = fromHex(smSm2.doSignature(msg, kp.privateKey, SM))
        assert.deepEqual(allPaths(pub, msg, sig), [true, true, true, true])
        assert.deepEqual(allPaths(other, msg, sig), [false, false, false, false], 'another key')
        const r = big(sig.subarray(0, 32))
        const s = big(sig.subarray(32))
        for (const bad of [rs((r + 1n) % N, s), rs(r, (s + 1n) % N), rs(s, r)]) {
          assert.deepEqual(allPaths(pub, msg, bad), [false, false, false, false])
        }
      }
    }
  })

  it('out-of-range and degenerate signatures are refused on every path (B1, B2, B5)', () => {
    const kp = smSm2.generateKeyPairHex()
    const pub = fromHex(kp.publicKey)
    const msg = new Uint8Array(randomBytes(40))
    const sig = fromHex(smSm2.doSignature(msg, kp.privateKey, SM))
    const r = big(sig.subarray(0, 32))
    const s = big(sig.subarray(32))
    const cases: [string, Uint8Array][] = [
      ['r = 0', rs(0n, s)],
      ['s = 0', rs(r, 0n)],
      ['r = n', rs(N, s)],
      ['s = n', rs(r, N)],
      ['r = n + r', rs(N + r < 1n << 256n ? N + r : r + 1n, s)],
      ['s = n + s (same s mod n)', rs(r, N + s < 1n << 256n ? N + s : s + 1n)],
      ['t = r + s = n', rs(r, N - r)],
      ['all ones', new Uint8Array(64).fill(0xff)],
    ]
    for (const [name, bad] of cases) assert.deepEqual(allPaths(pub, msg, bad), [false, false, false, false], name)
    const a = addon
    const h = a.parsePublicKey(pub)!
    assert.equal(a.verify(h, msg, sig.subarray(0, 63)), false, 'short signature')
    assert.equal(a.verify(h, msg, new Uint8Array(65)), false, 'long signature')
  })

  it('handles are typed: a private-key handle does not verify, a public-key handle does not sign', () => {
    const a = addon
    const d = fromHex(smSm2.generateKeyPairHex().privateKey.padStart(64, '0'))
    const priv = a.parsePrivateKey(d)!
    const pub = a.parsePublicKey(a.publicKeyFromPrivate(d)!)!
    const msg = new Uint8Array([1, 2, 3])
    const sig = a.sign(priv, msg)!
    assert.equal(a.verify(pub, msg, sig), true)
    assert.equal(a.verify(priv, msg, sig), false)
    assert.equal(a.verifyEvp(priv, msg, sig), false)
    assert.equal(a.precompute(priv), false)
    assert.equal(a.sign(pub, msg), null)
    assert.equal(a.parsePublicKey(new Uint8Array(65).fill(4)), null, 'not a point')
  })

  it('the suite switches a key to its table after a few uses and keeps agreeing with sm-crypto-v2', () => {
    const kp = smSm2.generateKeyPairHex()
    const pub = fromHex(kp.publicKey)
    for (let i = 0; i < SM2_TABLE_AFTER_USES * 3; i++) {
      const msg = new Uint8Array(randomBytes(1 + i))
      const sig = fromHex(smSm2.doSignature(msg, kp.privateKey, SM))
      assert.equal(suites.gm.verify(pub, msg, sig), true, `use ${i}`)
      const bad = sig.slice()
      bad[63]! ^= 0x10
      assert.equal(suites.gm.verify(pub, msg, bad), false, `tampered, use ${i}`)
      assert.equal(smSm2.doVerifySignature(msg, toHex(bad), kp.publicKey, SM), false)
    }
  })
})

describe('addon digest (SHA-256, SM3) agrees with Node crypto and sm-crypto-v2', () => {
  const addon = sm2Native
  if (addon === undefined) {
    it('runs only with the addon, which GOVCHAIN_CRYPTO_NATIVE=0 turns off', () => {
      assert.equal(process.env.GOVCHAIN_CRYPTO_NATIVE, '0')
    })
    return
  }

  it('suite.hash runs on the addon', () => {
    assert.equal(digestBackend(), 'addon')
  })

  it('same digests for every length around the scratch size, at any offset (property)', () => {
    const lengths = [0, 1, 31, 32, 33, 55, 56, 63, 64, 65, 100, 255, 256, 257, 1000, 70_000]
    for (const n of lengths) {
      for (const offset of [0, 3]) {
        const backing = randomBytes(n + offset + 5)
        const data = new Uint8Array(backing.buffer, backing.byteOffset + offset, n)
        const sha = suites.intl.hash(data)
        const sm3 = suites.gm.hash(data)
        assert.deepEqual(sha, new Uint8Array(createHash('sha256').update(data).digest()), `sha256 ${n}+${offset}`)
        assert.deepEqual(sm3, new Uint8Array(createHash('sm3').update(data).digest()), `sm3 ${n}+${offset}`)
        assert.equal(toHex(sm3), smSm3(data), `sm3 vs sm-crypto-v2 ${n}`)
        // Each result is its own array: the next hash leaves it as it was.
        const copy = sha.slice()
        suites.intl.hash(randomBytes(40))
        assert.deepEqual(sha, copy)
      }
    }
  })

  it('refuses bad arguments with a TypeError and never reads past the data', () => {
    const out = new Uint8Array(new ArrayBuffer(32))
    const data = new Uint8Array(new ArrayBuffer(8))
    assert.throws(() => addon.digest!(2 as 0, data, 8, out), TypeError)
    assert.throws(() => addon.digest!(0, data, 9, out), TypeError)
    assert.throws(() => addon.digest!(0, data, -1, out), TypeError)
    assert.throws(() => addon.digest!(0, data, 8, new Uint8Array(new ArrayBuffer(31))), TypeError)
    assert.throws(() => addon.digest!(0, 'abc' as unknown as Uint8Array, 3, out), TypeError)
  })
})

describe('SM2 native encryption (OpenSSL EVP, GB/T 32918.4) agrees with the pure-JS path and sm-crypto-v2', () => {
  const addon = sm2Native
  if (addon === undefined) {
    it('runs only with the addon, which GOVCHAIN_CRYPTO_NATIVE=0 turns off', () => {
      assert.equal(process.env.GOVCHAIN_CRYPTO_NATIVE, '0')
    })
    return
  }
  const js = jsSuites.gm
  const native = suites.gm

  it('the addon encrypts and decrypts (not the JS fallback)', () => {
    const { privateKey, publicKey } = js.generateKeyPair()
    const h = addon.parsePublicKey(publicKey)!
    const ct = addon.encrypt!(h, Uint8Array.of(1, 2, 3))
    assert.ok(ct !== null && ct.length === 65 + 32 + 3 && ct[0] === 0x04)
    assert.deepEqual([...addon.decrypt!(addon.parsePrivateKey(privateKey)!, ct)!], [1, 2, 3])
  })

  it('random keys and lengths: native ↔ JS ↔ sm-crypto-v2 (C1C3C2) decrypt each other', () => {
    for (let i = 0; i < 40; i++) {
      const { privateKey, publicKey } = js.generateKeyPair()
      const msg = randomBytes(1 + ((i * 37) % 300))
      const byNative = native.encrypt(publicKey, msg)
      assert.deepEqual(js.decrypt(privateKey, byNative), new Uint8Array(msg))
      const sm = smSm2.doDecrypt(toHex(byNative).slice(2), toHex(privateKey), 1, { output: 'array' })
      assert.deepEqual(Uint8Array.from(sm as ArrayLike<number>), new Uint8Array(msg))
      const byJs = js.encrypt(publicKey, msg)
      assert.deepEqual(native.decrypt(privateKey, byJs), new Uint8Array(msg))
      const bySm = fromHex(`04${smSm2.doEncrypt(msg, toHex(publicKey), 1)}`)
      assert.deepEqual(native.decrypt(privateKey, bySm), new Uint8Array(msg))
    }
  })

  it('a changed byte anywhere, a point off the curve, or the wrong key: the same typed errors as the JS path', () => {
    const { privateKey, publicKey } = js.generateKeyPair()
    const other = js.generateKeyPair().privateKey
    const ct = native.encrypt(publicKey, new TextEncoder().encode('身份证号 110101199003077777'))
    const codeOf = (suite: typeof js, key: Uint8Array, c: Uint8Array): string => {
      try {
        suite.decrypt(key, c)
        return 'OK'
      } catch (e) {
        return (e as { code: string }).code
      }
    }
    for (const i of [70, 100, ct.length - 1]) {
      const bad = ct.slice()
      bad[i]! ^= 0x01
      assert.equal(codeOf(native, privateKey, bad), 'CRYPTO_DECRYPT_FAILED', `byte ${i}`)
      assert.equal(codeOf(js, privateKey, bad), 'CRYPTO_DECRYPT_FAILED', `byte ${i}`)
    }
    const offCurve = ct.slice()
    offCurve[64]! ^= 0x01
    assert.equal(codeOf(native, privateKey, offCurve), 'CRYPTO_INVALID_CIPHERTEXT')
    assert.equal(codeOf(js, privateKey, offCurve), 'CRYPTO_INVALID_CIPHERTEXT')
    assert.equal(codeOf(native, other, ct), 'CRYPTO_DECRYPT_FAILED')
    assert.equal(codeOf(native, privateKey, ct.subarray(0, 96)), codeOf(js, privateKey, ct.subarray(0, 96)))
    // The empty message (OpenSSL refuses it) goes through the JS path and still round-trips.
    assert.deepEqual(native.decrypt(privateKey, native.encrypt(publicKey, new Uint8Array())), new Uint8Array())
  })
})
