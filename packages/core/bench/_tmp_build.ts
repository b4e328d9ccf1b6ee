import * as crypto from 'node:crypto'
import { utf8 } from '../src/bytes.ts'
import { EMPTY_ROOT, MemorySmtStore, SparseMerkleTree } from '../src/merkle/index.ts'
const h = (crypto as any).hash
const hash = (d: Uint8Array): Uint8Array => h('sha256', d, 'buffer')
const tree = new SparseMerkleTree({ hash, store: new MemorySmtStore() })
const n = Number(process.argv[2] ?? 100000)
const changes: [Uint8Array, Uint8Array][] = []
for (let i = 0; i < n; i++) changes.push([utf8(`account/${i}`), new Uint8Array(32).fill(i & 255)])
const c0 = process.cpuUsage()
const t0 = performance.now()
const out = tree.update(EMPTY_ROOT, changes)
const c = process.cpuUsage(c0)
console.log('update', (performance.now() - t0).toFixed(0), 'ms wall', ((c.user + c.system) / 1000).toFixed(0), 'ms cpu', out.nodes.size)
let t1 = performance.now()
for (let i = 0; i < n; i++) hash(changes[i]![0])
console.log('n hashes', (performance.now() - t1).toFixed(0))
