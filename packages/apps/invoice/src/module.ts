/**
 * Module `invoice`: the deterministic state machine of e-invoices and government receipts
 * (docs/invoice.md). No wall clock, randomness or I/O: everything a handler depends on is in
 * its context.
 *
 *   registerIssuer({code, did, name, kind})  the tax authority's approver registers an enterprise,
 *                       the finance authority's a receipt unit; its DID's current keys sign for it
 *   setQuota({code, quota})                  the same authority sets how many it may issue in all
 *   issue({code, number, kind, sellerCode, buyer, amountCommitment, linesHash})
 *                       a key of the seller's DID, within quota; amounts only as a commitment
 *   reverse({code, number, reason})          红冲 by the seller; refused while claimed
 *   claim({code, number, claimantCode, claimRef})
 *                       报销入账: exclusive; a second claim by anyone → INVOICE_ALREADY_CLAIMED
 *   release({code, number})                  the claimant gives its claim up
 *
 * Events: invoice.registered {code, kind}, invoice.quota {code, quota}, invoice.issued {code,
 * number, seller, kind}, invoice.reversed {code, number, reason}, invoice.claimed {code, number,
 * claimant}, invoice.released {code, number, claimant}. Keeper: { issuer(code), invoice(code, number) }.
 */
import {
  type Genesis,
  handler,
  type KeeperContext,
  type Module,
  query,
  type ReadonlyModuleState,
  type TxContext,
} from '@govchain/app'
import { codec, concatBytes, GovchainError, isCreditCode, toHex, utf8 } from '@govchain/core'
import { DID_PATTERN, identityRef } from '@govchain/identity/schema'
import {
  buyerId,
  CLAIM_REF_PATTERN,
  DEFAULT_INVOICE_CONFIG,
  INVOICE_CODE_PATTERN,
  INVOICE_ERRORS,
  INVOICE_INDEX,
  INVOICE_KEYS,
  INVOICE_LIMITS,
  INVOICE_MODULE,
  INVOICE_NUMBER_PATTERN,
  type InvoiceBuyer,
  InvoiceClaimArgs,
  type InvoiceConfig,
  InvoiceConfigCodec,
  InvoiceIssueArgs,
  InvoiceIssuerRecord,
  InvoiceRecord,
  InvoiceRef,
  InvoiceRegisterIssuerArgs,
  InvoiceReverseArgs,
  InvoiceSetQuotaArgs,
} from './schema.ts'

export interface InvoiceKeeper {
  issuer(code: string): InvoiceIssuerRecord | undefined
  invoice(code: string, number: string): InvoiceRecord | undefined
}

/** Names are public business information; no control characters, no long digit runs (ID or phone numbers). */
const NAME_FORBIDDEN = /\p{Cc}|[0-9]{6,}/u

function readConfig(state: ReadonlyModuleState): InvoiceConfig {
  const v = state.get(INVOICE_KEYS.config())
  return v === undefined ? DEFAULT_INVOICE_CONFIG : codec.decode(InvoiceConfigCodec, v)
}

function readIssuer(state: ReadonlyModuleState, code: string): InvoiceIssuerRecord | undefined {
  const v = state.get(INVOICE_KEYS.issuer(code))
  return v === undefined ? undefined : codec.decode(InvoiceIssuerRecord, v)
}

function readInvoice(state: ReadonlyModuleState, code: string, number: string): InvoiceRecord | undefined {
  const v = state.get(INVOICE_KEYS.invoice(code, number))
  return v === undefined ? undefined : codec.decode(InvoiceRecord, v)
}

function requireInvoice(ctx: TxContext, code: string, number: string): InvoiceRecord {
  if (!INVOICE_CODE_PATTERN.test(code) || !INVOICE_NUMBER_PATTERN.test(number)) ctx.fail('INVOICE_BAD_CODE')
  return readInvoice(ctx.state, code, number) ?? ctx.fail('INVOICE_NOT_FOUND', undefined, { code, number })
}

function writeInvoice(ctx: TxContext, r: InvoiceRecord): void {
  ctx.state.set(INVOICE_KEYS.invoice(r.code, r.number), codec.encode(InvoiceRecord, r))
}

/** The sender is an approver of the authority for this kind of issuer (tax: enterprises; finance: receipt units). */
function requireAuthority(ctx: TxContext, kind: InvoiceIssuerRecord['kind']): string {
  const cfg = readConfig(ctx.state)
  const org = kind === 'enterprise' ? cfg.taxAuthority : cfg.financeAuthority
  const identity = ctx.keeper(identityRef)
  const officer = identity.officerByKey(ctx.sender)
  if (officer === undefined || officer.orgId !== org) {
    ctx.fail('INVOICE_NOT_AUTHORITY', `${kind === 'enterprise' ? 'tax' : 'finance'} authority: ${org}`, { org })
  }
  return identity.requireOfficer(ctx.sender, 'approver', org).orgId
}

function checkBuyer(ctx: TxContext, b: InvoiceBuyer): void {
  const ok =
    b.kind === 'enterprise'
      ? b.code !== undefined && b.did === undefined && isCreditCode(b.code)
      : b.did !== undefined &&
        b.code === undefined &&
        DID_PATTERN.test(b.did) &&
        ctx.keeper(identityRef).did(b.did)?.status === 'active'
  if (!ok) ctx.fail('INVOICE_BAD_BUYER')
}

/** Height bound of the index order (12 digits). */
const INDEX_HEIGHT_MAX = 999_999_999_999
/** Index key suffix: newest first (the height subtracted from a fixed bound, fixed width), then the invoice. */
function indexSuffix(height: number, code: string, number: string): Uint8Array {
  return utf8(`${String(INDEX_HEIGHT_MAX - height).padStart(12, '0')}/${code}/${number}`)
}

export function renderIssuer(r: InvoiceIssuerRecord) {
  return {
    code: r.code,
    did: r.did,
    name: r.name,
    kind: r.kind,
    quota: r.quota,
    issued: r.issued,
    registeredBy: r.registeredBy,
    height: r.height,
  }
}

export function renderInvoice(r: InvoiceRecord) {
  return {
    code: r.code,
    number: r.number,
    kind: r.kind,
    sellerCode: r.sellerCode,
    buyer: { kind: r.buyer.kind, code: r.buyer.code ?? null, did: r.buyer.did ?? null },
    amountCommitment: toHex(r.amountCommitment),
    linesHash: toHex(r.linesHash),
    status: r.status,
    reverseReason: r.reverseReason ?? null,
    claim:
      r.claim === undefined
        ? null
        : {
            claimantCode: r.claim.claimantCode,
            claimRef: r.claim.claimRef,
            height: r.claim.height,
            timeMs: r.claim.timeMs,
          },
    issuedHeight: r.issuedHeight,
    issuedTimeMs: r.issuedTimeMs,
    updatedHeight: r.updatedHeight,
    txHash: toHex(r.txHash),
  }
}

/** The genesis section `invoice` ({taxAuthority, financeAuthority}); absent: tax and finance. */
function parseSection(json: unknown, genesis: Genesis): InvoiceConfig {
  const bad = (why: string): never => {
    throw new GovchainError('GENESIS_INVALID', `invoice section: ${why}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('an object')
  const o = json as Record<string, unknown>
  const orgs = new Set(genesis.organisations.map((x) => x.id))
  for (const k of Object.keys(o)) if (k !== 'taxAuthority' && k !== 'financeAuthority') bad(`unknown key ${k}`)
  const pick = (k: keyof InvoiceConfig): string => {
    const v = o[k] ?? DEFAULT_INVOICE_CONFIG[k]
    if (typeof v !== 'string' || (o[k] !== undefined && !orgs.has(v))) return bad(`${k}: a genesis organisation`)
    return v
  }
  return { taxAuthority: pick('taxAuthority'), financeAuthority: pick('financeAuthority') }
}

export const invoiceModule = {
  name: INVOICE_MODULE,
  errors: INVOICE_ERRORS,
  genesis: {
    parse: parseSection,
    default: () => DEFAULT_INVOICE_CONFIG,
    // The defaults are not written: a chain without the section holds no invoice state at genesis.
    init: (ctx, section) => {
      if (
        section.taxAuthority !== DEFAULT_INVOICE_CONFIG.taxAuthority ||
        section.financeAuthority !== DEFAULT_INVOICE_CONFIG.financeAuthority
      ) {
        ctx.state.set(INVOICE_KEYS.config(), codec.encode(InvoiceConfigCodec, section))
      }
    },
  },
  events: {
    registered: { description: 'an issuer was registered', attributes: ['code', 'kind'] },
    quota: { description: "an issuer's quota was set", attributes: ['code', 'quota'] },
    issued: { description: 'an invoice was issued', attributes: ['code', 'number', 'seller', 'kind'] },
    reversed: { description: 'an invoice was reversed (红冲)', attributes: ['code', 'number', 'reason'] },
    claimed: { description: 'an invoice was claimed for reimbursement', attributes: ['code', 'number', 'claimant'] },
    released: { description: 'a reimbursement claim was released', attributes: ['code', 'number', 'claimant'] },
  },
  handlers: {
    registerIssuer: handler(InvoiceRegisterIssuerArgs, (ctx, a) => {
      if (!isCreditCode(a.code)) ctx.fail('INVOICE_BAD_CREDIT_CODE', undefined, { code: a.code })
      const nameBytes = utf8(a.name).length
      if (nameBytes === 0 || nameBytes > INVOICE_LIMITS.nameBytes || NAME_FORBIDDEN.test(a.name))
        ctx.fail('INVOICE_BAD_NAME')
      const org = requireAuthority(ctx, a.kind)
      if (!DID_PATTERN.test(a.did) || ctx.keeper(identityRef).did(a.did)?.status !== 'active') {
        ctx.fail('IDENTITY_DID_NOT_FOUND', undefined, { did: a.did })
      }
      if (ctx.state.has(INVOICE_KEYS.issuer(a.code))) ctx.fail('INVOICE_ISSUER_EXISTS', undefined, { code: a.code })
      const r: InvoiceIssuerRecord = { ...a, quota: 0, issued: 0, registeredBy: org, height: ctx.height }
      ctx.state.set(INVOICE_KEYS.issuer(a.code), codec.encode(InvoiceIssuerRecord, r))
      ctx.index(concatBytes(INVOICE_INDEX.issuersByDid(a.did), utf8(a.code)), utf8(a.code))
      ctx.emit('registered', { code: a.code, kind: a.kind })
    }),
    setQuota: handler(InvoiceSetQuotaArgs, (ctx, a) => {
      const r = readIssuer(ctx.state, a.code) ?? ctx.fail('INVOICE_ISSUER_NOT_FOUND', undefined, { code: a.code })
      if (a.quota > INVOICE_LIMITS.quotaMax) ctx.fail('INVOICE_BAD_QUOTA')
      requireAuthority(ctx, r.kind)
      ctx.state.set(INVOICE_KEYS.issuer(a.code), codec.encode(InvoiceIssuerRecord, { ...r, quota: a.quota }))
      ctx.emit('quota', { code: a.code, quota: String(a.quota) })
    }),
    issue: handler(InvoiceIssueArgs, (ctx, a) => {
      if (!INVOICE_CODE_PATTERN.test(a.code) || !INVOICE_NUMBER_PATTERN.test(a.number)) ctx.fail('INVOICE_BAD_CODE')
      const seller =
        readIssuer(ctx.state, a.sellerCode) ?? ctx.fail('INVOICE_ISSUER_NOT_FOUND', undefined, { code: a.sellerCode })
      if (!ctx.keeper(identityRef).isDidKey(seller.did, ctx.sender)) ctx.fail('INVOICE_NOT_ISSUER_KEY')
      if ((seller.kind === 'enterprise') !== (a.kind === 'invoice')) ctx.fail('INVOICE_WRONG_KIND')
      checkBuyer(ctx, a.buyer)
      if (ctx.state.has(INVOICE_KEYS.invoice(a.code, a.number))) {
        ctx.fail('INVOICE_EXISTS', undefined, { code: a.code, number: a.number })
      }
      if (seller.issued >= seller.quota) {
        ctx.fail('INVOICE_QUOTA_EXCEEDED', undefined, { quota: seller.quota, issued: seller.issued })
      }
      const r: InvoiceRecord = {
        code: a.code,
        number: a.number,
        kind: a.kind,
        sellerCode: a.sellerCode,
        buyer: a.buyer,
        amountCommitment: a.amountCommitment,
        linesHash: a.linesHash,
        status: 'issued',
        issuedHeight: ctx.height,
        issuedTimeMs: ctx.timeMs,
        updatedHeight: ctx.height,
        txHash: ctx.txHash,
      }
      writeInvoice(ctx, r)
      ctx.state.set(
        INVOICE_KEYS.issuer(seller.code),
        codec.encode(InvoiceIssuerRecord, { ...seller, issued: seller.issued + 1 }),
      )
      const ref = INVOICE_KEYS.invoice(a.code, a.number)
      const suffix = indexSuffix(ctx.height, a.code, a.number)
      ctx.index(concatBytes(INVOICE_INDEX.bySeller(a.sellerCode), suffix), ref)
      ctx.index(concatBytes(INVOICE_INDEX.byBuyer(buyerId(a.buyer)), suffix), ref)
      ctx.emit('issued', { code: a.code, number: a.number, seller: a.sellerCode, kind: a.kind })
    }),
    reverse: handler(InvoiceReverseArgs, (ctx, a) => {
      const r = requireInvoice(ctx, a.code, a.number)
      const seller = readIssuer(ctx.state, r.sellerCode)
      if (seller === undefined || !ctx.keeper(identityRef).isDidKey(seller.did, ctx.sender)) {
        ctx.fail('INVOICE_NOT_SELLER')
      }
      if (r.status === 'reversed') ctx.fail('INVOICE_ALREADY_REVERSED')
      if (r.claim !== undefined) ctx.fail('INVOICE_CLAIM_LOCKED', undefined, { claimedHeight: r.claim.height })
      writeInvoice(ctx, { ...r, status: 'reversed', reverseReason: a.reason, updatedHeight: ctx.height })
      ctx.emit('reversed', { code: a.code, number: a.number, reason: a.reason })
    }),
    claim: handler(InvoiceClaimArgs, (ctx, a) => {
      const r = requireInvoice(ctx, a.code, a.number)
      if (r.status === 'reversed') ctx.fail('INVOICE_VOID')
      // Checked before who asks: a second claim fails the same way whoever makes it.
      if (r.claim !== undefined) ctx.fail('INVOICE_ALREADY_CLAIMED', undefined, { claimedHeight: r.claim.height })
      if (!CLAIM_REF_PATTERN.test(a.claimRef)) ctx.fail('INVOICE_BAD_CLAIM_REF')
      const claimant =
        readIssuer(ctx.state, a.claimantCode) ??
        ctx.fail('INVOICE_ISSUER_NOT_FOUND', undefined, { code: a.claimantCode })
      if (!ctx.keeper(identityRef).isDidKey(claimant.did, ctx.sender)) ctx.fail('INVOICE_NOT_CLAIMANT_KEY')
      // An enterprise's invoice is booked by that enterprise; a person's, by whoever reimburses them.
      if (r.buyer.kind === 'enterprise' && r.buyer.code !== a.claimantCode) ctx.fail('INVOICE_NOT_BUYER')
      writeInvoice(ctx, {
        ...r,
        claim: { claimantCode: a.claimantCode, claimRef: a.claimRef, height: ctx.height, timeMs: ctx.timeMs },
        updatedHeight: ctx.height,
      })
      ctx.emit('claimed', { code: a.code, number: a.number, claimant: a.claimantCode })
    }),
    release: handler(InvoiceRef, (ctx, a) => {
      const { claim, ...rest } = requireInvoice(ctx, a.code, a.number)
      if (claim === undefined) return ctx.fail('INVOICE_NOT_CLAIMED')
      const claimant = readIssuer(ctx.state, claim.claimantCode)
      if (claimant === undefined || !ctx.keeper(identityRef).isDidKey(claimant.did, ctx.sender)) {
        ctx.fail('INVOICE_NOT_CLAIMANT')
      }
      writeInvoice(ctx, { ...rest, updatedHeight: ctx.height })
      ctx.emit('released', { code: a.code, number: a.number, claimant: claim.claimantCode })
    }),
  },
  queries: {
    issuer: query(
      codec.string(18),
      (code) => INVOICE_KEYS.issuer(code),
      (value) => (value === undefined ? undefined : renderIssuer(codec.decode(InvoiceIssuerRecord, value))),
    ),
    invoice: query(
      InvoiceRef,
      (a) => INVOICE_KEYS.invoice(a.code, a.number),
      (value) => (value === undefined ? undefined : renderInvoice(codec.decode(InvoiceRecord, value))),
    ),
  },
  keeper: (ctx: KeeperContext): InvoiceKeeper => ({
    issuer: (code) => readIssuer(ctx.state, code),
    invoice: (code, number) => readInvoice(ctx.state, code, number),
  }),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key)
    if (k.startsWith('iss/')) return renderIssuer(codec.decode(InvoiceIssuerRecord, value))
    if (k.startsWith('inv/')) return renderInvoice(codec.decode(InvoiceRecord, value))
    return codec.decode(InvoiceConfigCodec, value)
  },
} satisfies Module
