/**
 * The encrypted keystore (ADR 0023): published vectors for its KDFs and password normalisation
 * (RFC 7914, EIP-2335), PBKDF2-HMAC-SM3 agreeing with OpenSSL's, round trips on both KDF
 * implementations, a file read back by an independent decryption (node:crypto), and every way a
 * keystore is refused: wrong passphrase, edited header, costs over the limits, malformed fields.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createDecipheriv, createHash, getCiphers, pbkdf2Sync, scryptSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  decryptKeystore,
  decryptSecret,
  encryptKeystore,
  encryptSecret,
  fromHex,
  getSuite,
  isKeystoreFile,
  jsKdfs,
  KEYSTORE_KDF_DEFAULTS,
  type KeystoreFile,
  kdfs,
  normalizePassphrase,
  readKeystoreHeader,
  toHex,
  utf8,
} from '../src/index.ts'
import { hx, loadVectors, VectorRun } from './vectors/runner.ts'

interface Vectors {
  scrypt: { password: string; salt: string; n: number; r: number; p: number; dkLen: number; dk: string }[]
  pbkdf2Sha256: { password: string; salt: string; c: number; dkLen: number; dk: string }[]
  eip2335: {
    password: string
    normalized: string
    secret: string
    salt: string
    iv: string
    scrypt: { n: number; r: number; p: number; dkLen: number; checksum: string; cipher: string }
    pbkdf2: { c: number; dkLen: number; checksum: string; cipher: string }
  }
}
const v = loadVectors<Vectors>('./keystore-kdf.json')
const IMPLS = [jsKdfs, kdfs]
const PASS = 'correct horse battery staple'
/** Cheap KDF costs for the round trips (the defaults are checked once, below). */
const CHEAP = { c: 1000, n: 1024, r: 8, p: 1 }

describe('keystore KDF vectors', () => {
  it('scrypt: RFC 7914 section 12 on both implementations', () => {
    const run = new VectorRun('scrypt', v.scrypt.length * IMPLS.length)
    for (const k of IMPLS)
      for (const t of v.scrypt)
        run.check(`${k.backend} N=${t.n}`, () => assert.equal(toHex(k.scrypt(utf8(t.password), utf8(t.salt), t)), t.dk))
    run.done()
  })

  it('PBKDF2: RFC 7914 section 11 (HMAC-SHA256) through the PBKDF2 the keystore calls', () => {
    const run = new VectorRun('pbkdf2-sha256', v.pbkdf2Sha256.length * 2)
    for (const t of v.pbkdf2Sha256) {
      run.check(`noble c=${t.c}`, () =>
        assert.equal(toHex(pbkdf2(sha256, utf8(t.password), utf8(t.salt), { c: t.c, dkLen: t.dkLen })), t.dk),
      )
      run.check(`openssl c=${t.c}`, () =>
        assert.equal(pbkdf2Sync(t.password, t.salt, t.c, t.dkLen, 'sha256').toString('hex'), t.dk),
      )
    }
    run.done()
  })

  it('PBKDF2-HMAC-SM3: the JS (noble + our SM3), node:crypto and the openssl command agree', () => {
    const cases = [
      { password: 'password', salt: 'NaCl', c: 1000, dkLen: 16 },
      { password: '口令 with spaces', salt: 'govchain-salt-16', c: 4096, dkLen: 16 },
      { password: 'p', salt: 'saltsaltsaltsalt', c: 1, dkLen: 64 },
    ]
    const run = new VectorRun('pbkdf2-sm3', cases.length * 2)
    for (const t of cases) {
      const js = toHex(jsKdfs.pbkdf2Sm3(utf8(t.password), utf8(t.salt), t.c, t.dkLen))
      run.check(`node c=${t.c}`, () =>
        assert.equal(toHex(kdfs.pbkdf2Sm3(utf8(t.password), utf8(t.salt), t.c, t.dkLen)), js),
      )
      run.check(`openssl kdf c=${t.c}`, () => {
        const r = spawnSync(
          'openssl',
          [
            'kdf',
            '-keylen',
            String(t.dkLen),
            '-kdfopt',
            'digest:SM3',
            '-kdfopt',
            `hexpass:${toHex(utf8(t.password))}`,
            '-kdfopt',
            `hexsalt:${toHex(utf8(t.salt))}`,
            '-kdfopt',
            `iter:${t.c}`,
            'PBKDF2',
          ],
          { encoding: 'utf8' },
        )
        assert.equal(r.status, 0, r.stderr)
        assert.equal(r.stdout.trim().replaceAll(':', '').toLowerCase(), js)
      })
    }
    run.done()
  })

  it('EIP-2335: password normalisation, then scrypt and PBKDF2 at 2^18 reproduce its checksums and secret', () => {
    const e = v.eip2335
    const run = new VectorRun('eip-2335', 3)
    const password = normalizePassphrase(e.password)
    run.check('normalisation', () => assert.equal(toHex(password), e.normalized))
    // EIP-2335: checksum = SHA-256(DK[16..32] || cipher message); secret = AES-128-CTR(DK[0..16], iv).
    const check = (name: string, dk: Uint8Array, m: { checksum: string; cipher: string }) =>
      run.check(name, () => {
        const checksum = createHash('sha256').update(dk.subarray(16, 32)).update(hx(m.cipher)).digest('hex')
        assert.equal(checksum, m.checksum)
        const d = createDecipheriv('aes-128-ctr', dk.subarray(0, 16), hx(e.iv))
        assert.equal(Buffer.concat([d.update(hx(m.cipher)), d.final()]).toString('hex'), e.secret)
      })
    check('scrypt', kdfs.scrypt(password, hx(e.salt), e.scrypt), e.scrypt)
    check('pbkdf2', pbkdf2(sha256, password, hx(e.salt), { c: e.pbkdf2.c, dkLen: e.pbkdf2.dkLen }), e.pbkdf2)
    run.done()
  })

  it('normalisation removes C0, C1 and Delete control codes after NFKD', () => {
    assert.equal(toHex(normalizePassphrase('a\u0000b\u001fc\u007fd\u0085e\u009f')), toHex(utf8('abcde')))
    assert.equal(toHex(normalizePassphrase('ｐａｓｓ')), toHex(utf8('pass'))) // fullwidth → NFKD
    assert.equal(toHex(normalizePassphrase('口令')), toHex(utf8('口令')))
  })
})

for (const name of ['gm', 'intl'] as const) {
  const suite = getSuite(name)
  describe(`keystore (${name})`, () => {
    it('round trips on both KDF implementations, each reading what the other wrote', () => {
      const kp = suite.generateKeyPair()
      for (const w of IMPLS)
        for (const r of IMPLS) {
          const file = encryptKeystore(name, kp.privateKey, PASS, { kdf: CHEAP, kdfs: w, description: 'test key' })
          const back = decryptKeystore(JSON.parse(JSON.stringify(file)), PASS, r)
          assert.deepEqual(back.privateKey, kp.privateKey)
          assert.deepEqual(back.publicKey, kp.publicKey)
          assert.equal(back.suite, name)
        }
    })

    it('writes the suite cipher and KDF at the default cost, and none of the key in clear', () => {
      const kp = suite.generateKeyPair()
      const file = encryptKeystore(name, kp.privateKey, PASS)
      assert.ok(isKeystoreFile(file))
      assert.equal(file.publicKey, toHex(kp.publicKey))
      if (name === 'gm') {
        assert.equal(file.crypto.cipher.function, 'sm4-gcm')
        assert.deepEqual(
          { ...file.crypto.kdf.params, salt: '' },
          { prf: 'hmac-sm3', c: KEYSTORE_KDF_DEFAULTS.gm.c, dklen: 16, salt: '' },
        )
      } else {
        assert.equal(file.crypto.cipher.function, 'aes-256-gcm')
        const { n, r, p } = KEYSTORE_KDF_DEFAULTS.intl
        assert.deepEqual({ ...file.crypto.kdf.params, salt: '' }, { n, r, p, dklen: 32, salt: '' })
      }
      const text = JSON.stringify(file)
      assert.ok(!text.includes(toHex(kp.privateKey)))
      assert.deepEqual(decryptKeystore(file, PASS).privateKey, kp.privateKey)
    })

    it('is read back by an independent decryption (node:crypto KDF and cipher)', () => {
      const kp = suite.generateKeyPair()
      const file = encryptKeystore(name, kp.privateKey, PASS, { kdf: CHEAP })
      const k = file.crypto
      const ct = fromHex(k.cipher.message)
      const body = ct.subarray(0, ct.length - 16)
      const tag = ct.subarray(ct.length - 16)
      if (name === 'intl') {
        assert.equal(k.kdf.function, 'scrypt')
        const p = k.kdf.params as { n: number; r: number; p: number; salt: string }
        const dk = scryptSync(PASS, fromHex(p.salt), 32, { N: p.n, r: p.r, p: p.p })
        const d = createDecipheriv('aes-256-gcm', dk, fromHex(k.cipher.params.iv))
        d.setAAD(aadOf(file))
        d.setAuthTag(tag)
        assert.equal(Buffer.concat([d.update(body), d.final()]).toString('hex'), toHex(kp.privateKey))
      } else {
        // Node's OpenSSL 3.0 has no sm4-gcm: check the PBKDF2-HMAC-SM3 key with OpenSSL, then
        // SM4-GCM's keystream (CTR from counter 2, RFC 8998 / SP 800-38D) with OpenSSL's sm4-ctr.
        assert.ok(getCiphers().includes('sm4-ctr'))
        const p = k.kdf.params as { c: number; salt: string }
        const dk = pbkdf2Sync(PASS, fromHex(p.salt), p.c, 16, 'sm3')
        const counter = Buffer.concat([fromHex(k.cipher.params.iv), Buffer.from([0, 0, 0, 2])])
        const d = createDecipheriv('sm4-ctr', dk, counter)
        assert.equal(Buffer.concat([d.update(body), d.final()]).toString('hex'), toHex(kp.privateKey))
      }
    })

    it('a wrong passphrase is KEYSTORE_WRONG_PASSPHRASE, and so is an edited header', () => {
      const kp = suite.generateKeyPair()
      const file = encryptKeystore(name, kp.privateKey, PASS, { kdf: CHEAP })
      const before = JSON.stringify(file)
      assert.throws(() => decryptKeystore(file, `${PASS}!`), { code: 'KEYSTORE_WRONG_PASSPHRASE' })
      assert.throws(() => decryptKeystore(file, ''), { code: 'KEYSTORE_WRONG_PASSPHRASE' })
      assert.equal(JSON.stringify(file), before, 'the file object is not changed')
      const other = toHex(suite.generateKeyPair().publicKey)
      assert.throws(() => decryptKeystore({ ...file, publicKey: other }, PASS), { code: 'KEYSTORE_WRONG_PASSPHRASE' })
      const cheaper = structuredClone(file)
      if (cheaper.crypto.kdf.function === 'pbkdf2') cheaper.crypto.kdf.params.c = 999
      else cheaper.crypto.kdf.params.n = 512
      assert.throws(() => decryptKeystore(cheaper, PASS), { code: 'KEYSTORE_WRONG_PASSPHRASE' })
      const flipped = structuredClone(file)
      const m = flipped.crypto.cipher.message
      flipped.crypto.cipher.message = (m[0] === '0' ? '1' : '0') + m.slice(1)
      assert.throws(() => decryptKeystore(flipped, PASS), { code: 'KEYSTORE_WRONG_PASSPHRASE' })
    })

    it('malformed or over-limit files are KEYSTORE_INVALID before any KDF work', () => {
      const kp = suite.generateKeyPair()
      const file = encryptKeystore(name, kp.privateKey, PASS, { kdf: CHEAP })
      const edits: [string, (f: KeystoreFile & Record<string, unknown>) => void][] = [
        ['not a keystore', (f) => (f.kind = 'x' as never)],
        ['version 2', (f) => (f.version = 2 as never)],
        ['other suite', (f) => (f.suite = (name === 'gm' ? 'intl' : 'gm') as never)],
        ['public key not hex', (f) => (f.publicKey = 'zz')],
        ['no crypto', (f) => (f.crypto = undefined as never)],
        ['iv short', (f) => (f.crypto.cipher.params.iv = '00')],
        ['cipher of the other suite', (f) => (f.crypto.cipher.function = name === 'gm' ? 'aes-256-gcm' : 'sm4-gcm')],
        ['message too short', (f) => (f.crypto.cipher.message = '00')],
        ['salt short', (f) => (f.crypto.kdf.params.salt = '00')],
        ['kdf message set', (f) => (f.crypto.kdf.message = 'x' as never)],
        ...(name === 'gm'
          ? ([
              ['c huge', (f) => ((f.crypto.kdf.params as { c: number }).c = 1e9)],
              ['c fractional', (f) => ((f.crypto.kdf.params as { c: number }).c = 1.5)],
              ['prf sha256', (f) => ((f.crypto.kdf.params as { prf: string }).prf = 'hmac-sha256')],
              ['scrypt for gm', (f) => (f.crypto.kdf.function = 'scrypt')],
            ] as [string, (f: KeystoreFile) => void][])
          : ([
              ['n huge', (f) => ((f.crypto.kdf.params as { n: number }).n = 2 ** 30)],
              ['n not a power of two', (f) => ((f.crypto.kdf.params as { n: number }).n = 1000)],
              ['r·n over 1 GiB', (f) => ((f.crypto.kdf.params as { r: number }).r = 32)],
              ['pbkdf2 for intl', (f) => (f.crypto.kdf.function = 'pbkdf2')],
            ] as [string, (f: KeystoreFile) => void][])),
      ]
      for (const [why, edit] of edits) {
        const bad = structuredClone(file) as KeystoreFile & Record<string, unknown>
        if (why === 'r·n over 1 GiB') (bad.crypto.kdf.params as { n: number }).n = 2 ** 20
        edit(bad)
        const started = performance.now()
        assert.throws(() => decryptKeystore(bad, PASS), { code: 'KEYSTORE_INVALID' }, why)
        assert.ok(performance.now() - started < 1000, `${why}: refused without running the KDF`)
      }
      assert.throws(() => readKeystoreHeader(null), { code: 'KEYSTORE_INVALID' })
      assert.throws(() => readKeystoreHeader('text'), { code: 'KEYSTORE_INVALID' })
    })

    it('refuses a short passphrase and a malformed key when encrypting', () => {
      const kp = suite.generateKeyPair()
      assert.throws(() => encryptKeystore(name, kp.privateKey, 'short', { kdf: CHEAP }), { code: 'INVALID_ARGUMENT' })
      assert.throws(() => encryptKeystore(name, new Uint8Array(5), PASS, { kdf: CHEAP }), {
        code: 'CRYPTO_INVALID_KEY',
      })
    })
  })
}

/** The associated data as ADR 0023 defines it (recomputed here, independently of the module). */
function aadOf(f: KeystoreFile): Buffer {
  const p = f.crypto.kdf.params as Record<string, string | number>
  const kdf =
    f.crypto.kdf.function === 'pbkdf2'
      ? ['pbkdf2', p.prf, p.c, p.dklen, p.salt]
      : ['scrypt', p.n, p.r, p.p, p.dklen, p.salt]
  return Buffer.from([f.kind, f.version, f.suite, f.publicKey, ...kdf, f.crypto.cipher.function].join('\0'), 'utf8')
}

describe('secret keystore: a raw secret in the same container', () => {
  const cheap = { gm: { c: 1000 }, intl: { n: 1024, r: 8, p: 1 } } as const
  for (const suite of ['gm', 'intl'] as const) {
    it(`${suite}: round trip; wrong passphrase, edited length and the other kind refused`, () => {
      const secret = new Uint8Array(32).map((_, i) => i * 7 + 1)
      const file = encryptSecret(suite, secret, 'secret keystore passphrase', { kdf: cheap[suite] })
      assert.equal(file.kind, 'govchain-secret')
      assert.equal(file.secretBytes, 32)
      assert.ok(!JSON.stringify(file).includes(toHex(secret)))
      assert.deepEqual(decryptSecret(file, 'secret keystore passphrase'), secret)
      const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c
      assert.throws(() => decryptSecret(file, 'another passphrase!'), code('KEYSTORE_WRONG_PASSPHRASE'))
      // The length is authenticated: a file claiming another fails before or at the tag.
      assert.throws(
        () => decryptSecret({ ...file, secretBytes: 31 }, 'secret keystore passphrase'),
        code('KEYSTORE_INVALID'),
      )
      // Neither kind opens as the other.
      assert.throws(() => decryptKeystore(file, 'secret keystore passphrase'), code('KEYSTORE_INVALID'))
      const keyFile = encryptKeystore(
        suite,
        getSuite(suite).generateKeyPair().privateKey,
        'secret keystore passphrase',
        {
          kdf: cheap[suite],
        },
      )
      assert.throws(() => decryptSecret(keyFile, 'secret keystore passphrase'), code('KEYSTORE_INVALID'))
      assert.throws(
        () => encryptSecret(suite, new Uint8Array(8), 'secret keystore passphrase'),
        code('INVALID_ARGUMENT'),
      )
      assert.throws(() => encryptSecret(suite, secret, 'short'), code('INVALID_ARGUMENT'))
    })
  }
})
