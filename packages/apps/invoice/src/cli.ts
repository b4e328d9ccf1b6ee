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
import type { Command } from 'commander'
import {
  decodeInvoiceQr,
  type InvoiceFile,
  invoiceClaim,
  invoiceIssue,
  invoiceRegisterIssuer,
  invoiceRelease,
  invoiceReverse,
  invoiceSetQuota,
} from './client.ts'
import { printInvoicePdf } from './pdf.ts'
import { type InvoiceLine, ISSUER_KINDS, REVERSE_REASONS } from './schema.ts'
import { InvoiceAnswer, InvoiceCheckAnswer, InvoicePage, type InvoiceView } from './views.ts'

const NODE = 'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or local)'

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (e) {
    throw new GovchainError('INVALID_ARGUMENT', `${what} ${path}: ${(e as Error).message}`)
  }
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
  const out = (l: string) => ctx.out(l)
  const cmd = program
    .command('invoice')
    .description('e-invoices and government receipts: quota, issue, 红冲, exclusive claims, 查验')

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
      const d = readJson<
        Omit<InvoiceFile, 'format' | 'chainId' | 'amountFen' | 'taxFen' | 'salt'> & { lines: InvoiceLine[] }
      >(o.draft, 'draft')
      const { client, common } = await ctx.signer(o)
      const { file, tx } = invoiceIssue({ ...common, ...d })
      await ctx.submitAndWait(client, tx)
      writeFileSync(o.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
      out(`invoice file ${o.out} (amount ${(file.amountFen / 100).toFixed(2)}, tax ${(file.taxFen / 100).toFixed(2)})`)
      if (o.pdf !== undefined) await writePdf(file, o.pdf, out)
    })

  cmd
    .command('pdf')
    .description('print an invoice file as a PDF (版式文件) whose QR carries the file')
    .requiredOption('--file <file>', 'the invoice file (JSON)')
    .requiredOption('--out <file>', 'the PDF to write')
    .action(async (o: { file: string; out: string }) => {
      await writePdf(readJson<InvoiceFile>(o.file, 'invoice file'), o.out, out)
    })

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
          ? readJson<InvoiceFile>(o.file, 'invoice file')
          : decodeInvoiceQr(o.qr!.startsWith('GCI1:') ? o.qr! : readFileSync(o.qr!, 'utf8').trim())
      const answer = await requestAnswer(ctx.client(o).transport, 'POST', '/v1/invoice/verify', InvoiceCheckAnswer, {
        file,
      })
      if (o.json) out(JSON.stringify(answer, null, 2))
      else {
        const mark = answer.verdict === 'valid' ? '✔' : '✘'
        out(`${mark} ${answer.verdict} (checked at height ${answer.height})`)
        for (const r of answer.reasons) out(`  ${r}`)
        if (answer.claimed !== null)
          out(`  claimed by ${answer.claimed.claimantCode} at height ${answer.claimed.height}`)
      }
      if (answer.verdict !== 'valid') ctx.setExitCode(1)
    })

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
      if (o.json) out(JSON.stringify(j.invoice, null, 2))
      else printInvoice(out, j.invoice)
    })

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
      const max = o.limit === undefined ? Number.POSITIVE_INFINITY : Number(o.limit)
      const client = ctx.client(o)
      let after: string | null | undefined
      let shown = 0
      do {
        const q = new URLSearchParams(o.seller !== undefined ? { seller: o.seller } : { buyer: o.buyer! })
        if (after) q.set('after', after)
        const page = await getAnswer(client, `/v1/invoice/invoices?${q}`, InvoicePage)
        for (const v of page.items) {
          if (shown++ >= max) return
          out(
            `${v.code} ${v.number}  ${v.kind}  ${v.status}${v.claim === null ? '' : '  claimed'}  height ${v.issuedHeight}`,
          )
        }
        after = page.next
      } while (after)
    })
}
