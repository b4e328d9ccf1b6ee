import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  bool,
  bytes,
  decode,
  encode,
  fixedBytes,
  literals,
  option,
  string,
  struct,
  u8,
  u16,
  u32,
  u64,
  u64n,
  union,
  vec,
} from '../src/encoding/codec.ts'
import { GovchainError } from '../src/errors.ts'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  DuplicateProposalEvidence,
  DuplicateVoteEvidence,
  Proposal,
  SignedTx,
  TxBody,
  ValidatorSet,
  Vote,
} from '../src/types.ts'

const Sample = struct({
  a: u8,
  b: u16,
  c: u32,
  d: u64,
  e: u64n,
  f: bool,
  g: bytes(64),
  h: fixedBytes(4),
  i: string(32),
  j: option(u32),
  k: vec(string(8), 5),
  l: literals(['x', 'y', 'z'] as const),
  m: union({ num: u32, text: string(10) }),
})

const arbSample = fc.record({
  a: fc.integer({ min: 0, max: 255 }),
  b: fc.integer({ min: 0, max: 65535 }),
  c: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  d: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  e: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  f: fc.boolean(),
  g: fc.uint8Array({ maxLength: 64 }),
  h: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  i: fc.string({ maxLength: 8, unit: 'grapheme' }),
  j: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
  k: fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
  l: fc.constantFrom('x' as const, 'y' as const, 'z' as const),
  m: fc.oneof(
    fc.record({ type: fc.constant('num' as const), value: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
    fc.record({ type: fc.constant('text' as const), value: fc.string({ maxLength: 10 }) }),
  ),
})

function expectCoded(fn: () => unknown): GovchainError {
  try {
    fn()
  } catch (e) {
    assert.ok(e instanceof GovchainError, `expected GovchainError, got ${String(e)}`)
    return e
  }
  assert.fail('expected a GovchainError')
}

describe('codec', () => {
  test('strings encode as u32 length + UTF-8 (TextEncoder), ASCII fast path or not, at every size limit', () => {
    const te = new TextEncoder()
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.string({ maxLength: 20, unit: 'grapheme' }),
          fc.string({ unit: 'binary' }),
        ),
        fc.integer({ min: 0, max: 48 }),
        (s, max) => {
          const utf8 = te.encode(s)
          const wellFormed = (s as string & { isWellFormed(): boolean }).isWellFormed()
          if (utf8.length > max || !wellFormed) {
            assert.throws(
              () => encode(string(max), s),
              (e: unknown) => e instanceof GovchainError,
            )
            return
          }
          const out = encode(string(max), s)
          const expected = new Uint8Array(4 + utf8.length)
          new DataView(expected.buffer).setUint32(0, utf8.length, true)
          expected.set(utf8, 4)
          assert.deepEqual(out, expected)
          assert.equal(decode(string(max), out), s)
        },
      ),
      { numRuns: 2000 },
    )
    // A failed ASCII attempt leaves nothing behind: the next field starts where it should.
    const pair = struct({ a: string(16), b: u8 })
    assert.deepEqual(decode(pair, encode(pair, { a: 'ab\u00e9', b: 7 })), { a: 'ab\u00e9', b: 7 })
    // Nested and repeated encodes share no buffer.
    const first = encode(string(8), 'first')
    encode(string(8), 'second')
    assert.equal(decode(string(8), first), 'first')
  })

  test('decode(encode(x)) = x and encoding is canonical', () => {
    fc.assert(
      fc.property(arbSample, (x) => {
        const value = { ...x, m: { ...x.m } }
        if (value.j === undefined) delete (value as { j?: number }).j
        const fits = new TextEncoder().encode(value.i).length <= 32
        fc.pre(fits && value.k.every((s) => new TextEncoder().encode(s).length <= 8))
        fc.pre(new TextEncoder().encode(value.m.type === 'text' ? value.m.value : '').length <= 10)
        const bytes1 = encode(Sample, value as never)
        const back = decode(Sample, bytes1)
        assert.deepEqual(back, value)
        assert.deepEqual(encode(Sample, back), bytes1)
      }),
      { numRuns: 300 },
    )
  })

  test('random bytes never crash a decoder or throw an untyped error', () => {
    const codecs = [Sample, TxBody, SignedTx, BlockHeader, Block, Vote, Proposal, CommitCertificate, ValidatorSet]
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: codecs.length - 1 }), (b, i) => {
        try {
          const v = decode(codecs[i]! as typeof Sample, b)
          // Anything that decodes must re-encode to the same bytes (canonical).
          assert.deepEqual(encode(codecs[i]! as typeof Sample, v), b)
        } catch (e) {
          assert.ok(e instanceof GovchainError, String(e))
          assert.match(e.code, /^DECODE_|^INVALID_ARGUMENT$/)
        }
      }),
      { numRuns: 2000 },
    )
  })

  test('mutated valid encodings are either rejected with a code or canonical', () => {
    const cert = encode(CommitCertificate, {
      height: 7,
      round: 1,
      blockHash: new Uint8Array(32).fill(9),
      signatures: [
        { validatorIndex: 0, signature: new Uint8Array(64).fill(1) },
        { validatorIndex: 2, signature: new Uint8Array(64).fill(2) },
      ],
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: cert.length - 1 }), fc.integer({ min: 0, max: 255 }), (pos, byte) => {
        const m = cert.slice()
        m[pos] = byte
        try {
          const v = decode(CommitCertificate, m)
          assert.deepEqual(encode(CommitCertificate, v), m)
        } catch (e) {
          assert.ok(e instanceof GovchainError)
        }
      }),
    )
  })

  test('trailing bytes, truncation, oversize and bad tags are typed errors', () => {
    const enc = encode(Vote, {
      chainId: 'c',
      type: 'precommit',
      height: 1,
      round: 0,
      blockHash: new Uint8Array(32),
      validatorIndex: 3,
    })
    assert.equal(expectCoded(() => decode(Vote, new Uint8Array([...enc, 0]))).code, 'DECODE_TRAILING_BYTES')
    assert.equal(expectCoded(() => decode(Vote, enc.subarray(0, enc.length - 1))).code, 'DECODE_TRUNCATED')
    const big = new Uint8Array([0xff, 0xff, 0xff, 0x7f])
    assert.equal(expectCoded(() => decode(bytes(10), big)).code, 'DECODE_OVERSIZE')
    assert.equal(expectCoded(() => decode(vec(u8, 1000), new Uint8Array([100, 0, 0, 0, 1]))).code, 'DECODE_TRUNCATED')
    assert.equal(expectCoded(() => decode(bool, new Uint8Array([2]))).code, 'DECODE_NON_CANONICAL')
    assert.equal(expectCoded(() => decode(option(u8), new Uint8Array([2, 0]))).code, 'DECODE_NON_CANONICAL')
    assert.equal(expectCoded(() => decode(literals(['a'] as const), new Uint8Array([1]))).code, 'DECODE_INVALID_TAG')
    assert.equal(
      expectCoded(() => decode(string(4), new Uint8Array([2, 0, 0, 0, 0xc3, 0x28]))).code,
      'DECODE_INVALID_UTF8',
    )
    assert.equal(
      expectCoded(() => decode(u64, new Uint8Array([0, 0, 0, 0, 0, 0, 0x20, 0]))).code,
      'DECODE_OVERSIZE',
      'u64 above 2^53-1 is refused',
    )
    assert.equal(expectCoded(() => decode(u8, new Uint8Array(10), 4)).code, 'DECODE_OVERSIZE')
    assert.equal(expectCoded(() => decode(u8, 'x' as unknown as Uint8Array)).code, 'INVALID_ARGUMENT')
  })

  test('encode refuses values that do not fit, naming the field', () => {
    const e = expectCoded(() => encode(struct({ outer: struct({ n: u8 }) }), { outer: { n: 256 } }))
    assert.equal(e.code, 'ENCODE_INVALID_VALUE')
    assert.match(e.message, /outer: n:/)
    assert.equal(expectCoded(() => encode(bytes(2), new Uint8Array(3))).code, 'ENCODE_INVALID_VALUE')
    assert.equal(expectCoded(() => encode(string(3), 'abcd')).code, 'ENCODE_INVALID_VALUE')
    assert.equal(expectCoded(() => encode(string(8), '\ud800')).code, 'ENCODE_INVALID_VALUE', 'lone surrogate')
    assert.equal(expectCoded(() => encode(u64, -1)).code, 'ENCODE_INVALID_VALUE')
    assert.equal(expectCoded(() => encode(u32, 1.5)).code, 'ENCODE_INVALID_VALUE')
  })

  test('decoded bytes never alias the input', () => {
    const input = encode(bytes(8), new Uint8Array([1, 2, 3]))
    const out = decode(bytes(8), input)
    out[0] = 99
    assert.equal(input[4], 1)
  })

  test('known encoding (Borsh layout) is stable', () => {
    const enc = encode(struct({ a: u16, b: string(8), c: option(u8), d: vec(u8, 4) }), {
      a: 0x0102,
      b: 'hi',
      c: 7,
      d: [1, 2],
    })
    assert.deepEqual([...enc], [2, 1, 2, 0, 0, 0, 104, 105, 1, 7, 2, 0, 0, 0, 1, 2])
  })

  test('evidence round-trips', () => {
    const sv = { vote: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64).fill(5) }
    const ev = { voteA: sv, voteB: { ...sv, vote: new Uint8Array([4]) } }
    assert.deepEqual(decode(DuplicateVoteEvidence, encode(DuplicateVoteEvidence, ev)), ev)
    const sp = { proposal: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64).fill(5) }
    const pev = { proposalA: sp, proposalB: { ...sp, proposal: new Uint8Array([4]) } }
    assert.deepEqual(decode(DuplicateProposalEvidence, encode(DuplicateProposalEvidence, pev)), pev)
  })
})
