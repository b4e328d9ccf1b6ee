/**
 * The auditor's export verifies offline (issue 15, Lists): a CSV (RFC 4180, UTF-8 with a BOM)
 * and a JSON proof bundle of a data resource's lineage — a catalogue version, a data request and
 * a fetch receipt, each proven against a header its validators committed. verifyProofBundle
 * accepts it against the trusted validator set, and refuses it when a CSV row or a bundle row is
 * edited, a value is swapped, or the verifier trusts another chain's validators.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stateKey } from '@govchain/app'
import { CATALOG_MODULE, catalogVersionKey, ResourceVersion } from '@govchain/catalog/schema'
import { parseCsv, toCsv, verifyProofBundle } from '@govchain/client'
import {
  decode,
  encode,
  getSuite,
  MemorySmtStore,
  SmtProofCodec,
  SparseMerkleTree,
  type SuiteName,
  toBase64,
  toHex,
} from '@govchain/core'
import {
  LINEAGE_COLUMNS,
  type LineageInclusionEvidence,
  lineageBundle,
  lineageEvidenceCheck,
  renderLineageRow,
} from '@govchain/sharing/client'
import {
  BatchRecord,
  ReceiptBody,
  ReceiptRecord,
  RequestRecord,
  receiptBatchLeaf,
  receiptBatchProofs,
  SHARING_MODULE,
  type SharingReceiptArgs,
  sharingBatchKey,
  sharingReceiptKey,
  sharingRequestKey,
} from '@govchain/sharing/schema'
import type { InclusionView } from '@govchain/sharing/views'
import { makeCertificate, makeHeader, makeValidators } from '../src/light-chain.ts'

const RESOURCE = 'market.enterprises'

/**
 * A chain holding one lineage (version, request, receipt) at one committed height, and the
 * node's proof answers for it; `batched`: also a receipt recorded in a batch of three (ADR 0036),
 * its batch record, and the inclusion proof the node serves with it.
 */
function lineageChain(suiteName: SuiteName, chainId: string, batched = false) {
  const suite = getSuite(suiteName)
  const { keys, set } = makeValidators(suite, 4)
  const requestId = new Uint8Array(32).fill(1)
  const receiptId = new Uint8Array(32).fill(2)
  const version = encode(ResourceVersion, {
    resourceId: RESOURCE,
    title: '市场主体登记信息',
    description: '企业名称、统一社会信用代码、登记状态',
    ownerOrg: 'market',
    rights: ['ownership'],
    fields: [{ name: 'name', label: '名称', sensitivity: 'public' }],
    shareType: 'conditional',
    autoApprove: false,
    autoApproveMaxDurationMs: 0,
    updateFrequency: 'daily',
    dataHash: new Uint8Array(32).fill(3),
    dataVersion: '2026-12-01',
    status: 'active',
    note: '首次发布',
    version: 1,
    publishedBy: keys[0]!.publicKey,
    height: 3,
    timeMs: 1_764_000_000_000,
    txHash: new Uint8Array(32).fill(4),
  })
  const request = encode(RequestRecord, {
    requestId,
    resourceId: RESOURCE,
    resourceVersion: 1,
    consumerOrg: 'housing',
    ownerOrg: 'market',
    fields: ['name'],
    purpose: '公租房资格审核, "核验"',
    legalBasis: '公共租赁住房管理办法',
    durationMs: 86_400_000,
    rowsMax: 100,
    requestedBy: keys[1]!.publicKey,
    height: 4,
    timeMs: 1_764_000_060_000,
    status: 'pending',
    rowsUsed: 0,
    fetches: 0,
  })
  const body = encode(ReceiptBody, {
    chainId,
    grantId: requestId,
    resourceId: RESOURCE,
    resourceVersion: 1,
    consumerOrg: 'housing',
    providerOrg: 'market',
    consumerKey: keys[1]!.publicKey,
    providerKey: keys[0]!.publicKey,
    requestHash: new Uint8Array(32).fill(5),
    responseHash: new Uint8Array(32).fill(6),
    fields: ['name'],
    rows: 3,
    subjects: [],
    servedAtMs: 1_764_000_120_000,
  })
  const receipt = encode(ReceiptRecord, {
    receiptId,
    body,
    providerSignature: new Uint8Array(64).fill(7),
    height: 5,
    timeMs: 1_764_000_121_000,
    txHash: new Uint8Array(32).fill(8),
  })
  const entries: [string, Uint8Array, Uint8Array][] = [
    [CATALOG_MODULE, catalogVersionKey(RESOURCE, 1), version],
    [SHARING_MODULE, sharingRequestKey(requestId), request],
    [SHARING_MODULE, sharingReceiptKey(receiptId), receipt],
  ]
  // The batch: three receipts under one RFC 9162 root; the second is this lineage's.
  const leaves: SharingReceiptArgs[] = [1, 2, 3].map((n) => ({
    body: encode(ReceiptBody, { ...decode(ReceiptBody, body), rows: n, servedAtMs: 1_764_000_130_000 + n }),
    providerSignature: new Uint8Array(64).fill(10 + n),
    consumerSignature: new Uint8Array(64).fill(20 + n),
  }))
  const { root: batchRoot, proofs } = receiptBatchProofs(suite.hash, leaves)
  const mine = leaves[1]!
  const batchedId = suite.hash(mine.body)
  const batchTx = new Uint8Array(32).fill(9)
  const inclusion: InclusionView = {
    root: toHex(batchRoot),
    leafIndex: proofs[1]!.leafIndex,
    treeSize: proofs[1]!.treeSize,
    path: proofs[1]!.path.map(toHex),
    leaf: toBase64(receiptBatchLeaf(mine)),
  }
  if (batched) {
    entries.push(
      [
        SHARING_MODULE,
        sharingReceiptKey(batchedId),
        encode(ReceiptRecord, {
          receiptId: batchedId,
          ...mine,
          height: 5,
          timeMs: 1_764_000_131_000,
          txHash: batchTx,
        }),
      ],
      [
        SHARING_MODULE,
        sharingBatchKey(batchRoot),
        encode(BatchRecord, {
          root: batchRoot,
          providerOrg: 'market',
          treeSize: 3,
          recordedBy: keys[0]!.publicKey,
          height: 5,
          timeMs: 1_764_000_131_000,
          txHash: batchTx,
        }),
      ],
    )
  }
  const store = new MemorySmtStore()
  const t = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  const { root, nodes } = t.update(
    new Uint8Array(32),
    entries.map(([m, k, v]) => [stateKey(m, k), v]),
  )
  store.apply(nodes)
  const height = 6
  const headerBytes = makeHeader(suite, { chainId, height, stateRoot: root, set })
  const certificate = makeCertificate(suite, chainId, height, headerBytes, keys, [0, 1, 2])
  /** What POST /v1/sharing/lineage answers for each item's `proof` (the node's StateSchema). */
  const proof = (module: string, key: Uint8Array, value: Uint8Array) => ({
    module,
    key: toHex(key),
    value: toBase64(value),
    height,
    proof: toBase64(encode(SmtProofCodec, t.prove(root, stateKey(module, key)))),
    headerBytes: toBase64(headerBytes),
    certificate: toBase64(certificate),
  })
  const page = {
    versions: [{ proof: proof(...entries[0]!) }],
    grants: [{ proof: proof(...entries[1]!) }],
    receipts: [
      { proof: proof(...entries[2]!), receipt: { batch: null } },
      ...(batched ? [{ proof: proof(...entries[3]!), receipt: { batch: inclusion } }] : []),
    ],
  }
  const batches = new Map<string, ReturnType<typeof proof>>(batched ? [[inclusion.root, proof(...entries[4]!)]] : [])
  return { suite, set, page, batches, proof, entries }
}

for (const suiteName of ['gm', 'intl'] as const) {
  describe(`the auditor's lineage export verifies offline (${suiteName})`, () => {
    const chainId = `govchain-audit-${suiteName}`
    const chain = lineageChain(suiteName, chainId)
    const bundle = lineageBundle(chainId, [chain.page])
    const csv = toCsv(
      bundle.columns,
      bundle.rows.map((r) => r.cells),
    )
    const check = (b: unknown, text: string | undefined, trusted = chain.set, id = chainId) =>
      verifyProofBundle({
        bundle: b,
        ...(text === undefined ? {} : { csv: text }),
        suite: chain.suite,
        chainId: id,
        trustedValidatorSet: trusted,
        render: renderLineageRow,
      })
    const copy = () => JSON.parse(JSON.stringify(bundle)) as typeof bundle

    it('is RFC 4180 with a UTF-8 BOM: Chinese text, quotes and commas survive a round trip', () => {
      assert.ok(csv.startsWith('\uFEFF'), 'a byte order mark for Excel')
      assert.ok(csv.endsWith('\r\n'))
      assert.match(csv, /"v1 市场主体登记信息"|v1 市场主体登记信息/)
      // The purpose holds a quote and a comma: quoted, the quote doubled.
      assert.ok(csv.includes('"pending; name; 公租房资格审核, ""核验"""'), csv)
      const parsed = parseCsv(csv)
      assert.deepEqual(parsed[0], LINEAGE_COLUMNS)
      assert.deepEqual(
        parsed.slice(1),
        bundle.rows.map((r) => r.cells),
      )
      assert.deepEqual(
        bundle.rows.map((r) => r.cells[0]),
        ['发布版本 published', '共享申请 request', '调取回执 receipt'],
      )
      assert.equal(bundle.rows[2]!.cells[3], 'market')
      assert.equal(bundle.rows[2]!.cells[4], 'housing')
    })

    it('verifies against the trusted validator set, with or without the CSV', () => {
      for (const text of [csv, undefined]) {
        const v = check(bundle, text)
        assert.deepEqual(v.failures, [])
        assert.equal(v.ok, true)
        assert.equal(v.verified, 3)
        assert.deepEqual(v.heights, [6])
      }
      // The bundle as a file: JSON text read back.
      assert.equal(check(JSON.parse(JSON.stringify(bundle)), csv).ok, true)
    })

    it('fails a row edited in the CSV, in the bundle, or a value swapped', () => {
      const tamperedCsv = csv.replace('3 rows', '30 rows')
      assert.notEqual(tamperedCsv, csv)
      const a = check(bundle, tamperedCsv)
      assert.equal(a.ok, false)
      assert.deepEqual(
        a.failures.map((f) => [f.row, f.code]),
        [[3, 'ROW_MISMATCH']],
      )

      const b = copy()
      b.rows[1]!.cells[4] = 'tax'
      const vb = check(
        b,
        toCsv(
          b.columns,
          b.rows.map((r) => r.cells),
        ),
      )
      assert.equal(vb.ok, false)
      assert.deepEqual(
        vb.failures.map((f) => [f.row, f.code]),
        [[2, 'ROW_MISMATCH']],
      )
      assert.match(vb.failures[0]!.reason, /使用方 to/)

      const c = copy()
      c.rows[0]!.proof.value = c.rows[1]!.proof.value
      const vc = check(c, csv)
      assert.equal(vc.ok, false)
      assert.equal(vc.failures[0]!.code, 'PROOF_INVALID')

      const d = copy()
      d.rows.pop()
      const vd = check(d, csv)
      assert.equal(vd.ok, false)
      assert.match(vd.failures.map((f) => f.reason).join(' '), /the CSV has 3 rows, the bundle 2/)
    })

    it("fails against another chain's validators or chain id", () => {
      const foreign = lineageChain(suiteName, chainId)
      const v = check(bundle, csv, foreign.set)
      assert.equal(v.ok, false)
      assert.equal(v.verified, 0)
      assert.ok(v.failures.every((f) => f.code === 'CERTIFICATE_INVALID'))
      const other = check(bundle, csv, chain.set, 'govchain-elsewhere')
      assert.equal(other.ok, false)
      assert.equal(other.failures[0]!.code, 'CERTIFICATE_INVALID')
      assert.equal(check({ format: 'something else' }, csv).ok, false)
    })
  })
}

for (const suiteName of ['gm', 'intl'] as const) {
  describe(`a batched receipt's inclusion proof in the lineage bundle (${suiteName}, ADR 0036)`, () => {
    const chainId = `govchain-audit-${suiteName}`
    const chain = lineageChain(suiteName, chainId, true)
    const bundle = lineageBundle(chainId, [chain.page], chain.batches)
    const csv = toCsv(
      bundle.columns,
      bundle.rows.map((r) => r.cells),
    )
    const check = (b: unknown) =>
      verifyProofBundle({
        bundle: b,
        csv,
        suite: chain.suite,
        chainId,
        trustedValidatorSet: chain.set,
        render: renderLineageRow,
        checkEvidence: lineageEvidenceCheck(chain.suite),
      })
    /** A copy of the bundle with the batched receipt's evidence changed. */
    const tamper = (edit: (e: LineageInclusionEvidence) => void) => {
      const b = JSON.parse(JSON.stringify(bundle)) as typeof bundle
      const row = b.rows.find((r) => r.evidence !== undefined)!
      edit(row.evidence as LineageInclusionEvidence)
      return check(b)
    }
    const refusal = (v: ReturnType<typeof check>) => v.failures.map((f) => [f.row, f.code])

    it('carries the inclusion proof and the proof of its committed root; both verify offline', () => {
      const withEvidence = bundle.rows.filter((r) => r.evidence !== undefined)
      assert.equal(withEvidence.length, 1, 'the receipt recorded alone carries none')
      const e = withEvidence[0]!.evidence as LineageInclusionEvidence
      assert.equal(e.inclusion.treeSize, 3)
      assert.equal(e.inclusion.leafIndex, 1)
      assert.equal(e.batch.key, toHex(sharingBatchKey(Buffer.from(e.inclusion.root, 'hex'))))
      const v = check(bundle)
      assert.deepEqual(v.failures, [])
      assert.equal(v.ok, true)
      assert.equal(v.verified, 4)
      assert.equal(v.evidenced, 1)
      // The file as saved and read back.
      assert.equal(check(JSON.parse(JSON.stringify(bundle))).evidenced, 1)
    })

    it('refuses a tampered path, leaf, index or root with SHARING_INCLUSION_INVALID', () => {
      const row = bundle.rows.findIndex((r) => r.evidence !== undefined) + 1
      const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1)
      const cases: [string, (e: LineageInclusionEvidence) => void][] = [
        ['a path hash', (e) => (e.inclusion.path[0] = flip(e.inclusion.path[0]!))],
        ['a path hash dropped', (e) => e.inclusion.path.pop()],
        ['the leaf index', (e) => (e.inclusion.leafIndex = 0)],
        ['the tree size', (e) => (e.inclusion.treeSize = 4)],
        // Another receipt's leaf: not the receipt the row proves.
        [
          'the leaf',
          (e) => {
            const other = decode(ReceiptRecord, Buffer.from(chain.entries[2]![2]))
            e.inclusion.leaf = toBase64(
              receiptBatchLeaf({ body: other.body, providerSignature: other.providerSignature }),
            )
          },
        ],
        ['the root', (e) => (e.inclusion.root = flip(e.inclusion.root))],
        ['no inclusion proof', (e) => (e.inclusion = null as unknown as InclusionView)],
      ]
      for (const [what, edit] of cases) {
        const v = tamper(edit)
        assert.equal(v.ok, false, what)
        assert.deepEqual(refusal(v), [[row, 'SHARING_INCLUSION_INVALID']], what)
      }
    })

    it("refuses a batch proof that is not the committed record of the receipt's batch", () => {
      const row = bundle.rows.findIndex((r) => r.evidence !== undefined) + 1
      // The batch record's value changed: its state proof no longer holds.
      const forged = tamper((e) => {
        e.batch.value = chain.page.versions[0]!.proof.value
      })
      assert.deepEqual(refusal(forged), [[row, 'PROOF_INVALID']])
      // Another record's valid state proof in place of the batch's.
      const swapped = tamper((e) => {
        e.batch = { ...chain.page.grants[0]!.proof }
      })
      assert.deepEqual(refusal(swapped), [[row, 'SHARING_INCLUSION_INVALID']])
    })

    it('the bundle cannot be made without the proof of each batch root', () => {
      assert.throws(
        () => lineageBundle(chainId, [chain.page]),
        (e: unknown) => (e as { code?: string }).code === 'PROOF_INVALID',
      )
    })
  })
}

describe('the one CSV writer of the exports', () => {
  it('guards cells a spreadsheet would run as a formula, and quotes per RFC 4180', () => {
    const csv = toCsv(
      ['名称', 'value'],
      [
        ['=HYPERLINK("http://x","y")', '+1'],
        ['-2', '@SUM(A1)'],
        ['\tcmd', '中文, "引号"'],
        ['a=b', '1-2'],
      ],
    )
    assert.equal(
      csv,
      '\uFEFF名称,value\r\n' +
        '"\'=HYPERLINK(""http://x"",""y"")",\'+1\r\n' +
        "'-2,'@SUM(A1)\r\n" +
        '\'\tcmd,"中文, ""引号"""\r\n' +
        'a=b,1-2\r\n',
    )
    assert.deepEqual(parseCsv(csv).slice(1), [
      ['\'=HYPERLINK("http://x","y")', "'+1"],
      ["'-2", "'@SUM(A1)"],
      ["'\tcmd", '中文, "引号"'],
      ['a=b', '1-2'],
    ])
  })
})
