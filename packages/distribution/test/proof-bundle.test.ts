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
  encode,
  getSuite,
  MemorySmtStore,
  SmtProofCodec,
  SparseMerkleTree,
  type SuiteName,
  toBase64,
  toHex,
} from '@govchain/core'
import { LINEAGE_COLUMNS, lineageBundle, renderLineageRow } from '@govchain/sharing/client'
import {
  ReceiptBody,
  ReceiptRecord,
  RequestRecord,
  SHARING_MODULE,
  sharingReceiptKey,
  sharingRequestKey,
} from '@govchain/sharing/schema'
import { makeCertificate, makeHeader, makeValidators } from '../src/light-chain.ts'

const RESOURCE = 'market.enterprises'

/** A chain holding one lineage (version, request, receipt) at one committed height, and the node's proof answers for it. */
function lineageChain(suiteName: SuiteName, chainId: string) {
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
    receipts: [{ proof: proof(...entries[2]!) }],
  }
  return { suite, set, page }
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
