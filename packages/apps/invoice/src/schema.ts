/**
 * The `invoice` module's wire types, state keys, error codes and the amount commitment, shared
 * by the node and by clients (browser-safe: it imports only core and the module reference).
 *
 * E-invoices (电子发票) and government receipts (财政电子票据) after Shenzhen's blockchain
 * e-invoice (docs/invoice.md, docs/adr/0021-invoice-commitments.md): the chain holds each
 * invoice's identity (code + number), its seller and buyer, a salted commitment to its amount
 * and tax and a hash of its line items; the amounts themselves travel only in the invoice file
 * the seller gives the buyer. The chain's job is the life cycle: quota, issue, red-letter
 * reversal, and the exclusive reimbursement claim that stops one invoice being claimed twice.
 */
import { moduleRef } from '@govchain/app/ref'
import { type CryptoSuite, codec, concatBytes, type ErrorInfo, hash32, registerErrors, utf8 } from '@govchain/core'
import type { InvoiceKeeper } from './module.ts'

const { literals, option, string, struct, u32, u64 } = codec

export const INVOICE_MODULE = 'invoice'
export const INVOICE_METHODS = {
  registerIssuer: 'registerIssuer',
  setQuota: 'setQuota',
  issue: 'issue',
  reverse: 'reverse',
  claim: 'claim',
  release: 'release',
} as const

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(invoiceRef)`. */
export const invoiceRef = moduleRef<InvoiceKeeper>()(INVOICE_MODULE)

export const INVOICE_LIMITS = {
  nameBytes: 128,
  didBytes: 64,
  claimRefBytes: 64,
  /** Invoices one issuer may be granted at most (a count, per grant). */
  quotaMax: 10_000_000,
} as const

/** 发票代码: 10 or 12 digits (数电发票 have none: their 20-digit number stands alone, code "0"). */
export const INVOICE_CODE_PATTERN = /^(0|[0-9]{10}|[0-9]{12})$/
/** 发票号码: 8 digits (paper-era) or 20 digits (全面数字化的电子发票). */
export const INVOICE_NUMBER_PATTERN = /^([0-9]{8}|[0-9]{20})$/
/** A reimbursement reference of the claimant's books (voucher number): no personal data. */
export const CLAIM_REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/

export const ISSUER_KINDS = ['enterprise', 'receipt-unit'] as const
export type IssuerKind = (typeof ISSUER_KINDS)[number]
export const INVOICE_KINDS = ['invoice', 'receipt'] as const
/** 红冲 reasons (the tax bureau's red-letter reasons): 销货退回, 开票有误, 服务中止, 销售折让. */
export const REVERSE_REASONS = ['sales-return', 'issued-in-error', 'service-cancelled', 'sales-discount'] as const
export const BUYER_KINDS = ['enterprise', 'person'] as const

/** The module's error codes, merged into the one catalogue (HTTP status and message). */
export const INVOICE_ERRORS = {
  INVOICE_BAD_CODE: { http: 400, message: 'invoice code must be 0, 10 or 12 digits and number 8 or 20 digits' },
  INVOICE_BAD_CREDIT_CODE: {
    http: 400,
    message: 'a unified social credit code (GB 32100-2015) with a correct check character is required',
  },
  INVOICE_BAD_BUYER: {
    http: 400,
    message: 'buyer: an enterprise by its credit code, or a person by the DID of their wallet (no other form)',
  },
  INVOICE_BAD_NAME: { http: 400, message: 'name must be 1-128 bytes of printable text' },
  INVOICE_BAD_CLAIM_REF: { http: 400, message: 'claim reference must be 1-64 characters of [A-Za-z0-9._/-]' },
  INVOICE_BAD_QUOTA: { http: 400, message: 'quota must be 0-10,000,000 invoices' },
  INVOICE_NOT_AUTHORITY: {
    http: 403,
    message: 'only the tax authority registers enterprises and grants quotas; the finance authority, receipt units',
  },
  INVOICE_ISSUER_EXISTS: { http: 409, message: 'this credit code is registered already' },
  INVOICE_ISSUER_NOT_FOUND: { http: 404, message: 'no registered issuer or claimant with this credit code' },
  INVOICE_NOT_ISSUER_KEY: { http: 403, message: 'the sender is not a current key of the issuer’s registered DID' },
  INVOICE_WRONG_KIND: {
    http: 403,
    message: 'enterprises issue invoices, finance-authorised units issue government receipts',
  },
  INVOICE_QUOTA_EXCEEDED: { http: 409, message: 'the issuer has used its whole quota' },
  INVOICE_EXISTS: { http: 409, message: 'an invoice with this code and number exists already' },
  INVOICE_NOT_FOUND: { http: 404, message: 'no invoice with this code and number' },
  INVOICE_NOT_SELLER: { http: 403, message: 'only the issuing seller may reverse its invoice' },
  INVOICE_ALREADY_REVERSED: { http: 409, message: 'the invoice was reversed (红冲) already: it is void' },
  INVOICE_CLAIM_LOCKED: {
    http: 409,
    message: 'the invoice is claimed for reimbursement: the claimant must release it before it can be reversed',
  },
  INVOICE_ALREADY_CLAIMED: {
    http: 409,
    message: 'the invoice is claimed for reimbursement already (一票多报 refused)',
  },
  INVOICE_NOT_CLAIMED: { http: 409, message: 'the invoice is not claimed' },
  INVOICE_NOT_BUYER: { http: 403, message: 'an enterprise’s invoice is claimed by that enterprise only' },
  INVOICE_NOT_CLAIMANT: { http: 403, message: 'only the organisation that claimed the invoice may release it' },
  INVOICE_NOT_CLAIMANT_KEY: {
    http: 403,
    message: 'claims come from a current key of a registered organisation’s DID',
  },
  INVOICE_VOID: { http: 409, message: 'a reversed (void) invoice cannot be claimed' },
  // The reasons of a 查验 verdict (checkInvoiceFile): catalogued like every other code a client reads.
  INVOICE_FILE_TOTALS: { http: 400, message: 'the file’s lines do not add up to its totals' },
  INVOICE_AMOUNT_MISMATCH: { http: 400, message: 'the file’s amount and tax do not open the chain’s commitment' },
  INVOICE_LINES_MISMATCH: { http: 400, message: 'the file’s line items differ from the chain’s hash of them' },
  INVOICE_SELLER_MISMATCH: { http: 400, message: 'the file’s seller is not the chain’s' },
  INVOICE_BUYER_MISMATCH: { http: 400, message: 'the file’s buyer is not the chain’s' },
  INVOICE_KIND_MISMATCH: { http: 400, message: 'the file’s kind (invoice or receipt) is not the chain’s' },
  INVOICE_REVERSED: { http: 409, message: 'the invoice was reversed (红冲): it is void' },
} as const satisfies Record<string, ErrorInfo>
registerErrors(INVOICE_MODULE, INVOICE_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof INVOICE_ERRORS, true> {}
}

const creditCode = string(18)
const did = string(INVOICE_LIMITS.didBytes)

/**
 * `registerIssuer`: the tax authority registers an enterprise (which may then issue invoices,
 * once it has a quota, and claim invoices for reimbursement); the finance authority registers a
 * unit authorised to issue government receipts. The DID is the organisation's wallet: its
 * current keys are the staff keys that sign for it.
 */
export const InvoiceRegisterIssuerArgs = struct({
  code: creditCode,
  did,
  name: string(INVOICE_LIMITS.nameBytes),
  kind: literals(ISSUER_KINDS),
})
export type InvoiceRegisterIssuerArgs = codec.Infer<typeof InvoiceRegisterIssuerArgs>

/** `setQuota`: the number of invoices the issuer may have issued in all (raised or lowered). */
export const InvoiceSetQuotaArgs = struct({ code: creditCode, quota: u32 })
export type InvoiceSetQuotaArgs = codec.Infer<typeof InvoiceSetQuotaArgs>

export const InvoiceBuyer = struct({
  kind: literals(BUYER_KINDS),
  /** The enterprise's credit code (kind enterprise). */
  code: option(creditCode),
  /** The person's wallet DID (kind person): a pseudonym the person chose, not their ID number. */
  did: option(did),
})
export type InvoiceBuyer = codec.Infer<typeof InvoiceBuyer>

export const InvoiceIssueArgs = struct({
  code: string(12),
  number: string(20),
  kind: literals(INVOICE_KINDS),
  sellerCode: creditCode,
  buyer: InvoiceBuyer,
  /** amountCommitment(...) of the amount and tax: the amounts never go on chain. */
  amountCommitment: hash32,
  /** linesHash(...) of the line items in the invoice file. */
  linesHash: hash32,
})
export type InvoiceIssueArgs = codec.Infer<typeof InvoiceIssueArgs>

export const InvoiceRef = struct({ code: string(12), number: string(20) })
export type InvoiceRef = codec.Infer<typeof InvoiceRef>

export const InvoiceReverseArgs = struct({ code: string(12), number: string(20), reason: literals(REVERSE_REASONS) })
export type InvoiceReverseArgs = codec.Infer<typeof InvoiceReverseArgs>

export const InvoiceClaimArgs = struct({
  code: string(12),
  number: string(20),
  /** The claimant organisation's credit code: its DID's current key signs. */
  claimantCode: creditCode,
  claimRef: string(INVOICE_LIMITS.claimRefBytes),
})
export type InvoiceClaimArgs = codec.Infer<typeof InvoiceClaimArgs>

// ---------------------------------------------------------------- records

export const InvoiceIssuerRecord = struct({
  code: creditCode,
  did,
  name: string(INVOICE_LIMITS.nameBytes),
  kind: literals(ISSUER_KINDS),
  quota: u32,
  issued: u32,
  registeredBy: string(64),
  height: u64,
})
export type InvoiceIssuerRecord = codec.Infer<typeof InvoiceIssuerRecord>

export const InvoiceClaim = struct({
  claimantCode: creditCode,
  claimRef: string(INVOICE_LIMITS.claimRefBytes),
  height: u64,
  timeMs: u64,
})
export type InvoiceClaim = codec.Infer<typeof InvoiceClaim>

export const InvoiceRecord = struct({
  code: string(12),
  number: string(20),
  kind: literals(INVOICE_KINDS),
  sellerCode: creditCode,
  buyer: InvoiceBuyer,
  amountCommitment: hash32,
  linesHash: hash32,
  status: literals(['issued', 'reversed'] as const),
  reverseReason: option(literals(REVERSE_REASONS)),
  claim: option(InvoiceClaim),
  issuedHeight: u64,
  issuedTimeMs: u64,
  updatedHeight: u64,
  txHash: hash32,
})
export type InvoiceRecord = codec.Infer<typeof InvoiceRecord>

/** Who may register whom (the genesis section `invoice`; defaults when absent). */
export interface InvoiceConfig {
  /** The organisation whose approvers register enterprises and grant quotas. */
  taxAuthority: string
  /** The organisation whose approvers register units that issue government receipts. */
  financeAuthority: string
}
export const DEFAULT_INVOICE_CONFIG: InvoiceConfig = { taxAuthority: 'tax', financeAuthority: 'finance' }
export const InvoiceConfigCodec = struct({ taxAuthority: string(64), financeAuthority: string(64) })

// ---------------------------------------------------------------- keys

export const INVOICE_KEYS = {
  config: (): Uint8Array => utf8('cfg'),
  issuer: (code: string): Uint8Array => utf8(`iss/${code}`),
  invoice: (code: string, number: string): Uint8Array => utf8(`inv/${code}/${number}`),
} as const

/** Node-local index prefixes (not consensus state): invoices by seller and by buyer, in issue order. */
export const INVOICE_INDEX = {
  bySeller: (sellerCode: string): Uint8Array => utf8(`s/${sellerCode}/`),
  byBuyer: (buyer: string): Uint8Array => utf8(`b/${buyer}/`),
  /** Issuers by the DID that signs for them: what the portal shows an enterprise that logs in. */
  issuersByDid: (did: string): Uint8Array => utf8(`d/${did}/`),
} as const

/** The buyer's index name: its credit code or its DID. */
export function buyerId(b: InvoiceBuyer): string {
  return b.kind === 'enterprise' ? (b.code ?? '') : (b.did ?? '')
}

// ---------------------------------------------------------------- commitments (docs/adr/0021)

/** Amounts are integers in fen (分), 0 ≤ x < 2^53; the commitment's domain separates versions. */
const AMOUNT_DOMAIN = utf8('govchain/invoice/amount/v1\n')
const LINES_DOMAIN = utf8('govchain/invoice/lines/v1\n')

export const FEN_PATTERN = /^(0|[1-9][0-9]{0,15})$/

/**
 * The salted commitment to an invoice's amount and tax: H(domain ‖ salt ‖ amount ‖ "\n" ‖ tax)
 * with the chain suite's hash (SM3 for gm, SHA-256 for intl), amounts as decimal fen. The 32-byte
 * random salt makes the commitment hiding (no guessing the amount from the hash); the hash's
 * collision resistance makes it binding (no second amount opens it).
 */
export function amountCommitment(suite: CryptoSuite, salt: Uint8Array, amountFen: number, taxFen: number): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== 32) throw new TypeError('salt must be 32 bytes')
  for (const v of [amountFen, taxFen]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError('amounts are non-negative integers of fen')
  }
  return suite.hash(concatBytes(AMOUNT_DOMAIN, salt, utf8(`${amountFen}\n${taxFen}`)))
}

/** One line of the invoice file. */
export interface InvoiceLine {
  /** Goods or service name (税收分类 name), e.g. "*信息技术服务*软件开发". */
  item: string
  quantity: string
  unitPriceFen: number
  amountFen: number
  taxRate: string
  taxFen: number
}

/** H(domain ‖ JSON of the lines in a fixed key order): what the chain records of the line items. */
export function linesHash(suite: CryptoSuite, lines: readonly InvoiceLine[]): Uint8Array {
  const canonical = lines.map((l) => [l.item, l.quantity, l.unitPriceFen, l.amountFen, l.taxRate, l.taxFen])
  return suite.hash(concatBytes(LINES_DOMAIN, utf8(JSON.stringify(canonical))))
}
