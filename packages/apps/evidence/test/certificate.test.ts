/**
 * The evidence certificate, offline (issue 17: "The SDK verifies offline against a pinned
 * validator set"): a record and its timestamp proven under a header signed by 3 of 4 validators.
 * It holds with the right file; each failure is its own check and code — another chain,
 * validators the verifier does not trust, a printed field edited, a proof of another record, a
 * changed file, a malformed QR — and the QR form carries the same proof.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type CryptoSuite,
  codec,
  MemorySmtStore,
  SmtProofCodec,
  SparseMerkleTree,
  stateKey,
  suites,
  toBase64,
  toHex,
  utf8,
} from '@govchain/core'
import { makeCertificate, makeHeader, makeValidators } from '@govchain/distribution/testkit'
import {
  decodeEvidenceQr,
  type EvidenceCertificate,
  evidenceQr,
  type ProvenStateJson,
  verifyEvidenceCertificate,
} from '../src/certificate.ts'
import { renderEvidence } from '../src/module.ts'
import {
  EVIDENCE_KEYS,
  EVIDENCE_MODULE,
  type EvidenceAttestation,
  EvidenceAttestations,
  EvidenceEntry,
  EvidenceTimestamp,
} from '../src/schema.ts'

const CHAIN = 'govchain-evidence-test'

function issue(suite: CryptoSuite) {
  const { keys, set } = makeValidators(suite, 4)
  const content = utf8('行政处罚决定书 京市监罚〔2026〕12号')
  const id = suite.hash(utf8('the submit transaction'))
  const entry: EvidenceEntry = {
    id,
    type: 'item',
    kind: 'penalty-file',
    digest: suite.hash(content),
    count: 1,
    caseRef: '京市监罚〔2026〕12号',
    submitter: { kind: 'officer', id: 'market', verifiedBy: 'market' },
    chain: id,
    version: 1,
    height: 40,
    timeMs: 1_780_000_000_000,
  }
  const ts: EvidenceTimestamp = {
    authority: 'bjtsa',
    genTimeMs: 1_779_999_990_000,
    serial: '2a',
    policy: '1.2.156.112233.1.1',
    hashAlgorithm: suite.name === 'gm' ? 'sm3' : 'sha256',
    token: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
    height: 41,
    timeMs: 1_780_000_060_000,
  }
  const atts: EvidenceAttestation[] = [
    {
      orgId: 'notary-office',
      officerId: 'notary-office-admin',
      role: 'notary',
      statement: 'notarised',
      height: 41,
      timeMs: 1_780_000_060_000,
      txHash: suite.hash(utf8('attest tx')),
    },
  ]
  const store = new MemorySmtStore()
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  const recKey = EVIDENCE_KEYS.record(id)
  const tsKey = EVIDENCE_KEYS.timestamp(id)
  const other = { ...entry, id: suite.hash(utf8('another item')), digest: suite.hash(utf8('x')) }
  const changes: Array<[Uint8Array, Uint8Array]> = [
    [stateKey(EVIDENCE_MODULE, recKey), codec.encode(EvidenceEntry, entry)],
    [stateKey(EVIDENCE_MODULE, tsKey), codec.encode(EvidenceTimestamp, ts)],
    [stateKey(EVIDENCE_MODULE, EVIDENCE_KEYS.attestations(id)), codec.encode(EvidenceAttestations, atts)],
    [stateKey(EVIDENCE_MODULE, EVIDENCE_KEYS.record(other.id)), codec.encode(EvidenceEntry, other)],
  ]
  for (let i = 0; i < 40; i++) changes.push([stateKey('anchor', suite.hash(new Uint8Array([i]))), new Uint8Array([i])])
  const { root, nodes } = tree.update(new Uint8Array(32), changes)
  store.apply(nodes)
  const height = 42
  const headerBytes = makeHeader(suite, { chainId: CHAIN, height, stateRoot: root, set, timeMs: 1_780_000_100_000 })
  const commit = makeCertificate(suite, CHAIN, height, headerBytes, keys, [0, 1, 2])
  const prove = (key: Uint8Array): ProvenStateJson => {
    const full = stateKey(EVIDENCE_MODULE, key)
    const value = tree.get(root, full)
    return {
      module: EVIDENCE_MODULE,
      key: toHex(key),
      value: value === undefined ? null : toBase64(value),
      height,
      proof: toBase64(codec.encode(SmtProofCodec, tree.prove(root, full))),
      headerBytes: toBase64(headerBytes),
      certificate: toBase64(commit),
    }
  }
  const cert: EvidenceCertificate = {
    format: 'govchain-evidence-certificate',
    version: 1,
    chainId: CHAIN,
    suite: suite.name,
    id: toHex(id),
    evidence: renderEvidence(entry, ts, atts),
    record: prove(recKey),
    timestamp: prove(tsKey),
    attestations: prove(EVIDENCE_KEYS.attestations(id)),
  }
  return { set, cert, content, prove, otherKey: EVIDENCE_KEYS.record(other.id) }
}

const failing = (v: ReturnType<typeof verifyEvidenceCertificate>) => {
  const last = v.checks.at(-1)!
  assert.equal(v.verdict, 'invalid')
  assert.equal(last.ok, false)
  return [last.check, last.code]
}

for (const suite of [suites.gm, suites.intl]) {
  describe(`evidence certificate (${suite.name})`, () => {
    const t = issue(suite)
    const base = { suite, chainId: CHAIN, trustedValidatorSet: t.set }

    test('holds offline with the file: every check, the timestamp included', () => {
      const v = verifyEvidenceCertificate({ ...base, certificate: t.cert, contentHash: suite.hash(t.content) })
      assert.equal(v.verdict, 'valid')
      assert.deepEqual(
        v.checks.map((c) => [c.check, c.ok]),
        ['format', 'chain', 'commit', 'record', 'printed', 'content', 'timestamp', 'attestations'].map((c) => [
          c,
          true,
        ]),
      )
      assert.equal(v.provenHeight, 42)
      assert.equal(v.timestamp?.authority, 'bjtsa')
      assert.deepEqual(
        v.attestations?.map((a) => a.orgId),
        ['notary-office'],
      )
    })

    test('each failure is its own check and code', () => {
      const cases: [string, Parameters<typeof verifyEvidenceCertificate>[0], [string, string]][] = [
        [
          'another chain',
          { ...base, chainId: 'elsewhere', certificate: t.cert },
          ['chain', 'EVIDENCE_CERTIFICATE_WRONG_CHAIN'],
        ],
        [
          'validators the verifier does not trust',
          { ...base, trustedValidatorSet: makeValidators(suite, 4).set, certificate: t.cert },
          ['commit', 'CERTIFICATE_INVALID'],
        ],
        [
          'a printed field edited',
          {
            ...base,
            certificate: {
              ...t.cert,
              evidence: { ...t.cert.evidence, submitter: { ...t.cert.evidence.submitter, id: 'housing' } },
            },
          },
          ['printed', 'EVIDENCE_CERTIFICATE_ALTERED'],
        ],
        [
          "the proof of another item's record",
          { ...base, certificate: { ...t.cert, record: { ...t.prove(t.otherKey), key: t.cert.record.key } } },
          ['record', 'PROOF_INVALID'],
        ],
        [
          'a changed file',
          { ...base, certificate: t.cert, contentHash: suite.hash(utf8('行政处罚决定书（改）')) },
          ['content', 'EVIDENCE_CONTENT_MISMATCH'],
        ],
        [
          'not a certificate',
          { ...base, certificate: { format: 'x' } as never },
          ['format', 'EVIDENCE_CERTIFICATE_MALFORMED'],
        ],
        ['a QR of something else', { ...base, qr: 'GCL1:ABC' }, ['format', 'EVIDENCE_CERTIFICATE_MALFORMED']],
        ['a QR that is not base45', { ...base, qr: 'GCE1:abc' }, ['format', 'EVIDENCE_CERTIFICATE_MALFORMED']],
      ]
      for (const [what, input, expected] of cases)
        assert.deepEqual(failing(verifyEvidenceCertificate(input)), expected, what)
    })

    test('the QR carries the record and its proof: it holds, and a changed file fails', () => {
      const qr = evidenceQr(t.cert)
      assert.match(qr, /^GCE1:[0-9A-Z $%*+\-./:]+$/)
      assert.ok(qr.length < 2953, `${qr.length} characters fit a printable QR`)
      assert.equal(toHex(decodeEvidenceQr(qr).id), t.cert.id)
      const v = verifyEvidenceCertificate({ ...base, qr, contentHash: suite.hash(t.content) })
      assert.equal(v.verdict, 'valid')
      assert.deepEqual(failing(verifyEvidenceCertificate({ ...base, qr, contentHash: suite.hash(utf8('other')) })), [
        'content',
        'EVIDENCE_CONTENT_MISMATCH',
      ])
    })
  })
}
