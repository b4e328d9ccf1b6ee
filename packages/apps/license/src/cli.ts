/**
 * `govchain license types|issue|show|verify|suspend|reinstate|revoke|renew|print|seed-demo`:
 * electronic licences (docs/license.md, docs/license-api.md). The CLI registers them from the
 * distribution's list (`@govchain/distribution/cli`) with `registerCommands(program, ctx)`; what
 * they need from the node and the CLI comes through `ctx` (`@govchain/app/cli`, ADR 0020).
 *
 * Keys are govchain key files ({suite, publicKey, privateKey}); officers sign with their own
 * key (the demo's department operators are `<org>-admin` officers holding every role).
 * Credentials are files holding the compact SD-JWT (what the holder keeps, off chain).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { getAnswer } from '@govchain/app/answer'
import type { CliContext } from '@govchain/app/cli'
import type { BuiltTx, Client } from '@govchain/client'
import { GovchainError, getSuite, type SuiteName } from '@govchain/core'
import { OrganisationAnswer } from '@govchain/identity/views'
import { type Command, InvalidArgumentError, Option } from 'commander'
import {
  credentialFields,
  fetchLicenseProof,
  issueLicense,
  licenseClient,
  licenseTx,
  presentCredential,
  reissueLicense,
  verifyLicenseOffline,
} from './client.ts'
import { printLicensePdf } from './pdf.ts'
import { type LicenseTypeRecord, REVOKE_REASONS, type RevokeReason } from './schema.ts'
import { templateFor } from './templates.ts'

export { type PrintedLicense, type PrintInput, printLicensePdf, QR_PRINT_CHARS_MAX } from './pdf.ts'

const YEAR_MS = 365 * 24 * 3600 * 1000

function dateMs(v: string): number {
  const ms = Date.parse(v)
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected a date, e.g. 2026-01-31')
  return ms
}
function years(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new InvalidArgumentError('years: 0..100')
  return n
}
function readText(pathOrText: string): string {
  try {
    return readFileSync(pathOrText, 'utf8').trim()
  } catch {
    return pathOrText.trim()
  }
}
function parseFields(v: string): Record<string, string> {
  try {
    const o = JSON.parse(readText(v)) as unknown
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object')
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, String(x)]))
  } catch (e) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `--fields must be a JSON object (or a file holding one): ${(e as Error).message}`,
    )
  }
}

interface Ctx {
  ctx: CliContext
  client: Client
  api: ReturnType<typeof licenseClient>
  chainId: string
  suiteName: SuiteName
  height: number
}
async function connect(ctx: CliContext, o: { node?: string }): Promise<Ctx> {
  const client = ctx.client(o)
  const s = await client.status()
  return {
    ctx,
    client,
    api: licenseClient({ transport: client.transport }),
    chainId: s.chainId,
    suiteName: s.suite,
    height: s.height,
  }
}

async function submit(c: Ctx, tx: BuiltTx, wait: boolean): Promise<void> {
  await c.client.submitTx(tx.bytes)
  c.ctx.out(`tx ${tx.hashHex}`)
  if (!wait) return
  const r = await c.client.waitForTx(tx.hashHex, { timeoutMs: 60_000 })
  if (r.status !== 'committed') throw new GovchainError('INVALID_ARGUMENT', `transaction failed: ${r.code ?? r.status}`)
  c.ctx.out(`committed at height ${r.height}`)
}

function keyFor(c: Ctx, path: string) {
  const k = c.ctx.loadKey(path)
  if (k.suite !== c.suiteName)
    throw new GovchainError('INVALID_ARGUMENT', `key is ${k.suite} but the chain uses ${c.suiteName}`)
  return k
}

async function orgOf(client: Client, orgId: string): Promise<{ code: string; name: string; nameEn?: string }> {
  try {
    return (await getAnswer(client, `/v1/organisations/${encodeURIComponent(orgId)}`, OrganisationAnswer)).organisation
  } catch (e) {
    if ((e as { status?: number }).status === 404) {
      throw new GovchainError('IDENTITY_ORG_NOT_FOUND', `organisation ${orgId} not found`)
    }
    throw e
  }
}

/** `license verify`'s exit code when offline verification cannot decide (no proof, untrusted signers). */
const LICENSE_EXIT_UNDECIDED = 5

/** The --node option every command that reads or writes the chain takes. */
function common(cmd: Command): Command {
  return cmd.option(
    '--node <urls>',
    'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or http://127.0.0.1:7701)',
  )
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const lic = program.command('license').description('electronic licences (电子证照): issue, verify, print, lifecycle')
  registerTypes(lic, ctx)
  registerIssue(lic, ctx)
  registerShow(lic, ctx)
  registerVerify(lic, ctx)
  registerSuspendReinstate(lic, ctx)
  registerRevoke(lic, ctx)
  registerRenew(lic, ctx)
  registerPrint(lic, ctx)
  registerSeedDemo(lic, ctx)
}

/** `license types`: the licence type catalogue. */
function registerTypes(lic: Command, ctx: CliContext): void {
  common(lic.command('types').description('list the licence type catalogue'))
    .option('--json', 'print JSON')
    .action(async (o: { node?: string; json?: boolean }) => {
      const api = licenseClient({ transport: ctx.client(o).transport })
      const { items } = await api.types()
      if (o.json) return ctx.out(JSON.stringify(items, null, 2))
      for (const t of items as unknown as LicenseTypeRecord[]) {
        ctx.out(
          `${t.alias.padEnd(8)} ${t.code}  ${t.name} (${t.nameEn})  issuers: ${t.issuers.join(',')}  max ${t.maxValidityYears || '∞'} y`,
        )
      }
    })
}

/** `license issue`: an issuer officer issues a licence and writes the holder's credential. */
function registerIssue(lic: Command, ctx: CliContext): void {
  common(
    lic
      .command('issue')
      .description('issue a licence: writes the credential (for the holder) and sends the issue transaction'),
  )
    .requiredOption('--key <file>', "issuing officer's key file")
    .requiredOption('--org <id>', "the officer's organisation")
    .requiredOption('--type <alias|code>', 'licence type')
    .requiredOption('--holder <did>', 'holder DID')
    .requiredOption('--fields <json|file>', 'field values as a JSON object')
    .option('--valid-from <date>', 'start of validity (default: now)', dateMs)
    .option('--years <n>', 'validity in years (0 = no fixed term; default: the type maximum)', years)
    .requiredOption('--out <file>', 'write the credential (compact SD-JWT) here')
    .option('--no-wait', 'do not wait for the commit')
    .action(async (o) => {
      const c = await connect(ctx, o)
      const suite = getSuite(c.suiteName)
      const key = keyFor(c, o.key)
      const type = (await c.api.type(o.type)) as unknown as LicenseTypeRecord
      const org = await orgOf(ctx.client(o), o.org)
      const from = o.validFrom ?? Date.now()
      const y = o.years ?? type.maxValidityYears
      const l = issueLicense({
        suite,
        chainId: c.chainId,
        privateKey: key.signer,
        type,
        issuer: { orgId: o.org, code: org.code, name: org.name },
        holder: o.holder,
        validFromMs: from,
        validUntilMs: y === 0 ? 0 : from + y * YEAR_MS,
        fields: parseFields(o.fields),
        validUntilHeight: c.height + 100,
      })
      writeFileSync(o.out, `${l.credential}\n`, { mode: 0o600 })
      ctx.out(`licence ${l.id}`)
      ctx.out(`credential written to ${o.out}`)
      await submit(c, l.tx, o.wait)
    })
}

/** `license show`: the on-chain record and its history. */
function registerShow(lic: Command, ctx: CliContext): void {
  common(lic.command('show').description('the on-chain record and its history'))
    .argument('<id>', 'licence identifier')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { node?: string; json?: boolean }) => {
      const api = licenseClient({ transport: ctx.client(o).transport })
      const [rec, hist] = await Promise.all([api.get(id), api.historyAll(id)])
      if (o.json) return ctx.out(JSON.stringify({ ...rec, history: hist }, null, 2))
      const l = rec.license as Record<string, unknown>
      ctx.out(`${id}`)
      ctx.out(`  type      ${String(rec.type?.name ?? l.typeCode)} (${String(l.typeCode)})`)
      ctx.out(`  issuer    ${String(l.issuerOrg)} (officer ${String(l.officerId)})`)
      ctx.out(`  holder    ${String(l.holder)}`)
      ctx.out(
        `  status    ${String(l.effectiveStatus)} (stored ${String(l.status)})${l.reason ? ` — ${String(l.reason)}` : ''}`,
      )
      ctx.out(
        `  validity  ${new Date(Number(l.validFromMs)).toISOString()} — ${Number(l.validUntilMs) === 0 ? 'no fixed term' : new Date(Number(l.validUntilMs)).toISOString()}`,
      )
      ctx.out(
        `  version   ${String(l.version)}${l.previous ? ` (previous ${String(l.previous)})` : ''}${l.next ? ` (next ${String(l.next)})` : ''}`,
      )
      for (const h of hist) {
        ctx.out(
          `  #${String(h.seq)} ${String(h.action).padEnd(10)} height ${String(h.height)} by ${String(h.officerId)}@${String(h.actorOrg)}${h.reason ? ` — ${String(h.reason)}` : ''}`,
        )
      }
    })
}

/** `license verify`: a credential checked against the chain, or offline with its proof. */
function registerVerify(lic: Command, ctx: CliContext): void {
  common(
    lic
      .command('verify')
      .description(
        'verify a credential or QR payload: online through the node, or --offline. Exit code 0 valid, ' +
          '1 not valid (invalid, revoked, suspended, expired…), 5 cannot be decided offline',
      ),
  )
    .option('--credential <file|text>', 'compact SD-JWT credential')
    .option('--qr <file|text>', 'QR payload (GCL1:...)')
    .option(
      '--offline',
      'verify without a node: needs --genesis (trusted validator set) and a QR with proof or --proof',
    )
    .option('--genesis <file>', 'trusted genesis (validator set) for --offline')
    .option('--proof <file>', 'proof material JSON (from GET /v1/licenses/:id?prove=true .proof) for --offline')
    .option('--json', 'print JSON')
    .action(async (o) => {
      if ((o.credential === undefined) === (o.qr === undefined))
        throw new GovchainError('INVALID_ARGUMENT', 'give --credential or --qr')
      const input = o.credential !== undefined ? { credential: readText(o.credential) } : { qr: readText(o.qr) }
      let verdict: Record<string, unknown>
      if (o.offline) {
        if (o.genesis === undefined) throw new GovchainError('INVALID_ARGUMENT', '--offline needs --genesis')
        const g = ctx.readGenesis(o.genesis)
        const proof = o.proof === undefined ? undefined : JSON.parse(readFileSync(o.proof, 'utf8'))
        verdict = {
          ...verifyLicenseOffline({
            suite: getSuite(g.suite),
            chainId: g.chainId,
            ...input,
            trustedValidatorSet: g.validatorSet,
            ...(proof === undefined ? {} : { proof }),
          }),
        }
      } else {
        verdict = await licenseClient({ transport: ctx.client(o).transport }).verify(input)
      }
      if (o.json) return ctx.out(JSON.stringify(verdict, null, 2))
      ctx.out(
        `${verdict.valid ? '✔' : verdict.verdict === 'undecided' ? '?' : '✘'} ${String(verdict.verdict)}  ${String(verdict.licenseId ?? '')}`,
      )
      for (const ch of verdict.checks as { check: string; ok: boolean; message: string; code?: string }[]) {
        ctx.out(`  ${ch.ok ? '✔' : '✘'} ${ch.check.padEnd(18)} ${ch.message}${ch.code ? ` [${ch.code}]` : ''}`)
      }
      for (const d of verdict.disclosed as { label: string; value: unknown }[])
        ctx.out(`    ${d.label}: ${String(d.value)}`)
      if (o.offline && verdict.provenHeight !== undefined) {
        const when = new Date(Number(verdict.provenTimeMs)).toISOString()
        ctx.out(
          `  ${String(verdict.verdict)} as of height ${String(verdict.provenHeight)}, time ${when}, checked offline`,
        )
      }
      if (verdict.caveat) ctx.out(`  note: ${String(verdict.caveat)}`)
      // Undecided offline is not "invalid" (issue 15): its own exit code.
      if (verdict.verdict === 'undecided') ctx.setExitCode(LICENSE_EXIT_UNDECIDED)
      else if (!verdict.valid) ctx.setExitCode(1)
    })
}

/** `license suspend|reinstate`. */
function registerSuspendReinstate(lic: Command, ctx: CliContext): void {
  for (const action of ['suspend', 'reinstate'] as const) {
    common(lic.command(action).description(`${action} a licence (an issuer officer of the issuing organisation)`))
      .argument('<id>', 'licence identifier')
      .requiredOption('--key <file>', "officer's key file")
      .requiredOption('--reason <text>', 'reason (public, permanent: no personal data)')
      .option('--no-wait', 'do not wait for the commit')
      .action(async (id: string, o) => {
        const c = await connect(ctx, o)
        const key = keyFor(c, o.key)
        const tx = licenseTx[action]({
          suite: getSuite(c.suiteName),
          chainId: c.chainId,
          privateKey: key.signer,
          validUntilHeight: c.height + 100,
          id,
          reason: o.reason,
        })
        await submit(c, tx, o.wait)
      })
  }
}

/** `license revoke` (final). */
function registerRevoke(lic: Command, ctx: CliContext): void {
  common(lic.command('revoke').description('revoke a licence (final)'))
    .argument('<id>', 'licence identifier')
    .requiredOption('--key <file>', "officer's key file")
    .addOption(
      new Option('--reason-code <code>', 'reason code').choices([...REVOKE_REASONS]).default('authority_decision'),
    )
    .requiredOption('--reason <text>', 'reason (public, permanent: no personal data)')
    .option('--no-wait', 'do not wait for the commit')
    .action(async (id: string, o) => {
      const c = await connect(ctx, o)
      const key = keyFor(c, o.key)
      const tx = licenseTx.revoke({
        suite: getSuite(c.suiteName),
        chainId: c.chainId,
        privateKey: key.signer,
        validUntilHeight: c.height + 100,
        id,
        reasonCode: o.reasonCode as RevokeReason,
        reason: o.reason,
      })
      await submit(c, tx, o.wait)
    })
}

/** `license renew`: a new version linked to the old one. */
function registerRenew(lic: Command, ctx: CliContext): void {
  common(lic.command('renew').description('renew a licence: a new version with a new validity, linked to the old one'))
    .argument('<id>', 'licence identifier (current version)')
    .requiredOption('--key <file>', "issuing officer's key file")
    .requiredOption('--org <id>', "the officer's organisation")
    .requiredOption('--credential <file>', 'the current credential (its fields are carried over)')
    .option('--fields <json|file>', 'replace field values (amend with --amend)')
    .option('--amend <reason>', 'amend instead of renew: same validity, corrected fields')
    .option('--years <n>', 'validity in years from now (renew)', years)
    .requiredOption('--out <file>', 'write the new credential here')
    .option('--no-wait', 'do not wait for the commit')
    .action(async (id: string, o) => {
      const c = await connect(ctx, o)
      const suite = getSuite(c.suiteName)
      const key = keyFor(c, o.key)
      const cur = await c.api.get(id)
      const l = cur.license
      const type = (await c.api.type(l.typeCode)) as unknown as LicenseTypeRecord
      const org = await orgOf(ctx.client(o), o.org)
      const fields = {
        ...(credentialFields(suite, readText(o.credential)) as Record<string, string>),
        ...(o.fields ? parseFields(o.fields) : {}),
      }
      const y = o.years ?? type.maxValidityYears
      const now = Date.now()
      const r = reissueLicense({
        suite,
        chainId: c.chainId,
        privateKey: key.signer,
        type,
        issuer: { orgId: o.org, code: org.code, name: org.name },
        holder: l.holder,
        validFromMs: o.amend ? l.validFromMs : now,
        validUntilMs: o.amend ? l.validUntilMs : y === 0 ? 0 : now + y * YEAR_MS,
        fields,
        previousId: id,
        version: l.version + 1,
        mode: o.amend ? 'amend' : 'renew',
        ...(o.amend ? { reason: o.amend } : {}),
        validUntilHeight: c.height + 100,
      })
      writeFileSync(o.out, `${r.credential}\n`, { mode: 0o600 })
      ctx.out(`licence ${r.id} (replaces ${id})`)
      await submit(c, r.tx, o.wait)
    })
}

/** `license print`: a printable PDF with a QR code a phone can verify. */
function registerPrint(lic: Command, ctx: CliContext): void {
  common(lic.command('print').description('a printable PDF with a QR code a phone can verify'))
    .requiredOption('--credential <file>', 'the credential (compact SD-JWT)')
    .option('--show <fields>', 'comma-separated fields to disclose (default: the non-personal ones)')
    .requiredOption('--out <file>', 'PDF file to write')
    .option('--no-proof', 'do not embed the state proof (the QR then needs a node to check status)')
    .option('--verify-url <url>', 'verification page printed on the licence')
    .action(async (o) => {
      const c = await connect(ctx, o)
      const suite = getSuite(c.suiteName)
      const credential = readText(o.credential)
      const payload = JSON.parse(Buffer.from(credential.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        jti: string
        license?: { type?: string }
      }
      const type = (await c.api.type(payload.license?.type ?? '')) as unknown as LicenseTypeRecord
      const names: string[] = o.show
        ? String(o.show)
            .split(',')
            .map((s: string) => s.trim())
        : // The non-personal fields and the holder's name (the face of the licence names its holder).
          type.fields.filter((f) => !f.personal || templateFor(type).holderFields.includes(f.name)).map((f) => f.name)
      const shown = presentCredential(suite, credential, names)
      const rec = await c.api.get(payload.jti)
      const issuer = await orgOf(ctx.client(o), rec.license.issuerOrg)
      const proof = o.proof ? await fetchLicenseProof(c.client, payload.jti) : undefined
      const printed = await printLicensePdf({
        suite,
        chainId: c.chainId,
        credential: shown,
        typeName: type.name,
        typeNameEn: type.nameEn,
        typeAlias: type.alias,
        typeCode: type.code,
        issuerName: issuer.name,
        ...(issuer.nameEn === undefined ? {} : { issuerNameEn: issuer.nameEn }),
        labels: Object.fromEntries(type.fields.map((f) => [f.name, { label: f.label, labelEn: f.labelEn }])),
        ...(proof === undefined ? {} : { proof }),
        ...(o.verifyUrl === undefined ? {} : { verifyUrl: o.verifyUrl }),
      })
      writeFileSync(o.out, printed.pdf)
      ctx.out(
        `${o.out}: ${printed.pdf.length} bytes, QR ${printed.qrKind} (${printed.qrPayload.length} chars)${printed.cjkFont ? '' : ', no CJK font found: English labels'}`,
      )
    })
}

/** `license seed-demo`: the demo licences on a running local network. */
function registerSeedDemo(lic: Command, ctx: CliContext): void {
  lic
    .command('seed-demo')
    .description('issue the demo licences on a running local network (what `govchain up` does)')
    .requiredOption('--dir <dir>', 'network folder (network.json)')
    .action(async (o: { dir: string }) => {
      ctx.out(JSON.stringify(await ctx.seedDemo('license', o.dir)))
    })
}
