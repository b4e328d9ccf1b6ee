/**
 * Client side of the `evidence` module (re-exported by the SDK): transaction builders, the batch
 * tree with every document's RFC 9162 inclusion proof, and the check of a document against a
 * batch root, which runs anywhere (a court's own machine included).
 */
import { type BuiltTx, moduleTx, type TxCommon } from '@govchain/client'
import {
  type CryptoSuite,
  type codec,
  fromHex,
  hashChildren,
  hashLeaf,
  type InclusionProof,
  toHex,
  verifyInclusion,
} from '@govchain/core'
import {
  type AttestationStatement,
  type EVIDENCE_KINDS,
  EVIDENCE_LIMITS,
  EVIDENCE_METHODS,
  EVIDENCE_MODULE,
  EvidenceAttestArgs,
  EvidenceBatchArgs,
  EvidenceSubmitArgs,
  EvidenceTimestampArgs,
} from './schema.ts'

const tx = <A>(o: TxCommon, method: string, argsCodec: codec.Codec<A>, args: A): BuiltTx =>
  moduleTx(EVIDENCE_MODULE, o, method, argsCodec, args)

type Kind = (typeof EVIDENCE_KINDS)[number]

/** Records a content hash (the item's id is the transaction's hash, `hashHex`). */
export function evidenceSubmit(
  o: TxCommon & { kind: Kind; contentHash: Uint8Array; caseRef?: string; previous?: Uint8Array },
): BuiltTx {
  return tx(o, EVIDENCE_METHODS.submit, EvidenceSubmitArgs, {
    kind: o.kind,
    contentHash: o.contentHash,
    ...(o.caseRef === undefined ? {} : { caseRef: o.caseRef }),
    ...(o.previous === undefined ? {} : { previous: o.previous }),
  })
}

/**
 * Attaches an RFC 3161 time-stamp token (DER TimeStampToken) to an item or batch of the sender's.
 * The token's imprint must be the item's digest (its content hash, or the batch root) under the
 * chain's hash, from a TSA registered through governance.
 */
export function evidenceTimestamp(o: TxCommon & { id: Uint8Array; token: Uint8Array }): BuiltTx {
  return tx(o, EVIDENCE_METHODS.timestamp, EvidenceTimestampArgs, { id: o.id, token: o.token })
}

/**
 * An attestation by an officer of a notary, forensic or court organisation (its role registered
 * through governance); `report` is the hash of its own notarial certificate or examination report.
 */
export function evidenceAttest(
  o: TxCommon & { id: Uint8Array; statement: AttestationStatement; report?: Uint8Array },
): BuiltTx {
  return tx(o, EVIDENCE_METHODS.attest, EvidenceAttestArgs, {
    id: o.id,
    statement: o.statement,
    ...(o.report === undefined ? {} : { report: o.report }),
  })
}

/** A document's place in a batch: what a court needs besides the batch's id to check it. */
export interface BatchProof {
  leafIndex: number
  treeSize: number
  /** RFC 9162 inclusion path, hex, leaf to root. */
  path: string[]
}

/**
 * The RFC 9162 tree over the documents' content hashes (the leaves, in order): its root, the
 * transaction that anchors it, and each document's inclusion proof. Node hashes are computed once
 * (2n − 1 of them), so proofs for all 10,000 documents cost O(n log n), not O(n²).
 */
export function evidenceBatch(o: TxCommon & { kind: Kind; contentHashes: readonly Uint8Array[]; caseRef?: string }): {
  root: Uint8Array
  tx: BuiltTx
  proofOf(index: number): BatchProof
} {
  const n = o.contentHashes.length
  if (n < 1 || n > EVIDENCE_LIMITS.batchDocsMax) throw new TypeError(`a batch holds 1-${EVIDENCE_LIMITS.batchDocsMax}`)
  const h = (d: Uint8Array) => o.suite.hash(d)
  const leaves = o.contentHashes.map((d) => hashLeaf(h, d))
  const memo = new Map<number, Uint8Array>()
  const node = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leaves[lo]!
    const key = lo * (n + 1) + hi
    let v = memo.get(key)
    if (v === undefined) {
      const k = split(hi - lo)
      v = hashChildren(h, node(lo, lo + k), node(lo + k, hi))
      memo.set(key, v)
    }
    return v
  }
  const root = node(0, n)
  const built = tx(o, EVIDENCE_METHODS.batch, EvidenceBatchArgs, {
    kind: o.kind,
    root,
    count: n,
    ...(o.caseRef === undefined ? {} : { caseRef: o.caseRef }),
  })
  const proofOf = (index: number): BatchProof => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw new RangeError(`no document ${index}`)
    const path: Uint8Array[] = []
    let lo = 0
    let hi = n
    while (hi - lo > 1) {
      const k = split(hi - lo)
      if (index < lo + k) {
        path.push(node(lo + k, hi))
        hi = lo + k
      } else {
        path.push(node(lo, lo + k))
        lo = lo + k
      }
    }
    return { leafIndex: index, treeSize: n, path: path.reverse().map(toHex) }
  }
  return { root, tx: built, proofOf }
}

/** The largest power of two below n (RFC 9162 §2.1.1's split). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** Does `proof` place the document with `contentHash` under `root`? Never throws. */
export function verifyBatchProof(
  suite: CryptoSuite,
  root: Uint8Array,
  contentHash: Uint8Array,
  proof: BatchProof,
): boolean {
  try {
    const p: InclusionProof = { leafIndex: proof.leafIndex, treeSize: proof.treeSize, path: proof.path.map(fromHex) }
    return verifyInclusion((d) => suite.hash(d), root, contentHash, p)
  } catch {
    return false
  }
}
