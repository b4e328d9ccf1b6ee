/**
 * `evidence verify --proofs FILE` reads what `evidence batch --out` wrote. A file that is not JSON
 * or not of that shape is a typed INVALID_ARGUMENT naming the file, not a TypeError later on.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { isGovchainError } from '@govchain/core'
import { readBatchProofs } from '../src/cli.ts'

describe('evidence verify --proofs: the proofs file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govchain-evidence-proofs-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string) => {
    const f = join(dir, name)
    writeFileSync(f, text)
    return f
  }
  const good = {
    batch: 'ab'.repeat(32),
    root: 'cd'.repeat(32),
    proofs: [
      { file: 'a.pdf', contentHash: 'ef'.repeat(32), proof: { leafIndex: 0, treeSize: 2, path: ['01'.repeat(32)] } },
    ],
  }
  const codeOf = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      return isGovchainError(e) ? `${e.code}: ${e.message}` : `untyped: ${String(e)}`
    }
    return 'no error'
  }

  it('reads the file `evidence batch` writes', () => {
    const p = readBatchProofs(write('good.json', JSON.stringify(good)))
    assert.equal(p.batch, good.batch)
    assert.deepEqual(p.proofs[0]!.proof, good.proofs[0]!.proof)
  })

  it('refuses what is not JSON, or not its shape, with INVALID_ARGUMENT naming the file', () => {
    const cases: [string, string][] = [
      ['not-json.json', '{"batch": '],
      ['array.json', '[]'],
      ['no-proofs.json', JSON.stringify({ batch: good.batch })],
      ['proofs-null.json', JSON.stringify({ ...good, proofs: null })],
      ['bad-batch.json', JSON.stringify({ ...good, batch: 'xyz' })],
      [
        'bad-path.json',
        JSON.stringify({ ...good, proofs: [{ ...good.proofs[0], proof: { leafIndex: 0, treeSize: 2, path: 'x' } }] }),
      ],
      [
        'negative-index.json',
        JSON.stringify({ ...good, proofs: [{ ...good.proofs[0], proof: { leafIndex: -1, treeSize: 2, path: [] } }] }),
      ],
    ]
    for (const [name, text] of cases) {
      const got = codeOf(() => readBatchProofs(write(name, text)))
      assert.match(got, /^INVALID_ARGUMENT: --proofs .*/, name)
      assert.ok(got.includes(name), `${name}: the message names the file`)
    }
  })
})
