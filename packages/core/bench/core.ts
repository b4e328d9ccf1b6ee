/**
 * Benchmark of the Merkle structures:
 *   npm run bench:core -- [--hash sha256|sm3] [--impl oneshot|createHash] [--keys N]
 * Prints one figure per line as `name=value unit`. Figures, not assertions: compare runs on the
 * same machine. Hashing goes through node:crypto (createHash), as a node does.
 */
import * as crypto from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { utf8 } from '../src/bytes.ts'
import { encode } from '../src/encoding/codec.ts'
import {
  EMPTY_ROOT,
  MemorySmtStore,
  merkleRoot,
  type SmtProof,
  SmtProofCodec,
  SparseMerkleTree,
  verifySmtProof,
} from '../src/merkle/index.ts'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback
}

const algorithm = arg('hash', 'sha256')
if (algorithm !== 'sha256' && algorithm !== 'sm3') {
  console.error('--hash must be sha256 or sm3')
  process.exit(2)
}
const keyCount = Number(arg('keys', '1000000'))
const batchSize = 10_000
const growBatches = 10
const proofSamples = 1000

// node:crypto either way. The one-shot crypto.hash (Node >= 20.12) skips the streaming Hash
// object that createHash builds per call, which is most of the cost for 65-byte inputs.
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Uint8Array }).hash
const impl = arg('impl', oneShot === undefined ? 'createHash' : 'oneshot')
if (impl !== 'oneshot' && impl !== 'createHash') {
  console.error('--impl must be oneshot or createHash')
  process.exit(2)
}
let hashCalls = 0
const hash =
  impl === 'oneshot' && oneShot !== undefined
    ? (d: Uint8Array): Uint8Array => {
        hashCalls++
        return oneShot(algorithm, d, 'buffer')
      }
    : (d: Uint8Array): Uint8Array => {
        hashCalls++
        return crypto.createHash(algorithm).update(d).digest()
      }

/** Deterministic xorshift32, so every run touches the same keys. */
let seed = 0x9e3779b9
function rand(n: number): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) % n
}

const key = (i: number): Uint8Array => utf8(`account/${i}`)
function value(i: number, version: number): Uint8Array {
  const v = new Uint8Array(32)
  new DataView(v.buffer).setUint32(0, i, true)
  new DataView(v.buffer).setUint32(4, version, true)
  return v
}

function print(name: string, value: number | string, unit = ''): void {
  const shown = typeof value === 'number' ? (Number.isInteger(value) ? value : Number(value.toFixed(2))) : value
  console.log(`${name}=${shown}${unit ? ` ${unit}` : ''}`)
}

const store = new MemorySmtStore()
const tree = new SparseMerkleTree({ hash, store })
print('hash', algorithm)
print('hash_impl', impl)
let root = EMPTY_ROOT

// 1. Bulk-build the base tree in one batch (a node restoring a snapshot does this).
{
  const changes: [Uint8Array, Uint8Array][] = []
  for (let i = 0; i < keyCount; i++) changes.push([key(i), value(i, 0)])
  hashCalls = 0
  const t0 = performance.now()
  const out = tree.update(EMPTY_ROOT, changes)
  const t1 = performance.now()
  store.apply(out.nodes)
  const ms = performance.now() - t0
  print('smt_build_keys', keyCount, 'keys')
  print('smt_build_time', Math.round(ms), 'ms')
  print('smt_build_update_time', Math.round(t1 - t0), 'ms')
  print('smt_build_hashes_per_key', hashCalls / keyCount, 'hashes')
  print('smt_nodes', store.size, 'nodes')
  root = out.root
}

// 2. Batched inserts of new keys into the growing tree.
{
  let inserted = 0
  let ms = 0
  for (let b = 0; b < growBatches; b++) {
    const changes: [Uint8Array, Uint8Array][] = []
    for (let j = 0; j < batchSize; j++) {
      const i = keyCount + inserted + j
      changes.push([key(i), value(i, 0)])
    }
    const t0 = performance.now()
    const out = tree.update(root, changes)
    store.apply(out.nodes)
    ms += performance.now() - t0
    root = out.root
    inserted += batchSize
  }
  print('smt_insert_rate', Math.round(inserted / (ms / 1000)), 'keys/s')
  print('smt_insert_batch', batchSize, 'keys')
}
const liveKeys = keyCount + growBatches * batchSize

// 3. Root recomputation after 10k updates of existing keys (one block's worth of writes).
{
  const changes: [Uint8Array, Uint8Array][] = []
  for (let j = 0; j < batchSize; j++) {
    const i = rand(liveKeys)
    changes.push([key(i), value(i, 1)])
  }
  hashCalls = 0
  const t0 = performance.now()
  const out = tree.update(root, changes)
  const ms = performance.now() - t0
  print('smt_root_after_10k_updates', Number(ms.toFixed(1)), 'ms')
  print('smt_update_hashes_per_key', hashCalls / batchSize, 'hashes')
  print('smt_update_new_nodes', out.nodes.size, 'nodes')
  store.apply(out.nodes)
  root = out.root
}

// 4. Proof sizes and verification rate.
{
  const members: { k: Uint8Array; v: Uint8Array; p: SmtProof }[] = []
  const absents: { k: Uint8Array; p: SmtProof }[] = []
  let memberBytes = 0
  let absentBytes = 0
  for (let s = 0; s < proofSamples; s++) {
    const i = rand(liveKeys)
    const k = key(i)
    const v = tree.get(root, k)!
    const p = tree.prove(root, k)
    memberBytes += encode(SmtProofCodec, p).length
    members.push({ k, v, p })
    const a = utf8(`absent/${s}`)
    const q = tree.prove(root, a)
    absentBytes += encode(SmtProofCodec, q).length
    absents.push({ k: a, p: q })
  }
  print('smt_membership_proof_size_mean', memberBytes / proofSamples, 'bytes')
  print('smt_nonmembership_proof_size_mean', absentBytes / proofSamples, 'bytes')

  let verified = 0
  const t0 = performance.now()
  while (performance.now() - t0 < 1000) {
    for (const m of members) if (verifySmtProof(hash, root, m.k, m.v, m.p)) verified++
    for (const a of absents) if (verifySmtProof(hash, root, a.k, undefined, a.p)) verified++
  }
  const ms = performance.now() - t0
  print('smt_proof_verify_rate', Math.round(verified / (ms / 1000)), 'proofs/s')

  const t1 = performance.now()
  let got = 0
  for (let r = 0; r < 10; r++) for (const m of members) if (tree.get(root, m.k) !== undefined) got++
  print('smt_get_rate', Math.round(got / ((performance.now() - t1) / 1000)), 'gets/s')
}

// 5. RFC 9162 block tree over 10k transactions of 250 bytes.
{
  const leaves = Array.from({ length: 10_000 }, (_, i) => {
    const tx = new Uint8Array(250)
    new DataView(tx.buffer).setUint32(0, i, true)
    return tx
  })
  merkleRoot(hash, leaves) // warm-up
  const runs = 10
  const t0 = performance.now()
  for (let r = 0; r < runs; r++) merkleRoot(hash, leaves)
  print('rfc9162_root_10k_leaves', Number(((performance.now() - t0) / runs).toFixed(2)), 'ms')
}

print('heap_used', Math.round(process.memoryUsage().heapUsed / 2 ** 20), 'MiB')
