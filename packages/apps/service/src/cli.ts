/**
 * `govchain service …`: the service hall's commands (docs/service.md). Key files, the signer and
 * the commit wait come through `ctx` (@govchain/app/cli, ADR 0020).
 *
 *   items      the service hall: items, searched, page by page
 *   item       one item's guide: what is pulled, what to present, the time limit
 *   publish    an admin publishes an item (or its next version) from a JSON file
 *   apply      the applicant applies once, signing the consent (pulls and licenses)
 *   accept     受理; return: 退回补正; resubmit: the applicant after a return
 *   decide     the accepting officer approves (optionally issuing the item's license) or rejects;
 *              --complete with a license: 批准并办结, the case completes in the same transaction
 *   complete   办结
 *   case       a case with its steps and sub-cases; queue: a department's cases
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { followPages, getAnswer } from '@govchain/app/answer'
import type { CliContext } from '@govchain/app/cli'
import { SEQUENCE_PAGE_MAX } from '@govchain/app/route-kit'
import { GovchainError } from '@govchain/core'
import { issueLicense } from '@govchain/license/client'
import { LicenseTypeView } from '@govchain/license/views'
import type { Command } from 'commander'
import {
  type CaseReason,
  type SubjectCredential,
  serviceApply,
  serviceApproveAndComplete,
  serviceDecide,
  servicePublish,
  serviceStep,
} from './client.ts'
import { CASE_REASONS, CASE_STATUSES, type ServicePublishArgs } from './schema.ts'
import { CaseAnswer, CasePage, type CaseView, ItemAnswer, ItemPage, type ItemView, StepPage } from './views.ts'

const NODE = 'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or local)'

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (e) {
    throw new GovchainError('INVALID_ARGUMENT', `${what} ${path}: ${(e as Error).message}`)
  }
}

function reason(v: string): CaseReason {
  if (!(CASE_REASONS as readonly string[]).includes(v)) {
    throw new GovchainError('INVALID_ARGUMENT', `--reason must be one of ${CASE_REASONS.join(', ')}`)
  }
  return v as CaseReason
}

function caseId(v: string): string {
  if (!/^[0-9a-f]{64}$/.test(v)) throw new GovchainError('INVALID_ARGUMENT', '--case must be 32 bytes of lowercase hex')
  return v
}

const day = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '))

function printItem(out: (l: string) => void, item: ItemView, parts: readonly ItemView[]): void {
  out(`${item.code} v${item.version}  ${item.title} (${item.titleEn})  [${item.status}]`)
  out(`department   ${item.ownerOrg}`)
  out(`legal basis  ${item.legalBasis}`)
  out(`time limit   ${item.slaDays} working days from acceptance`)
  if (item.resultType !== null) out(`result       license type ${item.resultType}`)
  const all = item.parts.length === 0 ? [item] : parts
  if (item.parts.length > 0) out(`one thing    ${all.length} departments: ${all.map((p) => p.ownerOrg).join(', ')}`)
  for (const p of all) {
    for (const x of p.pulls) {
      out(`  no paper: ${x.resourceId} from ${x.providerOrg} (${x.fields.join(', ')}) — ${x.purpose}`)
    }
    for (const l of p.licenses) out(`  present:  license ${l.typeCode} — ${l.purpose}`)
  }
}

function printCase(out: (l: string) => void, c: CaseView): void {
  out(`case       ${c.caseId}`)
  out(`item       ${c.itemCode} v${c.itemVersion}, handled by ${c.handlingOrg}`)
  out(`applicant  ${c.applicant}`)
  out(`status     ${c.status}${c.overdue ? '  ⚠ overdue (超期)' : ''}`)
  out(`submitted  ${day(c.submittedMs)}   accepted ${day(c.acceptedMs)}   deadline ${day(c.deadlineMs)}`)
  if (c.closedMs !== null) out(`closed     ${day(c.closedMs)}`)
  if (c.officerId !== null) out(`officer    ${c.officerId}`)
  if (c.result !== null) out(`result     license ${c.result}`)
  for (const g of c.grants) out(`grant      ${g}`)
}

/** A service item as the node answers it, checked against the route's schema. */
function getItem(ctx: CliContext, o: { node?: string }, code: string) {
  return getAnswer(ctx.client(o), `/v1/service/items/${encodeURIComponent(code)}`, ItemAnswer)
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('service')
    .description('一网通办: service items, cases with consent-scoped data pulls, one-thing bundles')
  registerItems(cmd, ctx)
  registerItem(cmd, ctx)
  registerPublish(cmd, ctx)
  registerApply(cmd, ctx)
  registerCaseSteps(cmd, ctx)
  registerDecide(cmd, ctx)
  registerCase(cmd, ctx)
  registerQueue(cmd, ctx)
}

/** `service items`: the service hall, every page unless --limit. */
function registerItems(cmd: Command, ctx: CliContext): void {
  cmd
    .command('items')
    .description('the service hall: items (all pages unless --limit)')
    .option('--q <text>', 'search the code and titles')
    .option('--org <id>', 'one department')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON lines')
    .option('--node <urls>', NODE)
    .action(async (o: { q?: string; org?: string; limit?: string; json?: boolean; node?: string }) => {
      const max = o.limit === undefined ? Number.POSITIVE_INFINITY : Number(o.limit)
      const client = ctx.client(o)
      let after: string | null | undefined
      let shown = 0
      do {
        const q = new URLSearchParams()
        if (o.q !== undefined) q.set('q', o.q)
        if (o.org !== undefined) q.set('org', o.org)
        if (after) q.set('after', after)
        const page = await getAnswer(client, `/v1/service/items?${q}`, ItemPage)
        for (const v of page.items) {
          if (shown++ >= max) return
          ctx.out(
            o.json
              ? JSON.stringify(v)
              : `${v.code}  ${v.title}  ${v.ownerOrg}  ${v.slaDays}d  ${v.parts.length > 0 ? `one thing (${v.parts.length})` : `${v.pulls.length} pulls`}`,
          )
        }
        after = page.next
      } while (after)
    })
}

/** `service item`: one item and its guide. */
function registerItem(cmd: Command, ctx: CliContext): void {
  cmd
    .command('item')
    .description("one item's guide (办事指南): pulled data, licenses to present, time limit")
    .argument('<code>', '事项编码')
    .option('--json', 'print JSON')
    .option('--node <urls>', NODE)
    .action(async (code: string, o: { json?: boolean; node?: string }) => {
      const a = await getItem(ctx, o, code)
      if (o.json) ctx.out(JSON.stringify({ item: a.item, parts: a.parts }, null, 2))
      else printItem(ctx.out, a.item, a.parts)
    })
}

/** `service publish`: a department publishes or versions an item. */
function registerPublish(cmd: Command, ctx: CliContext): void {
  cmd
    .command('publish')
    .description("publish a service item, or its next version (an admin of the item's department)")
    .requiredOption('--key <file>', "an admin officer's key file")
    .requiredOption(
      '--file <file>',
      'the item as JSON: {code, title, titleEn, legalBasis, licenses, pulls, slaDays, resultType?, parts}',
    )
    .option('--node <urls>', NODE)
    .action(async (o: { key: string; file: string; node?: string }) => {
      const raw = readJson<Partial<ServicePublishArgs>>(o.file, 'item file')
      const item: ServicePublishArgs = {
        code: String(raw.code ?? ''),
        title: String(raw.title ?? ''),
        titleEn: String(raw.titleEn ?? ''),
        legalBasis: String(raw.legalBasis ?? ''),
        licenses: raw.licenses ?? [],
        pulls: raw.pulls ?? [],
        slaDays: Number(raw.slaDays ?? 0),
        ...(raw.resultType === undefined || raw.resultType === null ? {} : { resultType: raw.resultType }),
        parts: raw.parts ?? [],
      }
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(client, servicePublish({ ...common, item }))
    })
}

/** `service apply`: the applicant applies, signing one consent. */
function registerApply(cmd: Command, ctx: CliContext): void {
  cmd
    .command('apply')
    .description('apply once: sign the consent to the item’s pulls and licenses with your DID key')
    .requiredOption('--key <file>', 'a current key of your DID')
    .requiredOption('--item <code>', '事项编码')
    .requiredOption(
      '--credential <file>',
      "the identity authority's subject credential (JSON {did, subject, issuerOrg, signature})",
    )
    .option('--license <type=id...>', 'the license you present for each required type', [])
    .option('--yes', 'sign without printing the consent first')
    .option('--node <urls>', NODE)
    .action(
      async (o: { key: string; item: string; credential: string; license: string[]; yes?: boolean; node?: string }) => {
        const credential = readJson<SubjectCredential>(o.credential, 'subject credential')
        const licenses: Record<string, string> = {}
        for (const pair of o.license) {
          const [type, id] = pair.split('=')
          if (!type || !id) throw new GovchainError('INVALID_ARGUMENT', '--license takes TYPE=ID')
          licenses[type] = id
        }
        const a = await getItem(ctx, o, o.item)
        if (!o.yes) {
          ctx.out('you consent to:')
          printItem(ctx.out, a.item, a.parts)
        }
        const { client, common } = await ctx.signer(o)
        const tx = serviceApply({ ...common, item: a.item, parts: a.parts, credential, licenses })
        await ctx.submitAndWait(client, tx)
        ctx.out(`case ${tx.hashHex}`)
      },
    )
}

/** `service accept|return|resubmit|complete`: a case's steps other than the decision. */
function registerCaseSteps(cmd: Command, ctx: CliContext): void {
  for (const [name, step, what] of [
    ['accept', 'accept', '受理: accept the case (starts its time limit); you then decide it'],
    ['return', 'sendBack', '退回补正: send the case back for more'],
    ['resubmit', 'resubmit', 'the applicant resubmits a returned case'],
    ['complete', 'complete', '办结: complete an approved case (its consent ends)'],
  ] as const) {
    cmd
      .command(name)
      .description(what)
      .requiredOption('--key <file>', step === 'resubmit' ? 'a current key of your DID' : "an approver's key file")
      .requiredOption('--case <id>', 'case id (hex)')
      .requiredOption('--reason <code>', CASE_REASONS.join(' | '))
      .option('--node <urls>', NODE)
      .action(async (o: { key: string; case: string; reason: string; node?: string }) => {
        const { client, common } = await ctx.signer(o)
        await ctx.submitAndWait(
          client,
          serviceStep({ ...common, step, caseId: caseId(o.case), reasonCode: reason(o.reason) }),
        )
      })
  }
}

/** `service decide`: approve (with the licence a result issues) or reject. */
function registerDecide(cmd: Command, ctx: CliContext): void {
  cmd
    .command('decide')
    .description('the accepting officer approves or rejects; --license-fields issues the item’s license with it')
    .requiredOption('--key <file>', "the accepting officer's key file")
    .requiredOption('--case <id>', 'case id (hex)')
    .option('--approve', 'approve (default: reject)')
    .requiredOption('--reason <code>', CASE_REASONS.join(' | '))
    .option('--license-fields <file>', 'the license fields as JSON: issue the item’s license type with the approval')
    .option('--issuer-code <uscc>', "your department's unified social credit code (for the license id)")
    .option('--valid-until <date>', 'license end date (YYYY-MM-DD); default: none (长期)')
    .option('--credential-out <file>', 'where to write the issued credential for the holder')
    .option(
      '--complete',
      '批准并办结: with --approve and --license-fields, complete the case in the same transaction (the licence is the result delivered)',
    )
    .option('--node <urls>', NODE)
    .action(
      async (o: {
        key: string
        case: string
        approve?: boolean
        complete?: boolean
        reason: string
        licenseFields?: string
        issuerCode?: string
        validUntil?: string
        credentialOut?: string
        node?: string
      }) => {
        if (o.complete === true && (o.approve !== true || o.licenseFields === undefined)) {
          throw new GovchainError(
            'INVALID_ARGUMENT',
            '--complete needs --approve and --license-fields: the licence on chain is the result delivered',
          )
        }
        const { client, common } = await ctx.signer(o)
        let license: Parameters<typeof serviceDecide>[0]['license']
        if (o.licenseFields !== undefined) {
          if (!o.approve) throw new GovchainError('INVALID_ARGUMENT', 'a license is issued with an approval only')
          if (o.issuerCode === undefined) throw new GovchainError('INVALID_ARGUMENT', '--issuer-code is required')
          const c = (await getAnswer(client, `/v1/service/cases/${caseId(o.case)}`, CaseAnswer)).case
          const item = (await getItem(ctx, o, c.itemCode)).item
          if (item.resultType === null) {
            throw new GovchainError('INVALID_ARGUMENT', `${item.code} issues no license`)
          }
          const type = await getAnswer(
            client,
            `/v1/license-types/${encodeURIComponent(item.resultType)}`,
            LicenseTypeView,
          )
          const validUntilMs = o.validUntil === undefined ? 0 : Date.parse(`${o.validUntil}T23:59:59+08:00`)
          const issued = issueLicense({
            ...common,
            type,
            issuer: { orgId: c.handlingOrg, code: o.issuerCode },
            holder: c.applicant,
            validFromMs: Date.now(),
            validUntilMs,
            fields: readJson<Record<string, string>>(o.licenseFields, 'license fields'),
          })
          license = {
            id: issued.id,
            typeCode: type.code,
            holder: c.applicant,
            credentialHash: issued.credentialHash,
            validFromMs: Date.now(),
            validUntilMs,
          }
          if (o.credentialOut !== undefined) writeFileSync(o.credentialOut, `${issued.credential}\n`, { mode: 0o600 })
        }
        await ctx.submitAndWait(
          client,
          o.complete === true && license !== undefined
            ? serviceApproveAndComplete({ ...common, caseId: caseId(o.case), reasonCode: reason(o.reason), license })
            : serviceDecide({
                ...common,
                caseId: caseId(o.case),
                approve: o.approve === true,
                reasonCode: reason(o.reason),
                ...(license === undefined ? {} : { license }),
              }),
        )
        if (license !== undefined) ctx.out(`license ${license.id} issued with the decision`)
        if (o.complete === true) ctx.out('case completed (办结) with the decision')
      },
    )
}

/** `service case`: one case with its history. */
function registerCase(cmd: Command, ctx: CliContext): void {
  cmd
    .command('case')
    .description('a case: status, deadline, steps and sub-cases')
    .argument('<id>', 'case id (hex)')
    .option('--json', 'print JSON')
    .option('--node <urls>', NODE)
    .action(async (id: string, o: { json?: boolean; node?: string }) => {
      const client = ctx.client(o)
      const a = await getAnswer(client, `/v1/service/cases/${caseId(id)}`, CaseAnswer)
      // Every step: the answer holds the first page, /steps the rest.
      const steps = await followPages(
        async (after) => {
          const q = new URLSearchParams({ ...(after === undefined ? {} : { after }), limit: String(SEQUENCE_PAGE_MAX) })
          const page = await getAnswer(client, `/v1/service/cases/${a.case.caseId}/steps?${q}`, StepPage)
          return { items: page.steps, next: page.next }
        },
        { items: a.steps, next: a.stepsNext },
      )
      if (o.json) {
        ctx.out(JSON.stringify({ case: a.case, steps, parts: a.parts }, null, 2))
        return
      }
      printCase(ctx.out, a.case)
      for (const s of steps) {
        ctx.out(
          `  ${day(s.timeMs)}  ${s.action}${s.reasonCode === null ? '' : ` (${s.reasonCode})`}  ${s.officerId ?? ''}${s.late ? '  late' : ''}`,
        )
      }
      for (const p of a.parts) ctx.out(`  part ${p.caseId}  ${p.itemCode}  ${p.handlingOrg}  ${p.status}`)
    })
}

/** `service queue`: an officer's work queue. */
function registerQueue(cmd: Command, ctx: CliContext): void {
  cmd
    .command('queue')
    .description("a department's cases (受理 / 审批 work queue), newest first")
    .requiredOption('--org <id>', 'the handling department')
    .option('--status <s>', CASE_STATUSES.join(' | '))
    .option('--overdue', 'only cases past their deadline')
    .option('--limit <n>', 'at most this many', '50')
    .option('--node <urls>', NODE)
    .action(async (o: { org: string; status?: string; overdue?: boolean; limit: string; node?: string }) => {
      const max = Number(o.limit)
      const client = ctx.client(o)
      let after: string | null | undefined
      let shown = 0
      do {
        const q = new URLSearchParams({ org: o.org })
        if (o.status !== undefined) q.set('status', o.status)
        if (o.overdue) q.set('overdue', 'true')
        if (after) q.set('after', after)
        const page = await getAnswer(client, `/v1/service/cases?${q}`, CasePage)
        for (const c of page.cases) {
          if (shown++ >= max) return
          ctx.out(
            `${c.caseId}  ${c.itemCode}  ${c.status}${c.overdue ? '  ⚠ overdue' : ''}  deadline ${day(c.deadlineMs)}`,
          )
        }
        after = page.next
      } while (after)
    })
}
