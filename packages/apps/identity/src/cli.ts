/**
 * `govchain org list|show`, `govchain officer add|suspend|reinstate|rotate|show`,
 * `govchain did create|resolve|rotate|deactivate` and `govchain keys-did` (docs/identity.md).
 * The CLI registers them from the distribution's list (`@govchain/distribution/cli`) with
 * `registerCommands(program, ctx)`; key files, the signer and the commit wait come through `ctx`
 * (`@govchain/app/cli`, ADR 0020).
 *
 * Keys are govchain key files ({suite, publicKey, privateKey}). Transactions wait for the commit
 * and fail with the transaction's code (e.g. IDENTITY_ROLE_MISSING) as a one-line error.
 */
import type { CliContext } from '@govchain/app/cli'
import { getSuite } from '@govchain/core'
import { type Command, InvalidArgumentError } from 'commander'
import * as identity from './client.ts'
import { ROLES, type Role } from './schema.ts'

function rolesArg(v: string): Role[] {
  const roles = v.split(',').map((r) => r.trim())
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r))
      throw new InvalidArgumentError(`roles: comma-separated ${ROLES.join('|')}`)
  }
  return roles as Role[]
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const clientOf = (o: { node?: string }) => ctx.client(o)
  const org = program.command('org').description('organisations (departments) of the consortium')
  org
    .command('list')
    .description('list organisations with level, region and status')
    .option(
      '--node <urls>',
      'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or http://127.0.0.1:7701)',
    )
    .option('--json', 'print JSON')
    .action(async (o) => {
      const list = await identity.listOrganisations(clientOf(o))
      if (o.json) return ctx.out(JSON.stringify(list, null, 2))
      for (const x of list) {
        ctx.out(`${x.id.padEnd(12)} ${x.status.padEnd(8)} ${x.level.padEnd(9)} ${x.regionCode} ${x.code}  ${x.name}`)
      }
    })
  org
    .command('show')
    .description('an organisation and its officers')
    .argument('<orgId>', 'organisation id')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .option('--json', 'print JSON')
    .action(async (orgId: string, o) => {
      const client = clientOf(o)
      const info = await identity.getOrganisation(client, orgId)
      const officers = await identity.listOfficers(client, orgId)
      if (o.json) return ctx.out(JSON.stringify({ organisation: info, officers }, null, 2))
      const { caCertPem: _ca, ...rest } = info
      for (const [k, v] of Object.entries(rest)) ctx.out(`${k.padEnd(18)}${v}`)
      ctx.out('officers')
      for (const f of officers)
        ctx.out(`  ${f.officerId.padEnd(20)} ${f.status.padEnd(9)} ${f.roles.join(',')}  ${f.publicKey}`)
    })

  const officer = program.command('officer').description("an organisation's officers (signed by one of its admins)")
  officer
    .command('add')
    .description('add an officer with roles')
    .requiredOption('--key <file>', 'key file of an admin officer of the organisation')
    .requiredOption('--org <orgId>', 'organisation id')
    .requiredOption('--id <officerId>', 'new officer id ([a-z0-9._-], e.g. market-clerk-1)')
    .requiredOption('--public-key <hex|file>', "the officer's public key (hex) or key file")
    .requiredOption('--roles <list>', `comma-separated: ${ROLES.join(',')}`, rolesArg)
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (o) => {
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(
        client,
        identity.addOfficer({
          ...common,
          orgId: o.org,
          officerId: o.id,
          publicKey: ctx.publicKey(o.publicKey),
          roles: o.roles,
        }),
      )
    })
  for (const [name, fn, what] of [
    ['suspend', identity.suspendOfficer, 'suspend an officer (its key is refused until reinstated)'],
    ['reinstate', identity.reinstateOfficer, 'reinstate a suspended officer'],
  ] as const) {
    officer
      .command(name)
      .description(what)
      .requiredOption('--key <file>', 'key file of an admin officer of the organisation')
      .requiredOption('--id <officerId>', 'officer id')
      .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
      .action(async (o) => {
        const { client, common } = await ctx.signer(o)
        await ctx.submitAndWait(client, fn({ ...common, officerId: o.id }))
      })
  }
  officer
    .command('rotate')
    .description("rotate an officer's key (the old key is refused at once)")
    .requiredOption('--key <file>', 'key file of an admin of the organisation, or of the officer itself')
    .requiredOption('--id <officerId>', 'officer id')
    .requiredOption('--new-key <hex|file>', 'the new public key (hex) or key file')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (o) => {
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(
        client,
        identity.rotateOfficerKey({ ...common, officerId: o.id, newPublicKey: ctx.publicKey(o.newKey) }),
      )
    })
  officer
    .command('show')
    .description('an officer with its change history')
    .argument('<officerId>', 'officer id')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (officerId: string, o) => {
      ctx.out(JSON.stringify(await identity.getOfficer(clientOf(o), officerId), null, 2))
    })

  const did = program.command('did').description('DIDs for people and enterprises (did:govchain)')
  did
    .command('create')
    .description('register a DID self-signed by its first key (prints the DID)')
    .requiredOption('--key <file>', "the DID's first key (create one with govchain keys new)")
    .option('--registered-by <orgId>', 'organisation registering it (an enterprise DID)')
    .option('--registrar-key <file>', "with --registered-by: a registrar officer's key file (co-signs)")
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (o) => {
      const { client, common } = await ctx.signer(o)
      const tx = identity.createDid({
        ...common,
        ...(o.registeredBy ? { registeredBy: o.registeredBy } : {}),
        ...(o.registrarKey ? { registrarPrivateKey: ctx.loadKey(o.registrarKey).signer } : {}),
      })
      await ctx.submitAndWait(client, tx)
      ctx.out(tx.did)
    })
  did
    .command('resolve')
    .description('resolve a DID to its W3C DID document')
    .argument('<did>', 'did:govchain:...')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (d: string, o) => {
      ctx.out(JSON.stringify(await identity.resolveDid(clientOf(o), d), null, 2))
    })
  did
    .command('rotate')
    .description('replace the signing key of a DID by a new one')
    .argument('<did>', 'did:govchain:...')
    .requiredOption('--key <file>', 'a current key of the DID')
    .requiredOption('--new-key <hex|file>', 'the new public key (hex) or key file')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (d: string, o) => {
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(
        client,
        identity.rotateDidKey({ ...common, did: d, newPublicKey: ctx.publicKey(o.newKey) }),
      )
    })
  did
    .command('deactivate')
    .description('deactivate a DID for good')
    .argument('<did>', 'did:govchain:...')
    .requiredOption('--key <file>', 'a current key of the DID')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .action(async (d: string, o) => {
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(client, identity.deactivateDid({ ...common, did: d }))
    })

  program
    .command('keys-did')
    .description('print the DID a key file would register (did:govchain derivation, offline)')
    .requiredOption('--key <file>', 'key file')
    .action((o) => {
      const k = ctx.loadKey(o.key)
      ctx.out(identity.deriveDid(getSuite(k.suite), k.publicKey))
    })
}
