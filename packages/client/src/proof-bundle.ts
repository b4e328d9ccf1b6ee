/**
 * An exported list that verifies offline: a CSV (RFC 4180, UTF-8 with a byte order mark so that
 * Excel reads Chinese) and beside it a JSON proof bundle holding, for every row, the state proof
 * of the record the row was made from — the value, its sparse-Merkle proof, and the header and
 * commit certificate it leads to.
 *
 * `verifyProofBundle` needs no network: it checks every header's certificate against the
 * validator set the verifier trusts (LightClient), every proof against its header's state root,
 * that each row is what the application's `render` makes of the proven value, and that the CSV
 * holds exactly the bundle's rows. A row edited in the CSV or in the bundle, a value swapped, a
 * proof from another chain or another validator set: each fails with the row and the reason.
 */
import { type CryptoSuite, fromBase64, fromHex, GovchainError, type ValidatorSet } from '@govchain/core'
import { LightClient, type ProvenState } from './light-client.ts'

export const PROOF_BUNDLE_FORMAT = 'govchain-proof-bundle/1'

/**
 * A state answer as a node's API gives it (GET /v1/state/..., or a record's `proof` in a module
 * answer): blobs in base64, the key in hex; the proof, header and certificate are null unless the
 * request asked with `prove=true`.
 */
export interface ProvenStateJson {
  module: string
  key: string
  value: string | null
  height: number
  proof: string | null
  headerBytes: string | null
  certificate: string | null
}

/** One row's proof, as a node's `?prove=true` answers carry it (base64 blobs, hex key). */
export interface BundleProof {
  module: string
  /** The module-local key, hex. */
  key: string
  /** The proven value, base64; null for a proof of absence. */
  value: string | null
  height: number
  proof: string
  headerBytes: string
  certificate: string
}

export interface ProofBundle {
  format: typeof PROOF_BUNDLE_FORMAT
  chainId: string
  /** What the list is (e.g. `sharing/lineage`), for the renderer to check it knows it. */
  kind: string
  columns: string[]
  /**
   * `evidence`: what an application proves of the row beyond its state proof (a batched
   * receipt's RFC 9162 inclusion proof and its batch's state proof, ADR 0036), checked by the
   * verifier's `checkEvidence`.
   */
  rows: { cells: string[]; proof: BundleProof; evidence?: unknown }[]
}

/** A record a bundle's state proof proved, checked against a committed header. */
export interface ProvenRecord {
  module: string
  key: Uint8Array
  value: Uint8Array | undefined
  height: number
}

/**
 * An application's check of the evidence a row carries beyond its state proof. `verifyState`
 * checks a further state proof offline exactly as the row's own is checked. Throws a
 * GovchainError with a stable code when the evidence does not hold.
 */
export type EvidenceCheck = (
  evidence: unknown,
  record: ProvenRecord,
  verifyState: (p: BundleProof) => ProvenRecord,
) => void

/** Turns a proven value back into its CSV row; throws when it does not know the record. */
export type RowRenderer = (proof: { module: string; key: Uint8Array; value: Uint8Array | undefined }) => string[]

/**
 * A cell as the CSV holds it: one that a spreadsheet would run as a formula (it starts with
 * = + - @, or a tab or CR that some spreadsheets skip first) gets a leading apostrophe, so
 * Excel shows the text instead of evaluating it (OWASP "CSV Injection"). A verifier compares
 * the CSV with the bundle through this same function.
 */
function csvCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

/** One CSV field per RFC 4180: quoted when it holds a quote, comma, CR or LF; quotes doubled. */
function csvField(raw: string): string {
  const s = csvCell(raw)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * RFC 4180 text (CRLF line ends) with a UTF-8 byte order mark first, so Excel reads Chinese;
 * every cell through `csvCell`. The one CSV writer of the portal's exports.
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return `\uFEFF${[columns, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`
}

/** Parses RFC 4180 text (a leading byte order mark is skipped). INVALID_ARGUMENT when it is not well formed. */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  let atStart = true
  while (i < s.length) {
    const c = s[i]!
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i++
        if (i < s.length && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n')
          throw new GovchainError('INVALID_ARGUMENT', `CSV: text after a closing quote at ${i}`)
        continue
      }
      field += c
      i++
      continue
    }
    if (c === '"' && atStart) {
      quoted = true
      atStart = false
      i++
    } else if (c === ',') {
      row.push(field)
      field = ''
      atStart = true
      i++
    } else if (c === '\r' || c === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      atStart = true
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1
    } else if (c === '"') {
      throw new GovchainError('INVALID_ARGUMENT', `CSV: a quote inside an unquoted field at ${i}`)
    } else {
      field += c
      atStart = false
      i++
    }
  }
  if (quoted) throw new GovchainError('INVALID_ARGUMENT', 'CSV: a quoted field is not closed')
  if (!atStart || field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/** A bundle row from a state answer the node served with `prove=true` (its JSON form). */
export function bundleProof(p: ProvenStateJson): BundleProof {
  if (p.proof === null || p.headerBytes === null || p.certificate === null)
    throw new GovchainError('PROOF_INVALID', 'the answer carries no proof (ask with prove=true)')
  return {
    module: p.module,
    key: p.key,
    value: p.value,
    height: p.height,
    proof: p.proof,
    headerBytes: p.headerBytes,
    certificate: p.certificate,
  }
}

export interface BundleVerdict {
  ok: boolean
  /** Rows whose proof and rendering checked. */
  verified: number
  rows: number
  /** Why the bundle or a row failed; row is the 1-based data row of the CSV (0: the bundle as a whole). */
  failures: { row: number; code: string; reason: string }[]
  /** The heights the rows were proven at. */
  heights: number[]
  /** Rows whose evidence `checkEvidence` checked (0 without it). */
  evidenced: number
}

const FAILURES_MAX = 100

/**
 * Checks an exported list offline against the validator set the verifier trusts. The CSV is
 * optional: without it only the bundle is checked (its rows are then what the CSV must hold).
 */
export function verifyProofBundle(input: {
  bundle: unknown
  csv?: string
  suite: CryptoSuite
  chainId: string
  trustedValidatorSet: ValidatorSet | Uint8Array
  render: RowRenderer
  /** Checks a row's `evidence`, when it carries some (without it, evidence is not looked at). */
  checkEvidence?: EvidenceCheck
}): BundleVerdict {
  const failures: BundleVerdict['failures'] = []
  const fail = (row: number, code: string, reason: string) => {
    if (failures.length < FAILURES_MAX) failures.push({ row, code, reason })
  }
  const b = input.bundle as Partial<ProofBundle> | null
  let evidenced = 0
  const verdict = (verified: number, rows: number, heights: number[]): BundleVerdict => ({
    ok: failures.length === 0 && verified === rows,
    verified,
    rows,
    failures,
    heights,
    evidenced,
  })
  if (typeof b !== 'object' || b === null || b.format !== PROOF_BUNDLE_FORMAT || !Array.isArray(b.rows)) {
    fail(0, 'INVALID_ARGUMENT', `not a ${PROOF_BUNDLE_FORMAT} bundle`)
    return verdict(0, 0, [])
  }
  if (b.chainId !== input.chainId) fail(0, 'CERTIFICATE_INVALID', `the bundle is for chain ${String(b.chainId)}`)
  const columns = Array.isArray(b.columns) ? b.columns.map(String) : []
  const light = new LightClient({
    suite: input.suite,
    chainId: input.chainId,
    trustedValidatorSet: input.trustedValidatorSet,
  })
  let verified = 0
  const heights = new Set<number>()
  const verifyState = (p: BundleProof): ProvenRecord => {
    const key = fromHex(p.key)
    const state: ProvenState = {
      module: p.module,
      key,
      value: p.value === null ? undefined : fromBase64(p.value),
      height: p.height,
      proof: fromBase64(p.proof),
      headerBytes: fromBase64(p.headerBytes),
      certificate: fromBase64(p.certificate),
    }
    const v = light.verifyState(state)
    return { module: p.module, key, value: v.value, height: v.height }
  }
  b.rows.forEach((r, i) => {
    const row = i + 1
    try {
      const p = r.proof
      const v = verifyState(p)
      const expected = input.render({ module: p.module, key: fromHex(p.key), value: v.value })
      const cells = Array.isArray(r.cells) ? r.cells.map(String) : []
      if (expected.length !== cells.length || expected.some((x, k) => x !== cells[k])) {
        const k = expected.findIndex((x, j) => x !== cells[j])
        fail(row, 'ROW_MISMATCH', `column ${columns[k] ?? k + 1} is not what the proven record says`)
        return
      }
      if (r.evidence !== undefined && r.evidence !== null && input.checkEvidence !== undefined) {
        input.checkEvidence(r.evidence, v, verifyState)
        evidenced++
      }
      heights.add(v.height)
      verified++
    } catch (e) {
      const code = e instanceof GovchainError ? e.code : 'INVALID_ARGUMENT'
      fail(row, code, e instanceof Error ? e.message : String(e))
    }
  })
  if (input.csv !== undefined) {
    let parsed: string[][] = []
    try {
      parsed = parseCsv(input.csv)
    } catch (e) {
      fail(0, 'INVALID_ARGUMENT', (e as Error).message)
    }
    const [head, ...data] = parsed
    if (head === undefined || head.join('\u0000') !== columns.map(csvCell).join('\u0000'))
      fail(0, 'ROW_MISMATCH', 'the CSV header is not the bundle’s columns')
    if (data.length !== b.rows.length)
      fail(0, 'ROW_MISMATCH', `the CSV has ${data.length} rows, the bundle ${b.rows.length}`)
    data.forEach((cells, i) => {
      const mine = b.rows?.[i]?.cells
      if (mine !== undefined && cells.join('\u0000') !== mine.map((x) => csvCell(String(x))).join('\u0000'))
        fail(i + 1, 'ROW_MISMATCH', 'the CSV row differs from the proven row')
    })
  }
  return verdict(
    verified,
    b.rows.length,
    [...heights].sort((x, y) => x - y),
  )
}
