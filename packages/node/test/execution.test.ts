import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  blockHash,
  committedBefore,
  DEFAULT_EXECUTION_PARAMS,
  ExecutionCache,
  type ExecutionParams,
  executeBlock,
  stateKey,
  validateBlock,
  validateTx,
} from '@govchain/app'
import {
  codec,
  GovchainError,
  LIMITS,
  OK,
  SignedTx,
  SparseMerkleTree,
  suites,
  TxBody,
  TxResult,
  toHex,
  utf8,
} from '@govchain/core'
import {
  anchorArgs,
  anchorTx,
  assertCoded,
  CHAIN_ID,
  ChainDriver,
  docHash,
  makeTx,
  signer,
  testRegistry,
  ZERO32,
} from '@govchain/distribution/testkit'
import { MemoryChainStore } from '@govchain/store'
import fc from 'fast-check'

const suite = suites.intl
const modules = testRegistry()
const alice = signer(suite)
const bob = signer(suite)

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return assertCoded(e).code
  }
  return undefined
}

const validate = (bytes: Uint8Array, height = 1) => validateTx(suite, CHAIN_ID, bytes, height, { modules })

const testArgs = {
  set: (key: Uint8Array, value: Uint8Array) =>
    codec.encode(codec.struct({ key: codec.bytes(300), value: codec.bytes(70_000) }), { key, value }),
  key: (key: Uint8Array) => codec.encode(codec.struct({ key: codec.bytes(64) }), { key }),
  n: (n: number) => codec.encode(codec.struct({ n: codec.u32 }), { n }),
}

function exec(
  store: MemoryChainStore,
  parentStateRoot: Uint8Array,
  height: number,
  txs: Uint8Array[],
  params?: ExecutionParams,
) {
  return executeBlock({
    suite,
    chainId: CHAIN_ID,
    modules,
    store,
    isCommitted: committedBefore(store, height),
    parentStateRoot,
    height,
    timeMs: 1000 * height,
    txs,
    ...(params === undefined ? {} : { params }),
  })
}

describe('validateTx', () => {
  it('accepts a well-formed signed transaction and names it by the hash of its body', () => {
    const tx = anchorTx(suite, alice, 1)
    const v = validate(tx.bytes)
    assert.deepEqual(v.txHash, tx.txHash)
    assert.deepEqual(v.txHash, suite.hash(codec.decode(SignedTx, tx.bytes).body))
    assert.equal(v.module.name, 'anchor')
  })

  it('accepts several signers, sender first', () => {
    assert.equal(validate(makeTx(suite, [alice, bob], { args: anchorArgs(docHash(1)) }).bytes).signers.length, 2)
  })

  it('rejects each kind of bad transaction with its code', () => {
    const good = anchorTx(suite, alice, 1)
    const signed = codec.decode(SignedTx, good.bytes)
    const flipped = {
      ...signed,
      signatures: [{ ...signed.signatures[0]!, signature: signed.signatures[0]!.signature.slice() }],
    }
    flipped.signatures[0]!.signature[0]! ^= 1
    const body = codec.decode(TxBody, signed.body)
    const cases: [string, Uint8Array, number?][] = [
      ['TX_MALFORMED', new Uint8Array([1, 2, 3])],
      ['TX_MALFORMED', codec.encode(SignedTx, { body: signed.body, signatures: [] })],
      ['TX_MALFORMED', codec.encode(SignedTx, { body: new Uint8Array([9]), signatures: signed.signatures })],
      ['TX_MALFORMED', makeTx(suite, [alice, alice], { args: anchorArgs(docHash(1)) }).bytes],
      ['TX_TOO_LARGE', new Uint8Array(LIMITS.txBytes + 1)],
      ['TX_WRONG_CHAIN', anchorTx(suite, alice, 1, { chainId: 'other' }).bytes],
      ['TX_BAD_SIGNATURE', codec.encode(SignedTx, flipped)],
      [
        'TX_BAD_SIGNATURE',
        codec.encode(SignedTx, { body: codec.encode(TxBody, { ...body, nonce: 2 }), signatures: signed.signatures }),
      ],
      ['TX_SENDER_MISMATCH', makeTx(suite, alice, { sender: bob.publicKey, args: anchorArgs(docHash(1)) }).bytes],
      ['TX_EXPIRED', anchorTx(suite, alice, 1, { validUntilHeight: 4 }).bytes, 5],
      ['TX_VALIDITY_TOO_LONG', anchorTx(suite, alice, 1, { validUntilHeight: 1002 }).bytes, 1],
      ['TX_UNKNOWN_MODULE', makeTx(suite, alice, { module: 'nope' }).bytes],
      ['TX_UNKNOWN_METHOD', makeTx(suite, alice, { method: 'nope' }).bytes],
      ['TX_UNKNOWN_METHOD', makeTx(suite, alice, { method: 'toString' }).bytes],
      ['TX_BAD_ARGS', makeTx(suite, alice, { args: new Uint8Array([1]) }).bytes],
    ]
    for (const [code, bytes, height] of cases)
      assert.equal(
        codeOf(() => validate(bytes, height ?? 1)),
        code,
        code,
      )
    // The window's edges are inclusive.
    assert.equal(
      codeOf(() => validate(anchorTx(suite, alice, 1, { validUntilHeight: 5 }).bytes, 5)),
      undefined,
    )
    assert.equal(
      codeOf(() => validate(anchorTx(suite, alice, 1, { validUntilHeight: 1001 }).bytes, 1)),
      undefined,
    )
  })

  it('property: random bytes are rejected with a TX_* code, never an untyped error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const e = (() => {
          try {
            validate(bytes)
          } catch (err) {
            return err
          }
          return undefined
        })()
        assert.ok(e instanceof GovchainError && e.code.startsWith('TX_'), String(e))
      }),
      { numRuns: 400 },
    )
  })

  it('property: every mutation of a valid transaction is rejected with a TX_* code', () => {
    const good = anchorTx(suite, alice, 7).bytes
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant('flip'), at: fc.nat(good.length - 1), bit: fc.integer({ min: 0, max: 7 }) }),
          fc.record({ kind: fc.constant('truncate'), at: fc.nat(good.length - 1) }),
          fc.record({ kind: fc.constant('append'), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        ),
        (m) => {
          let bytes: Uint8Array
          if (m.kind === 'flip') {
            bytes = good.slice()
            bytes[m.at]! ^= 1 << m.bit
          } else if (m.kind === 'truncate') bytes = good.slice(0, m.at)
          else bytes = new Uint8Array([...good, ...m.extra])
          try {
            validate(bytes)
          } catch (e) {
            assert.ok(e instanceof GovchainError && e.code.startsWith('TX_'), String(e))
            return
          }
          assert.fail('a mutated transaction was accepted')
        },
      ),
      { numRuns: 300 },
    )
  })

  it('skips signature checks only for envelopes in the preverified set', () => {
    const tx = anchorTx(suite, alice, 1)
    const signed = codec.decode(SignedTx, tx.bytes)
    const forged = codec.encode(SignedTx, {
      body: signed.body,
      signatures: [{ publicKey: alice.publicKey, signature: new Uint8Array(64) }],
    })
    const pre = new Set([toHex(suite.hash(tx.bytes))])
    assert.equal(
      codeOf(() => validateTx(suite, CHAIN_ID, tx.bytes, 1, { modules, preverified: pre })),
      undefined,
    )
    // Same tx hash (same body), other signatures: not covered by the earlier verification.
    assert.equal(
      codeOf(() => validateTx(suite, CHAIN_ID, forged, 1, { modules, preverified: pre })),
      'TX_BAD_SIGNATURE',
    )
  })
})

describe('executeBlock', () => {
  it('records each transaction with its code; a failed transaction changes no module state', () => {
    const store = new MemoryChainStore()
    const key = utf8('k1')
    const txs = [
      makeTx(suite, alice, { module: 'testmod', method: 'setThenFail', args: testArgs.key(key) }).bytes,
      makeTx(suite, alice, { nonce: 1, module: 'testmod', method: 'throwPlain', args: new Uint8Array() }).bytes,
      makeTx(suite, alice, { nonce: 2, module: 'testmod', method: 'emitMany', args: testArgs.n(33) }).bytes,
      makeTx(suite, alice, { nonce: 3, module: 'testmod', method: 'manyWrites', args: testArgs.n(257) }).bytes,
      makeTx(suite, alice, {
        nonce: 4,
        module: 'testmod',
        method: 'set',
        args: testArgs.set(new Uint8Array(257), utf8('v')),
      }).bytes,
      makeTx(suite, alice, {
        nonce: 5,
        module: 'testmod',
        method: 'set',
        args: testArgs.set(utf8('big'), new Uint8Array(65 * 1024)),
      }).bytes,
      new Uint8Array([0xde, 0xad]),
      makeTx(suite, alice, { nonce: 6, module: 'testmod', method: 'emitMany', args: testArgs.n(2) }).bytes,
    ]
    const out = exec(store, ZERO32, 1, txs)
    assert.deepEqual(
      out.results.map((r) => r.code),
      [
        'INVALID_ARGUMENT',
        'EXEC_INTERNAL',
        'EXEC_EVENT_LIMIT',
        'EXEC_STATE_LIMIT',
        'EXEC_STATE_LIMIT',
        'EXEC_STATE_LIMIT',
        'TX_MALFORMED',
        OK,
      ],
    )
    // Each result's module as validation decoded it; none for the one that never validated.
    assert.deepEqual(out.txModules, [...Array(6).fill('testmod'), undefined, 'testmod'])
    assert.deepEqual(out.results[0]!.events, [], 'events of a failed tx are dropped')
    assert.deepEqual(out.results[7]!.events, [
      { type: 'testmod.e', attributes: [{ key: 'i', value: '0' }] },
      { type: 'testmod.e', attributes: [{ key: 'i', value: '1' }] },
    ])
    store.commitBlock({
      block: {
        header: {
          chainId: CHAIN_ID,
          height: 1,
          timeMs: 0,
          previousHash: ZERO32,
          txRoot: out.txRoot,
          stateRoot: out.stateRoot,
          resultsRoot: out.resultsRoot,
          validatorSetHash: ZERO32,
          nextValidatorSetHash: ZERO32,
          lastCommitHash: ZERO32,
          proposer: 'p',
        },
        txs,
      },
      blockHash: ZERO32.slice().fill(1),
      certificate: { height: 1, round: 0, blockHash: ZERO32.slice().fill(1), signatures: [] },
      smtNodes: out.smtNodes,
      txResults: out.results,
    })
    const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
    assert.equal(tree.get(out.stateRoot, stateKey('testmod', key)), undefined)
    assert.equal(tree.get(out.stateRoot, stateKey('testmod', utf8('k0'))), undefined, 'no partial write of manyWrites')
    // The replay guard (the tx index) counts the failed-but-valid transactions as included; the
    // malformed one, which never passed validation, does not count.
    const guard = committedBefore(store, 2)
    assert.deepEqual(
      out.results.map((r) => guard(r.txHash)),
      [true, true, true, true, true, true, false, true],
    )
    assert.equal(committedBefore(store, 1)(out.results[0]!.txHash), false, 'only heights below the block count')
  })

  it('property: failed transactions change no module state (model check)', () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      value: fc.constantFrom('1', '2', '3'),
      fail: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 10 }), (ops) => {
        const store = new MemoryChainStore()
        const txs = ops.map((o, i) =>
          o.fail
            ? makeTx(suite, alice, {
                nonce: i,
                module: 'testmod',
                method: 'setThenFail',
                args: testArgs.key(utf8(o.key)),
              }).bytes
            : makeTx(suite, alice, {
                nonce: i,
                module: 'testmod',
                method: 'set',
                args: testArgs.set(utf8(o.key), utf8(o.value)),
              }).bytes,
        )
        const out = exec(store, ZERO32, 1, txs)
        const model = new Map<string, string>()
        for (const o of ops) if (!o.fail) model.set(o.key, o.value)
        const nodes = new MemoryChainStore()
        nodes.commitBlock({
          block: {
            header: {
              chainId: CHAIN_ID,
              height: 1,
              timeMs: 0,
              previousHash: ZERO32,
              txRoot: out.txRoot,
              stateRoot: out.stateRoot,
              resultsRoot: out.resultsRoot,
              validatorSetHash: ZERO32,
              nextValidatorSetHash: ZERO32,
              lastCommitHash: ZERO32,
              proposer: 'p',
            },
            txs,
          },
          blockHash: ZERO32,
          certificate: { height: 1, round: 0, blockHash: ZERO32, signatures: [] },
          smtNodes: out.smtNodes,
          txResults: out.results,
        })
        const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store: nodes })
        for (const k of ['a', 'b', 'c']) {
          const v = tree.get(out.stateRoot, stateKey('testmod', utf8(k)))
          assert.equal(v === undefined ? undefined : new TextDecoder().decode(v), model.get(k))
        }
        assert.deepEqual(
          out.results.map((r) => r.code),
          ops.map((o) => (o.fail ? 'INVALID_ARGUMENT' : OK)),
        )
      }),
      { numRuns: 30 },
    )
  })

  it('isolates modules: the same key bytes in two modules are two entries; keepers read their own module', () => {
    const store = new MemoryChainStore()
    const d = new ChainDriver(suite, store, modules)
    const h = docHash(5)
    d.step([anchorTx(suite, alice, 5).bytes])
    const b = d.step([
      makeTx(suite, alice, { nonce: 10, module: 'testmod', method: 'set', args: testArgs.set(h, utf8('mine')) }).bytes,
      makeTx(suite, alice, {
        nonce: 11,
        module: 'testmod',
        method: 'anchorExists',
        args: codec.encode(codec.struct({ hash: codec.fixedBytes(32) }), { hash: h }),
      }).bytes,
      makeTx(suite, alice, {
        nonce: 12,
        module: 'testmod',
        method: 'anchorExists',
        args: codec.encode(codec.struct({ hash: codec.fixedBytes(32) }), { hash: docHash(6) }),
      }).bytes,
    ])
    assert.deepEqual(
      b.execution.results.map((r) => r.code),
      [OK, OK, OK],
    )
    assert.equal(b.execution.results[1]!.events[0]!.attributes[0]!.value, 'true')
    assert.equal(b.execution.results[2]!.events[0]!.attributes[0]!.value, 'false')
    const tree = new SparseMerkleTree({ hash: (x) => suite.hash(x), store })
    assert.deepEqual(tree.get(b.block.header.stateRoot, stateKey('testmod', h)), utf8('mine'))
    assert.notDeepEqual(tree.get(b.block.header.stateRoot, stateKey('anchor', h)), utf8('mine'))
  })

  it('later transactions of a block read the writes of earlier ones', () => {
    const store = new MemoryChainStore()
    const out = exec(store, ZERO32, 1, [
      makeTx(suite, alice, { module: 'testmod', method: 'set', args: testArgs.set(utf8('a'), utf8('1')) }).bytes,
      makeTx(suite, alice, { nonce: 1, module: 'testmod', method: 'readRaw', args: testArgs.key(utf8('a')) }).bytes,
      makeTx(suite, alice, { nonce: 2, module: 'testmod', method: 'readRaw', args: testArgs.key(utf8('b')) }).bytes,
    ])
    assert.deepEqual(
      out.results.map((r) => r.code),
      [OK, OK, 'INVALID_ARGUMENT'],
    )
  })

  it('property: deterministic — the same block executed twice gives identical bytes', () => {
    const keys = [alice, bob]
    const txArb = fc.array(
      fc.record({
        who: fc.nat(1),
        doc: fc.nat(6),
        nonce: fc.nat(3),
        kind: fc.constantFrom('contract', 'Bad Kind', 'x'),
        junk: fc.boolean(),
      }),
      { maxLength: 12 },
    )
    const cache = new Map<string, Uint8Array>()
    fc.assert(
      fc.property(txArb, (spec) => {
        const txs = spec.map((s) => {
          if (s.junk) return utf8(`junk${s.doc}`)
          const k = `${s.who}/${s.doc}/${s.nonce}/${s.kind}`
          let b = cache.get(k)
          if (b === undefined) {
            b = makeTx(suite, keys[s.who]!, { nonce: s.nonce, args: anchorArgs(docHash(s.doc), s.kind) }).bytes
            cache.set(k, b)
          }
          return b
        })
        const run = () => {
          const out = exec(new MemoryChainStore(), ZERO32, 1, txs)
          return {
            root: toHex(out.stateRoot),
            txRoot: toHex(out.txRoot),
            resultsRoot: toHex(out.resultsRoot),
            results: out.results.map((r) => toHex(codec.encode(TxResult, r))),
            nodes: [...out.smtNodes.entries()].map(([k, v]) => `${k}:${toHex(v)}`).sort(),
            indexes: out.indexes.map((w) => `${toHex(w.key)}:${w.value === undefined ? '-' : toHex(w.value)}`),
          }
        }
        assert.deepEqual(run(), run())
      }),
      { numRuns: 40 },
    )
  })

  it('refuses a replay while the transaction is valid, then as expired; the guard is the committed chain', () => {
    const params = { ...DEFAULT_EXECUTION_PARAMS, maxTxValidityBlocks: 3 }
    const store = new MemoryChainStore()
    const d = new ChainDriver(suite, store, modules, params)
    const tx = anchorTx(suite, alice, 1, { validUntilHeight: 4 })
    const twice = exec(store, ZERO32, 1, [tx.bytes, tx.bytes], params)
    assert.equal(twice.results[1]!.code, 'TX_REPLAY', 'duplicate within a block')
    const b1 = d.step([tx.bytes, tx.bytes])
    assert.deepEqual(
      [b1.block.txs.length, b1.dropped[0]!.code],
      [1, 'TX_REPLAY'],
      'the proposer leaves the duplicate out',
    )
    const b2 = d.build([tx.bytes])
    assert.equal(b2.block.txs.length, 0, 'the proposer leaves a replay out')
    assert.equal(b2.dropped[0]!.code, 'TX_REPLAY')
    assert.equal(exec(store, d.parent!.header.stateRoot, 2, [tx.bytes], params).results[0]!.code, 'TX_REPLAY')
    // The guard is injected: with a guard that knows nothing, the same transaction reaches its
    // handler (which finds the anchor already there): execution reads no store for the guard.
    const blind = executeBlock({
      suite,
      chainId: CHAIN_ID,
      modules,
      params,
      store,
      isCommitted: () => false,
      parentStateRoot: d.parent!.header.stateRoot,
      height: 2,
      timeMs: 5,
      txs: [tx.bytes],
    })
    assert.equal(blind.results[0]!.code, 'ANCHOR_EXISTS')
    d.commit(b2)
    assert.ok(committedBefore(store, 3)(tx.txHash))
    for (let h = 3; h <= 4; h++) {
      assert.equal(d.build([tx.bytes]).dropped[0]!.code, 'TX_REPLAY', `refused at height ${h}`)
      d.step([])
    }
    // Height 5 > validUntilHeight 4: refused as expired (validity is checked first), so the
    // guard never needs to forget anything for the result to be the same as before.
    assert.equal(d.build([tx.bytes]).dropped[0]!.code, 'TX_EXPIRED')
    assert.ok(committedBefore(store, 5)(tx.txHash), 'the tx index still has it')
  })
})

describe('buildBlock / validateBlock', () => {
  it('builds blocks another validator accepts, and caches the execution by block hash', () => {
    const storeA = new MemoryChainStore()
    const storeB = new MemoryChainStore()
    const a = new ChainDriver(suite, storeA, modules)
    const b = new ChainDriver(suite, storeB, modules)
    for (let h = 1; h <= 3; h++) {
      const built = a.build([anchorTx(suite, alice, h).bytes, anchorTx(suite, bob, h).bytes, utf8('junk')])
      assert.equal(built.block.txs.length, 2, 'junk left out')
      assert.deepEqual(
        built.dropped.map((x) => x.code),
        ['TX_MALFORMED'],
      )
      assert.ok(a.cache.get(built.blockHash) === built.execution)
      const cache = new ExecutionCache()
      const v = validateBlock({
        suite,
        chainId: CHAIN_ID,
        modules,
        store: storeB,
        cache,
        block: built.block,
        ...(b.parent === undefined ? {} : { parent: b.parent }),
        validatorSetHash: ZERO32,
        nextValidatorSetHash: ZERO32,
        proposer: 'node-0',
      })
      assert.deepEqual(v.blockHash, built.blockHash)
      assert.deepEqual(v.blockHash, blockHash(suite, built.block.header))
      assert.deepEqual(v.execution.stateRoot, built.block.header.stateRoot)
      assert.ok(cache.get(v.blockHash) === v.execution)
      a.commit(built)
      b.commit({ block: built.block, blockHash: v.blockHash, execution: v.execution })
    }
    assert.deepEqual(storeA.meta(), storeB.meta())
  })

  it('rejects a block whose header or body differs from the recomputation, naming the field', () => {
    const store = new MemoryChainStore()
    const d = new ChainDriver(suite, store, modules)
    d.step([anchorTx(suite, alice, 1).bytes])
    const built = d.build([anchorTx(suite, alice, 2).bytes])
    const base = {
      suite,
      chainId: CHAIN_ID,
      modules,
      store,
      parent: d.parent!,
      validatorSetHash: ZERO32,
      nextValidatorSetHash: ZERO32,
      proposer: 'node-0',
    }
    assert.doesNotThrow(() => validateBlock({ ...base, block: built.block }))
    const one = new Uint8Array(32).fill(1)
    const h = built.block.header
    const tamper: [string, typeof built.block][] = [
      ['chainId', { ...built.block, header: { ...h, chainId: 'x' } }],
      ['height', { ...built.block, header: { ...h, height: 3 } }],
      ['previousHash', { ...built.block, header: { ...h, previousHash: one } }],
      ['timeMs', { ...built.block, header: { ...h, timeMs: d.parent!.header.timeMs } }],
      ['txRoot', { ...built.block, header: { ...h, txRoot: one } }],
      ['stateRoot', { ...built.block, header: { ...h, stateRoot: one } }],
      ['resultsRoot', { ...built.block, header: { ...h, resultsRoot: one } }],
      ['validatorSetHash', { ...built.block, header: { ...h, validatorSetHash: one } }],
      ['nextValidatorSetHash', { ...built.block, header: { ...h, nextValidatorSetHash: one } }],
      ['lastCommitHash', { ...built.block, header: { ...h, lastCommitHash: one } }],
      ['proposer', { ...built.block, header: { ...h, proposer: 'mallory' } }],
      ['lastCommit', { header: h, txs: built.block.txs }],
      ['lastCommit', { ...built.block, lastCommit: { ...built.block.lastCommit!, blockHash: one } }],
      ['txRoot', { ...built.block, txs: [...built.block.txs, anchorTx(suite, bob, 9).bytes] }],
      ['txs', { ...built.block, txs: [utf8('junk')] }],
    ]
    for (const [field, block] of tamper) {
      try {
        validateBlock({ ...base, block })
        assert.fail(`accepted a block with a bad ${field}`)
      } catch (e) {
        assert.equal(assertCoded(e).code, 'BLOCK_INVALID')
        assert.equal((e as GovchainError).details?.field, field)
      }
    }
    const refuse = () => {
      throw new GovchainError('CERTIFICATE_INVALID')
    }
    assert.equal(
      codeOf(() => validateBlock({ ...base, block: built.block, verifyLastCommit: refuse })),
      'BLOCK_INVALID',
    )
    assert.equal(
      codeOf(() => validateBlock({ ...base, block: built.block, maxTimeMs: h.timeMs - 1 })),
      'BLOCK_INVALID',
    )
  })
})
