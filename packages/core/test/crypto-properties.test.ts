/**
 * Property tests over both implementations (pure JS and the Node fast path) of both suites:
 * round trips, tamper detection, typed errors on arbitrary input, inputs never mutated, and the
 * two paths agreeing on every verdict.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Lru } from '../src/crypto/common.ts'
import {
  CRYPTO_PLAINTEXT_BYTES_MAX,
  type CryptoSuite,
  type ErrorCode,
  fromHex,
  GovchainError,
  getSuite,
  jsSuites,
  suites,
  toHex,
} from '../src/index.ts'

const IMPLS = [
  { label: 'js', s: jsSuites },
  { label: 'node', s: suites },
] as const
const NAMES = ['gm', 'intl'] as const
// Pure-JS SM2 costs a few ms per operation: keep runs small enough for a shared 2-core machine.
const RUNS = 25

const bytes = (max = 300) => fc.uint8Array({ minLength: 0, maxLength: max })

function throwsCode(f: () => unknown, codes: ErrorCode[]): void {
  try {
    f()
  } catch (e) {
    assert.ok(e instanceof GovchainError, `untyped error: ${String(e)}`)
    assert.ok(codes.includes(e.code), `unexpected code ${e.code}, wanted ${codes.join('|')}`)
    return
  }
  assert.fail(`expected one of ${codes.join('|')}`)
}

/** Either returns or throws one of `codes` (random keys may happen to be valid). */
function returnsOrThrowsCode(f: () => unknown, codes: ErrorCode[]): void {
  try {
    f()
  } catch (e) {
    assert.ok(e instanceof GovchainError, `untyped error: ${String(e)}`)
    assert.ok(codes.includes(e.code), `unexpected code ${e.code}`)
  }
}

function flip(b: Uint8Array, i: number, bit: number): Uint8Array {
  const c = Uint8Array.from(b)
  const at = i % c.length
  c[at] = c[at]! ^ (1 << (bit % 8))
  return c
}

describe('getSuite', () => {
  it('returns the platform suites by name and rejects unknown names', () => {
    assert.equal(getSuite('gm'), suites.gm)
    assert.equal(getSuite('intl'), suites.intl)
    for (const bad of ['', 'GM', 'sm2', 'ecdsa', '__proto__']) throwsCode(() => getSuite(bad), ['CRYPTO_UNKNOWN_SUITE'])
  })

  it('declares the lengths of the contract', () => {
    for (const { s } of IMPLS) {
      assert.deepEqual(
        [s.gm.hashLength, s.gm.publicKeyLength, s.gm.signatureLength, s.gm.symmetricKeyLength],
        [32, 65, 64, 16],
      )
      assert.deepEqual(
        [s.intl.hashLength, s.intl.publicKeyLength, s.intl.signatureLength, s.intl.symmetricKeyLength],
        [32, 32, 64, 32],
      )
      for (const name of NAMES) {
        const kp = s[name].generateKeyPair()
        assert.equal(kp.privateKey.length, 32)
        assert.equal(kp.publicKey.length, s[name].publicKeyLength)
        if (name === 'gm') assert.equal(kp.publicKey[0], 0x04)
      }
    }
  })
})

for (const { label, s } of IMPLS) {
  for (const name of NAMES) {
    const suite: CryptoSuite = s[name]
    const other: CryptoSuite = (label === 'js' ? suites : jsSuites)[name]

    describe(`${name} suite, ${label} implementation`, () => {
      const kp = suite.generateKeyPair()
      const key = new Uint8Array(suite.symmetricKeyLength).map((_, i) => i * 13 + 1)

      it('sign/verify round trip; the other path agrees; tampering fails', () => {
        fc.assert(
          fc.property(bytes(), fc.nat(), fc.nat(7), (m, i, bit) => {
            const sig = suite.sign(kp.privateKey, m)
            assert.equal(sig.length, 64)
            assert.equal(suite.verify(kp.publicKey, m, sig), true)
            assert.equal(other.verify(kp.publicKey, m, sig), true)
            const badSig = flip(sig, i, bit)
            assert.equal(suite.verify(kp.publicKey, m, badSig), false)
            assert.equal(other.verify(kp.publicKey, m, badSig), false)
            const badMsg = m.length > 0 ? flip(m, i, bit) : Uint8Array.of(0)
            assert.equal(suite.verify(kp.publicKey, badMsg, sig), false)
          }),
          { numRuns: RUNS },
        )
      })

      it('encrypt/decrypt round trip; a changed ciphertext gives a typed error', () => {
        fc.assert(
          fc.property(bytes(), fc.nat(), fc.nat(7), (m, i, bit) => {
            const ct = suite.encrypt(kp.publicKey, m)
            assert.equal(toHex(suite.decrypt(kp.privateKey, ct)), toHex(m))
            throwsCode(
              () => suite.decrypt(kp.privateKey, flip(ct, i, bit)),
              ['CRYPTO_DECRYPT_FAILED', 'CRYPTO_INVALID_CIPHERTEXT'],
            )
            throwsCode(
              () => suite.decrypt(kp.privateKey, ct.subarray(0, ct.length - 1)),
              ['CRYPTO_DECRYPT_FAILED', 'CRYPTO_INVALID_CIPHERTEXT'],
            )
          }),
          { numRuns: RUNS },
        )
      })

      it('seal/open with aad; wrong aad, key or bytes fail with CRYPTO_DECRYPT_FAILED', () => {
        fc.assert(
          fc.property(bytes(), bytes(40), fc.nat(), fc.nat(7), (m, aad, i, bit) => {
            const sealed = suite.seal(key, m, aad)
            assert.equal(sealed.length, m.length + 28)
            assert.equal(toHex(suite.open(key, sealed, aad)), toHex(m))
            throwsCode(() => suite.open(key, sealed, new Uint8Array([...aad, 0])), ['CRYPTO_DECRYPT_FAILED'])
            throwsCode(() => suite.open(flip(key, i, bit), sealed, aad), ['CRYPTO_DECRYPT_FAILED'])
            throwsCode(() => suite.open(key, flip(sealed, i, bit), aad), ['CRYPTO_DECRYPT_FAILED'])
            if (aad.length === 0) assert.equal(toHex(suite.open(key, sealed)), toHex(m)) // default aad is empty
          }),
          { numRuns: RUNS * 2 },
        )
      })

      it('random bytes as keys, signatures and ciphertexts: false or a typed error, never an untyped throw', () => {
        fc.assert(
          fc.property(bytes(120), bytes(120), bytes(200), (a, b, c) => {
            assert.equal(suite.verify(a, b, c), false)
            assert.equal(suite.verify(kp.publicKey, b, a), false)
            returnsOrThrowsCode(() => suite.publicKeyFromPrivate(a), ['CRYPTO_INVALID_KEY'])
            returnsOrThrowsCode(() => suite.sign(a, b), ['CRYPTO_INVALID_KEY'])
            returnsOrThrowsCode(() => suite.encrypt(a, b), ['CRYPTO_INVALID_KEY'])
            throwsCode(() => suite.decrypt(kp.privateKey, c), ['CRYPTO_INVALID_CIPHERTEXT', 'CRYPTO_DECRYPT_FAILED'])
            returnsOrThrowsCode(
              () => suite.decrypt(a, c),
              ['CRYPTO_INVALID_KEY', 'CRYPTO_INVALID_CIPHERTEXT', 'CRYPTO_DECRYPT_FAILED'],
            )
            returnsOrThrowsCode(
              () => suite.open(a, c),
              ['CRYPTO_INVALID_KEY', 'CRYPTO_INVALID_CIPHERTEXT', 'CRYPTO_DECRYPT_FAILED'],
            )
            throwsCode(() => suite.open(key, c), ['CRYPTO_INVALID_CIPHERTEXT', 'CRYPTO_DECRYPT_FAILED'])
          }),
          { numRuns: RUNS * 4 },
        )
        // right-length random keys/signatures
        fc.assert(
          fc.property(
            fc.uint8Array({ minLength: suite.publicKeyLength, maxLength: suite.publicKeyLength }),
            fc.uint8Array({ minLength: 64, maxLength: 64 }),
            bytes(50),
            (pub, sig, m) => {
              assert.equal(suite.verify(pub, m, sig), false)
              assert.equal(suite.verify(kp.publicKey, m, sig), false)
              returnsOrThrowsCode(() => suite.encrypt(pub, m), ['CRYPTO_INVALID_KEY'])
            },
          ),
          { numRuns: RUNS * 4 },
        )
      })

      it('values that are not Uint8Array give typed errors (or false from verify)', () => {
        const junk: unknown[] = [undefined, null, 0, 'abc', [1, 2, 3], {}, new Uint16Array(32), new ArrayBuffer(32)]
        for (const j of junk) {
          const x = j as Uint8Array
          assert.equal(suite.verify(x, x, x), false)
          assert.equal(suite.verify(kp.publicKey, x, new Uint8Array(64)), false)
          throwsCode(() => suite.hash(x), ['INVALID_ARGUMENT'])
          throwsCode(() => suite.hmac(x, new Uint8Array(1)), ['INVALID_ARGUMENT'])
          throwsCode(() => suite.publicKeyFromPrivate(x), ['CRYPTO_INVALID_KEY'])
          throwsCode(() => suite.sign(x, new Uint8Array(1)), ['CRYPTO_INVALID_KEY'])
          throwsCode(() => suite.sign(kp.privateKey, x), ['INVALID_ARGUMENT'])
          throwsCode(() => suite.encrypt(x, new Uint8Array(1)), ['CRYPTO_INVALID_KEY'])
          throwsCode(() => suite.encrypt(kp.publicKey, x), ['INVALID_ARGUMENT'])
          throwsCode(() => suite.decrypt(kp.privateKey, x), ['CRYPTO_INVALID_CIPHERTEXT'])
          throwsCode(() => suite.seal(key, x), ['INVALID_ARGUMENT'])
          throwsCode(() => suite.open(key, x), ['CRYPTO_INVALID_CIPHERTEXT'])
          if (j !== undefined) throwsCode(() => suite.seal(key, new Uint8Array(1), x), ['INVALID_ARGUMENT'])
        }
      })

      it('never mutates its inputs', () => {
        fc.assert(
          fc.property(bytes(), bytes(30), (m, aad) => {
            const inputs = [kp.privateKey, kp.publicKey, m, aad, key]
            const before = inputs.map(toHex)
            const sig = suite.sign(kp.privateKey, m)
            const sigHex = toHex(sig)
            suite.verify(kp.publicKey, m, sig)
            suite.hash(m)
            suite.hmac(key, m)
            suite.publicKeyFromPrivate(kp.privateKey)
            const ct = suite.encrypt(kp.publicKey, m)
            const ctHex = toHex(ct)
            suite.decrypt(kp.privateKey, ct)
            const sealed = suite.seal(key, m, aad)
            const sealedHex = toHex(sealed)
            suite.open(key, sealed, aad)
            assert.deepEqual(inputs.map(toHex), before)
            assert.equal(toHex(sig), sigHex)
            assert.equal(toHex(ct), ctHex)
            assert.equal(toHex(sealed), sealedHex)
          }),
          { numRuns: 10 },
        )
      })

      it('returns plain Uint8Arrays that the caller owns', () => {
        const out = [
          suite.hash(new Uint8Array(3)),
          suite.sign(kp.privateKey, new Uint8Array(3)),
          suite.seal(key, new Uint8Array(3)),
        ]
        for (const o of out) assert.equal(Object.getPrototypeOf(o), Uint8Array.prototype)
        const h1 = suite.hash(new Uint8Array(1))
        h1.fill(0)
        assert.notEqual(toHex(suite.hash(new Uint8Array(1))), toHex(h1))
      })

      it('rejects oversize plaintexts with INVALID_ARGUMENT', () => {
        const big = new Uint8Array(CRYPTO_PLAINTEXT_BYTES_MAX + 1)
        throwsCode(() => suite.seal(key, big), ['INVALID_ARGUMENT'])
        throwsCode(() => suite.encrypt(kp.publicKey, big), ['INVALID_ARGUMENT'])
      })
    })
  }
}

describe('gm edge cases on both paths', () => {
  const n = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n
  const be = (x: bigint) => fromHex(x.toString(16).padStart(64, '0'))
  const kp = jsSuites.gm.generateKeyPair()
  const m = new Uint8Array([1, 2, 3])

  for (const { label, s } of IMPLS) {
    it(`${label}: private keys outside [1, n-2] are CRYPTO_INVALID_KEY`, () => {
      for (const d of [0n, n - 1n, n, n + 1n, 2n ** 256n - 1n]) {
        throwsCode(() => s.gm.publicKeyFromPrivate(be(d)), ['CRYPTO_INVALID_KEY'])
        throwsCode(() => s.gm.sign(be(d), m), ['CRYPTO_INVALID_KEY'])
        throwsCode(() => s.gm.decrypt(be(d), new Uint8Array(120)), ['CRYPTO_INVALID_KEY'])
      }
      assert.equal(s.gm.publicKeyFromPrivate(be(n - 2n)).length, 65)
      assert.equal(
        toHex(s.gm.publicKeyFromPrivate(be(1n))).slice(2, 66),
        '32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7',
      )
    })

    it(`${label}: r or s out of [1, n-1], off-curve or non-uncompressed keys do not verify`, () => {
      const sig = s.gm.sign(kp.privateKey, m)
      const r = sig.subarray(0, 32)
      const sv = sig.subarray(32)
      const cat = (a: Uint8Array, b: Uint8Array) => new Uint8Array([...a, ...b])
      assert.equal(s.gm.verify(kp.publicKey, m, sig), true)
      for (const bad of [
        cat(be(0n), sv),
        cat(r, be(0n)),
        cat(be(n), sv),
        cat(r, be(n)),
        cat(be(BigInt(`0x${toHex(r)}`) + n > 2n ** 256n - 1n ? 0n : BigInt(`0x${toHex(r)}`) + n), sv),
      ]) {
        assert.equal(s.gm.verify(kp.publicKey, m, bad), false)
      }
      const offCurve = Uint8Array.from(kp.publicKey)
      offCurve[64] = offCurve[64]! ^ 1
      assert.equal(s.gm.verify(offCurve, m, sig), false)
      throwsCode(() => s.gm.encrypt(offCurve, m), ['CRYPTO_INVALID_KEY'])
      for (const prefix of [0x02, 0x03, 0x06, 0x07, 0x00]) {
        const k = Uint8Array.from(kp.publicKey)
        k[0] = prefix
        assert.equal(s.gm.verify(k, m, sig), false)
        throwsCode(() => s.gm.encrypt(k, m), ['CRYPTO_INVALID_KEY'])
      }
      // a ciphertext whose C1 is not on the curve is malformed, not a failed decryption
      const ct = s.gm.encrypt(kp.publicKey, m)
      const badC1 = Uint8Array.from(ct)
      badC1[64] = badC1[64]! ^ 1
      throwsCode(() => s.gm.decrypt(kp.privateKey, badC1), ['CRYPTO_INVALID_CIPHERTEXT'])
    })
  }
})

describe('Lru (the parsed-key caches)', () => {
  it('keeps at most entriesMax, evicts the least recently used, and reports evictions only', () => {
    const evicted: string[] = []
    const lru = new Lru<string, number>(2, (k) => evicted.push(k))
    lru.set('a', 1)
    lru.set('b', 2)
    assert.equal(lru.get('a'), 1) // a is now the most recent
    lru.set('b', 3) // replacing is not evicting
    lru.set('c', 4) // b was set after a's get, so a is the least recent: evicted
    assert.deepEqual(evicted, ['a'])
    assert.deepEqual([lru.get('a'), lru.get('b'), lru.get('c'), lru.size], [undefined, 3, 4, 2])
    for (let i = 0; i < 1000; i++) lru.set(`k${i}`, i)
    assert.equal(lru.size, 2)
    assert.equal(evicted.length, 1001)
  })
})
