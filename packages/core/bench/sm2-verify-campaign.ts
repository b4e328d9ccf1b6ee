/**
 * Long differential campaign for SM2 verification (ADR 0035):
 * `npm run campaign:sm2-verify -- --cases 1000000 --seed 35`.
 *
 * Every case runs the addon's specialised verification (`verify`, sm2_curve.c) without and with
 * the key's fixed-base table (`tabulate`) and OpenSSL's EVP SM2 verification (`verifyEvp`, the
 * reference) on the same key, message and signature, and requires the same answer, and the
 * expected one: valid signatures accept, every changed one is
 * refused. One case in 16 also runs the OpenSSL EC path (`verifyEc`), one in 1,000 also
 * sm-crypto-v2, and every key also goes through `checkPublicKey` (OpenSSL's point check against
 * the specialised one) along with a mutated copy of it. Cases: valid; another key; r + 1; s + 1;
 * swapped r/s; a flipped bit in r||s or in the message; edge scalars (0, 1, n - 1, n, n + 1,
 * r + n, 2^256 - 1, t = r + s = n); random r||s; and keys that are small multiples of G.
 * Deterministic for a seed (SHA-256 counter stream); a disagreement prints the seed, the case
 * number and the inputs, and the process exits 1. Figures only: docs/reliability.md records runs.
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { sm2 as smSm2 } from 'sm-crypto-v2'
import { sm2Native } from '../src/crypto/node.ts'
import { toHex } from '../src/index.ts'

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '100000' }, seed: { type: 'string', default: '35' } },
})
const total = Number(values.cases)
const seed = values.seed
if (!Number.isSafeInteger(total) || total < 1) throw new Error('--cases must be a positive integer')
const a = sm2Native
if (a === undefined) {
  console.error('the SM2 addon is not loaded: nothing to compare')
  process.exit(2)
}

const N = BigInt('0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123')
const TOP = (1n << 256n) - 1n
const be32 = (x: bigint): Uint8Array => Buffer.from(x.toString(16).padStart(64, '0'), 'hex')
const big = (b: Uint8Array): bigint => BigInt(`0x${toHex(b) || '0'}`)
const rs = (r: bigint, s: bigint): Uint8Array => Buffer.concat([be32(r), be32(s)])

/** Deterministic bytes: SHA-256(seed || counter) blocks. */
let counter = 0
let pool = Buffer.alloc(0)
function bytes(n: number): Uint8Array {
  while (pool.length < n) {
    pool = Buffer.concat([pool, createHash('sha256').update(`${seed}/${counter++}`).digest()])
  }
  const out = new Uint8Array(pool.subarray(0, n))
  pool = pool.subarray(n)
  return out
}
const below = (n: number): number => bytes(4).reduce((x, b) => x * 256 + b, 0) % n

let done = 0
let accepted = 0
let ecChecked = 0
let tableChecked = 0
let smChecked = 0
let keysChecked = 0
const kinds = new Map<string, number>()

function fail(what: string, details: Record<string, string | boolean | number>): never {
  console.error(`DISAGREEMENT (${what}) at case ${done}, seed ${seed}`)
  for (const [k, v] of Object.entries(details)) console.error(`  ${k}: ${v}`)
  console.error(`replay: npm run campaign:sm2-verify -- --cases ${done + 1} --seed ${seed}`)
  process.exit(1)
}

/** A key's handle, and another of the same key with its fixed-base table. */
interface Handles {
  h: object
  t: object
}

function check(kind: string, pub: Uint8Array, k: Handles, msg: Uint8Array, sig: Uint8Array, expected: boolean): void {
  const { h } = k
  const ours = a!.verify(h, msg, sig)
  const evp = a!.verifyEvp(h, msg, sig)
  const details = { kind, pub: toHex(pub), msg: toHex(msg), sig: toHex(sig), ours, evp, expected }
  if (ours !== evp || ours !== expected) fail('verify/verifyEvp', details)
  tableChecked++
  if (a!.verify(k.t, msg, sig) !== evp) fail('verify with the key table/verifyEvp', details)
  if (done % 16 === 0) {
    ecChecked++
    if (a!.verifyEc(h, msg, sig) !== evp) fail('verifyEc', details)
  }
  if (done % 1000 === 0) {
    smChecked++
    let theirs: boolean
    try {
      theirs = smSm2.doVerifySignature(msg, toHex(sig), toHex(pub), { hash: true, der: false })
    } catch {
      theirs = false // it throws on some out-of-range scalars: a refusal
    }
    if (theirs !== evp) fail('sm-crypto-v2', { ...details, theirs })
  }
  if (ours) accepted++
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  done++
}

function checkKey(pub: Uint8Array): void {
  keysChecked++
  for (const k of [pub, mutate(pub, 1)]) {
    const bits = a!.checkPublicKey(k)
    if (bits !== 0 && bits !== 3) fail('checkPublicKey', { pub: toHex(k), bits })
  }
}

function mutate(b: Uint8Array, from = 0): Uint8Array {
  const out = b.slice()
  const i = from + below(b.length - from)
  out[i]! ^= 1 << below(8)
  return out
}

const SMALL_KEYS = [1n, 2n, 3n, 4n, 5n, 7n, 8n, 1n << 128n, (N - 1n) / 2n, N - 2n]
const start = performance.now()
let previous: { pub: Uint8Array; k: Handles } | undefined
let nextReport = 100_000
for (let key = 0; done < total; key++) {
  const d = key % 50 === 0 ? SMALL_KEYS[(key / 50) % SMALL_KEYS.length]! : (big(bytes(32)) % (N - 2n)) + 1n
  const priv = a.parsePrivateKey(be32(d))
  const pub = a.publicKeyFromPrivate(be32(d))
  const h = pub && a.parsePublicKey(pub)
  const t = pub && a.parsePublicKey(pub)
  if (priv === null || pub === null || !h || !t || !a.tabulate(t)) throw new Error(`key ${d} refused`)
  const k: Handles = { h, t }
  checkKey(pub)
  for (let m = 0; m < 5 && done < total; m++) {
    const msg = bytes(below(200))
    const sig = a.sign(priv, msg)
    if (sig === null) throw new Error('signing failed')
    const r = big(sig.subarray(0, 32))
    const s = big(sig.subarray(32))
    const edges = [0n, 1n, N - 1n, N, N + 1n, TOP, N + r <= TOP ? N + r : N + 2n, big(bytes(32)) | (1n << 255n)]
    const edge = edges[below(edges.length)]!
    check('valid', pub, k, msg, sig, true)
    if (previous) check('another key', previous.pub, previous.k, msg, sig, false)
    check('r + 1', pub, k, msg, rs((r + 1n) % N, s), false)
    check('s + 1', pub, k, msg, rs(r, (s + 1n) % N), false)
    check('swapped', pub, k, msg, rs(s, r), false)
    check('flipped signature bit', pub, k, msg, mutate(sig), false)
    if (msg.length > 0) check('flipped message bit', pub, k, mutate(msg), sig, false)
    check('edge r', pub, k, msg, rs(edge, s), edge === r)
    check('edge s', pub, k, msg, rs(r, edge), edge === s)
    check('t = r + s = n', pub, k, msg, rs(r, N - r), false)
    check('random r||s', pub, k, msg, bytes(64), false)
  }
  previous = { pub, k }
  if (done >= nextReport) {
    nextReport += 100_000
    const secs = (performance.now() - start) / 1000
    console.log(`${done} cases, ${accepted} accepted, 0 disagreements, ${secs.toFixed(0)} s`)
  }
}
const secs = (performance.now() - start) / 1000
console.log(
  `sm2-verify campaign seed=${seed}: ${done} cases (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
    `${accepted} accepted, ${keysChecked} keys and ${keysChecked} mutated keys point-checked, ` +
    `${tableChecked} also with the key's table, ${ecChecked} also on verifyEc, ${smChecked} also on sm-crypto-v2, 0 disagreements, ${secs.toFixed(1)} s`,
)
