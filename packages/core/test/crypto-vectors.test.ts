/**
 * Published test vectors, run against BOTH implementations: the pure-JS suites/primitives and the
 * Node fast path (node:crypto + the SM2 addon). Each group counts the checks it executed.
 */
import assert from 'node:assert/strict'
import { createCipheriv } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  hkdfExpand,
  hkdfExtract,
  hpkeOpenBase,
  hpkeSealBase,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
} from '../src/crypto/common.ts'
import { sm2Decrypt, sm2EncryptWithK, sm2PublicPoint, sm2SignWithK, sm2Verify, sm2Za } from '../src/crypto/js/sm2.ts'
import { sm3 } from '../src/crypto/js/sm3.ts'
import { sm4Block, sm4KeySchedule } from '../src/crypto/js/sm4.ts'
import { jsGmPrimitives, jsIntlPrimitives } from '../src/crypto/js.ts'
import { nodePrimitives } from '../src/crypto/node.ts'
import { cryptoBackend, cryptoNativeLoadError, jsSuites, suites, toHex } from '../src/index.ts'
import { hx, loadVectors, VectorRun } from './vectors/runner.ts'

const IMPLS = [
  { label: 'js', suites: jsSuites, gm: jsGmPrimitives, intl: jsIntlPrimitives },
  { label: 'node', suites, gm: nodePrimitives.gm, intl: nodePrimitives.intl },
] as const

describe('crypto backend', () => {
  it('the Node fast path uses the SM2 addon (GOVCHAIN_CRYPTO_NATIVE=0 runs without it)', () => {
    if (process.env.GOVCHAIN_CRYPTO_NATIVE === '0') {
      assert.equal(cryptoBackend(), 'js')
      assert.equal(suites.gm.backend, 'node')
    } else {
      assert.equal(cryptoBackend(), 'native', `addon did not load: ${cryptoNativeLoadError()}`)
      assert.equal(suites.gm.backend, 'native')
    }
    assert.equal(suites.intl.backend, 'node')
    assert.equal(jsSuites.gm.backend, 'js')
    assert.equal(jsSuites.intl.backend, 'js')
  })
})

describe('SM3 (GB/T 32905)', () => {
  it('examples A.1 and A.2, incremental and one-shot', () => {
    const v = loadVectors<{ vectors: { name: string; msgHex: string; digest: string }[] }>('./sm3.json')
    const run = new VectorRun('sm3', v.vectors.length * 3)
    for (const t of v.vectors) {
      for (const impl of IMPLS)
        run.check(`${t.name} ${impl.label}`, () => assert.equal(toHex(impl.suites.gm.hash(hx(t.msgHex))), t.digest))
      run.check(`${t.name} incremental`, () => {
        const m = hx(t.msgHex)
        const h = sm3.create()
        for (let i = 0; i < m.length; i += 7) h.update(m.subarray(i, i + 7))
        assert.equal(toHex(h.digest()), t.digest)
      })
    }
    run.done()
  })
})

describe('SM4 (GB/T 32907) and SM4-GCM (RFC 8998)', () => {
  const v = loadVectors<{
    ecb: { name: string; key: string; plaintext: string; iterations: number; ciphertext: string }[]
    gcm: { name: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }[]
  }>('./sm4.json')

  it('example 1 (one block) and example 2 (1,000,000 iterations) on both paths', () => {
    const run = new VectorRun('sm4-ecb', v.ecb.length * 2)
    for (const t of v.ecb) {
      run.check(`${t.name} js`, () => {
        const rk = sm4KeySchedule(hx(t.key))
        const b = hx(t.plaintext)
        for (let i = 0; i < t.iterations; i++) sm4Block(rk, b, 0, b, 0)
        assert.equal(toHex(b), t.ciphertext)
      })
      run.check(`${t.name} node`, () => {
        if (t.iterations === 1) {
          assert.equal(toHex(nodePrimitives.gm.sm4Block(hx(t.key), hx(t.plaintext))), t.ciphertext)
          return
        }
        // One ECB context, block after block: the 1,000,000 iterations take about a second.
        const c = createCipheriv('sm4-ecb', hx(t.key), null)
        c.setAutoPadding(false)
        let b: Uint8Array = hx(t.plaintext)
        for (let i = 0; i < t.iterations; i++) b = c.update(b)
        assert.equal(toHex(b), t.ciphertext)
      })
    }
    run.done()
  })

  it('SM4-GCM RFC 8998 A.1, encrypt and decrypt on both paths', () => {
    const run = new VectorRun('sm4-gcm', v.gcm.length * 2 * 2)
    for (const t of v.gcm) {
      for (const impl of IMPLS) {
        const expected = (t.ciphertext + t.tag).toLowerCase()
        run.check(`${t.name} encrypt ${impl.label}`, () =>
          assert.equal(toHex(sm4GcmEncrypt(impl.gm, hx(t.key), hx(t.nonce), hx(t.aad), hx(t.plaintext))), expected),
        )
        run.check(`${t.name} decrypt ${impl.label}`, () => {
          const pt = sm4GcmDecrypt(impl.gm, hx(t.key), hx(t.nonce), hx(t.aad), hx(expected))
          assert.ok(pt)
          assert.equal(toHex(pt).toUpperCase(), t.plaintext.toUpperCase())
          // and the suite's open() accepts the same bytes laid out as nonce || ct || tag
          assert.equal(toHex(impl.suites.gm.open(hx(t.key), hx(t.nonce + expected), hx(t.aad))), toHex(pt))
        })
      }
    }
    run.done()
  })
})

describe('SM2 (GB/T 32918, recommended curve examples)', () => {
  const v = loadVectors<{
    sign: {
      name: string
      id: string
      privateKey: string
      publicKey: string
      msgHex: string
      k: string
      za: string
      e: string
      r: string
      s: string
    }[]
    encrypt: {
      name: string
      privateKey: string
      publicKey: string
      msgHex: string
      k: string
      c1: string
      c3: string
      c2: string
    }[]
  }>('./sm2.json')

  it('signature example: public key, Z_A, fixed-k r||s, and verification on both paths', () => {
    const run = new VectorRun('sm2-sign', v.sign.length * 7)
    for (const t of v.sign) {
      const sig = hx(t.r + t.s)
      for (const impl of IMPLS) {
        run.check(`${t.name} public key ${impl.label}`, () =>
          assert.equal(toHex(impl.suites.gm.publicKeyFromPrivate(hx(t.privateKey))), t.publicKey),
        )
        run.check(`${t.name} verify published ${impl.label}`, () =>
          assert.equal(impl.suites.gm.verify(hx(t.publicKey), hx(t.msgHex), sig), true),
        )
        run.check(`${t.name} sign then verify with the other path ${impl.label}`, () => {
          const mine = impl.suites.gm.sign(hx(t.privateKey), hx(t.msgHex))
          const other = impl.label === 'js' ? suites.gm : jsSuites.gm
          assert.equal(other.verify(hx(t.publicKey), hx(t.msgHex), mine), true)
        })
      }
      run.check(`${t.name} Z_A and fixed-k signature (internal sign with k)`, () => {
        assert.equal(toHex(sm2Za(sm2PublicPoint(hx(t.publicKey)), hx(t.id))), t.za)
        assert.equal(toHex(sm3(new Uint8Array([...hx(t.za), ...hx(t.msgHex)]))), t.e)
        const s = sm2SignWithK(hx(t.privateKey), hx(t.msgHex), BigInt(`0x${t.k}`), hx(t.id))
        assert.ok(s)
        assert.equal(toHex(s), t.r + t.s)
        assert.equal(sm2Verify(hx(t.publicKey), hx(t.msgHex), s, hx(t.id)), true)
      })
    }
    run.done()
  })

  it('encryption example: fixed-k C1||C3||C2 and decryption on both paths', () => {
    const run = new VectorRun('sm2-encrypt', v.encrypt.length * 3)
    for (const t of v.encrypt) {
      const ct = t.c1 + t.c3 + t.c2
      run.check(`${t.name} fixed-k encryption`, () => {
        const out = sm2EncryptWithK(hx(t.publicKey), hx(t.msgHex), BigInt(`0x${t.k}`))
        assert.ok(out)
        assert.equal(toHex(out), ct)
        assert.equal(toHex(sm2Decrypt(hx(t.privateKey), out)), t.msgHex)
      })
      for (const impl of IMPLS) {
        run.check(`${t.name} decrypt published ${impl.label}`, () =>
          assert.equal(toHex(impl.suites.gm.decrypt(hx(t.privateKey), hx(ct))), t.msgHex),
        )
      }
    }
    run.done()
  })
})

describe('Ed25519 (RFC 8032 7.1)', () => {
  it('TEST 1, 2, 3 and 1024: key, signature, verification on both paths', () => {
    const v = loadVectors<{
      vectors: { name: string; secretKey: string; publicKey: string; msgHex: string; signature: string }[]
    }>('./ed25519.json')
    assert.equal(v.vectors.find((t) => t.name.startsWith('TEST 1024'))?.msgHex.length, 2046) // 1023 bytes
    const run = new VectorRun('ed25519', v.vectors.length * 2 * 4)
    for (const t of v.vectors) {
      for (const impl of IMPLS) {
        const s = impl.suites.intl
        run.check(`${t.name} public ${impl.label}`, () =>
          assert.equal(toHex(s.publicKeyFromPrivate(hx(t.secretKey))), t.publicKey),
        )
        run.check(`${t.name} sign ${impl.label}`, () =>
          assert.equal(toHex(s.sign(hx(t.secretKey), hx(t.msgHex))), t.signature),
        )
        run.check(`${t.name} verify ${impl.label}`, () =>
          assert.equal(s.verify(hx(t.publicKey), hx(t.msgHex), hx(t.signature)), true),
        )
        run.check(`${t.name} reject flipped ${impl.label}`, () => {
          const bad = hx(t.signature)
          bad[0] = bad[0]! ^ 1
          assert.equal(s.verify(hx(t.publicKey), hx(t.msgHex), bad), false)
        })
      }
    }
    run.done()
  })
})

describe('X25519 (RFC 7748)', () => {
  it('5.2 scalar multiplication and 6.1 Diffie-Hellman on both paths', () => {
    const v = loadVectors<{
      scalarMult: { name: string; scalar: string; u: string; output: string }[]
      dh: {
        name: string
        alicePrivate: string
        alicePublic: string
        bobPrivate: string
        bobPublic: string
        shared: string
      }[]
    }>('./x25519.json')
    const run = new VectorRun('x25519', (v.scalarMult.length + v.dh.length) * 2)
    for (const impl of IMPLS) {
      for (const t of v.scalarMult) {
        run.check(`${t.name} ${impl.label}`, () =>
          assert.equal(toHex(impl.intl.x25519(hx(t.scalar), hx(t.u))), t.output),
        )
      }
      for (const t of v.dh) {
        run.check(`${t.name} ${impl.label}`, () => {
          assert.equal(toHex(impl.intl.x25519Base(hx(t.alicePrivate))), t.alicePublic)
          assert.equal(toHex(impl.intl.x25519Base(hx(t.bobPrivate))), t.bobPublic)
          assert.equal(toHex(impl.intl.x25519(hx(t.alicePrivate), hx(t.bobPublic))), t.shared)
          assert.equal(toHex(impl.intl.x25519(hx(t.bobPrivate), hx(t.alicePublic))), t.shared)
        })
      }
    }
    run.done()
  })
})

describe('HKDF-SHA256 (RFC 5869) and HPKE (RFC 9180)', () => {
  it('HKDF A.1 and A.3 on both paths', () => {
    const v = loadVectors<{
      vectors: { name: string; ikm: string; salt: string; info: string; length: number; prk: string; okm: string }[]
    }>('./hkdf.json')
    const run = new VectorRun('hkdf', v.vectors.length * 2)
    for (const impl of IMPLS) {
      for (const t of v.vectors) {
        run.check(`${t.name} ${impl.label}`, () => {
          const prk = hkdfExtract(impl.intl, hx(t.salt), hx(t.ikm))
          assert.equal(toHex(prk), t.prk)
          assert.equal(toHex(hkdfExpand(impl.intl, prk, hx(t.info), t.length)), t.okm)
        })
      }
    }
    run.done()
  })

  it('HPKE base mode A.1.1 (the same construction with AES-128-GCM) seal and open on both paths', () => {
    const v = loadVectors<{
      vectors: {
        name: string
        kemId: number
        kdfId: number
        aeadId: number
        nk: number
        info: string
        skEm: string
        pkEm: string
        skRm: string
        pkRm: string
        pt: string
        aad: string
        ct: string
      }[]
    }>('./hpke.json')
    const run = new VectorRun('hpke', v.vectors.length * 2 * 2)
    for (const impl of IMPLS) {
      for (const t of v.vectors) {
        const ids = { kemId: t.kemId, kdfId: t.kdfId, aeadId: t.aeadId, nk: t.nk }
        run.check(`${t.name} seal ${impl.label}`, () => {
          const out = hpkeSealBase(impl.intl, ids, hx(t.pkRm), hx(t.info), hx(t.aad), hx(t.pt), hx(t.skEm))
          assert.equal(toHex(out), t.pkEm + t.ct)
        })
        run.check(`${t.name} open ${impl.label}`, () => {
          const pt = hpkeOpenBase(impl.intl, ids, hx(t.skRm), hx(t.info), hx(t.aad), hx(t.pkEm + t.ct))
          assert.equal(toHex(pt), t.pt)
        })
      }
    }
    run.done()
  })
})

describe('AES-256-GCM (GCM specification test cases 13-16)', () => {
  it('seal and open on both paths', () => {
    const v = loadVectors<{
      vectors: {
        name: string
        key: string
        nonce: string
        aad: string
        plaintext: string
        ciphertext: string
        tag: string
      }[]
    }>('./aes-gcm.json')
    const run = new VectorRun('aes-gcm', v.vectors.length * 2 * 2)
    for (const impl of IMPLS) {
      for (const t of v.vectors) {
        run.check(`${t.name} seal ${impl.label}`, () =>
          assert.equal(
            toHex(impl.intl.aeadSeal(hx(t.key), hx(t.nonce), hx(t.aad), hx(t.plaintext))),
            t.ciphertext + t.tag,
          ),
        )
        run.check(`${t.name} open via suite ${impl.label}`, () =>
          assert.equal(
            toHex(impl.suites.intl.open(hx(t.key), hx(t.nonce + t.ciphertext + t.tag), hx(t.aad))),
            t.plaintext,
          ),
        )
      }
    }
    run.done()
  })
})
