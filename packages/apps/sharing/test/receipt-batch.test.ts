/**
 * `sharing.receiptBatch` through real blocks (ADR 0036): a provider's gateway records many
 * receipts in one transaction under their RFC 9162 Merkle root; each is recorded exactly as
 * `sharing.receipt` records it (record, grant counters, the indexes "who used my data" and
 * lineage read) plus its inclusion proof, which verifies offline. Every bad batch — oversize,
 * empty, wrong root, a receipt twice or already recorded, a bad signature, an unknown grant, a
 * sender or receipt of another provider — is refused with its code and changes nothing. No
 * personal data reaches the chain, in clear or as an unkeyed hash.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { txHashOf } from '@govchain/app'
import { CatalogPublishArgs, CatalogSetGatewayArgs } from '@govchain/catalog/schema'
import { codec, concatBytes, suites, toHex, utf8 } from '@govchain/core'
import { GovChain, makeConsortium, personalDataHits, storeHolds, tx } from '@govchain/distribution/testkit'
import { verifyReceiptInclusion } from '../src/client.ts'
import { renderReceipt, type SharingKeeper } from '../src/module.ts'
import {
  DOMAIN_SHARING,
  SharingReceiptArgs as ReceiptArgsCodec,
  ReceiptBody,
  receiptBatchRoot,
  type SharingReceiptArgs,
  SharingReceiptBatchArgs,
  SharingRequestArgs,
  subjectPseudonym,
} from '../src/schema.ts'

type Key = { publicKey: Uint8Array; privateKey: Uint8Array }
const ID_NUMBERS = ['11010519491231002X', '110101199003077777', '110105198812120011']
const PSEUDONYM_KEY = new Uint8Array(32).fill(7)

for (const suite of [suites.intl, suites.gm]) {
  describe(`sharing.receiptBatch (${suite.name})`, () => {
    function setup() {
      const c = makeConsortium(suite, ['market', 'housing', 'police'])
      const g = new GovChain(suite, c.genesis)
      g.step()
      const gw: Record<string, Key> = {}
      const txs: Uint8Array[] = []
      for (const org of ['market', 'housing', 'police']) {
        gw[org] = suite.generateKeyPair()
        txs.push(
          tx(suite, c.operators[org]!, 'catalog', 'setGateway', CatalogSetGatewayArgs, {
            orgId: org,
            url: `https://gw.${org}.example`,
            certFingerprint: new Uint8Array(32),
            publicKey: gw[org]!.publicKey,
            pseudonymAuthority: org === 'police',
          }),
        )
      }
      txs.push(
        tx(suite, c.operators.market!, 'catalog', 'publish', CatalogPublishArgs, {
          resourceId: 'market.enterprise',
          title: '企业登记基本信息',
          description: 'demo resource',
          ownerOrg: 'market',
          rights: ['ownership'],
          fields: [
            { name: 'name', label: '名称', sensitivity: 'public' },
            { name: 'credit_code', label: '统一社会信用代码', sensitivity: 'public' },
          ],
          shareType: 'unconditional',
          autoApprove: true,
          autoApproveMaxDurationMs: 30 * 86_400_000,
          updateFrequency: 'daily',
          dataHash: new Uint8Array(32).fill(1),
          dataVersion: 'v1',
          status: 'active',
          note: 'first version',
        }),
      )
      for (const r of g.step(txs)) assert.equal(r.code, 'OK', JSON.stringify(r))
      const request = (consumer: string) =>
        tx(suite, c.operators[consumer]!, 'sharing', 'request', SharingRequestArgs, {
          resourceId: 'market.enterprise',
          consumerOrg: consumer,
          fields: ['name', 'credit_code'],
          purpose: '建筑企业资质审查',
          legalBasis: '《建筑业企业资质管理规定》第十条',
          durationMs: 7 * 86_400_000,
          rowsMax: 1000,
        })
      const grants = [request('housing'), request('police')]
      for (const r of g.step(grants)) assert.equal(r.code, 'OK', JSON.stringify(r))
      const grantIds = grants.map((t) => txHashOf(suite, t))
      return { g, gw, grantIds, operators: c.operators }
    }

    const subjectOf = (i: number) => subjectPseudonym(suite, PSEUDONYM_KEY, 'person', ID_NUMBERS[i % 3]!)

    function receipt(
      s: ReturnType<typeof setup>,
      n: number,
      opts: { consumer?: 'housing' | 'police'; grantId?: Uint8Array; countersign?: boolean; chainId?: string } = {},
    ): SharingReceiptArgs {
      const consumer = opts.consumer ?? 'housing'
      const grantId = opts.grantId ?? s.grantIds[consumer === 'housing' ? 0 : 1]!
      const body = codec.encode(ReceiptBody, {
        chainId: opts.chainId ?? 'govchain-gov-test',
        grantId,
        resourceId: 'market.enterprise',
        resourceVersion: 1,
        consumerOrg: consumer,
        providerOrg: 'market',
        consumerKey: s.gw[consumer]!.publicKey,
        providerKey: s.gw.market!.publicKey,
        requestHash: suite.hash(utf8(`request ${n}`)),
        responseHash: suite.hash(utf8(`response ${n}`)),
        fields: ['name'],
        rows: 2,
        subjects: [subjectOf(n)],
        servedAtMs: 1_000 + n,
      })
      const sign = (k: Key) => suite.sign(k.privateKey, concatBytes(DOMAIN_SHARING.receipt, body))
      return {
        body,
        providerSignature: sign(s.gw.market!),
        ...(opts.countersign === false ? {} : { consumerSignature: sign(s.gw[consumer]!) }),
      }
    }

    const batchTx = (
      s: ReturnType<typeof setup>,
      receipts: SharingReceiptArgs[],
      opts: { root?: Uint8Array; from?: Key; providerOrg?: string } = {},
    ) =>
      tx(suite, opts.from ?? s.gw.market!, 'sharing', 'receiptBatch', SharingReceiptBatchArgs, {
        providerOrg: opts.providerOrg ?? 'market',
        root: opts.root ?? receiptBatchRoot(suite.hash, receipts),
        receipts,
      })

    it('records every receipt of a batch in one transaction, each with an inclusion proof that verifies offline', () => {
      const s = setup()
      const receipts = Array.from({ length: 23 }, (_, n) =>
        receipt(s, n, { consumer: n % 4 === 3 ? 'police' : 'housing', countersign: n !== 5 }),
      )
      const batch = batchTx(s, receipts)
      const [r] = s.g.step([batch])
      assert.equal(r!.code, 'OK', JSON.stringify(r))
      assert.deepEqual(
        r!.events.map((e) => e.type),
        ['sharing.receiptBatch'],
      )
      const k = s.g.keeper<SharingKeeper>('sharing')
      const root = receiptBatchRoot(suite.hash, receipts)
      const recorded = k.batch(root)!
      assert.equal(recorded.treeSize, 23)
      assert.equal(recorded.providerOrg, 'market')
      assert.equal(toHex(recorded.txHash), toHex(r!.txHash))
      for (const [i, entry] of receipts.entries()) {
        const id = suite.hash(entry.body)
        const rec = k.receipt(id)!
        assert.equal(toHex(rec.txHash), toHex(r!.txHash), 'the receipt names its batch transaction')
        assert.equal(rec.consumerSignature === undefined, i === 5, 'a provider-only receipt stays provider-only')
        const view = renderReceipt(rec, k.inclusion(id))
        assert.equal(view.batch!.leafIndex, i)
        assert.equal(view.batch!.treeSize, 23)
        const proven = verifyReceiptInclusion(suite, view, toHex(root))
        assert.deepEqual(codec.encode(ReceiptArgsCodec, proven), codec.encode(ReceiptArgsCodec, entry))
        // A path moved to another receipt does not verify.
        const other = renderReceipt(k.receipt(suite.hash(receipts[(i + 1) % 23]!.body))!, k.inclusion(id))
        assert.throws(
          () => verifyReceiptInclusion(suite, { ...other, receiptId: view.receiptId }),
          (e: { code?: string }) => e.code === 'PROOF_INVALID',
        )
      }
      const housing = k.request(s.grantIds[0]!)!
      const police = k.request(s.grantIds[1]!)!
      assert.equal(housing.fetches, 18)
      assert.equal(housing.rowsUsed, 36)
      assert.equal(police.fetches, 5)
      // The indexes "who used my data" (by subject) and lineage (by resource) read.
      const listed = (facet: string, value: string) =>
        s.g.store.scanIndex(utf8(`sharing/rc/${facet}/${value}/`), 1000).length
      assert.equal(listed('r', 'market.enterprise'), 23)
      for (let p = 0; p < 3; p++) {
        assert.equal(
          listed('s', toHex(subjectOf(p))),
          receipts.filter((_, n) => n % 3 === p).length,
          `every access to subject ${p} is listed`,
        )
      }
      // The single-receipt action still works, recorded alone (no inclusion proof).
      const single = receipt(s, 100)
      const [one] = s.g.step([tx(suite, s.gw.market!, 'sharing', 'receipt', ReceiptArgsCodec, single)])
      assert.equal(one!.code, 'OK')
      const alone = s.g.keeper<SharingKeeper>('sharing')
      assert.equal(renderReceipt(alone.receipt(suite.hash(single.body))!).batch, null)
      // Privacy: subjects are keyed pseudonyms; no ID number in clear or as SHA-256/SM3, anywhere.
      assert.ok(storeHolds(s.g, subjectOf(0)), 'the scan finds what is stored')
      assert.deepEqual(personalDataHits(s.g, Object.fromEntries(ID_NUMBERS.map((v, i) => [`id${i}`, v]))), [])
    })

    it('refuses each bad batch with its code and changes nothing', () => {
      const s = setup()
      const recorded = receipt(s, 50)
      assert.equal(s.g.step([tx(suite, s.gw.market!, 'sharing', 'receipt', ReceiptArgsCodec, recorded)])[0]!.code, 'OK')
      const good = [receipt(s, 1), receipt(s, 2), receipt(s, 3)]
      const badSignature = { ...receipt(s, 4), consumerSignature: receipt(s, 4).providerSignature }
      const tiny = { body: new Uint8Array(1), providerSignature: new Uint8Array(64) }
      const cases: [string, Uint8Array, string][] = [
        ['empty', batchTx(s, [], { root: new Uint8Array(32) }), 'SHARING_BATCH_INVALID'],
        [
          'more than 1,000 receipts',
          batchTx(
            s,
            Array.from({ length: 1001 }, () => tiny),
            { root: new Uint8Array(32) },
          ),
          'SHARING_BATCH_INVALID',
        ],
        ['wrong root', batchTx(s, good, { root: suite.hash(utf8('not the root')) }), 'SHARING_BATCH_ROOT_MISMATCH'],
        ['a receipt twice', batchTx(s, [...good, good[1]!]), 'SHARING_RECEIPT_EXISTS'],
        ['a receipt already recorded', batchTx(s, [...good, recorded]), 'SHARING_RECEIPT_EXISTS'],
        ['a bad countersignature', batchTx(s, [...good, badSignature]), 'SHARING_BAD_RECEIPT'],
        [
          'an unknown grant',
          batchTx(s, [...good, receipt(s, 5, { grantId: suite.hash(utf8('no grant')) })]),
          'SHARING_REQUEST_NOT_FOUND',
        ],
        ['another chain', batchTx(s, [...good, receipt(s, 6, { chainId: 'other' })]), 'SHARING_BAD_RECEIPT'],
        ['sent by another gateway', batchTx(s, good, { from: s.gw.housing! }), 'SHARING_NOT_GATEWAY'],
        [
          'named for another provider',
          batchTx(s, good, { providerOrg: 'police', from: s.gw.police! }),
          'SHARING_NOT_GATEWAY',
        ],
      ]
      const k0 = s.g.keeper<SharingKeeper>('sharing')
      const before = JSON.stringify([k0.request(s.grantIds[0]!), k0.request(s.grantIds[1]!)], (_, v) =>
        v instanceof Uint8Array ? toHex(v) : v,
      )
      for (const [what, t, code] of cases) {
        const [r] = s.g.step([t])
        assert.equal(r!.code, code, what)
        const k = s.g.keeper<SharingKeeper>('sharing')
        for (const e of good) assert.equal(k.receipt(suite.hash(e.body)), undefined, `${what}: nothing recorded`)
        assert.equal(k.batch(receiptBatchRoot(suite.hash, good)), undefined, what)
        const after = JSON.stringify([k.request(s.grantIds[0]!), k.request(s.grantIds[1]!)], (_, v) =>
          v instanceof Uint8Array ? toHex(v) : v,
        )
        assert.equal(after, before, `${what}: grant counters unchanged`)
      }
      // The good batch alone then records.
      assert.equal(s.g.step([batchTx(s, good)])[0]!.code, 'OK')
    })
  })
}
