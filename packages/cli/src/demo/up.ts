/**
 * What `govchain up` adds around the nodes so the demo is alive on first start: demo licences
 * and wallets, each department's data gateway over its own SQLite silo with catalogue entries
 * on chain, the 公租房 (public rental housing) scenario's grants, a demo citizen whose data
 * accesses can be seen, and the portal.
 *
 * Seeding runs once per network folder (DIR/demo/up-seeded.json marks it); gateways and the
 * portal start every time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getSuite, toHex } from '@govchain/core'
import { gatewayDir, issueSubjectCredential, loadGatewayHome } from '@govchain/gateway'
import type { NetworkFile } from '@govchain/node'
import { createClient, identity } from '@govchain/sdk'
import { type PortalServer, servePortal } from '../portal-server.ts'
import { type GatewayProcess, startGatewayProcess } from './gateway-procs.ts'
import { seedHolderRegisters } from './holders.ts'
import { seedInvoiceDemo } from './invoice.ts'
import { licenseDemoHolderRecords, seedCitizenLicense, seedLicenseDemo } from './license.ts'
import { seedDemoOfficers } from './officers.ts'
import { seedServiceDemo } from './service.ts'
import { recordDemoDataUse, requestHousingGrants, seedSharingDemo } from './sharing.ts'

const MARKER = 'up-seeded.json'

export interface DemoRuntime {
  gateways: GatewayProcess[]
  portal: PortalServer
  stop(): Promise<void>
}

interface Marker {
  citizen?: { did: string; publicKey: string; privateKey: string; idNumber: string; name: string }
}

export async function startDemo(opts: {
  dir: string
  net: NetworkFile
  portalPort?: number
  /** First data-gateway port (mutual TLS); each department's local API is 50 above. Default 7901. */
  gatewayPort?: number
  log: (line: string) => void
}): Promise<DemoRuntime> {
  const { dir, net, log } = opts
  const demoDir = join(dir, 'demo')
  mkdirSync(demoDir, { recursive: true })
  const markerPath = join(demoDir, MARKER)
  const first = !existsSync(markerPath)
  let marker: Marker = first ? {} : (JSON.parse(readFileSync(markerPath, 'utf8')) as Marker)

  let people: { idNumber: string; name: string }[] = []
  if (first) {
    log('seeding demo data (first start): licences, wallets, data silos, catalogue…')
    const licenses = await seedLicenseDemo({ dir, log })
    const sharing = await seedSharingDemo({
      dir,
      net,
      onProgress: log,
      ...(opts.gatewayPort === undefined
        ? {}
        : { gatewayBasePort: opts.gatewayPort, localBasePort: opts.gatewayPort + 50 }),
    })
    people = sharing.people
    // Each department's holder register (its own data, never on chain): the issue form looks holders up there.
    await seedHolderRegisters({ net, records: licenseDemoHolderRecords(licenses), log })
  }

  const logDir = join(dir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const gateways: GatewayProcess[] = []
  for (const n of net.nodes) {
    if (!existsSync(join(n.home, 'gateway', 'gateway.json'))) continue
    gateways.push(await startGatewayProcess(n.orgId, n.home, logDir))
  }
  if (gateways.length > 0) log(`data gateways: ${gateways.map((g) => `${g.orgId} ${g.url}`).join(', ')}`)

  if (first) {
    if (net.nodes.some((n) => n.orgId === 'housing') && net.nodes.some((n) => n.orgId === 'police')) {
      try {
        const grants = await requestHousingGrants({ net })
        log('公租房 scenario: housing holds grants on police household and tax payment data')
        const housing = gateways.find((g) => g.orgId === 'housing')
        const person = people[0]
        if (housing !== undefined && person !== undefined) {
          // The demo citizen (bound to this person below) then sees one recorded use of their data.
          await recordDemoDataUse({
            net,
            housingLocalUrl: housing.localUrl,
            grantId: grants.household,
            idNumber: person.idNumber,
          })
          log(`公租房 scenario: housing read ${person.name}'s household record; the receipt is on chain`)
        }
      } catch (e) {
        log(`公租房 scenario not seeded: ${(e as Error).message}`)
      }
    }
    try {
      await seedServiceDemo({ net, log })
    } catch (e) {
      log(`service hall not seeded: ${(e as Error).message}`)
    }
    try {
      await seedInvoiceDemo({ net, dir, log })
    } catch (e) {
      log(`e-invoices not seeded: ${(e as Error).message}`)
    }
    try {
      await seedDemoOfficers({ dir, net, log })
    } catch (e) {
      log(`demo officers not seeded: ${(e as Error).message}`)
    }
    marker = { ...marker, ...(await seedCitizen(dir, net, people[0], log)) }
    writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 })
  }

  const portal = await servePortal({ dir, network: net, log, ...(opts.portalPort ? { port: opts.portalPort } : {}) })
  return {
    gateways,
    portal,
    async stop() {
      await portal.close()
      await Promise.all(gateways.map((g) => g.stop()))
    },
  }
}

/**
 * A demo citizen with a DID (created on chain by its own key) bound by the identity authority's
 * gateway to the pseudonym of one of the demo people, so "who used my data" shows real accesses.
 */
async function seedCitizen(
  dir: string,
  net: NetworkFile,
  person: { idNumber: string; name: string } | undefined,
  log: (line: string) => void,
): Promise<Marker> {
  const police = net.nodes.find((n) => n.orgId === 'police')
  if (person === undefined || police === undefined || !existsSync(join(police.home, 'gateway'))) return {}
  const suite = getSuite(net.suite)
  const client = createClient({ url: net.nodes[0]!.apiUrl })
  const status = await client.status()
  const { privateKey, publicKey } = suite.generateKeyPair()
  const tx = identity.createDid({ suite, chainId: status.chainId, privateKey, validUntilHeight: status.height + 100 })
  await client.submitTx(tx.bytes)
  const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
  if (r.status !== 'committed') {
    log(`demo citizen not created: ${r.code}`)
    return {}
  }
  const did = tx.did
  const credential = issueSubjectCredential(loadGatewayHome(gatewayDir(police.home)), did, 'person', person.idNumber)
  const path = join(dir, 'demo', 'identities.json')
  const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { id: string }[]) : []
  const citizen = {
    id: 'citizen:demo',
    kind: 'citizen',
    name: `${person.name}（演示市民）`,
    nameEn: 'Demo citizen',
    did,
    publicKey: toHex(publicKey),
    privateKey: toHex(privateKey),
    subjectCredential: credential,
  }
  writeFileSync(path, `${JSON.stringify([...existing.filter((e) => e.id !== citizen.id), citizen], null, 2)}\n`, {
    mode: 0o600,
  })
  log(`demo citizen ${citizen.name}: ${did}`)
  // The citizen is in the departments' registers, holds a licence, and that licence has a recorded use.
  await seedHolderRegisters({
    net,
    records: [
      {
        kind: 'person',
        id: person.idNumber,
        did,
        name: person.name,
        fields: { name: person.name, idNumber: person.idNumber },
      },
    ],
    log,
  })
  try {
    const held = await seedCitizenLicense({
      dir,
      net,
      citizen: { did, privateKey: toHex(privateKey), name: person.name, idNumber: person.idNumber },
      log,
    })
    if (held !== undefined) {
      // The wallet the portal's demo mailbox serves to the citizen (DIR/demo/wallets, 0600).
      mkdirSync(join(dir, 'demo', 'wallets'), { recursive: true })
      writeFileSync(
        join(dir, 'demo', 'wallets', 'citizen-demo.json'),
        `${JSON.stringify(
          {
            holder: 'citizen-demo',
            name: person.name,
            kind: 'person',
            did,
            publicKey: toHex(publicKey),
            privateKey: toHex(privateKey),
            credentials: [{ id: held.id, credential: held.credential }],
          },
          null,
          2,
        )}\n`,
        { mode: 0o600 },
      )
    }
  } catch (e) {
    log(`demo citizen licence not seeded: ${(e as Error).message}`)
  }
  return {
    citizen: {
      did,
      publicKey: toHex(publicKey),
      privateKey: toHex(privateKey),
      idNumber: person.idNumber,
      name: person.name,
    },
  }
}
