/**
 * Client side of the `invoice` module (re-exported by the SDK): one transaction builder per
 * method, the invoice file a seller hands the buyer (JSON with the amounts, the line items and
 * the commitment's salt), and the check of a file against the chain's record (查验), which
 * anyone holding the file can run.
 */
import { type BuiltTx, moduleTx, type TxCommon } from '@govchain/client'
import {
  type CryptoSuite,
  type codec,
  fromHex,
  GovchainError,
  packQrPayload,
  toHex,
  unpackQrPayload,
} from '@govchain/core'
import { strFromU8, strToU8 } from 'fflate'
import {
  amountCommitment,
  FEN_PATTERN,
  INVOICE_METHODS,
  INVOICE_MODULE,
  type InvoiceBuyer,
  InvoiceClaimArgs,
  InvoiceIssueArgs,
  type InvoiceLine,
  InvoiceRef,
  InvoiceRegisterIssuerArgs,
  InvoiceReverseArgs,
  InvoiceSetQuotaArgs,
  type ISSUER_KINDS,
  linesHash,
  type REVERSE_REASONS,
} from './schema.ts'

const tx = <A>(o: TxCommon, method: string, argsCodec: codec.Codec<A>, args: A): BuiltTx =>
  moduleTx(INVOICE_MODULE, o, method, argsCodec, args)

/** The tax (enterprise) or finance (receipt unit) authority's approver registers an issuer. */
export function invoiceRegisterIssuer(
  o: TxCommon & { code: string; did: string; name: string; kind: (typeof ISSUER_KINDS)[number] },
): BuiltTx {
  return tx(o, INVOICE_METHODS.registerIssuer, InvoiceRegisterIssuerArgs, {
    code: o.code,
    did: o.did,
    name: o.name,
    kind: o.kind,
  })
}

export function invoiceSetQuota(o: TxCommon & { code: string; quota: number }): BuiltTx {
  return tx(o, INVOICE_METHODS.setQuota, InvoiceSetQuotaArgs, { code: o.code, quota: o.quota })
}

export function invoiceReverse(
  o: TxCommon & { code: string; number: string; reason: (typeof REVERSE_REASONS)[number] },
): BuiltTx {
  return tx(o, INVOICE_METHODS.reverse, InvoiceReverseArgs, { code: o.code, number: o.number, reason: o.reason })
}

export function invoiceClaim(
  o: TxCommon & { code: string; number: string; claimantCode: string; claimRef: string },
): BuiltTx {
  return tx(o, INVOICE_METHODS.claim, InvoiceClaimArgs, {
    code: o.code,
    number: o.number,
    claimantCode: o.claimantCode,
    claimRef: o.claimRef,
  })
}

export function invoiceRelease(o: TxCommon & { code: string; number: string }): BuiltTx {
  return tx(o, INVOICE_METHODS.release, InvoiceRef, { code: o.code, number: o.number })
}

// ---------------------------------------------------------------- the invoice file

export const INVOICE_FILE_FORMAT = 'govchain-invoice/1'

/** What the seller gives the buyer (JSON; a PDF rendering may accompany it). Holds the amounts: never on chain. */
export interface InvoiceFile {
  format: typeof INVOICE_FILE_FORMAT
  chainId: string
  kind: 'invoice' | 'receipt'
  code: string
  number: string
  seller: { code: string; name: string }
  buyer: { kind: 'enterprise' | 'person'; code?: string; did?: string; name: string }
  /** Issue date as the seller prints it (YYYY-MM-DD); the chain's record holds the block time. */
  date: string
  lines: InvoiceLine[]
  amountFen: number
  taxFen: number
  /** The commitment's salt, hex (32 bytes). */
  salt: string
}

/**
 * The seller's side of issuing: the file (with a fresh salt) and the signed transaction. Amount
 * and tax are the sums of the lines; they reach the chain only as the commitment.
 */
export function invoiceIssue(
  o: TxCommon & {
    kind: 'invoice' | 'receipt'
    code: string
    number: string
    seller: { code: string; name: string }
    buyer: InvoiceFile['buyer']
    date: string
    lines: InvoiceLine[]
    /** 32 random bytes; default: from the platform's CSPRNG (WebCrypto). */
    salt?: Uint8Array
  },
): { file: InvoiceFile; tx: BuiltTx } {
  const amountFen = o.lines.reduce((n, l) => n + l.amountFen, 0)
  const taxFen = o.lines.reduce((n, l) => n + l.taxFen, 0)
  const salt = o.salt ?? globalThis.crypto.getRandomValues(new Uint8Array(32))
  const buyer: InvoiceBuyer =
    o.buyer.kind === 'enterprise'
      ? { kind: 'enterprise', ...(o.buyer.code === undefined ? {} : { code: o.buyer.code }) }
      : { kind: 'person', ...(o.buyer.did === undefined ? {} : { did: o.buyer.did }) }
  const file: InvoiceFile = {
    format: INVOICE_FILE_FORMAT,
    chainId: o.chainId,
    kind: o.kind,
    code: o.code,
    number: o.number,
    seller: o.seller,
    buyer: o.buyer,
    date: o.date,
    lines: o.lines,
    amountFen,
    taxFen,
    salt: toHex(salt),
  }
  const built = tx(o, INVOICE_METHODS.issue, InvoiceIssueArgs, {
    code: o.code,
    number: o.number,
    kind: o.kind,
    sellerCode: o.seller.code,
    buyer,
    amountCommitment: amountCommitment(o.suite, salt, amountFen, taxFen),
    linesHash: linesHash(o.suite, o.lines),
  })
  return { file, tx: built }
}

const QR_PREFIX = 'GCI1:'
const QR_CHARS_MAX = 4296
const QR_INFLATED_MAX = 32 * 1024

/**
 * The invoice file as a QR payload: `GCI1:` + base45(deflate(JSON)). Printed on the invoice PDF,
 * so the buyer's finance office checks (查验) and claims from the paper or a scan of it.
 */
export function invoiceQr(file: InvoiceFile): string {
  return packQrPayload(QR_PREFIX, strToU8(JSON.stringify(file)))
}

/** The invoice file a `GCI1:` payload carries; INVALID_ARGUMENT if it is not one (bounded inflate). */
export function decodeInvoiceQr(text: string): InvoiceFile {
  const bad = (why: string) => new GovchainError('INVALID_ARGUMENT', `not an invoice QR payload: ${why}`)
  const json = strFromU8(
    unpackQrPayload(text, QR_PREFIX, { maxChars: QR_CHARS_MAX, maxInflatedBytes: QR_INFLATED_MAX }, bad),
  )
  return invoiceFileOf(json, bad)
}

/** The invoice file in `json` (a QR's or a file's text); `bad(why)` is thrown if it is not one. */
export function invoiceFileOf(json: string, bad: (why: string) => Error): InvoiceFile {
  let file: InvoiceFile
  try {
    file = JSON.parse(json) as InvoiceFile
  } catch {
    throw bad('not JSON')
  }
  if (file?.format !== INVOICE_FILE_FORMAT) throw bad(`not a ${INVOICE_FILE_FORMAT} file`)
  if (!isInvoiceFileShape(file)) throw bad('a field is missing or of the wrong type')
  return file
}

/**
 * The shape checkInvoiceFile reads (as the /verify route's schema requires it): a payload that
 * only claims the format, with a field missing or of another type, is refused here rather than
 * failing with a TypeError in the check (found by fuzzing, issue 19).
 */
function isInvoiceFileShape(f: InvoiceFile): boolean {
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  const str = (v: unknown) => typeof v === 'string'
  const fen = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
  return (
    obj(f) &&
    (f.kind === 'invoice' || f.kind === 'receipt') &&
    str(f.code) &&
    str(f.number) &&
    obj(f.seller) &&
    str(f.seller.code) &&
    obj(f.buyer) &&
    (f.buyer.kind === 'enterprise' || f.buyer.kind === 'person') &&
    Array.isArray(f.lines) &&
    f.lines.length <= 1000 &&
    f.lines.every(
      (l) =>
        obj(l) &&
        str(l.item) &&
        str(l.quantity) &&
        str(l.taxRate) &&
        fen(l.unitPriceFen) &&
        fen(l.amountFen) &&
        fen(l.taxFen),
    ) &&
    fen(f.amountFen) &&
    fen(f.taxFen) &&
    str(f.salt)
  )
}

/** The chain's record of an invoice as the API renders it (the fields the check needs). */
export interface InvoiceRecordView {
  code: string
  number: string
  kind: 'invoice' | 'receipt'
  sellerCode: string
  buyer: { kind: 'enterprise' | 'person'; code: string | null; did: string | null }
  amountCommitment: string
  linesHash: string
  status: 'issued' | 'reversed'
  reverseReason: string | null
  claim: { claimantCode: string; claimRef: string; height: number; timeMs: number } | null
}

export type InvoiceVerdict = 'valid' | 'void' | 'mismatch' | 'not-found'

export interface InvoiceCheck {
  verdict: InvoiceVerdict
  /** Stable codes of what did not match (or INVOICE_REVERSED for a void invoice). */
  reasons: string[]
  /** Claimed for reimbursement (by whom, at which height), when it is. */
  claimed: { claimantCode: string; height: number } | null
}

/**
 * 查验: does this file open the chain's record? Checks the commitment to amount and tax (with
 * the file's salt), the hash of the lines, that the lines add up, the seller, buyer and kind.
 * `record` undefined: no such invoice on chain (a forgery, or another chain).
 */
export function checkInvoiceFile(
  suite: CryptoSuite,
  file: InvoiceFile,
  record: InvoiceRecordView | undefined,
): InvoiceCheck {
  if (record === undefined) return { verdict: 'not-found', reasons: ['INVOICE_NOT_FOUND'], claimed: null }
  const reasons: string[] = []
  const sumAmount = file.lines.reduce((n, l) => n + l.amountFen, 0)
  const sumTax = file.lines.reduce((n, l) => n + l.taxFen, 0)
  if (sumAmount !== file.amountFen || sumTax !== file.taxFen) reasons.push('INVOICE_FILE_TOTALS')
  let commitmentOk = false
  try {
    if (!/^[0-9a-f]{64}$/.test(file.salt) || !FEN_PATTERN.test(String(file.amountFen))) throw new Error('malformed')
    commitmentOk =
      toHex(amountCommitment(suite, fromHex(file.salt), file.amountFen, file.taxFen)) === record.amountCommitment
  } catch {
    commitmentOk = false
  }
  if (!commitmentOk) reasons.push('INVOICE_AMOUNT_MISMATCH')
  let linesOk = false
  try {
    linesOk = toHex(linesHash(suite, file.lines)) === record.linesHash
  } catch {
    linesOk = false
  }
  if (!linesOk) reasons.push('INVOICE_LINES_MISMATCH')
  if (file.seller.code !== record.sellerCode) reasons.push('INVOICE_SELLER_MISMATCH')
  const buyerOk =
    file.buyer.kind === record.buyer.kind &&
    (record.buyer.kind === 'enterprise' ? file.buyer.code === record.buyer.code : file.buyer.did === record.buyer.did)
  if (!buyerOk) reasons.push('INVOICE_BUYER_MISMATCH')
  if (file.kind !== record.kind) reasons.push('INVOICE_KIND_MISMATCH')
  const claimed =
    record.claim === null ? null : { claimantCode: record.claim.claimantCode, height: record.claim.height }
  if (reasons.length > 0) return { verdict: 'mismatch', reasons, claimed }
  if (record.status === 'reversed') return { verdict: 'void', reasons: ['INVOICE_REVERSED'], claimed }
  return { verdict: 'valid', reasons: [], claimed }
}
