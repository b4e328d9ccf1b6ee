/**
 * The ChainStore compliance suite: every storage engine passes the same tests
 * (`runChainStoreCompliance(factory)` from its own test file).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TxResult } from '@govchain/core'
import { type Block, Block as BlockCodec, type CommitCertificate, codec, toHex, utf8 } from '@govchain/core'
import { RECORD_BYTES_MAX } from './encoding.ts'
import { type ChainStore, type CommitBlockInput, SCAN_LIMIT_MAX } from './types.ts'

export interface ChainStoreFactory {
  name: string
  create(): Promise<ChainStore> | ChainStore
  /** Closes and reopens the same store (durable engines only). */
  reopen?(store: ChainStore): Promise<ChainStore>
}

function filled(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff)
}

/** A synthetic block and everything a commit carries; `prev` is the previous block hash. */
export function syntheticCommit(height: number, prev: Uint8Array, txCount = 2): CommitBlockInput {
  const blockHash = filled(32, height * 3 + 1)
  const txs = Array.from({ length: txCount }, (_, i) => filled(40 + i, height * 100 + i))
  const block: Block = {
    header: {
      chainId: 'c',
      height,
      timeMs: 1000 + height,
      previousHash: height === 1 ? new Uint8Array(32) : prev,
      txRoot: filled(32, 5),
      stateRoot: filled(32, height * 3 + 2),
      resultsRoot: filled(32, 6),
      validatorSetHash: filled(32, 7),
      nextValidatorSetHash: filled(32, 7),
      lastCommitHash: new Uint8Array(32),
      proposer: 'p',
    },
    txs,
    ...(height === 1 ? {} : { lastCommit: { height: height - 1, round: 0, blockHash: prev, signatures: [] } }),
  }
  const certificate: CommitCertificate = {
    height,
    round: 1,
    blockHash,
    signatures: [{ validatorIndex: 0, signature: filled(64, height) }],
  }
  const txResults: TxResult[] = txs.map((_, i) => ({
    txHash: filled(32, height * 1000 + i),
    code: i === 0 ? 'OK' : 'ANCHOR_EXISTS',
    events: i === 0 ? [{ type: 'anchor.put', attributes: [{ key: 'k', value: `v${height}` }] }] : [],
  }))
  const smtNodes = new Map<string, Uint8Array>([
    [toHex(block.header.stateRoot), filled(65, height)],
    [toHex(filled(32, height * 3 + 9)), filled(80, height + 1)],
  ])
  return {
    block,
    blockHash,
    certificate,
    smtNodes,
    txResults,
    indexes: [
      { key: utf8(`anchor/h/${String(height).padStart(4, '0')}`), value: filled(3, height) },
      { key: utf8('other/x'), value: filled(1, height) },
    ],
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code ?? 'UNTYPED'
  }
  return undefined
}

export function runChainStoreCompliance(factory: ChainStoreFactory): void {
  describe(`ChainStore compliance: ${factory.name}`, () => {
    it('starts empty', async () => {
      const s = await factory.create()
      assert.equal(s.meta(), undefined)
      assert.equal(s.latestHeight(), 0)
      assert.equal(s.getBlock(1), undefined)
      assert.equal(s.getBlockBytes(0), undefined)
      assert.equal(s.getCertificate(1), undefined)
      assert.equal(s.getResults(1), undefined)
      assert.equal(s.getTxResult(new Uint8Array(32)), undefined)
      assert.equal(s.get(new Uint8Array(32)), undefined)
      assert.equal(s.getIndex(utf8('x')), undefined)
      assert.deepEqual(s.scanIndex(utf8(''), 10), [])
      await s.close()
    })

    it('commits blocks and reads every part back', async () => {
      const s = await factory.create()
      const c1 = syntheticCommit(1, new Uint8Array(32))
      s.commitBlock(c1)
      const c2 = syntheticCommit(2, c1.blockHash, 3)
      s.commitBlock(c2)
      assert.equal(s.latestHeight(), 2)
      const meta = s.meta()!
      assert.deepEqual(meta, { height: 2, blockHash: c2.blockHash, stateRoot: c2.block.header.stateRoot })
      assert.deepEqual(s.getBlock(2), c2.block)
      assert.deepEqual(s.getBlockBytes(1), codec.encode(BlockCodec, c1.block))
      assert.deepEqual(s.getHeader(1), c1.block.header)
      assert.equal(s.getHeightByHash(c1.blockHash), 1)
      assert.equal(s.getHeightByHash(c2.blockHash), 2)
      assert.equal(s.getHeightByHash(new Uint8Array(32)), undefined)
      assert.deepEqual(s.getCertificate(2), c2.certificate)
      assert.deepEqual(s.getResults(2), c2.txResults)
      const r = c2.txResults[1]!
      assert.deepEqual(s.getTxResult(r.txHash), {
        txHash: r.txHash,
        height: 2,
        index: 1,
        code: r.code,
        events: r.events,
      })
      // The replay guard's narrower question agrees with the full record, for every transaction.
      for (const c of [c1, c2]) {
        for (const tr of c.txResults) {
          const full = s.getTxResult(tr.txHash)!
          assert.deepEqual(s.getTxCommit(tr.txHash), { height: full.height, code: full.code })
        }
      }
      assert.equal(s.getTxCommit(new Uint8Array(32).fill(0xee)), undefined)
      // A node is read under the version its parent records (the height that wrote it); the
      // block's root is also found by hash alone (the roots table).
      for (const [hex, node] of c2.smtNodes) assert.deepEqual(s.get(Uint8Array.from(Buffer.from(hex, 'hex')), 2), node)
      assert.deepEqual(s.get(c2.block.header.stateRoot), c2.smtNodes.get(toHex(c2.block.header.stateRoot)))
      assert.deepEqual(s.getIndex(utf8('other/x')), new Uint8Array([(2 * 31) & 0xff]))
      assert.equal(s.getBlock(3), undefined)
      // A replay recorded in a later block does not overwrite where the transaction was committed.
      const c3 = syntheticCommit(3, c2.blockHash, 1)
      c3.txResults = [{ txHash: r.txHash, code: 'TX_REPLAY', events: [] }]
      s.commitBlock(c3)
      assert.equal(s.getTxResult(r.txHash)!.height, 2)
      await s.close()
    })

    it('refuses a commit that does not extend the chain, and changes nothing', async () => {
      const s = await factory.create()
      const c1 = syntheticCommit(1, new Uint8Array(32))
      assert.equal(
        codeOf(() => s.commitBlock(syntheticCommit(2, c1.blockHash))),
        'STORE_CONFLICT',
      )
      s.commitBlock(c1)
      assert.equal(
        codeOf(() => s.commitBlock(c1)),
        'STORE_CONFLICT',
      )
      assert.equal(
        codeOf(() => s.commitBlock(syntheticCommit(2, new Uint8Array(32).fill(9)))),
        'STORE_CONFLICT',
      )
      const c2 = syntheticCommit(2, c1.blockHash)
      const wrongCert = { ...c2, certificate: { ...c2.certificate, blockHash: new Uint8Array(32) } }
      assert.equal(
        codeOf(() => s.commitBlock(wrongCert)),
        'STORE_CONFLICT',
      )
      const badResults = { ...c2, txResults: [] }
      assert.equal(
        codeOf(() => s.commitBlock(badResults)),
        'INVALID_ARGUMENT',
      )
      const badIndex = { ...c2, indexes: [{ key: new Uint8Array(0), value: undefined }] }
      assert.equal(
        codeOf(() => s.commitBlock(badIndex)),
        'INVALID_ARGUMENT',
      )
      assert.equal(s.latestHeight(), 1)
      assert.equal(s.getBlock(2), undefined)
      assert.equal(s.getCertificate(2), undefined)
      for (const hex of c2.smtNodes.keys()) {
        assert.equal(s.get(Uint8Array.from(Buffer.from(hex, 'hex'))), undefined)
        assert.equal(s.get(Uint8Array.from(Buffer.from(hex, 'hex')), 2), undefined)
      }
      s.commitBlock(c2)
      assert.equal(s.latestHeight(), 2)
      await s.close()
    })

    it('applies index writes and deletes; scans by prefix in byte order with a limit', async () => {
      const s = await factory.create()
      let prev: Uint8Array = new Uint8Array(32)
      for (let h = 1; h <= 5; h++) {
        const c = syntheticCommit(h, prev)
        if (h === 4) c.indexes = [...(c.indexes ?? []), { key: utf8('anchor/h/0002'), value: undefined }]
        s.commitBlock(c)
        prev = c.blockHash
      }
      const all = s.scanIndex(utf8('anchor/h/'), 100)
      assert.deepEqual(
        all.map((e) => new TextDecoder().decode(e.key)),
        ['anchor/h/0001', 'anchor/h/0003', 'anchor/h/0004', 'anchor/h/0005'],
      )
      assert.equal(s.scanIndex(utf8('anchor/h/'), 2).length, 2)
      assert.equal(s.scanIndex(utf8('anchor/h/'), 0).length, 0)
      assert.deepEqual(s.scanIndex(utf8('nothing/'), 10), [])
      assert.deepEqual(s.getIndex(utf8('other/x')), new Uint8Array([(5 * 31) & 0xff]))
      await s.close()
    })

    it('index scans seek past a cursor, so pages reach every entry beyond one scan limit', async () => {
      const s = await factory.create()
      const total = SCAN_LIMIT_MAX * 2 + 345
      const name = (i: number) => `list/k/${String(i).padStart(6, '0')}`
      const c = syntheticCommit(1, new Uint8Array(32))
      c.indexes = [
        { key: utf8('list/j/zzz'), value: new Uint8Array([1]) }, // just below the prefix
        ...Array.from({ length: total }, (_, i) => ({ key: utf8(name(i)), value: new Uint8Array([i & 0xff]) })),
        { key: utf8('list/l/aaa'), value: new Uint8Array([2]) }, // just above it
      ]
      s.commitBlock(c)
      const prefix = utf8('list/k/')
      const seen: string[] = []
      let after: Uint8Array | undefined
      for (let pages = 0; pages < 100; pages++) {
        const page = s.scanIndex(prefix, SCAN_LIMIT_MAX, after)
        if (page.length === 0) break
        assert.ok(page.length <= SCAN_LIMIT_MAX)
        seen.push(...page.map((e) => new TextDecoder().decode(e.key)))
        after = page[page.length - 1]!.key
      }
      assert.equal(seen.length, total)
      assert.deepEqual(
        seen,
        Array.from({ length: total }, (_, i) => name(i)),
      )
      // A cursor below the prefix starts at the prefix; a cursor between keys starts after it.
      assert.equal(new TextDecoder().decode(s.scanIndex(prefix, 1, utf8('list/a'))[0]!.key), name(0))
      assert.equal(new TextDecoder().decode(s.scanIndex(prefix, 1, utf8(`${name(1500)}x`))[0]!.key), name(1501))
      assert.deepEqual(s.scanIndex(prefix, 10, utf8(name(total - 1))), [])
      await s.close()
    })

    it('a commit removes the journal entries it names, in the same write; bad names change nothing', async () => {
      const s = await factory.create()
      const a = { txHash: filled(32, 101), bytes: filled(40, 1) }
      const b = { txHash: filled(32, 102), bytes: filled(40, 2) }
      s.putPendingSync([a, b])
      const keys = () => s.scanPending(10).map((p) => toHex(p.txHash))
      assert.deepEqual(keys().sort(), [toHex(a.txHash), toHex(b.txHash)].sort())
      const c1 = syntheticCommit(1, new Uint8Array(32))
      for (const bad of [[new Uint8Array(0)], [new Uint8Array(65)], ['x' as unknown as Uint8Array]]) {
        assert.equal(
          codeOf(() => s.commitBlock({ ...c1, pendingDeletes: bad })),
          'INVALID_ARGUMENT',
        )
        assert.equal(s.latestHeight(), 0)
      }
      s.commitBlock({ ...c1, pendingDeletes: [a.txHash, filled(32, 103)] })
      assert.deepEqual(keys(), [toHex(b.txHash)])
      await s.close()
    })

    it('stores opaque records durably, validates names', async () => {
      const s = await factory.create()
      assert.equal(s.getRecord('consensus.signer'), undefined)
      s.putRecordSync('consensus.signer', utf8('one'))
      s.putRecordSync('consensus.signer', utf8('two'))
      assert.deepEqual(s.getRecord('consensus.signer'), utf8('two'))
      assert.equal(
        codeOf(() => s.putRecordSync('bad name!', utf8('x'))),
        'INVALID_ARGUMENT',
      )
      assert.equal(
        codeOf(() => s.putRecordSync('big', new Uint8Array(RECORD_BYTES_MAX + 1))),
        'INVALID_ARGUMENT',
      )
      await s.close()
    })

    it('stores several records in one durable write; a bad one refuses them all', async () => {
      const s = await factory.create()
      s.putRecordsSync([
        { name: 'signer.lock-0', value: utf8('lock') },
        { name: 'signer.record', value: utf8('record') },
      ])
      assert.deepEqual(
        ['signer.lock-0', 'signer.record'].map((n) => s.getRecord(n)),
        [utf8('lock'), utf8('record')],
      )
      // Checked before anything is written: the good record beside a bad one is not stored.
      for (const bad of [
        { name: 'bad name!', value: utf8('x') },
        { name: 'big', value: new Uint8Array(RECORD_BYTES_MAX + 1) },
      ]) {
        assert.equal(
          codeOf(() => s.putRecordsSync([{ name: 'signer.record', value: utf8('newer') }, bad])),
          'INVALID_ARGUMENT',
        )
      }
      assert.deepEqual(s.getRecord('signer.record'), utf8('record'))
      await s.close()
    })

    it('returns copies (state-tree nodes aside): mutating an answer does not change the store', async () => {
      const s = await factory.create()
      const c1 = syntheticCommit(1, new Uint8Array(32))
      s.commitBlock(c1)
      const b = s.getBlockBytes(1)!
      b.fill(0)
      assert.deepEqual(s.getBlockBytes(1), codec.encode(BlockCodec, c1.block))
      s.getCertificate(1)!.blockHash.fill(0)
      assert.deepEqual(s.getCertificate(1), c1.certificate)
      const header = s.getHeader(1)!
      header.stateRoot.fill(0)
      header.height = 99
      assert.deepEqual(s.getHeader(1), c1.block.header)
      await s.close()
    })

    it('stores the block bytes the caller passes (the consensus value) as they are', async () => {
      const s = await factory.create()
      const c1 = syntheticCommit(1, new Uint8Array(32))
      const bytes = codec.encode(BlockCodec, c1.block)
      s.commitBlock({ ...c1, blockBytes: bytes })
      assert.deepEqual(s.getBlockBytes(1), bytes)
      assert.deepEqual(s.getBlock(1), c1.block)
      assert.equal(
        codeOf(() => s.commitBlock({ ...syntheticCommit(2, c1.blockHash), blockBytes: 'x' as never })),
        'INVALID_ARGUMENT',
      )
      assert.equal(s.latestHeight(), 1)
      await s.close()
    })

    it('refuses use after close with STORE_CLOSED', async () => {
      const s = await factory.create()
      await s.close()
      assert.equal(
        codeOf(() => s.latestHeight()),
        'STORE_CLOSED',
      )
      assert.equal(
        codeOf(() => s.commitBlock(syntheticCommit(1, new Uint8Array(32)))),
        'STORE_CLOSED',
      )
    })

    if (factory.reopen !== undefined) {
      const reopen = factory.reopen
      it('keeps everything across close and reopen', async () => {
        let s = await factory.create()
        const c1 = syntheticCommit(1, new Uint8Array(32))
        s.commitBlock(c1)
        s.putRecordSync('signer', utf8('state'))
        s = await reopen(s)
        assert.equal(s.latestHeight(), 1)
        assert.deepEqual(s.getBlock(1), c1.block)
        assert.deepEqual(s.getHeader(1), c1.block.header, 'a header with no recent-headers entry')
        assert.deepEqual(s.getRecord('signer'), utf8('state'))
        s.commitBlock(syntheticCommit(2, c1.blockHash))
        assert.equal(s.latestHeight(), 2)
        await s.close()
      })
    }
  })
}
