/**
 * The signer's state in the chain store: the split form (safety record + lock payload slots),
 * the upgrade of a version 1 record (lock with the whole block inside), and the copy a restore
 * makes from one store to another.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { blockHash } from '@govchain/app'
import { LocalSigner, SIGNER_RECENT_VOTES_MAX, SignerLock, SignerRecord, SignerVote } from '@govchain/consensus'
import { Block, type BlockHeader, codec, encode, memorySigner, suites, type Vote } from '@govchain/core'
import { MemoryChainStore } from '@govchain/store'
import {
  chainSignerStore,
  lastSignedStep,
  readSignerState,
  SIGNER_RECORD,
  SIGNER_RECORD_V1,
  writeSignerState,
} from '../src/signer-store.ts'

const suite = suites.intl
const CHAIN = 'signer-store-test'
const key = memorySigner(suite, new Uint8Array(32).fill(7))

function block(height: number, fill: number, payloadBytes = 0): { bytes: Uint8Array; hash: Uint8Array } {
  const z = new Uint8Array(32)
  const header: BlockHeader = {
    chainId: CHAIN,
    height,
    timeMs: 1_700_000_000_000 + height,
    previousHash: z,
    txRoot: new Uint8Array(32).fill(fill),
    stateRoot: z,
    resultsRoot: z,
    validatorSetHash: z,
    nextValidatorSetHash: z,
    lastCommitHash: z,
    proposer: 'v0',
  }
  const txs: Uint8Array[] = []
  for (let left = payloadBytes; left > 0; left -= 256 * 1024)
    txs.push(new Uint8Array(Math.min(left, 256 * 1024)).fill(fill))
  return { bytes: encode(Block, { header, txs }), hash: blockHash(suite, header) }
}

const precommit = (height: number, round: number, hash: Uint8Array): Vote => ({
  chainId: CHAIN,
  type: 'precommit',
  height,
  round,
  validatorIndex: 0,
  blockHash: hash,
})

describe('signer store', () => {
  test('a lock on a 1 MB block: the record stays small, the block is stored once in a slot', () => {
    const store = new MemoryChainStore()
    const signer = new LocalSigner(key, chainSignerStore(store, suite))
    const b = block(4, 1, 1024 * 1024)
    signer.signVote(precommit(4, 0, b.hash), { value: b.bytes, proof: [] })
    const record = store.getRecord(SIGNER_RECORD)!
    assert.ok(record.length < 2048, `record ${record.length} bytes`)
    assert.equal(store.getRecord(SIGNER_RECORD_V1), undefined, 'nothing in the old form')
    // A restart over the same store finds the lock and its value.
    const restarted = new LocalSigner(key, chainSignerStore(store, suite))
    assert.deepEqual(restarted.lastSigned()?.lock?.blockHash, b.hash)
    assert.deepEqual(restarted.lockedValue()?.value, b.bytes)
  })

  test('a locking precommit is one durable write of the payload and its record; a prevote one of the record', () => {
    const store = new MemoryChainStore()
    const writes: string[][] = []
    const counted = {
      getRecord: (name: string) => store.getRecord(name),
      putRecordSync: (name: string, value: Uint8Array) => {
        writes.push([name])
        store.putRecordSync(name, value)
      },
      putRecordsSync: (records: readonly { name: string; value: Uint8Array }[]) => {
        writes.push(records.map((r) => r.name))
        store.putRecordsSync(records)
      },
    }
    const signer = new LocalSigner(key, chainSignerStore(counted, suite))
    const b = block(5, 3, 4096)
    signer.signVote({ ...precommit(5, 0, b.hash), type: 'prevote' })
    signer.signVote(precommit(5, 0, b.hash), { value: b.bytes, proof: [] })
    // One sync each: the payload in slot 0 and the record naming it in the same transaction.
    assert.deepEqual(writes, [[SIGNER_RECORD], ['consensus-signer-lock-0', SIGNER_RECORD]])
    const restarted = new LocalSigner(key, chainSignerStore(store, suite))
    assert.equal(restarted.lastSigned()?.lock?.slot, 0)
    assert.deepEqual(restarted.lockedValue()?.value, b.bytes)
    // A store refusing the write refuses the signature: nothing leaves unrecorded.
    const refusing = { ...counted, putRecordsSync: () => assert.fail('disk full') }
    const stuck = new LocalSigner(key, chainSignerStore(refusing, suite))
    const b6 = block(6, 4)
    assert.throws(() => stuck.signVote(precommit(6, 0, b6.hash), { value: b6.bytes, proof: [] }), /disk full/)
    assert.equal(new LocalSigner(key, chainSignerStore(store, suite)).lastSigned()?.height, 5)
  })

  test('a version 1 record is upgraded on load, lock included, and the split form wins after', () => {
    const store = new MemoryChainStore()
    const b = block(9, 2, 4096)
    const signBytes = encode(codec.struct({ x: codec.u8 }), { x: 1 })
    const proof = [{ vote: new Uint8Array(40).fill(3), signature: new Uint8Array(64).fill(4) }]
    const V1 = codec.struct({
      height: codec.u64,
      round: codec.u32,
      step: codec.literals(['proposal', 'prevote', 'precommit'] as const),
      signBytes: codec.bytes(1024),
      signature: codec.bytes(128),
      lock: codec.option(SignerLock),
      votes: codec.vec(SignerVote, SIGNER_RECENT_VOTES_MAX),
    })
    store.putRecordSync(
      SIGNER_RECORD_V1,
      encode(V1, {
        height: 9,
        round: 3,
        step: 'precommit',
        signBytes,
        signature: new Uint8Array(64).fill(5),
        lock: { height: 9, round: 2, value: b.bytes, proof },
        votes: [],
      }),
    )
    assert.deepEqual(lastSignedStep(store), { height: 9, round: 3, step: 'precommit' }, 'read without rewriting')
    assert.equal(store.getRecord(SIGNER_RECORD), undefined)
    const signer = new LocalSigner(key, chainSignerStore(store, suite))
    const rec = signer.lastSigned()!
    assert.deepEqual([rec.height, rec.round, rec.step], [9, 3, 'precommit'])
    assert.deepEqual(rec.lock, { height: 9, round: 2, blockHash: b.hash, slot: 0 })
    assert.deepEqual(signer.lockedValue(), { height: 9, round: 2, value: b.bytes, proof })
    assert.ok(store.getRecord(SIGNER_RECORD) !== undefined, 'rewritten in the split form')
    // It keeps refusing what the old record forbids: an earlier step at height 9.
    assert.throws(() => signer.signVote({ ...precommit(9, 1, b.hash) }), /SIGNER_REFUSED|signer refused/)
    // The split form wins over the version 1 record still beside it.
    signer.signVote(precommit(10, 0, block(10, 5).hash), { value: block(10, 5).bytes, proof: [] })
    assert.equal(lastSignedStep(store)?.height, 10)
    assert.equal(new LocalSigner(key, chainSignerStore(store, suite)).lastSigned()?.height, 10)
  })

  test('a restore copies the whole state: record and the payload it names', () => {
    const from = new MemoryChainStore()
    const signer = new LocalSigner(key, chainSignerStore(from, suite))
    const b1 = block(6, 1)
    const b2 = block(6, 2)
    signer.signVote(precommit(6, 0, b1.hash), { value: b1.bytes, proof: [] })
    signer.signVote(precommit(6, 1, b2.hash), { value: b2.bytes, proof: [] })
    const state = readSignerState(from, suite)!
    assert.equal(state.record.lock?.slot, 1, 'the relock went to the other slot')
    assert.deepEqual(state.lock?.value, b2.bytes)
    const to = new MemoryChainStore()
    // One transaction, one sync: no crash between leaves a record naming an empty slot.
    const writes: string[][] = []
    writeSignerState(
      {
        getRecord: (name) => to.getRecord(name),
        putRecordSync: () => assert.fail('written record by record'),
        putRecordsSync: (records) => {
          writes.push(records.map((r) => r.name))
          to.putRecordsSync(records)
        },
      },
      state,
    )
    assert.deepEqual(writes, [['consensus-signer-lock-1', SIGNER_RECORD]])
    const copy = new LocalSigner(key, chainSignerStore(to, suite))
    assert.deepEqual(codec.encode(SignerRecord, copy.lastSigned()!), codec.encode(SignerRecord, signer.lastSigned()!))
    assert.deepEqual(copy.lockedValue()?.value, b2.bytes)
  })
})
