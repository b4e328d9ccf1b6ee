/**
 * `govchain invoice …`: the module's commands (docs/invoice.md). Key files, the signer and the
 * commit wait come through `ctx` (@govchain/app/cli, ADR 0020).
 *
 *   register  the tax (enterprise) or finance (receipt unit) authority registers an issuer
 *   quota     the same authority sets an issuer's quota
 *   issue     the seller issues from a JSON draft; writes the invoice file for the buyer
 *   reverse   红冲 by the seller, with a reason
 *   claim     报销入账: the buyer (or a person's employer) claims exclusively
 *   release   the claimant gives its claim up
 *   verify    查验 of an invoice file against the chain (exit 1: not valid)
 *   show      an invoice's record; list: a seller's or buyer's invoices, page by page
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { getAnswer, requestAnswer } from '@govchain/app/answer'
import type { CliContext } from '@govchain/app/cli'
import { GovchainError } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'
import { Errors } from '@sinclair/typebox/errors'
import { Check } from '@sinclair/typebox/value'
import type { Command } from 'commander'
import {
  decodeInvoiceQr,
  type InvoiceFile,
  invoiceClaim,
  invoiceFileOf,
  invoiceIssue,
  invoiceRegisterIssuer,
  invoiceRelease,
  invoiceReverse,
  invoiceSetQuota,
} from './client.ts'
import { printInvoicePdf } from './pdf.ts'
import { ISSUER_KINDS, REVERSE_REASONS } from './schema.ts'
import { InvoiceAnswer, InvoiceCheckAnswer, InvoicePage, type InvoiceView } from './views.ts'

const NODE = 'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or local)'

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    throw new GovchainError('INVALID_ARGUMENT', `${what} ${path}: ${(e as Error).message}`)
  }
}

/** An invoice file (what `invoice issue` wrote); INVALID_ARGUMENT naming the file if it is not one. */
export function readInvoiceFile(path: string): InvoiceFile {
  return invoiceFileOf(
    readText(path, 'invoice file'),
    (why) => new GovchainError('INVALID_ARGUMENT', `invoice file ${path}: ${why}`),
  )
}

const Fen = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

/** The draft `invoice issue --draft` takes: the invoice file less what issuing adds (amounts, salt, chain). */
const InvoiceDraft = Type.Object({
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('receipt')]),
  code: Type.String(),
  number: Type.String(),
  seller: Type.Object({ code: Type.String(), name: Type.String() }),
  buyer: Type.Object({
    kind: Type.Union([Type.Literal('enterprise'), Type.Literal('person')]),
    code: Type.Optional(Type.String()),
    did: Type.Optional(Type.String()),
    name: Type.String(),
  }),
  date: Type.String(),
  lines: Type.Array(
    Type.Object({
      item: Type.String(),
      quantity: Type.String(),
      unitPriceFen: Fen,
      amountFen: Fen,
      taxRate: Type.String(),
      taxFen: Fen,
    }),
    { maxItems: 1000 },
  ),
})

/** An issue draft; INVALID_ARGUMENT naming the file and the first field that does not fit. */
export function readDraft(path: string): Static<typeof InvoiceDraft> {
  let j: unknown
  try {
    j = JSON.parse(readText(path, 'draft'))
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw new GovchainError('INVALID_ARGUMENT', `draft ${path}: not JSON`)
  }
  if (!Check(InvoiceDraft, j)) {
    const first = Errors(InvoiceDraft, j).First()
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `draft ${path}: ${first === undefined ? 'not a draft' : `${first.path || '/'} ${first.message}`}`,
    )
  }
  return j
}

/** `--limit`: a whole number ≥ 1, or absent (no limit). */
function limitOf(v: string | undefined): number {
  if (v === undefined) return Number.POSITIVE_INFINITY
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 1) throw new GovchainError('INVALID_ARGUMENT', '--limit: a whole number ≥ 1')
  return n
}

function oneOf<T extends string>(v: string, values: readonly T[], flag: string): T {
  if (!(values as readonly string[]).includes(v)) {
    throw new GovchainError('INVALID_ARGUMENT', `${flag} must be one of ${values.join(', ')}`)
  }
  return v as T
}

function printInvoice(out: (l: string) => void, v: InvoiceView): void {
  out(`invoice   ${v.code} ${v.number} (${v.kind})`)
  out(`seller    ${v.sellerCode}`)
  out(`buyer     ${v.buyer.kind} ${v.buyer.code ?? v.buyer.did}`)
  out(`status    ${v.status}${v.reverseReason === null ? '' : ` (${v.reverseReason})`}`)
  out(`claim     ${v.claim === null ? '—' : `${v.claim.claimantCode} ${v.claim.claimRef} at height ${v.claim.height}`}`)
  out(`issued    height ${v.issuedHeight}`)
}

async function writePdf(file: InvoiceFile, path: string, out: (l: string) => void): Promise<void> {
  const printed = await printInvoicePdf(file)
  writeFileSync(path, printed.pdf)
  out(
    `${path}: ${printed.pdf.length} bytes, QR ${printed.qrPayload.length} chars${printed.cjkFont ? '' : ' (no CJK font found: English labels)'}`,
  )
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('invoice')
    .description('e-invoices and government receipts: quota, issue, 红冲, exclusive claims, 查验')
  registerRegister(cmd, ctx)
  registerQuota(cmd, ctx)
  registerIssue(cmd, ctx)
  registerPdf(cmd, ctx)
  registerReverse(cmd, ctx)
  registerClaim(cmd, ctx)
  registerRelease(cmd, ctx)
  registerVerify(cmd, ctx)
  registerShow(cmd, ctx)
  registerList(cmd, ctx)
}

function registerRegister(cmd: Command, ctx: CliContext): void {
  cmd
    .command('register')
    .description('register an enterprise (tax authority) or a receipt unit (finance authority)')
    .requiredOption('--key <file>', "an approver officer's key file of the authority")
    .requiredOption('--code <uscc>', 'unified social credit code')
    .requiredOption('--did <did>', "the organisation's DID (its current keys sign for it)")
    .requiredOption('--name <name>', 'registered name')
    .option('--kind <kind>', `${ISSUER_KINDS.join(' | ')}`, 'enterprise')
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; code: string; did: string; name: string; kind: string; node?: string }) => {
      const { client, common } = await ctx.signer(o)
      const kind = oneOf(o.kind, ISSUER_KINDS, '--kind')
      await ctx.submitAndWait(
        client,
        invoiceRegisterIssuer({ ...common, code: o.code, did: o.did, name: o.name, kind }),
      )
    })
}

function registerQuota(cmd: Command, ctx: CliContext): void {
  cmd
    .command('quota')
    .description("set how many invoices an issuer may have issued in all (the authority's approver)")
    .requiredOption('--key <file>', "an approver officer's key file of the authority")
    .requiredOption('--code <uscc>', "the issuer's credit code")
    .requiredOption('--quota <n>', 'invoices in all (0-10,000,000)')
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; code: string; quota: string; node?: string }) => {
      const quota = Number(o.quota)
      if (!Number.isInteger(quota) || quota < 0) throw new GovchainError('INVALID_ARGUMENT', '--quota: a whole number')
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(client, invoiceSetQuota({ ...common, code: o.code, quota }))
    })
}

function registerIssue(cmd: Command, ctx: CliContext): void {
  cmd
    .command('issue')
    .description('issue from a JSON draft; writes the invoice file (with the amounts) for the buyer')
    .requiredOption('--key <file>', "a current key of the seller's DID")
    .requiredOption(
      '--draft <file>',
      'JSON: {kind, code, number, seller:{code,name}, buyer:{kind,code|did,name}, date, lines:[…]}',
    )
    .requiredOption('--out <file>', 'where to write the invoice file')
    .option('--pdf <file>', 'also print it as a PDF whose QR carries the file')
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; draft: string; out: string; pdf?: string; node?: string }) => {
      const d = readDraft(o.draft)
      const { client, common } = await ctx.signer(o)
      const { file, tx } = invoiceIssue({ ...common, ...d })
      await ctx.submitAndWait(client, tx)
      writeFileSync(o.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
      ctx.out(
        `invoice file ${o.out} (amount ${(file.amountFen / 100).toFixed(2)}, tax ${(file.taxFen / 100).toFixed(2)})`,
      )
      if (o.pdf !== undefined) await writePdf(file, o.pdf, ctx.out)
    })
}

function registerPdf(cmd: Command, ctx: CliContext): void {
  cmd
    .command('pdf')
    .description('print an invoice file as a PDF (版式文件) whose QR carries the file')
    .requiredOption('--file <file>', 'the invoice file (JSON)')
    .requiredOption('--out <file>', 'the PDF to write')
    .action(async (o: { file: string; out: string }) => {
      await writePdf(readInvoiceFile(o.file), o.out, ctx.out)
    })
}

function registerReverse(cmd: Command, ctx: CliContext): void {
  cmd
    .command('reverse')
    .description('红冲: the seller reverses an invoice (refused while it is claimed)')
    .requiredOption('--key <file>', "a current key of the seller's DID")
    .requiredOption('--code <code>', '发票代码')
    .requiredOption('--number <number>', '发票号码')
    .requiredOption('--reason <reason>', REVERSE_REASONS.join(' | '))
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; code: string; number: string; reason: string; node?: string }) => {
      const reason = oneOf(o.reason, REVERSE_REASONS, '--reason')
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(client, invoiceReverse({ ...common, code: o.code, number: o.number, reason }))
    })
}

function registerClaim(cmd: Command, ctx: CliContext): void {
  cmd
    .command('claim')
    .description('报销入账: claim an invoice exclusively (a second claim by anyone is refused)')
    .requiredOption('--key <file>', "a current key of the claimant organisation's DID")
    .requiredOption('--code <code>', '发票代码')
    .requiredOption('--number <number>', '发票号码')
    .requiredOption('--claimant <uscc>', "the claimant's credit code")
    .requiredOption('--ref <ref>', 'the voucher number in the claimant’s books')
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; code: string; number: string; claimant: string; ref: string; node?: string }) => {
      const { client, common } = await ctx.signer(o)
      const tx = invoiceClaim({ ...common, code: o.code, number: o.number, claimantCode: o.claimant, claimRef: o.ref })
      await ctx.submitAndWait(client, tx)
    })
}

function registerRelease(cmd: Command, ctx: CliContext): void {
  cmd
    .command('release')
    .description('give a claim up (the claimant only)')
    .requiredOption('--key <file>', "a current key of the claimant organisation's DID")
    .requiredOption('--code <code>', '发票代码')
    .requiredOption('--number <number>', '发票号码')
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; code: string; number: string; node?: string }) => {
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(client, invoiceRelease({ ...common, code: o.code, number: o.number }))
    })
}

function registerVerify(cmd: Command, ctx: CliContext): void {
  cmd
    .command('verify')
    .description('查验: check an invoice file against the chain (exit 1 unless valid)')
    .option('--file <file>', 'the invoice file')
    .option('--qr <text|file>', 'the QR printed on the invoice PDF (GCI1:…), as text or a file holding it')
    .option('--json', 'print JSON')
    .option('--node <urls>', NODE)
    .action(async (o: { file?: string; qr?: string; json?: boolean; node?: string }) => {
      if ((o.file === undefined) === (o.qr === undefined)) {
        throw new GovchainError('INVALID_ARGUMENT', 'give --file or --qr')
      }
      const file =
        o.file !== undefined
          ? readInvoiceFile(o.file)
          : decodeInvoiceQr(o.qr!.startsWith('GCI1:') ? o.qr! : readFileSync(o.qr!, 'utf8').trim())
      const answer = await requestAnswer(ctx.client(o).transport, 'POST', '/v1/invoice/verify', InvoiceCheckAnswer, {
        file,
      })
      if (o.json) ctx.out(JSON.stringify(answer, null, 2))
      else {
        const mark = answer.verdict === 'valid' ? '✔' : '✘'
        ctx.out(`${mark} ${answer.verdict} (checked at height ${answer.height})`)
        for (const r of answer.reasons) ctx.out(`  ${r}`)
        if (answer.claimed !== null)
          ctx.out(`  claimed by ${answer.claimed.claimantCode} at height ${answer.claimed.height}`)
      }
      if (answer.verdict !== 'valid') ctx.setExitCode(1)
    })
}

function registerShow(cmd: Command, ctx: CliContext): void {
  cmd
    .command('show')
    .description("an invoice's record (status, claim; never the amounts)")
    .requiredOption('--code <code>', '发票代码')
    .requiredOption('--number <number>', '发票号码')
    .option('--json', 'print JSON')
    .option('--node <urls>', NODE)
    .action(async (o: { code: string; number: string; json?: boolean; node?: string }) => {
      const j = await getAnswer(
        ctx.client(o),
        `/v1/invoice/invoices/${encodeURIComponent(o.code)}/${encodeURIComponent(o.number)}`,
        InvoiceAnswer,
      )
      if (o.json) ctx.out(JSON.stringify(j.invoice, null, 2))
      else printInvoice(ctx.out, j.invoice)
    })
}

function registerList(cmd: Command, ctx: CliContext): void {
  cmd
    .command('list')
    .description("a seller's or a buyer's invoices, newest first (all pages unless --limit)")
    .option('--seller <uscc>', "the seller's credit code")
    .option('--buyer <uscc|did>', "the buyer's credit code or wallet DID")
    .option('--limit <n>', 'at most this many')
    .option('--node <urls>', NODE)
    .action(async (o: { seller?: string; buyer?: string; limit?: string; node?: string }) => {
      if ((o.seller === undefined) === (o.buyer === undefined)) {
        throw new GovchainError('INVALID_ARGUMENT', 'give --seller or --buyer')
      }
      const max = limitOf(o.limit)
      const client = ctx.client(o)
      let after: string | null | undefined
      let shown = 0
      do {
        const q = new URLSearchParams(o.seller !== undefined ? { seller: o.seller } : { buyer: o.buyer! })
        if (after) q.set('after', after)
        const page = await getAnswer(client, `/v1/invoice/invoices?${q}`, InvoicePage)
        for (const v of page.items) {
          if (shown++ >= max) return
          ctx.out(
            `${v.code} ${v.number}  ${v.kind}  ${v.status}${v.claim === null ? '' : '  claimed'}  height ${v.issuedHeight}`,
          )
        }
        after = page.next
      } while (after)
    })
}
