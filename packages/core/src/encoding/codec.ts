/**
 * govchain's one deterministic binary encoding (see docs/adr/0002-binary-encoding.md).
 *
 * Wire rules follow the Borsh specification (borsh.io): fixed-width little-endian integers,
 * u32 length prefixes, a 0/1 byte for options and booleans, a u8 tag for enums, struct fields
 * in declared order with no names or padding. Each value has exactly one encoding, so
 * decode(bytes) succeeds only when encode(decode(bytes)) equals bytes. On top of Borsh every
 * variable-length field carries a maximum; decoding rejects oversize fields before allocating.
 *
 * Schemas are values (codecs) so one definition gives the type, the encoder and the decoder.
 */
import { GovchainError } from '../errors.ts'

export interface Codec<T> {
  /** Appends the encoding of `value`; throws ENCODE_INVALID_VALUE when it does not fit. */
  write(w: Writer, value: T): void
  /** Reads one value; throws a GovchainError with a DECODE_* code on malformed input. */
  read(r: Reader): T
}

export type Infer<C> = C extends Codec<infer T> ? T : never

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * No lone surrogate (TextEncoder would silently turn one into U+FFFD): String.prototype
 * .isWellFormed where the runtime has it (Node 20, current browsers), else a decode round trip.
 */
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed
function isWellFormed(v: string, encoded: Uint8Array): boolean {
  return nativeWellFormed !== undefined ? nativeWellFormed.call(v) : utf8Decoder.decode(encoded) === v
}

export class Writer {
  private buf: Uint8Array
  private view: DataView
  length = 0

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity)
    this.view = new DataView(this.buf.buffer)
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.length + n) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.length++] = v
  }
  u16(v: number): void {
    this.ensure(2)
    this.view.setUint16(this.length, v, true)
    this.length += 2
  }
  u32(v: number): void {
    this.ensure(4)
    this.view.setUint32(this.length, v, true)
    this.length += 4
  }
  u64(v: bigint): void {
    this.ensure(8)
    this.view.setBigUint64(this.length, v, true)
    this.length += 8
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.length)
    this.length += bytes.length
  }
  /**
   * Writes `v` as ASCII bytes when every character is below 0x80 (then it is also its UTF-8
   * encoding, and well-formed) and returns true; otherwise writes nothing and returns false.
   */
  ascii(v: string): boolean {
    const n = v.length
    this.ensure(n)
    const buf = this.buf
    const at = this.length
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i)
      if (c > 0x7f) return false
      buf[at + i] = c
    }
    this.length += n
    return true
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
  /** Empties the writer for reuse (encode keeps one spare: see SPARE_WRITER_BYTES_MAX). */
  reset(): void {
    this.length = 0
  }
  get capacity(): number {
    return this.buf.length
  }
}

export class Reader {
  /** Made on the first u64 only: a DataView per decode cost more than the rest of a small decode. */
  private view: DataView | undefined
  offset = 0

  constructor(readonly bytes: Uint8Array) {}

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new GovchainError('DECODE_TRUNCATED', `need ${n} bytes at offset ${this.offset}, have ${this.remaining}`)
    }
  }
  get remaining(): number {
    return this.bytes.length - this.offset
  }
  u8(): number {
    this.need(1)
    return this.bytes[this.offset++]!
  }
  u16(): number {
    this.need(2)
    const b = this.bytes
    const at = this.offset
    this.offset += 2
    return b[at]! | (b[at + 1]! << 8)
  }
  u32(): number {
    this.need(4)
    const b = this.bytes
    const at = this.offset
    this.offset += 4
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
  }
  u64(): bigint {
    this.need(8)
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength)
    const v = this.view.getBigUint64(this.offset, true)
    this.offset += 8
    return v
  }
  /** A copy, so decoded values never alias (and never let callers mutate) the input. */
  raw(n: number): Uint8Array {
    this.need(n)
    const out = this.bytes.slice(this.offset, this.offset + n)
    this.offset += n
    return out
  }
}

function invalid(what: string, value: unknown): never {
  throw new GovchainError('ENCODE_INVALID_VALUE', `expected ${what}, got ${describe(value)}`)
}
function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`
  if (typeof v === 'string') return `string(${v.length})`
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? `array(${v.length})` : 'object'
  return `${typeof v} ${String(v)}`
}

function uint(bits: 8 | 16 | 32): Codec<number> {
  const max = 2 ** bits - 1
  return {
    write(w, v) {
      if (!Number.isInteger(v) || v < 0 || v > max) invalid(`u${bits}`, v)
      if (bits === 8) w.u8(v)
      else if (bits === 16) w.u16(v)
      else w.u32(v)
    },
    read(r) {
      return bits === 8 ? r.u8() : bits === 16 ? r.u16() : r.u32()
    },
  }
}

export const u8: Codec<number> = uint(8)
export const u16: Codec<number> = uint(16)
export const u32: Codec<number> = uint(32)

/** u64 on the wire, a JS number in memory: values above 2^53-1 are rejected both ways. */
export const u64: Codec<number> = {
  // Two u32 halves, little-endian: no BigInt per value (a transaction carries several).
  write(w, v) {
    if (!Number.isSafeInteger(v) || v < 0) invalid('u64 (safe integer)', v)
    w.u32(v >>> 0)
    w.u32(Math.floor(v / 0x1_0000_0000))
  },
  read(r) {
    if (r.remaining < 8) r.u64() // the same DECODE_TRUNCATED as a u64n read
    const lo = r.u32()
    const hi = r.u32()
    if (hi > 0x1f_ffff) {
      const v = (BigInt(hi) << 32n) | BigInt(lo)
      throw new GovchainError('DECODE_OVERSIZE', `u64 ${v} exceeds 2^53-1`)
    }
    return hi * 0x1_0000_0000 + lo
  },
}

/** Full-range u64 as bigint (amounts). */
export const u64n: Codec<bigint> = {
  write(w, v) {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffff_ffff_ffff_ffffn) invalid('u64n', v)
    w.u64(v)
  },
  read(r) {
    return r.u64()
  },
}

export const bool: Codec<boolean> = {
  write(w, v) {
    if (typeof v !== 'boolean') invalid('bool', v)
    w.u8(v ? 1 : 0)
  },
  read(r) {
    const b = r.u8()
    if (b > 1) throw new GovchainError('DECODE_NON_CANONICAL', `bool byte ${b}`)
    return b === 1
  },
}

function readLength(r: Reader, max: number, what: string): number {
  const n = r.u32()
  if (n > max) throw new GovchainError('DECODE_OVERSIZE', `${what} length ${n} exceeds ${max}`)
  return n
}

/** Variable-length bytes with a maximum length. */
export function bytes(maxLength: number): Codec<Uint8Array> {
  return {
    write(w, v) {
      if (!(v instanceof Uint8Array) || v.length > maxLength) invalid(`bytes(<=${maxLength})`, v)
      w.u32(v.length)
      w.raw(v)
    },
    read(r) {
      return r.raw(readLength(r, maxLength, 'bytes'))
    },
  }
}

/** Exactly `length` bytes, no prefix (hashes, keys, signatures). */
export function fixedBytes(length: number): Codec<Uint8Array> {
  return {
    write(w, v) {
      if (!(v instanceof Uint8Array) || v.length !== length) invalid(`bytes[${length}]`, v)
      w.raw(v)
    },
    read(r) {
      return r.raw(length)
    },
  }
}

/** UTF-8 string with a maximum length in bytes. */
export function string(maxBytes: number): Codec<string> {
  return {
    write(w, v) {
      if (typeof v !== 'string') invalid('string', v)
      // ASCII (identifiers, hex, most attributes): written in place, no intermediate encoding.
      if (v.length <= maxBytes) {
        const at = w.length
        w.u32(v.length)
        if (w.ascii(v)) return
        w.length = at
      }
      const b = utf8Encoder.encode(v)
      if (b.length > maxBytes || !isWellFormed(v, b)) invalid(`string(<=${maxBytes} bytes, well-formed)`, v)
      w.u32(b.length)
      w.raw(b)
    },
    read(r) {
      const b = r.raw(readLength(r, maxBytes, 'string'))
      try {
        return utf8Decoder.decode(b)
      } catch {
        throw new GovchainError('DECODE_INVALID_UTF8')
      }
    },
  }
}

export function option<T>(inner: Codec<T>): Codec<T | undefined> {
  return {
    write(w, v) {
      if (v === undefined) w.u8(0)
      else {
        w.u8(1)
        inner.write(w, v)
      }
    },
    read(r) {
      const tag = r.u8()
      if (tag === 0) return undefined
      if (tag !== 1) throw new GovchainError('DECODE_NON_CANONICAL', `option tag ${tag}`)
      return inner.read(r)
    },
  }
}

export function vec<T>(item: Codec<T>, maxItems: number): Codec<T[]> {
  return {
    write(w, v) {
      if (!Array.isArray(v) || v.length > maxItems) invalid(`vec(<=${maxItems})`, v)
      w.u32(v.length)
      for (const x of v) item.write(w, x)
    },
    read(r) {
      const n = readLength(r, maxItems, 'vec')
      // Every item takes at least one byte: a count beyond what remains is a lie; reject before looping.
      if (n > r.remaining) throw new GovchainError('DECODE_TRUNCATED', `vec of ${n} items, ${r.remaining} bytes left`)
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(item.read(r))
      return out
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous field codecs
type StructFields = Record<string, Codec<any>>
type Simplify<T> = { [K in keyof T]: T[K] } & {}
type StructValue<F extends StructFields> = Simplify<
  { [K in keyof F as undefined extends Infer<F[K]> ? never : K]: Infer<F[K]> } & {
    [K in keyof F as undefined extends Infer<F[K]> ? K : never]?: Exclude<Infer<F[K]>, undefined>
  }
>

/**
 * Fields are encoded in the order they are declared here. Optional fields (option codecs)
 * are absent from decoded objects rather than present as undefined.
 */
export function struct<F extends StructFields>(fields: F): Codec<StructValue<F>> {
  const entries = Object.entries(fields)
  return {
    write(w, v) {
      if (typeof v !== 'object' || v === null) invalid('struct', v)
      const rec = v as Record<string, unknown>
      for (const [name, codec] of entries) {
        try {
          codec.write(w, rec[name])
        } catch (e) {
          if (e instanceof GovchainError) throw new GovchainError(e.code, `${name}: ${e.message}`, e.details)
          throw e
        }
      }
    },
    read(r) {
      const out: Record<string, unknown> = {}
      for (const [name, codec] of entries) {
        const value = codec.read(r)
        if (value !== undefined) out[name] = value
      }
      return out as StructValue<F>
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous variant codecs
type Variants = Record<string, Codec<any>>
export type TaggedValue<V extends Variants> = { [K in keyof V & string]: { type: K; value: Infer<V[K]> } }[keyof V &
  string]

/**
 * A tagged union: the tag is the u8 index of the variant in declaration order.
 * Appending variants keeps old encodings valid; never reorder.
 */
export function union<V extends Variants>(variants: V): Codec<TaggedValue<V>> {
  const names = Object.keys(variants)
  if (names.length > 256) throw new GovchainError('INVALID_ARGUMENT', 'at most 256 variants')
  return {
    write(w, v) {
      const tag = typeof v === 'object' && v !== null ? names.indexOf(v.type) : -1
      if (tag < 0) invalid(`union(${names.join('|')})`, v)
      w.u8(tag)
      variants[names[tag]!]!.write(w, v.value)
    },
    read(r) {
      const tag = r.u8()
      const name = names[tag]
      if (name === undefined) throw new GovchainError('DECODE_INVALID_TAG', `tag ${tag} of ${names.length}`)
      return { type: name, value: variants[name]!.read(r) } as TaggedValue<V>
    },
  }
}

/** A string enum encoded as its u8 index. */
export function literals<const L extends readonly string[]>(values: L): Codec<L[number]> {
  return {
    write(w, v) {
      const i = values.indexOf(v)
      if (i < 0) invalid(`one of ${values.join('|')}`, v)
      w.u8(i)
    },
    read(r) {
      const i = r.u8()
      const v = values[i]
      if (v === undefined) throw new GovchainError('DECODE_INVALID_TAG', `enum index ${i} of ${values.length}`)
      return v
    },
  }
}

/**
 * One spare Writer for encode: a Uint8Array over 64 bytes gets its own backing store in V8
 * (an allocation and a finaliser each), and the node encodes a few values per transaction.
 * A nested encode (a codec that encodes inside write) finds no spare and makes its own. A
 * writer that grew past this is dropped rather than kept, so the spare stays small.
 */
const SPARE_WRITER_BYTES_MAX = 64 * 1024
let spareWriter: Writer | undefined

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = spareWriter ?? new Writer()
  spareWriter = undefined
  w.reset()
  try {
    codec.write(w, value)
    return w.finish()
  } finally {
    if (w.capacity <= SPARE_WRITER_BYTES_MAX) spareWriter = w
  }
}

/**
 * Decodes exactly one value: trailing bytes are an error. `maxBytes` bounds the whole input.
 * Any failure is a GovchainError; nothing else escapes.
 */
export function decode<T>(codec: Codec<T>, input: Uint8Array, maxBytes = 16 * 1024 * 1024): T {
  if (!(input instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', 'decode expects a Uint8Array')
  if (input.length > maxBytes) throw new GovchainError('DECODE_OVERSIZE', `input ${input.length} > ${maxBytes} bytes`)
  const r = new Reader(input)
  let value: T
  try {
    value = codec.read(r)
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw new GovchainError('DECODE_NON_CANONICAL', `decoder failed: ${(e as Error).message}`)
  }
  if (r.remaining !== 0) throw new GovchainError('DECODE_TRAILING_BYTES', `${r.remaining} trailing bytes`)
  return value
}
