/**
 * `govchain gov propose add-org|remove-org|add-validator|remove-validator|set-power|set-param|add-tsa|remove-tsa|
 * add-observer|remove-observer|revoke-cert`, `govchain gov vote`, `govchain gov list`, `govchain gov show`,
 * `govchain gov tsas`, `govchain gov observers`, `govchain gov revoked-certs` (docs/governance.md).
 * The CLI registers them from the distribution's list (`@govchain/distribution/cli`) with
 * `registerCommands(program, ctx)`; the signer and the commit wait come through `ctx`
 * (`@govchain/app/cli`, ADR 0020).
 *
 * Proposals and votes are signed by an admin officer's key file; the proposer's organisation
 * votes yes. The proposal id is printed after the commit.
 */
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { getAnswer } from '@govchain/app/answer'
import type { CliContext } from '@govchain/app/cli'
import { ADMIN_LEVELS, type AdminLevel } from '@govchain/identity/schema'
import { type Command, InvalidArgumentError, Option } from 'commander'
import * as governance from './client.ts'
import {
  ORGANISATION_ROLES,
  type OrganisationRole,
  type ParamChanges,
  REVOCATION_REASONS,
  type RevocationReason,
} from './schema.ts'
import { inspectTsaCertificate } from './tsa.ts'
import { TimestampAuthoritiesAnswer } from './views.ts'

/** A certificate file, PEM or DER, as DER bytes. */
function certificateFile(path: string): Uint8Array {
  const raw = readFileSync(path)
  const text = raw.toString('latin1')
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text)
  return new Uint8Array(m === null ? raw : Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))
}

function hexArg(name: string, maxBytes: number) {
  return (v: string): Uint8Array => {
    const h = v.replace(/:/g, '').toLowerCase()
    if (!/^([0-9a-f]{2})+$/.test(h) || h.length / 2 > maxBytes)
      throw new InvalidArgumentError(`${name}: hex of at most ${maxBytes} bytes`)
    return new Uint8Array(Buffer.from(h, 'hex'))
  }
}

/** A serial as governance records it: its magnitude, no leading zero byte. */
function serialBytes(hex: string): Uint8Array {
  const b = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex')
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return new Uint8Array(b.subarray(i))
}

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name}: ${min}..${max}`)
    return n
  }
}

const PARAM_NAMES: readonly (keyof ParamChanges)[] = [
  'blockMaxTxs',
  'blockMaxBytes',
  'timeoutProposeMs',
  'timeoutPrevoteMs',
  'timeoutPrecommitMs',
  'timeoutDeltaMs',
  'blockIntervalMs',
  'emptyBlockIntervalMs',
  'maxClockDriftMs',
  'anchorQuotaPerIdentityPerDay',
]

/** Options every proposal takes. */
function proposalCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption('--key <file>', 'key file of an admin officer (its organisation votes yes)')
    .option('--title <text>', 'title shown to voters')
    .option(
      '--effective-height <h>',
      'earliest height of effect (default: as soon as it passes)',
      intArg('--effective-height', 0, Number.MAX_SAFE_INTEGER),
      0,
    )
    .option('--voting-blocks <n>', 'blocks the vote stays open', intArg('--voting-blocks', 1, 1_000_000), 1000)
    .option(
      '--node <urls>',
      'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or http://127.0.0.1:7701)',
    )
}

async function submitProposal(
  ctx: CliContext,
  o: { key: string; node?: string; title?: string; effectiveHeight: number; votingBlocks: number },
  actions: governance.ProposalAction[],
  defaultTitle: string,
): Promise<void> {
  const { client, common } = await ctx.signer(o)
  const height = common.validUntilHeight - 100
  await ctx.submitAndWait(
    client,
    governance.propose({
      ...common,
      title: o.title ?? defaultTitle,
      actions,
      effectiveHeight: o.effectiveHeight,
      expiresHeight: height + o.votingBlocks,
    }),
  )
  const [latest] = await governance.listProposals(client)
  if (latest !== undefined) ctx.out(`proposal ${latest.id}: ${latest.status}`)
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const gov = program.command('gov').description('consortium governance: proposals and votes by organisations')
  const propose = gov.command('propose').description('propose a change (passes with > 2/3 of active organisations)')
  registerMembershipProposals(propose, ctx)
  registerTrustProposals(propose, ctx)
  registerReads(gov, ctx)
}

/** Proposals on who takes part: organisations, validators and their power, observers, certificates. */
function registerMembershipProposals(propose: Command, ctx: CliContext): void {
  proposalCommand(propose, 'add-org', 'admit an organisation (department) with its CA and operator key')
    .requiredOption('--id <orgId>', 'organisation id')
    .requiredOption('--name <name>', 'official name, e.g. 北京市人力资源和社会保障局')
    .option('--name-en <name>', 'English name')
    .requiredOption('--code <uscc>', 'unified social credit code (18 characters)')
    .addOption(new Option('--level <level>', 'administrative level').choices([...ADMIN_LEVELS]).default('city'))
    .requiredOption('--region-code <code>', 'GB/T 2260 code, e.g. 110000')
    .requiredOption('--region <text>', 'region, e.g. 北京市')
    .requiredOption('--ca <file>', "the organisation's CA certificate (PEM)")
    .requiredOption('--operator <hex|file>', "its first admin's public key (hex) or key file")
    .option('--identity-authority', 'its registrars may attach pseudonyms to DIDs')
    .action(async (o) => {
      await submitProposal(
        ctx,
        o,
        [
          governance.actions.addOrganisation({
            id: o.id,
            name: o.name,
            nameEn: o.nameEn ?? o.id,
            code: o.code,
            level: o.level as AdminLevel,
            regionCode: o.regionCode,
            region: o.region,
            caCertPem: readFileSync(o.ca, 'utf8'),
            operatorPublicKey: ctx.publicKey(o.operator),
            identityAuthority: Boolean(o.identityAuthority),
          }),
        ],
        `add organisation ${o.id}`,
      )
    })
  proposalCommand(propose, 'remove-org', 'remove an organisation (its officers and validators stop)')
    .requiredOption('--id <orgId>', 'organisation id')
    .action(async (o) =>
      submitProposal(ctx, o, [governance.actions.removeOrganisation(o.id)], `remove organisation ${o.id}`),
    )
  proposalCommand(propose, 'add-validator', "add a validator (an organisation's node)")
    .requiredOption('--id <validatorId>', 'validator id = node name')
    .requiredOption('--org <orgId>', 'its organisation')
    .requiredOption('--public-key <hex|file>', "the node's consensus key (hex) or its validator.json")
    .option('--power <n>', 'voting power', intArg('--power', 1, 2 ** 40), 10)
    .action(async (o) =>
      submitProposal(
        ctx,
        o,
        [
          governance.actions.addValidator({
            id: o.id,
            orgId: o.org,
            publicKey: ctx.publicKey(o.publicKey),
            power: o.power,
          }),
        ],
        `add validator ${o.id}`,
      ),
    )
  proposalCommand(propose, 'remove-validator', 'remove a validator (its node is then refused by peers)')
    .requiredOption('--id <validatorId>', 'validator id')
    .action(async (o) => submitProposal(ctx, o, [governance.actions.removeValidator(o.id)], `remove validator ${o.id}`))
  proposalCommand(propose, 'add-observer', 'register an observer node (syncs and serves the API, never votes)')
    .requiredOption('--id <nodeId>', "the observer's node id (its home's config.json nodeId)")
    .requiredOption('--org <orgId>', 'its organisation (a member of the consortium)')
    .requiredOption('--public-key <hex|file>', "the node's key (hex) or its home's keys/validator.json")
    .action(async (o) =>
      submitProposal(
        ctx,
        o,
        [governance.actions.addObserver({ id: o.id, orgId: o.org, publicKey: ctx.publicKey(o.publicKey) })],
        `add observer ${o.id}`,
      ),
    )
  proposalCommand(propose, 'remove-observer', 'remove an observer node (its peers then disconnect it)')
    .requiredOption('--id <nodeId>', 'the observer id')
    .action(async (o) => submitProposal(ctx, o, [governance.actions.removeObserver(o.id)], `remove observer ${o.id}`))
  proposalCommand(
    propose,
    'revoke-cert',
    "revoke a node's TLS certificate (RFC 5280 CRL entry): its peers drop it and refuse it until it renews",
  )
    .requiredOption('--org <orgId>', 'the organisation whose CA issued the certificate')
    .option('--cert <file>', 'the certificate (PEM or DER): its serial and SHA-256 are both recorded')
    .option(
      '--serial <hex>',
      'the serial number (hex, as `govchain certs renew` or openssl prints it)',
      (v: string) => {
        const h = v.replace(/:/g, '')
        if (!/^[0-9a-fA-F]{1,42}$/.test(h)) throw new InvalidArgumentError('--serial: hex of at most 20 bytes')
        return serialBytes(h)
      },
    )
    .option(
      '--sha256 <hex>',
      'the SHA-256 fingerprint of the certificate DER (hex, colons allowed)',
      hexArg('--sha256', 32),
    )
    .addOption(
      new Option('--reason <reason>', 'RFC 5280 CRLReason').choices([...REVOCATION_REASONS]).default('unspecified'),
    )
    .action(async (o) => {
      let serial: Uint8Array | undefined = o.serial
      let sha256: Uint8Array | undefined = o.sha256
      if (o.cert !== undefined) {
        const x = new X509Certificate(certificateFile(o.cert))
        serial = serialBytes(x.serialNumber)
        sha256 = new Uint8Array(createHash('sha256').update(x.raw).digest())
      }
      if (serial === undefined && sha256 === undefined)
        throw new InvalidArgumentError('name the certificate: --cert, --serial or --sha256')
      if (sha256 !== undefined && sha256.length !== 32) throw new InvalidArgumentError('--sha256: 32 bytes')
      const action = governance.actions.revokeCertificate({
        orgId: o.org,
        ...(serial === undefined ? {} : { serial }),
        ...(sha256 === undefined ? {} : { sha256 }),
        reason: o.reason as RevocationReason,
      })
      const what =
        serial === undefined
          ? `sha256 ${Buffer.from(sha256!).toString('hex')}`
          : `serial ${Buffer.from(serial).toString('hex')}`
      await submitProposal(ctx, o, [action], `revoke certificate ${what} of ${o.org}`)
    })
  proposalCommand(propose, 'set-power', 're-weight a validator (also lifts an equivocation penalty)')
    .requiredOption('--id <validatorId>', 'validator id')
    .requiredOption('--power <n>', 'voting power (0 removes)', intArg('--power', 0, 2 ** 40))
    .action(async (o) =>
      submitProposal(
        ctx,
        o,
        [governance.actions.setValidatorPower(o.id, o.power)],
        `set power of ${o.id} to ${o.power}`,
      ),
    )
}

/** Proposals on what the consortium trusts and how the chain runs: TSAs, organisations' roles, parameters. */
function registerTrustProposals(propose: Command, ctx: CliContext): void {
  proposalCommand(propose, 'add-tsa', 'trust an RFC 3161 time-stamping authority for evidence, by its certificate')
    .requiredOption('--id <tsaId>', 'a short id for the TSA (lowercase)')
    .requiredOption('--cert <file>', "the TSA's signing certificate (PEM or DER; critical timeStamping usage)")
    .action(async (o) => {
      const der = certificateFile(o.cert)
      // The same checks the proposal will get on chain, before anything is signed.
      const facts = inspectTsaCertificate(der)
      ctx.out(
        `TSA ${facts.subject} (issuer ${facts.issuer}, ${facts.key}, valid ${new Date(facts.notBeforeMs).toISOString()} – ${new Date(facts.notAfterMs).toISOString()})`,
      )
      await submitProposal(ctx, o, [governance.actions.addTimestampAuthority(o.id, der)], `trust TSA ${o.id}`)
    })
  proposalCommand(propose, 'set-roles', "set an organisation's consortium roles (notary, forensic, court)")
    .requiredOption('--org <orgId>', 'the organisation')
    .requiredOption(
      '--roles <list>',
      `comma-separated, of ${ORGANISATION_ROLES.join(', ')}; "" clears`,
      (v: string) => {
        const list = v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '')
        const bad = list.filter((x) => !(ORGANISATION_ROLES as readonly string[]).includes(x))
        if (bad.length > 0)
          throw new InvalidArgumentError(`unknown role ${bad.join(', ')}: ${ORGANISATION_ROLES.join(', ')}`)
        return list as OrganisationRole[]
      },
    )
    .action(async (o) =>
      submitProposal(
        ctx,
        o,
        [governance.actions.setOrganisationRoles(o.org, o.roles)],
        `roles of ${o.org}: ${o.roles.join(', ') || 'none'}`,
      ),
    )
  const days = (name: string) => (v: string) => {
    const list = v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '')
      .map((x) => Number(x.replace(/-/g, '')))
    if (list.some((d) => !Number.isInteger(d) || d < 20_000_101 || d > 21_001_231))
      throw new InvalidArgumentError(`${name}: comma-separated dates, YYYYMMDD or YYYY-MM-DD`)
    return list
  }
  proposalCommand(
    propose,
    'set-calendar',
    "a year's working calendar: statutory holidays and worked weekend days (调休)",
  )
    .requiredOption('--year <yyyy>', 'the year', intArg('--year', 2000, 2100))
    .option('--holidays <dates>', 'weekdays off, e.g. 2027-01-01,2027-02-08', days('--holidays'), [])
    .option('--workdays <dates>', 'weekend days worked instead, e.g. 2027-02-06', days('--workdays'), [])
    .action(async (o) =>
      submitProposal(
        ctx,
        o,
        [governance.actions.setWorkCalendar({ year: o.year, holidays: o.holidays, workdays: o.workdays })],
        `working calendar ${o.year}: ${o.holidays.length} holidays, ${o.workdays.length} worked weekend days`,
      ),
    )
  proposalCommand(propose, 'remove-tsa', 'stop accepting tokens of a time-stamping authority (tokens recorded stay)')
    .requiredOption('--id <tsaId>', 'the TSA id')
    .action(async (o) =>
      submitProposal(ctx, o, [governance.actions.removeTimestampAuthority(o.id)], `remove TSA ${o.id}`),
    )
  proposalCommand(propose, 'set-param', 'change chain parameters: --set name=value (repeatable)')
    .requiredOption(
      '--set <name=value>',
      `one of ${PARAM_NAMES.join(', ')}`,
      (v: string, prev: Record<string, number> = {}) => {
        const [k, val] = v.split('=')
        const n = Number(val)
        if (!PARAM_NAMES.includes(k as keyof ParamChanges) || !Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
          throw new InvalidArgumentError(`--set name=value with name one of ${PARAM_NAMES.join(', ')}`)
        }
        return { ...prev, [k as string]: n }
      },
    )
    .action(async (o) =>
      submitProposal(
        ctx,
        o,
        [governance.actions.setParams(o.set as ParamChanges)],
        `set ${Object.entries(o.set as Record<string, number>)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      ),
    )
}

/** Votes, and the proposals and registers the consortium keeps. */
function registerReads(gov: Command, ctx: CliContext): void {
  gov
    .command('tsas')
    .description('the time-stamping authorities the consortium registered')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .option('--json', 'print JSON')
    .action(async (o: { node?: string; json?: boolean }) => {
      const a = await getAnswer(ctx.client(o), '/v1/governance/timestamp-authorities', TimestampAuthoritiesAnswer)
      if (o.json) return ctx.out(JSON.stringify(a, null, 2))
      if (a.authorities.length === 0) return ctx.out('no time-stamping authority registered')
      for (const t of a.authorities) {
        const c = t.certificateInfo
        ctx.out(
          `${t.active ? '✔' : '✘'} ${t.id}  ${c?.subject ?? '(unreadable certificate)'}  from height ${t.fromHeight}${t.removedFromHeight === null ? '' : `, removed from ${t.removedFromHeight}`}`,
        )
      }
    })
  gov
    .command('vote')
    .description("vote on a proposal for the signer's organisation")
    .argument('<proposalId>', 'proposal id', intArg('proposalId', 1, Number.MAX_SAFE_INTEGER))
    .requiredOption('--key <file>', 'key file of an admin officer')
    .option('--reject', 'vote no (default: yes)')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (proposalId: number, o) => {
      const { client, common } = await ctx.signer(o)
      const approve = !o.reject
      await ctx.submitAndWait(client, governance.vote({ ...common, proposalId, approve }))
      const { proposal } = await governance.getProposal(client, proposalId)
      ctx.out(
        `proposal ${proposal.id}: ${proposal.status} (yes ${proposal.yes.join(',')}; no ${proposal.no.join(',') || '-'})`,
      )
    })

  gov
    .command('list')
    .description('list proposals, newest first')
    .addOption(
      new Option('--status <status>', 'only this status').choices([
        'voting',
        'passed',
        'rejected',
        'expired',
        'failed',
      ]),
    )
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const list = await governance.listProposals(ctx.client(o), o.status)
      if (o.json) return ctx.out(JSON.stringify(list, null, 2))
      if (list.length === 0) ctx.out('no proposals')
      for (const p of list) {
        const effect = p.appliedFromHeight === null ? '' : ` from ${p.appliedFromHeight}`
        ctx.out(
          `#${String(p.id).padEnd(4)} ${p.status.padEnd(8)}${effect.padEnd(12)} yes ${p.yes.length} no ${p.no.length}  ${p.title}`,
        )
      }
    })

  gov
    .command('show')
    .description('a proposal with its actions and votes')
    .argument('<proposalId>', 'proposal id', intArg('proposalId', 1, Number.MAX_SAFE_INTEGER))
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (proposalId: number, o) => {
      ctx.out(JSON.stringify(await governance.getProposal(ctx.client(o), proposalId), null, 2))
    })

  gov
    .command('revoked-certs')
    .description("node certificates governance revoked (the consortium's CRL): peers refuse them")
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .option('--json', 'print JSON')
    .action(async (o: { node?: string; json?: boolean }) => {
      const all: governance.RevokedCertificateInfo[] = []
      let after: string | undefined
      do {
        const page = await governance.governanceRevokedCertificates(ctx.client(o), {
          limit: 200,
          ...(after === undefined ? {} : { after }),
        })
        all.push(...page.certificates)
        after = page.next ?? undefined
      } while (after !== undefined)
      if (o.json) return ctx.out(JSON.stringify(all, null, 2))
      if (all.length === 0) return ctx.out('no certificate revoked')
      for (const c of all) {
        ctx.out(
          `${c.active ? '✘' : '…'} ${c.orgId.padEnd(12)} serial ${c.serial ?? '-'} sha256 ${c.sha256 ?? '-'} ${c.reason} (${c.reasonCode}) from height ${c.fromHeight}`,
        )
      }
    })
  gov
    .command('observers')
    .description('observer nodes: registered by governance, admitted by peers, never voting')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .option('--json', 'print JSON')
    .action(async (o: { node?: string; json?: boolean }) => {
      const list = await governance.governanceObservers(ctx.client(o))
      if (o.json) return ctx.out(JSON.stringify(list, null, 2))
      if (list.length === 0) return ctx.out('no observer registered')
      for (const v of list) {
        ctx.out(
          `${v.active ? '✔' : '✘'} ${v.id.padEnd(12)} ${v.orgId.padEnd(12)} from height ${v.fromHeight}${v.removedFromHeight === null ? '' : `, removed from ${v.removedFromHeight}`}`,
        )
      }
    })
  gov
    .command('validators')
    .description('validator records: power, scheduled changes, equivocation penalties')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (o) => {
      for (const v of await governance.governanceValidators(ctx.client(o))) {
        ctx.out(
          `${v.id.padEnd(12)} ${v.orgId.padEnd(12)} power ${String(v.power).padEnd(6)}${v.jailedAtHeight === null ? '' : ` jailed at ${v.jailedAtHeight}`}`,
        )
      }
    })
}
