/**
 * Inputs for the fuzz targets (issue 19): arbitrary bytes, text and JSON, and structure-aware
 * mutations of valid inputs — a valid encoding with bits flipped, bytes inserted, deleted,
 * duplicated, overwritten with boundary values or truncated; a valid JSON body with a field
 * dropped, added or given a value of another type. Every size is bounded, so no input makes a
 * decoder run long because it is large.
 */
import fc from 'fast-check'

type Op =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'truncate'; at: number }
  | { op: 'dup'; at: number; n: number }

/** Boundary bytes: varint continuation, lengths and tags around their limits. */
const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff]

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 255 })),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
)

function apply(input: Uint8Array, ops: readonly Op[]): Uint8Array {
  let b = input
  for (const o of ops) {
    const at = b.length === 0 ? 0 : o.at % (b.length + (o.op === 'insert' ? 1 : 0))
    switch (o.op) {
      case 'flip':
        if (b.length > 0) {
          b = b.slice()
          b[at] = b[at]! ^ (1 << o.bit)
        }
        break
      case 'set':
        if (b.length > 0) {
          b = b.slice()
          b[at] = o.value
        }
        break
      case 'insert': {
        const out = new Uint8Array(b.length + o.bytes.length)
        out.set(b.subarray(0, at), 0)
        out.set(o.bytes, at)
        out.set(b.subarray(at), at + o.bytes.length)
        b = out
        break
      }
      case 'delete': {
        const head = b.subarray(0, at)
        const tail = b.subarray(Math.min(b.length, at + o.n))
        const out = new Uint8Array(head.length + tail.length)
        out.set(head, 0)
        out.set(tail, head.length)
        b = out
        break
      }
      case 'truncate':
        b = b.slice(0, at)
        break
      case 'dup': {
        const chunk = b.subarray(at, at + o.n)
        const out = new Uint8Array(b.length + chunk.length)
        out.set(b.subarray(0, at + chunk.length), 0)
        out.set(chunk, at + chunk.length)
        out.set(b.subarray(at + chunk.length), at + 2 * chunk.length)
        b = out
        break
      }
    }
  }
  return b
}

/** One to four mutations of one of `seeds`. */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) return fc.uint8Array({ maxLength: 256 })
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 4 }))
    .map(([seed, ops]) => apply(seed, ops))
}

/** Arbitrary bytes, the seeds themselves, and (most often) mutations of them. */
export function bytesInput(seeds: readonly Uint8Array[], maxLength = 512): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ maxLength })
  if (seeds.length === 0) return random
  return fc.oneof(
    { arbitrary: random, weight: 2 },
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
    { arbitrary: mutatedBytes(seeds), weight: 5 },
  )
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Arbitrary text (ASCII, full Unicode, lone surrogates), the seeds, and character-level mutations of them. */
export function textInput(seeds: readonly string[], maxLength = 512): fc.Arbitrary<string> {
  const random = fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength: maxLength / 4 }),
    fc.string({ unit: 'binary', maxLength }),
  )
  if (seeds.length === 0) return random
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 4 }))
    .map(([seed, ops]) => decoder.decode(apply(encoder.encode(seed), ops)))
  const spliced = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 8 }))
    .map(([seed, at, n, ins]) => {
      const i = at % (seed.length + 1)
      return seed.slice(0, i) + ins + seed.slice(i + n)
    })
  return fc.oneof(
    { arbitrary: random, weight: 2 },
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
    { arbitrary: mutated, weight: 4 },
    { arbitrary: spliced, weight: 3 },
  )
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** A JSON value of a "wrong" kind: every type, boundary numbers, long and odd strings. */
export const wrongJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', '0', '-1', 'NaN', [], {}),
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant('x'.repeat(5000)),
)

function mutateJson(v: Json, path: readonly number[], replacement: Json, kind: number): Json {
  if (v !== null && typeof v === 'object') {
    const isArray = Array.isArray(v)
    const keys = isArray ? v.map((_, i) => String(i)) : Object.keys(v)
    if (keys.length > 0 && path.length > 0) {
      const k = keys[path[0]! % keys.length]!
      const child = (v as Record<string, Json>)[k]!
      // Descend, or act here when the path ends.
      if (path.length > 1 && child !== null && typeof child === 'object') {
        const copy: Record<string, Json> | Json[] = isArray ? [...(v as Json[])] : { ...(v as Record<string, Json>) }
        ;(copy as Record<string, Json>)[k] = mutateJson(child, path.slice(1), replacement, kind)
        return copy
      }
      const copy: Record<string, Json> | Json[] = isArray ? [...(v as Json[])] : { ...(v as Record<string, Json>) }
      if (kind === 0 && !isArray) delete (copy as Record<string, Json>)[k]
      else if (kind === 1 && !isArray) (copy as Record<string, Json>)[`${k}_extra`] = replacement
      else if (kind === 1 && isArray) (copy as Json[]).push(replacement)
      else (copy as Record<string, Json>)[k] = replacement
      return copy
    }
  }
  return replacement
}

/** Mutations of valid JSON values: a field dropped, added or replaced by a value of any other kind. */
export function jsonInput(seeds: readonly Json[]): fc.Arbitrary<Json> {
  const random = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>
  if (seeds.length === 0) return fc.oneof(random, wrongJson)
  const mutated = fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), wrongJson, fc.nat({ max: 3 })), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([seed, ms]) => ms.reduce<Json>((v, [path, r, kind]) => mutateJson(v, path, r, kind), seed))
  return fc.oneof(
    { arbitrary: random, weight: 1 },
    { arbitrary: wrongJson, weight: 1 },
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
    { arbitrary: mutated, weight: 6 },
  )
}
