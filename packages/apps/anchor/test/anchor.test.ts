import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { buildBlock, ModuleRegistry, queryState, readonlyModuleState, validateBlock } from '@govchain/app'
import { CatalogSetGatewayArgs } from '@govchain/catalog/schema'
import { codec, OK, suites, toHex, utf8, verifySmtProof } from '@govchain/core'
import {
  anchorArgs,
  assertCoded,
  CHAIN_ID,
  ChainDriver,
  docHash,
  fixtureIdentityModule,
  fixtureSenderState,
  GOV_CHAIN_ID,
  GovChain,
  makeConsortium,
  makeTx,
  signer,
  tx,
} from '@govchain/distribution/testkit'
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import {
  AddOfficerArgs,
  CreateDidArgs,
  DidArgs,
  deriveDid,
  OfficerIdArgs,
  RotateDidKeyArgs,
} from '@govchain/identity/schema'
import { committedSenderState, Mempool } from '@govchain/node'
import type { ChainStore } from '@govchain/store'
import { LmdbChainStore, MemoryChainStore } from '@govchain/store'
import { anchorModule, getAnchor, listAnchorsBySubmitter } from '../src/module.ts'
import { ANCHOR_QUOTA_DAY_MS, AnchorPutArgs, AnchorQuota, AnchorRecord, anchorQuotaKey } from '../src/schema.ts'

const root = mkdtempSync(join(tmpdir(), 'govchain-anchor-'))
after(() => rmSync(root, { recursive: true, force: true }))
// The record, proof and index tests: any signer() key stands for an officer (execution-fixtures.ts).
const modules = new ModuleRegistry([anchorModule, fixtureIdentityModule])

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
          senderState: fixtureSenderState,
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

describe('who may anchor (issue 13, item 7)', () => {
  const suite = suites.intl
  const QUOTA = 3
  const setup = () => {
    const c = makeConsortium(suite, 2, { anchorQuotaPerIdentityPerDay: QUOTA })
    const g = new GovChain(suite, c.genesis)
    const mempool = new Mempool({
      suite,
      chainId: GOV_CHAIN_ID,
      modules: g.modules,
      latestHeight: () => g.store.latestHeight(),
      isCommitted: (h) => g.store.getTxResult(h) !== undefined,
      senderState: committedSenderState({
        suite,
        chainId: GOV_CHAIN_ID,
        modules: g.modules,
        store: g.store,
        genesis: c.genesis,
      }),
    })
    let n = 0
    const put = (from: { publicKey: Uint8Array; privateKey: Uint8Array }) =>
      tx(suite, from, 'anchor', 'put', AnchorPutArgs, { hash: suite.hash(utf8(`doc ${n++}`)), kind: 'contract' })
    const admit = (bytes: Uint8Array): string => {
      try {
        mempool.add(bytes)
        return OK
      } catch (e) {
        return assertCoded(e).code
      }
    }
    return { ...c, g, mempool, put, admit }
  }

  it('an unregistered key is refused at admission, left out of blocks, and a block holding it is invalid', () => {
    const t = setup()
    const stranger = suite.generateKeyPair()
    const officer = t.operators.market!
    // Before block 1 the genesis already registers the organisations' officers.
    assert.equal(t.admit(t.put(stranger)), 'TX_SENDER_UNREGISTERED')
    assert.equal(t.admit(t.put(officer)), OK)
    t.g.step()
    assert.equal(t.admit(t.put(stranger)), 'TX_SENDER_UNREGISTERED')
    assert.equal(t.mempool.stats().count, 1)

    // A proposer whose pool held it anyway (another node's, say) leaves it out.
    const strangers = [t.put(stranger), t.put(stranger)]
    const rootBefore = t.g.stateRoot()
    const out = t.g.stepAll(strangers)
    assert.deepEqual(out, { results: [], dropped: ['TX_SENDER_UNREGISTERED', 'TX_SENDER_UNREGISTERED'] })
    assert.equal(t.g.store.getBlock(t.g.height)!.txs.length, 0)
    assert.deepEqual(t.g.stateRoot(), rootBefore)

    // A block that holds one is refused by every validator.
    const parent = { header: t.g.store.getHeader(t.g.height)!, hash: t.g.store.meta()!.blockHash }
    const context = {
      suite,
      chainId: GOV_CHAIN_ID,
      modules: t.g.modules,
      store: t.g.store,
      genesis: t.genesis,
      validatorSetHash: new Uint8Array(32),
      nextValidatorSetHash: new Uint8Array(32),
    }
    const built = buildBlock({
      ...context,
      height: t.g.height + 1,
      timeMs: t.g.timeMs + 1000,
      parent,
      lastCommit: t.g.store.getCertificate(t.g.height)!,
      proposer: 'node-0',
      txs: [t.put(officer)],
    })
    const forged = { ...built.block, txs: [strangers[0]!] }
    const e = assertCoded(
      (() => {
        try {
          validateBlock({ ...context, block: forged, parent })
        } catch (err) {
          return err
        }
      })(),
    )
    assert.equal(e.code, 'BLOCK_INVALID')
    assert.match(e.message, /TX_SENDER_UNREGISTERED/)
  })

  it('a key registered earlier in a block may act later in it; admission waits for the commit', () => {
    const t = setup()
    t.g.step()
    const clerk = suite.generateKeyPair()
    const addClerk = tx(suite, t.operators.market!, 'identity', 'addOfficer', AddOfficerArgs, {
      orgId: 'market',
      officerId: 'market-clerk',
      publicKey: clerk.publicKey,
      roles: ['issuer'],
    })
    // Admission asks the committed state: not yet registered.
    assert.equal(t.admit(t.put(clerk)), 'TX_SENDER_UNREGISTERED')
    assert.deepEqual(
      t.g.step([addClerk, t.put(clerk)]).map((r) => r.code),
      [OK, OK],
    )
    assert.equal(t.admit(t.put(clerk)), OK)
    // Suspended in a block: its later transactions in that block are left out.
    const suspend = tx(suite, t.operators.market!, 'identity', 'suspendOfficer', OfficerIdArgs, {
      officerId: 'market-clerk',
    })
    const out = t.g.stepAll([t.put(clerk), suspend, t.put(clerk)])
    assert.deepEqual(
      out.results.map((r) => r.code),
      [OK, OK],
    )
    assert.deepEqual(out.dropped, ['TX_SENDER_UNREGISTERED'])
    assert.equal(t.admit(t.put(clerk)), 'TX_SENDER_UNREGISTERED')
  })

  it('a DID anchors within its daily quota, counted per DID (not per key) in anchor state', () => {
    const t = setup()
    t.g.step()
    const holder = suite.generateKeyPair()
    const did = deriveDid(suite, holder.publicKey)
    // Creating a DID is the one thing an unknown key may do; then it is registered.
    assert.equal(t.admit(tx(suite, holder, 'identity', 'createDid', CreateDidArgs, {})), OK)
    t.g.step([tx(suite, holder, 'identity', 'createDid', CreateDidArgs, {})])
    const first = t.g.step(Array.from({ length: QUOTA + 1 }, () => t.put(holder)))
    assert.deepEqual(
      first.map((r) => r.code),
      [...Array(QUOTA).fill(OK), 'ANCHOR_QUOTA_EXCEEDED'],
    )
    const quotaOf = () => {
      const state = readonlyModuleState(suite, t.g.store, t.g.stateRoot(), 'anchor')
      const v = state.get(anchorQuotaKey(did))
      return v === undefined ? undefined : codec.decode(AnchorQuota, v)
    }
    const today = Math.floor(t.g.timeMs / ANCHOR_QUOTA_DAY_MS)
    assert.deepEqual(quotaOf(), { day: today, used: QUOTA })
    // A new key of the same DID does not start a new quota.
    const next = suite.generateKeyPair()
    t.g.step([tx(suite, holder, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did, newPublicKey: next.publicKey })])
    assert.deepEqual(
      t.g.step([t.put(next)]).map((r) => r.code),
      ['ANCHOR_QUOTA_EXCEEDED'],
    )
    // The next day of block time, the quota is fresh.
    const nextDay = t.g.stepAll([t.put(next), t.put(next)], ANCHOR_QUOTA_DAY_MS)
    assert.deepEqual(
      nextDay.results.map((r) => r.code),
      [OK, OK],
    )
    assert.deepEqual(quotaOf(), { day: today + 1, used: 2 })
    // Officers have no quota.
    assert.deepEqual(
      t.g.step(Array.from({ length: QUOTA + 2 }, () => t.put(t.operators.housing!))).map((r) => r.code),
      Array(QUOTA + 2).fill(OK),
    )
    // A deactivated DID's key is no registered sender any more.
    t.g.step([tx(suite, next, 'identity', 'deactivateDid', DidArgs, { did })])
    assert.equal(t.admit(t.put(next)), 'TX_SENDER_UNREGISTERED')
  })

  it('governance sets the quota (anchorQuotaPerIdentityPerDay); 0 stops DIDs anchoring', () => {
    const t = setup()
    t.g.step()
    const holder = suite.generateKeyPair()
    t.g.step([tx(suite, holder, 'identity', 'createDid', CreateDidArgs, {})])
    const propose = tx(suite, t.operators.market!, 'governance', 'propose', ProposeArgs, {
      title: 'no anchoring by DIDs',
      actions: [{ type: 'setParams', value: { anchorQuotaPerIdentityPerDay: 0 } }],
      effectiveHeight: 0,
      expiresHeight: t.g.height + 100,
    })
    const vote = tx(suite, t.operators.housing!, 'governance', 'vote', VoteArgs, { proposalId: 1, approve: true })
    assert.deepEqual(
      t.g.step([propose, vote]).map((r) => r.code),
      [OK, OK],
    )
    assert.deepEqual(
      t.g.step([t.put(holder), t.put(t.operators.market!)]).map((r) => r.code),
      ['ANCHOR_QUOTA_EXCEEDED', OK],
    )
  })

  it('a registered key that is neither an officer nor a DID key is refused by the module', () => {
    const t = setup()
    t.g.step()
    const gateway = suite.generateKeyPair()
    t.g.step([
      tx(suite, t.operators.market!, 'catalog', 'setGateway', CatalogSetGatewayArgs, {
        orgId: 'market',
        url: 'https://gw.market.example',
        certFingerprint: new Uint8Array(32),
        publicKey: gateway.publicKey,
        pseudonymAuthority: false,
      }),
    ])
    // Both are registered senders (admitted), and each fails in the anchor module.
    for (const key of [t.validators.market!, gateway]) assert.equal(t.admit(t.put(key)), OK)
    assert.deepEqual(
      t.g.step([t.put(t.validators.market!), t.put(gateway)]).map((r) => r.code),
      ['ANCHOR_SENDER_UNREGISTERED', 'ANCHOR_SENDER_UNREGISTERED'],
    )
  })
})
