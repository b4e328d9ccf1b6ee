/**
 * `govchain org list|show`, `govchain officer add|suspend|reinstate|rotate|show`,
 * `govchain did create|resolve|rotate|deactivate` and `govchain init-node` (docs/identity.md).
 * Registered in main.ts's buildProgram with `registerIdentityCommands(program)`.
 *
 * Keys are govchain key files ({suite, publicKey, privateKey}). Transactions wait for the commit
 * and fail with the transaction's code (e.g. IDENTITY_ROLE_MISSING) as a one-line error.
 */
import { existsSync } from 'node:fs'
import { fromHex, GovchainError, getSuite, isErrorCode } from '@govchain/core'
import { ROLES, type Role } from '@govchain/identity/schema'
import { addNodeHome, loadKeyFile } from '@govchain/node'
import { type BuiltTx, type Client, createClient, identity } from '@govchain/sdk'
import { type Command, InvalidArgumentError } from 'commander'

function out(line: string): void {
  process.stdout.write(`${line}\n`)
}

export function nodeUrlOf(o: { node?: string }): string {
  return o.node ?? process.env.GOVCHAIN_NODE ?? 'http://127.0.0.1:7701'
}

function rolesArg(v: string): Role[] {
  const roles = v.split(',').map((r) => r.trim())
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r))
      throw new InvalidArgumentError(`roles: comma-separated ${ROLES.join('|')}`)
  }
  return roles as Role[]
}

function portArg(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('port: 1..65535')
  return n
}

/** A public key given as hex or as a key file. */
export function publicKeyArg(v: string): Uint8Array {
  if (/^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) return fromHex(v)
  if (existsSync(v)) return loadKeyFile(v).publicKey
  throw new GovchainError('INVALID_ARGUMENT', `${v} is neither a hex public key nor a key file`)
}

/** Signing context from a key file and the node: suite check, chain id, validity window. */
export async function signing(o: { node?: string; key: string }) {
  const client = createClient({ url: nodeUrlOf(o) })
  const key = loadKeyFile(o.key)
  const status = await client.status()
  if (status.suite !== key.suite) {
    throw new GovchainError('INVALID_ARGUMENT', `key is ${key.suite} but the chain uses ${status.suite}`)
  }
  return {
    client,
    key,
    common: {
      suite: getSuite(key.suite),
      chainId: status.chainId,
      privateKey: key.privateKey,
      validUntilHeight: status.height + 100,
    },
  }
}

/** Submits, waits for the commit, and turns a failed transaction into a coded one-line error. */
export async function submitAndWait(client: Client, tx: BuiltTx, timeoutMs = 30_000): Promise<number> {
  const { hash } = await client.submitTx(tx.bytes)
  const r = await client.waitForTx(hash, { timeoutMs })
  if (r.status !== 'committed') {
    const code = r.code !== undefined && isErrorCode(r.code) ? r.code : 'INTERNAL'
    throw new GovchainError(code, `transaction ${hash} failed: ${r.code}`)
  }
  out(`committed ${hash} at height ${r.height}`)
  return r.height ?? 0
}

export function registerIdentityCommands(program: Command): void {
  const org = program.command('org').description('organisations (departments) of the consortium')
  org
    .command('list')
    .description('list organisations with level, region and status')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE or http://127.0.0.1:7701)')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const list = await identity.listOrganisations(createClient({ url: nodeUrlOf(o) }))
      if (o.json) return out(JSON.stringify(list, null, 2))
      for (const x of list) {
        out(`${x.id.padEnd(12)} ${x.status.padEnd(8)} ${x.level.padEnd(9)} ${x.regionCode} ${x.code}  ${x.name}`)
      }
    })
  org
    .command('show')
    .description('an organisation and its officers')
    .argument('<orgId>', 'organisation id')
    .option('--node <url>', 'node API URL')
    .option('--json', 'print JSON')
    .action(async (orgId: string, o) => {
      const client = createClient({ url: nodeUrlOf(o) })
      const info = await identity.getOrganisation(client, orgId)
      const officers = await identity.listOfficers(client, orgId)
      if (o.json) return out(JSON.stringify({ organisation: info, officers }, null, 2))
      const { caCertPem: _ca, ...rest } = info
      for (const [k, v] of Object.entries(rest)) out(`${k.padEnd(18)}${v}`)
      out('officers')
      for (const f of officers)
        out(`  ${f.officerId.padEnd(20)} ${f.status.padEnd(9)} ${f.roles.join(',')}  ${f.publicKey}`)
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
    .option('--node <url>', 'node API URL')
    .action(async (o) => {
      const { client, common } = await signing(o)
      await submitAndWait(
        client,
        identity.addOfficer({
          ...common,
          orgId: o.org,
          officerId: o.id,
          publicKey: publicKeyArg(o.publicKey),
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
      .option('--node <url>', 'node API URL')
      .action(async (o) => {
        const { client, common } = await signing(o)
        await submitAndWait(client, fn({ ...common, officerId: o.id }))
      })
  }
  officer
    .command('rotate')
    .description("rotate an officer's key (the old key is refused at once)")
    .requiredOption('--key <file>', 'key file of an admin of the organisation, or of the officer itself')
    .requiredOption('--id <officerId>', 'officer id')
    .requiredOption('--new-key <hex|file>', 'the new public key (hex) or key file')
    .option('--node <url>', 'node API URL')
    .action(async (o) => {
      const { client, common } = await signing(o)
      await submitAndWait(
        client,
        identity.rotateOfficerKey({ ...common, officerId: o.id, newPublicKey: publicKeyArg(o.newKey) }),
      )
    })
  officer
    .command('show')
    .description('an officer with its change history')
    .argument('<officerId>', 'officer id')
    .option('--node <url>', 'node API URL')
    .action(async (officerId: string, o) => {
      out(JSON.stringify(await identity.getOfficer(createClient({ url: nodeUrlOf(o) }), officerId), null, 2))
    })

  const did = program.command('did').description('DIDs for people and enterprises (did:govchain)')
  did
    .command('create')
    .description('register a DID self-signed by its first key (prints the DID)')
    .requiredOption('--key <file>', "the DID's first key (create one with govchain keys new)")
    .option('--registered-by <orgId>', 'organisation registering it (an enterprise DID)')
    .option('--registrar-key <file>', "with --registered-by: a registrar officer's key file (co-signs)")
    .option('--node <url>', 'node API URL')
    .action(async (o) => {
      const { client, common } = await signing(o)
      const tx = identity.createDid({
        ...common,
        ...(o.registeredBy ? { registeredBy: o.registeredBy } : {}),
        ...(o.registrarKey ? { registrarPrivateKey: loadKeyFile(o.registrarKey).privateKey } : {}),
      })
      await submitAndWait(client, tx)
      out(tx.did)
    })
  did
    .command('resolve')
    .description('resolve a DID to its W3C DID document')
    .argument('<did>', 'did:govchain:...')
    .option('--node <url>', 'node API URL')
    .action(async (d: string, o) => {
      out(JSON.stringify(await identity.resolveDid(createClient({ url: nodeUrlOf(o) }), d), null, 2))
    })
  did
    .command('rotate')
    .description('replace the signing key of a DID by a new one')
    .argument('<did>', 'did:govchain:...')
    .requiredOption('--key <file>', 'a current key of the DID')
    .requiredOption('--new-key <hex|file>', 'the new public key (hex) or key file')
    .option('--node <url>', 'node API URL')
    .action(async (d: string, o) => {
      const { client, common } = await signing(o)
      await submitAndWait(client, identity.rotateDidKey({ ...common, did: d, newPublicKey: publicKeyArg(o.newKey) }))
    })
  did
    .command('deactivate')
    .description('deactivate a DID for good')
    .argument('<did>', 'did:govchain:...')
    .requiredOption('--key <file>', 'a current key of the DID')
    .option('--node <url>', 'node API URL')
    .action(async (d: string, o) => {
      const { client, common } = await signing(o)
      await submitAndWait(client, identity.deactivateDid({ ...common, did: d }))
    })

  program
    .command('init-node')
    .description(
      "prepare a joining department's node in a network folder: organisation CA and operator key, " +
        'validator key, TLS certificate, config; prints what the add-org/add-validator proposal needs',
    )
    .requiredOption('--dir <dir>', 'network folder (with network.json and genesis.json)')
    .requiredOption('--org <orgId>', 'the joining organisation id')
    .option('--name <name>', 'node name (default: the organisation id)')
    .option('--host <host>', 'address the node listens on and advertises', '127.0.0.1')
    .requiredOption('--api-port <port>', 'API port', portArg)
    .requiredOption('--p2p-port <port>', 'p2p port', portArg)
    .option('--json', 'print JSON')
    .action(async (o) => {
      const added = await addNodeHome({
        dir: o.dir,
        orgId: o.org,
        ...(o.name ? { name: o.name } : {}),
        host: o.host,
        apiPort: o.apiPort,
        p2pPort: o.p2pPort,
        ...(o.json ? {} : { onProgress: out }),
      })
      const caPath = `${o.dir}/orgs/${o.org}/ca.crt`
      if (o.json) return out(JSON.stringify({ ...added, caCertPath: caPath }, null, 2))
      out(`home          ${added.node.home}`)
      out(`operator key  ${added.operatorKeyPath} (${added.operatorPublicKey})`)
      out(`validator key ${added.validatorPublicKey}`)
      out(`CA            ${caPath}`)
      out('next: govchain gov propose add-org … then add-validator …; start the node once the proposal takes effect')
    })

  program
    .command('keys-did')
    .description('print the DID a key file would register (did:govchain derivation, offline)')
    .requiredOption('--key <file>', 'key file')
    .action((o) => {
      const k = loadKeyFile(o.key)
      out(identity.deriveDid(getSuite(k.suite), k.publicKey))
    })
}
