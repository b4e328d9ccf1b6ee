/**
 * The SM2 addon's own verifications, on arithmetic specialised for the SM2 curve (ADR 0035) and
 * on OpenSSL's EC arithmetic with precomputed tables (ADR 0010), against OpenSSL's EVP SM2
 * verification and sm-crypto-v2: same answer on the standard's example and every single-bit
 * change to it, on random keys and messages, on every kind of bad signature, on points off the
 * curve and on edge keys. The long campaign (millions of cases) is
 * packages/core/bench/sm2-verify-campaign.ts.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { sm2 as smSm2, sm3 as smSm3 } from 'sm-crypto-v2'
import { digestBackend, sm2Native } from '../src/crypto/node.ts'
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
const P = (1n << 256n) - (1n << 224n) - (1n << 96n) + (1n << 64n) - 1n
const A = P - 3n
const B = BigInt('0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93')
const powMod = (b: bigint, e: bigint, m: bigint): bigint => {
  let r = 1n
  let x = b % m
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * x) % m
    x = (x * x) % m
  }
  return r
}
const big = (b: Uint8Array): bigint => BigInt(`0x${toHex(b) || '0'}`)
const SM = { hash: true, der: false } as const

describe('SM2 verification: specialised arithmetic (ADR 0035), OpenSSL EC with tables (ADR 0010) and EVP agree', () => {
  const addon = sm2Native
  if (addon === undefined) {
    it('runs only with the addon, which GOVCHAIN_CRYPTO_NATIVE=0 turns off', () => {
      assert.equal(process.env.GOVCHAIN_CRYPTO_NATIVE, '0')
    })
    return
  }
  const a = addon

  /**
   * Every native path: EVP, specialised, OpenSSL EC without, with, and after dropping the key's
   * table, specialised with the key's fixed-base table and after dropping it.
   */
  function allPaths(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean[] {
    const h = a.parsePublicKey(pub)
    assert.ok(h, 'valid public key')
    const out = [a.verifyEvp(h, msg, sig), a.verify(h, msg, sig), a.verifyEc(h, msg, sig)]
    assert.equal(a.precompute(h), true)
    out.push(a.verifyEc(h, msg, sig))
    a.dropPrecompute(h)
    out.push(a.verifyEc(h, msg, sig))
    assert.equal(a.tabulate(h), true)
    out.push(a.verify(h, msg, sig))
    a.untabulate(h)
    out.push(a.verify(h, msg, sig))
    return out
  }
  /** The answer of every path, asserted to be the same on all of them. */
  function agreed(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, what: string): boolean {
    const out = allPaths(pub, msg, sig)
    assert.deepEqual(
      out,
      out.map(() => out[0]),
      `${what}: ${out}`,
    )
    return out[0]!
  }
  /** For a handle, another handle of the same key with its fixed-base table (tabulate). */
  const tabulated = new WeakMap<object, object>()
  const parsed = (pub: Uint8Array): object => {
    const h = a.parsePublicKey(pub)!
    const t = a.parsePublicKey(pub)!
    assert.equal(a.tabulate(t), true)
    tabulated.set(h, t)
    return h
  }
  /** EVP (the reference) and the specialised path without and with the key's table: the cheap check for thousands of cases. */
  function evpAndFast(h: object, msg: Uint8Array, sig: Uint8Array, expected: boolean, what: string): void {
    const t = tabulated.get(h)
    assert.ok(t, 'every handle here has a tabulated twin')
    assert.equal(a.verifyEvp(h, msg, sig), expected, `EVP, ${what}`)
    assert.equal(a.verify(h, msg, sig), expected, `specialised, ${what}`)
    assert.equal(a.verify(t, msg, sig), expected, `specialised with the key's table, ${what}`)
  }
  const keyOf = (d: bigint) => {
    const priv = a.parsePrivateKey(be32(d))!
    const pub = a.publicKeyFromPrivate(be32(d))!
    return { priv, pub, h: parsed(pub) }
  }

  it('GB/T 32918.5 signature example: valid on every path; every single-bit change to r||s, M or the key is refused by all', () => {
    const v = loadVectors<{
      sign: { publicKey: string; msgHex: string; r: string; s: string }[]
    }>('./sm2.json').sign[0]!
    const pub = fromHex(v.publicKey)
    const msg = fromHex(v.msgHex)
    const sig = fromHex(v.r + v.s)
    assert.deepEqual(allPaths(pub, msg, sig), [true, true, true, true, true, true, true])
    const h = parsed(pub)
    for (let bit = 0; bit < 512; bit++) {
      const bad = sig.slice()
      bad[bit >> 3]! ^= 0x80 >> (bit & 7)
      if (bit % 32 === 0) assert.equal(agreed(pub, msg, bad, `sig bit ${bit}`), false)
      else evpAndFast(h, msg, bad, false, `sig bit ${bit}`)
    }
    for (let bit = 0; bit < msg.length * 8; bit++) {
      const bad = msg.slice()
      bad[bit >> 3]! ^= 0x80 >> (bit & 7)
      evpAndFast(h, bad, sig, false, `message bit ${bit}`)
    }
    for (let bit = 0; bit < 65 * 8; bit++) {
      const bad = pub.slice()
      bad[bit >> 3]! ^= 0x80 >> (bit & 7)
      const checks = a.checkPublicKey(bad)
      assert.ok(checks === 0 || checks === 3, `key bit ${bit}: OpenSSL and ours disagree (${checks})`)
      if (checks === 3) assert.equal(agreed(bad, msg, sig, `key bit ${bit}`), false)
      else assert.equal(a.parsePublicKey(bad), null)
      assert.equal(suites.gm.verify(bad, msg, sig), false)
      assert.equal(jsSuites.gm.verify(bad, msg, sig), false)
    }
  })

  it('random keys and messages (OpenSSL-signed): valid verifies, another key, r+1, s+1, swapped r/s and changed bytes fail, on EVP and the specialised path', () => {
    let other = keyOf(2n).h
    for (let k = 0; k < 250; k++) {
      const { priv, h } = keyOf((big(randomBytes(32)) % (N - 2n)) + 1n)
      const msg = new Uint8Array(randomBytes(k % 150))
      const sig = a.sign(priv, msg)!
      const r = big(sig.subarray(0, 32))
      const s = big(sig.subarray(32))
      evpAndFast(h, msg, sig, true, 'valid')
      evpAndFast(other, msg, sig, false, 'another key')
      evpAndFast(h, msg, rs((r + 1n) % N, s), false, 'r + 1')
      evpAndFast(h, msg, rs(r, (s + 1n) % N), false, 's + 1')
      evpAndFast(h, msg, rs(s, r), false, 'swapped')
      const bad = sig.slice()
      bad[k % 64]! ^= 1 + (k % 255)
      evpAndFast(h, msg, bad, false, 'changed signature byte')
      if (msg.length > 0) {
        const badMsg = msg.slice()
        badMsg[k % msg.length]! ^= 0x01
        evpAndFast(h, badMsg, sig, false, 'changed message byte')
      }
      other = h
    }
  })

  it('sm-crypto-v2, an independent implementation: what it signs verifies on every path; tampering fails on every path', () => {
    for (let k = 0; k < 8; k++) {
      const kp = smSm2.generateKeyPairHex()
      const pub = fromHex(kp.publicKey)
      const other = fromHex(smSm2.generateKeyPairHex().publicKey)
      const msg = new Uint8Array(randomBytes(k * 41))
      const sig = fromHex(smSm2.doSignature(msg, kp.privateKey, SM))
      assert.equal(agreed(pub, msg, sig, 'valid'), true)
      assert.equal(agreed(other, msg, sig, 'another key'), false)
      const r = big(sig.subarray(0, 32))
      const s = big(sig.subarray(32))
      for (const bad of [rs((r + 1n) % N, s), rs(r, (s + 1n) % N), rs(s, r)]) {
        assert.equal(agreed(pub, msg, bad, 'tampered'), false)
        assert.equal(smSm2.doVerifySignature(msg, toHex(bad), kp.publicKey, SM), false)
      }
    }
  })

  it('out-of-range and degenerate signatures are refused on every path (B1, B2, B5)', () => {
    const { priv, pub } = keyOf((big(randomBytes(32)) % (N - 2n)) + 1n)
    const msg = new Uint8Array(randomBytes(40))
    const sig = a.sign(priv, msg)!
    const r = big(sig.subarray(0, 32))
    const s = big(sig.subarray(32))
    const TOP = (1n << 256n) - 1n
    const cases: [string, Uint8Array][] = [
      ['r = 0', rs(0n, s)],
      ['s = 0', rs(r, 0n)],
      ['r = s = 0', rs(0n, 0n)],
      ['r = n', rs(N, s)],
      ['s = n', rs(r, N)],
      ['r = n + r', rs(N + r <= TOP ? N + r : r + 1n, s)],
      ['s = n + s (same s mod n)', rs(r, N + s <= TOP ? N + s : s + 1n)],
      ['r = n + 1', rs(N + 1n, s)],
      ['s = n + 1', rs(r, N + 1n)],
      ['r = 2^256 - 1', rs(TOP, s)],
      ['s = 2^256 - 1', rs(r, TOP)],
      ['t = r + s = n', rs(r, N - r)],
      ['t = r + s = n, r = 1', rs(1n, N - 1n)],
      ['r = n - 1', rs(N - 1n, s)],
      ['s = n - 1', rs(r, N - 1n)],
      ['r = s = 1', rs(1n, 1n)],
      ['all ones', new Uint8Array(64).fill(0xff)],
    ]
    for (const [name, bad] of cases) assert.equal(agreed(pub, msg, bad, name), false, name)
    const h = a.parsePublicKey(pub)!
    assert.equal(a.verify(h, msg, sig.subarray(0, 63)), false, 'short signature')
    assert.equal(a.verify(h, msg, new Uint8Array(65)), false, 'long signature')
    assert.equal(agreed(pub, msg, sig, 'the valid one'), true)
  })

  it('points off the curve, coordinates >= p and other encodings: OpenSSL and the specialised check agree, and nothing verifies', () => {
    const msg = new Uint8Array([1, 2, 3])
    const sig = rs(5n, 7n)
    const point = (x: bigint, y: bigint, prefix = 4): Uint8Array => {
      const out = new Uint8Array(65)
      out[0] = prefix
      out.set(be32(x), 1)
      out.set(be32(y), 33)
      return out
    }
    const candidates: [string, Uint8Array][] = [
      ['infinity as zeros', point(0n, 0n)],
      ['x = p', point(P, 0n)],
      ['y = p', point(0n, P)],
      ['all ones', new Uint8Array(65).fill(0xff).fill(4, 0, 1)],
    ]
    for (let i = 0; i < 200; i++) candidates.push([`random ${i}`, point(big(randomBytes(32)), big(randomBytes(32)))])
    // Small x with a square root: (x, y) is on the curve, (x + p, y) is the same point written with x >= p.
    let found = 0
    for (let x = 0n; found < 6; x++) {
      const rhs = (((x * x * x + A * x + B) % P) + P) % P
      const y = powMod(rhs, (P + 1n) / 4n, P)
      if ((y * y) % P !== rhs) continue
      found++
      candidates.push(
        [`x = ${x} + p`, point(x + P, y)],
        [`y + p for x = ${x}`, point(x, y + P <= (1n << 256n) - 1n ? y + P : y)],
      )
      candidates.push([`x = ${x}, y off by one`, point(x, (y + 1n) % P)], [`x = ${x} compressed`, point(x, y, 2)])
      candidates.push([`x = ${x} hybrid`, point(x, y, 6 + Number(y & 1n))])
      assert.equal(a.checkPublicKey(point(x, y)), 3, `(${x}, y) is on the curve`)
      assert.equal(agreed(point(x, y), msg, sig, `small x = ${x}`), false)
    }
    for (const [name, pub] of candidates) {
      const checks = a.checkPublicKey(pub)
      if (name.startsWith('y + p') && big(pub.subarray(33)) < P) continue // y + p did not fit: skip
      assert.equal(checks, 0, `${name}: OpenSSL and ours must both refuse (${checks})`)
      assert.equal(a.parsePublicKey(pub), null, name)
      assert.equal(suites.gm.verify(pub, msg, sig), false, name)
    }
  })

  it('small multiples of G, -G and other edge keys; signatures that drive [s]G + [t]P through doubling and infinity', () => {
    const G = a.publicKeyFromPrivate(be32(1n))!
    const negG = G.slice()
    negG.set(be32(P - big(G.subarray(33))), 33)
    const edge = [1n, 2n, 3n, 4n, 5n, 7n, 8n, 15n, 16n, 17n, 1n << 128n, (N - 1n) / 2n, N - 3n, N - 2n]
    for (const d of edge) {
      const { priv, pub } = keyOf(d)
      for (let m = 0; m < 3; m++) {
        const msg = new Uint8Array(randomBytes(m * 33))
        const sig = a.sign(priv, msg)!
        assert.equal(agreed(pub, msg, sig, `d = ${d}`), true)
        const r = big(sig.subarray(0, 32))
        const s = big(sig.subarray(32))
        assert.equal(agreed(pub, msg, rs(r, (s + 1n) % N), `d = ${d}, s + 1`), false)
      }
    }
    const msg = new Uint8Array([9])
    const cases: [string, Uint8Array, bigint, bigint][] = []
    for (let i = 0; i < 6; i++) {
      const s = (big(randomBytes(32)) % (N - 1n)) + 1n
      // P = G: [s]G + [r + s]G is infinity when r = -2s (B6 refuses).
      cases.push([`P = G, r = -2s`, G, (((N - 2n * s) % N) + N) % N, s])
      // P = -G: [s]G - [r + s]G = [-r]G, random r.
      cases.push([`P = -G`, negG, (big(randomBytes(32)) % (N - 1n)) + 1n, s])
      cases.push([`P = G, random r`, G, (big(randomBytes(32)) % (N - 1n)) + 1n, s])
    }
    cases.push(['P = G, s = 1, t = n - 1: G + (n - 1)G is infinity', G, N - 2n, 1n])
    cases.push(['P = 2G, s = 2, t = 1: the last addition is a doubling', a.publicKeyFromPrivate(be32(2n))!, N - 1n, 2n])
    cases.push(['P = G, s = 2, t = n - 2: 2G + (n - 2)G is infinity', G, N - 4n, 2n])
    cases.push(['P = -G, s = 1, t = 3', negG, 2n, 1n])
    for (const [name, pub, r, s] of cases) assert.equal(agreed(pub, msg, rs(r, s), name), false, name)
  })
  it('the suite verifies a key used again and again and keeps agreeing with sm-crypto-v2', () => {
    const kp = smSm2.generateKeyPairHex()
    const pub = fromHex(kp.publicKey)
    for (let i = 0; i < 12; i++) {
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
