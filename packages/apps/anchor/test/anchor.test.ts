import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ModuleRegistry, queryState } from '@govchain/app'
import { codec, OK, suites, toHex, utf8, verifySmtProof } from '@govchain/core'
import { anchorArgs, assertCoded, CHAIN_ID, ChainDriver, docHash, makeTx, signer } from '@govchain/distribution/testkit'
import { Mempool } from '@govchain/node'
import type { ChainStore } from '@govchain/store'
import { LmdbChainStore, MemoryChainStore } from '@govchain/store'
import { anchorModule, getAnchor, listAnchorsBySubmitter } from '../src/module.ts'
import { AnchorRecord } from '../src/schema.ts'

const root = mkdtempSync(join(tmpdir(), 'govchain-anchor-'))
after(() => rmSync(root, { recursive: true, force: true }))
const modules = new ModuleRegistry([anchorModule])

for (const suiteName of ['intl', 'gm'] as const) {
  for (const engine of ['memory', 'lmdb'] as const) {
    describe(`anchor end to end (${suiteName}, ${engine})`, () => {
      const suite = suites[suiteName]
      const open = (): ChainStore =>
        engine === 'memory'
          ? new MemoryChainStore()
          : LmdbChainStore.open({ path: join(root, `${suiteName}-${Math.random()}`) })

      it('mempool → buildBlock → commitBlock → get with a verified state proof', async () => {
        const store = open()
        const d = new ChainDriver(suite, store, modules)
        const officer = signer(suite)
        const mempool = new Mempool({
          suite,
          chainId: CHAIN_ID,
          modules,
          latestHeight: () => store.latestHeight(),
          isCommitted: (h) => store.getTxResult(h) !== undefined,
        })
        const doc = suite.hash(utf8('the signed contract, kept off chain'))
        const put = makeTx(suite, officer, { nonce: 1, args: anchorArgs(doc, 'contract', 'case 2024-017') })
        const again = makeTx(suite, officer, { nonce: 2, args: anchorArgs(doc, 'invoice') })
        mempool.add(put.bytes)
        mempool.add(again.bytes)
        const built = d.build(mempool.reap(1 << 20, 100))
        d.commit(built)
        mempool.removeCommitted(built.execution.results.map((r) => r.txHash))
        assert.equal(mempool.stats().count, 0)

        // Results and the tx index.
        assert.deepEqual(
          built.execution.results.map((r) => r.code),
          [OK, 'ANCHOR_EXISTS'],
        )
        assert.deepEqual(built.execution.results[0]!.events, [
          {
            type: 'anchor.put',
            attributes: [
              { key: 'hash', value: toHex(doc) },
              { key: 'kind', value: 'contract' },
              { key: 'submitter', value: toHex(officer.publicKey) },
            ],
          },
        ])
        assert.equal(store.getTxResult(again.txHash)!.code, 'ANCHOR_EXISTS')
        assert.equal(store.getTxResult(put.txHash)!.height, 1)

        // get with a proof, verified against the header's state root.
        const { record, answer } = getAnchor({ suite, store, hash: doc, prove: true })
        assert.deepEqual(record, {
          hash: doc,
          kind: 'contract',
          note: 'case 2024-017',
          submitter: officer.publicKey,
          height: 1,
          timeMs: built.block.header.timeMs,
          txHash: put.txHash,
        })
        assert.deepEqual(answer.stateRoot, built.block.header.stateRoot)
        assert.deepEqual(answer.header, built.block.header)
        assert.ok(answer.certificate !== undefined)
        const hash = (x: Uint8Array) => suite.hash(x)
        assert.ok(verifySmtProof(hash, answer.stateRoot, answer.treeKey, answer.value, answer.proof!))
        assert.equal(verifySmtProof(hash, answer.stateRoot, answer.treeKey, utf8('forged'), answer.proof!), false)
        assert.equal(verifySmtProof(hash, answer.stateRoot, answer.treeKey, undefined, answer.proof!), false)

        // Absence is proven too.
        const missing = getAnchor({ suite, store, hash: docHash(404), prove: true })
        assert.equal(missing.record, undefined)
        assert.ok(
          verifySmtProof(hash, missing.answer.stateRoot, missing.answer.treeKey, undefined, missing.answer.proof!),
        )

        // Later heights keep it; earlier answers stay provable against their own root.
        d.step([makeTx(suite, officer, { nonce: 3, args: anchorArgs(docHash(2), 'photo') }).bytes])
        const at1 = queryState({ suite, store, modules, module: 'anchor', key: docHash(2), prove: true, height: 1 })
        assert.equal(at1.value, undefined)
        assert.ok(verifySmtProof(hash, at1.stateRoot, at1.treeKey, undefined, at1.proof!))
        const at2 = getAnchor({ suite, store, hash: docHash(2), prove: true })
        assert.equal(at2.answer.height, 2)
        assert.equal(codec.decode(AnchorRecord, at2.answer.value!).kind, 'photo')

        assert.deepEqual(
          listAnchorsBySubmitter(store, officer.publicKey, 10).map(toHex).sort(),
          [toHex(doc), toHex(docHash(2))].sort(),
        )
        assert.equal(
          assertCoded(
            (() => {
              try {
                queryState({ suite, store, module: 'anchor', key: doc, height: 3 })
              } catch (e) {
                return e
              }
            })(),
          ).code,
          'QUERY_UNKNOWN_HEIGHT',
        )
        assert.equal(
          assertCoded(
            (() => {
              try {
                queryState({ suite, store, modules, module: 'nope', key: doc })
              } catch (e) {
                return e
              }
            })(),
          ).code,
          'QUERY_UNKNOWN_MODULE',
        )
        await store.close()
      })
    })
  }
}

describe('anchor input rules', () => {
  const suite = suites.intl
  it('rejects a bad kind or note with coded errors and stores nothing', () => {
    const store = new MemoryChainStore()
    const d = new ChainDriver(suite, store, modules)
    const k = signer(suite)
    const cases: [string, string, string | undefined][] = [
      ['ANCHOR_BAD_KIND', '', undefined],
      ['ANCHOR_BAD_KIND', 'Contract', undefined],
      ['ANCHOR_BAD_KIND', 'has space', undefined],
      ['ANCHOR_BAD_NOTE', 'contract', 'line\nbreak'],
      ['ANCHOR_BAD_NOTE', 'contract', 'bidi \u202e override'],
      [OK, 'invoice.pdf', '案件 2024-017'],
    ]
    const b = d.step(
      cases.map(([, kind, note], i) => makeTx(suite, k, { nonce: i, args: anchorArgs(docHash(i), kind, note) }).bytes),
    )
    assert.deepEqual(
      b.execution.results.map((r) => r.code),
      cases.map(([c]) => c),
    )
    for (let i = 0; i < cases.length - 1; i++)
      assert.equal(getAnchor({ suite, store, hash: docHash(i) }).record, undefined)
    assert.equal(getAnchor({ suite, store, hash: docHash(cases.length - 1) }).record?.note, '案件 2024-017')
  })
})
