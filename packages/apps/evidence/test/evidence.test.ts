/**
 * The evidence module through real blocks with the built-in modules (issue 17): an officer and a
 * real-name-verified DID record items; an anonymous key and an unverified DID are refused with
 * EVIDENCE_SUBMITTER_UNVERIFIED; version chains cannot fork or be reordered; a batch of 10,000
 * documents gets one root and a proof per document, and a wrong proof fails; nothing personal
 * reaches the chain.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serialize } from 'node:v8'
import { ModuleRegistry } from '@govchain/app'
import { fromHex, suites, toHex, utf8 } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { CreateDidArgs, deriveDid, SetPseudonymArgs } from '@govchain/identity/schema'
import { evidenceBatch, evidenceSubmit, verifyBatchProof } from '../src/client.ts'
import { type EvidenceKeeper, evidenceApp } from '../src/index.ts'
import { EVIDENCE_MODULE } from '../src/schema.ts'

type Key = { publicKey: Uint8Array; privateKey: Uint8Array }

for (const suite of [suites.intl, suites.gm]) {
  describe(`evidence (${suite.name})`, () => {
    const modules = new ModuleRegistry([...BUILTIN_MODULES.filter((m) => m.name !== EVIDENCE_MODULE), evidenceApp])

    function setup(attestors: string[] = []) {
      const c = makeConsortium(
        suite,
        4,
        {},
        attestors.length === 0
          ? {}
          : {
              modules: BUILTIN_MODULES.map((m) => ({ name: m.name, version: m.version! })),
              sections: { evidence: { attestors } },
            },
      )
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      const citizen = suite.generateKeyPair()
      const anonymous = suite.generateKeyPair()
      const did = (k: Key) => deriveDid(suite, k.publicKey)
      g.step([citizen, anonymous].map((k) => tx(suite, k, 'identity', 'createDid', CreateDidArgs, {})))
      // The identity authority (police) verifies the citizen: a keyed pseudonym on its DID.
      const [r] = g.step([
        tx(suite, c.operators.police!, 'identity', 'setPseudonym', SetPseudonymArgs, {
          did: did(citizen),
          pseudonym: suite.hash(utf8('keyed pseudonym of the citizen')),
        }),
      ])
      assert.equal(r!.code, 'OK')
      const common = (k: Key) => ({
        suite,
        chainId: c.genesis.chainId,
        privateKey: k.privateKey,
        validUntilHeight: 400,
      })
      const k = () => g.keeper<EvidenceKeeper>(EVIDENCE_MODULE)
      return { c, g, citizen, anonymous, common, k }
    }

    it('officers and verified DIDs record; anonymous keys and unverified DIDs are refused', () => {
      const t = setup()
      const doc = suite.hash(utf8('contract text'))
      const byOfficer = evidenceSubmit({
        ...t.common(t.c.operators.market!),
        kind: 'contract',
        contentHash: doc,
        caseRef: '（2026）京0108民初1234号',
      })
      const byCitizen = evidenceSubmit({ ...t.common(t.citizen), kind: 'screenshot', contentHash: doc })
      const byUnverified = evidenceSubmit({ ...t.common(t.anonymous), kind: 'screenshot', contentHash: doc })
      const again = evidenceSubmit({ ...t.common(t.citizen), kind: 'screenshot', contentHash: doc, nonce: 99 })
      const badCase = evidenceSubmit({
        ...t.common(t.citizen),
        kind: 'contract',
        contentHash: suite.hash(utf8('x')),
        caseRef: 'a b',
      })
      const codes = t.g
        .step([byOfficer.bytes, byCitizen.bytes, byUnverified.bytes, again.bytes, badCase.bytes])
        .map((r) => r.code)
      assert.deepEqual(codes, ['OK', 'OK', 'EVIDENCE_SUBMITTER_UNVERIFIED', 'EVIDENCE_EXISTS', 'EVIDENCE_BAD_CASE_REF'])
      const rec = t.k().record(fromHex(byCitizen.hashHex))!
      assert.deepEqual(rec.submitter, { kind: 'did', id: deriveDid(suite, t.citizen.publicKey), verifiedBy: 'police' })
      assert.deepEqual(t.k().record(fromHex(byOfficer.hashHex))!.submitter, {
        kind: 'officer',
        id: 'market',
        verifiedBy: 'market',
      })
      // A key no module registered never reaches a block at all.
      const stranger = suite.generateKeyPair()
      const { dropped } = t.g.stepAll([
        evidenceSubmit({ ...t.common(stranger), kind: 'other', contentHash: doc }).bytes,
      ])
      assert.deepEqual(dropped, ['TX_SENDER_UNREGISTERED'])
    })

    it('versions follow the latest only: a fork, a reorder or another submitter is refused', () => {
      const t = setup()
      const v1 = evidenceSubmit({
        ...t.common(t.c.operators.market!),
        kind: 'penalty-file',
        contentHash: suite.hash(utf8('v1')),
      })
      t.g.step([v1.bytes])
      const v2 = evidenceSubmit({
        ...t.common(t.c.operators.market!),
        kind: 'penalty-file',
        contentHash: suite.hash(utf8('v2')),
        previous: fromHex(v1.hashHex),
      })
      t.g.step([v2.bytes])
      const fork = evidenceSubmit({
        ...t.common(t.c.operators.market!),
        kind: 'penalty-file',
        contentHash: suite.hash(utf8('v2b')),
        previous: fromHex(v1.hashHex),
      })
      const other = evidenceSubmit({
        ...t.common(t.c.operators.housing!),
        kind: 'penalty-file',
        contentHash: suite.hash(utf8('v3h')),
        previous: fromHex(v2.hashHex),
      })
      const missing = evidenceSubmit({
        ...t.common(t.c.operators.market!),
        kind: 'penalty-file',
        contentHash: suite.hash(utf8('v9')),
        previous: suite.hash(utf8('none')),
      })
      const v3 = evidenceSubmit({
        ...t.common(t.c.operators.market!),
        kind: 'penalty-file',
        contentHash: suite.hash(utf8('v3')),
        previous: fromHex(v2.hashHex),
      })
      const codes = t.g.step([fork.bytes, other.bytes, missing.bytes, v3.bytes]).map((r) => r.code)
      assert.deepEqual(codes, [
        'EVIDENCE_VERSION_FORK',
        'EVIDENCE_VERSION_NOT_OWNER',
        'EVIDENCE_VERSION_NOT_FOUND',
        'OK',
      ])
      const chain = [v1, v2, v3].map((x) => t.k().record(fromHex(x.hashHex))!)
      assert.deepEqual(
        chain.map((r) => r.version),
        [1, 2, 3],
      )
      assert.ok(chain.every((r) => toHex(r.chain) === v1.hashHex))
      assert.deepEqual(
        chain.map((r) => (r.next === undefined ? null : toHex(r.next))),
        [v2.hashHex, v3.hashHex, null],
      )
    })

    it('a batch of 10,000 documents: one root, a proof per document; a wrong proof or document fails', () => {
      const t = setup()
      const docs = Array.from({ length: 10_000 }, (_, i) => suite.hash(utf8(`document ${i}`)))
      const b = evidenceBatch({ ...t.common(t.c.operators.tax!), kind: 'document', contentHashes: docs })
      const tooMany = () =>
        evidenceBatch({ ...t.common(t.c.operators.tax!), kind: 'document', contentHashes: [...docs, docs[0]!] })
      assert.throws(tooMany, /1-10000/)
      assert.deepEqual(
        t.g.step([b.tx.bytes]).map((r) => r.code),
        ['OK'],
      )
      const rec = t.k().record(fromHex(b.tx.hashHex))!
      assert.equal(rec.count, 10_000)
      assert.deepEqual(rec.digest, b.root)
      for (const i of [0, 1, 4095, 4096, 9_998, 9_999]) {
        const p = b.proofOf(i)
        assert.equal(verifyBatchProof(suite, rec.digest, docs[i]!, p), true, `document ${i}`)
        assert.equal(verifyBatchProof(suite, rec.digest, docs[(i + 1) % 10_000]!, p), false, 'another document')
        const wrong = { ...p, path: [...p.path] }
        wrong.path[0] = wrong.path[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'))
        assert.equal(verifyBatchProof(suite, rec.digest, docs[i]!, wrong), false, 'a changed path')
        assert.equal(verifyBatchProof(suite, rec.digest, docs[i]!, { ...p, leafIndex: (i + 1) % 10_000 }), false)
      }
    })

    it('nothing personal on chain: the content, the pseudonym input, in clear or hashed', () => {
      const t = setup()
      const content = '张三 身份证 110101199003077777 的借款合同'
      const item = evidenceSubmit({ ...t.common(t.citizen), kind: 'contract', contentHash: suite.hash(utf8(content)) })
      t.g.step([item.bytes])
      const all = Buffer.concat([
        serialize(t.g.store),
        ...Array.from({ length: t.g.store.latestHeight() }, (_, i) => Buffer.from(t.g.store.getBlockBytes(i + 1)!)),
      ])
      for (const needle of ['110101199003077777', '张三']) {
        assert.ok(!all.includes(Buffer.from(utf8(needle))), needle)
        assert.ok(!all.includes(Buffer.from(suite.hash(utf8(needle)))), `hash of ${needle}`)
      }
      // The content hash itself is what is recorded (the scan can find things).
      assert.ok(all.includes(Buffer.from(suite.hash(utf8(content)))))
    })
  })
}
