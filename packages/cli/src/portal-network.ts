/**
 * What the portal server (portal-server.ts) knows of its network: network.json, genesis.json
 * and the operators' key files, read once at start, and the /config.json answer built from them
 * (with DIR/demo/identities.json and the gateways' files, read at each request).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type DemoIdentityView, isDemoIdentity, type PortalConfigAnswer } from '@govchain/app/portal-views'
import { encode, fromHex, GovchainError, toBase64, ValidatorSet } from '@govchain/core'
import { DEMO_DEPARTMENTS, genesisValidatorSet, loadKeyFile, type NetworkFile, parseGenesis } from '@govchain/node'

export const IDENTITIES_FILE_BYTES_MAX = 1024 * 1024

export function readJsonFile<T>(path: string, bytesMax: number): T | undefined {
  if (!existsSync(path)) return undefined
  if (statSync(path).size > bytesMax) throw new GovchainError('CONFIG_INVALID', `${path} is too large`)
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/** The network folder and its network.json; demo mode only for a development network. */
export interface PortalNetworkFile {
  /** The network folder, resolved. */
  dir: string
  net: NetworkFile
  /** Demo identities' private keys go to the page. */
  demo: boolean
}

/** The network facts /config.json tells the page: the nodes it talks to, the organisations, genesis's validators. */
export interface PortalNetwork extends PortalNetworkFile {
  /** The node APIs the page talks to. */
  apiUrls: string[]
  nodes: PortalConfigAnswer['nodes']
  organisations: PortalConfigAnswer['organisations']
  trustedValidatorSet: string | undefined
}

/** DIR/network.json (or `network`), refusing demo mode for any network but a development one. */
export function readNetworkFile(o: { dir: string; network?: NetworkFile; demo?: boolean }): PortalNetworkFile {
  const dir = resolve(o.dir)
  const net = o.network ?? (JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkFile)
  const demo = o.demo ?? net.dev === true
  if (demo && net.dev !== true) {
    throw new GovchainError('DEV_NETWORK_ONLY', `${dir} is not a development network (govchain init --dev)`)
  }
  return { dir, net, demo }
}

/** Genesis's organisations and trusted validator set (when DIR/genesis.json is there), and the nodes. */
export function networkFacts(file: PortalNetworkFile, apiUrlsOption: string[] | undefined): PortalNetwork {
  const { dir, net } = file
  let trustedValidatorSet: string | undefined
  let organisations: PortalConfigAnswer['organisations'] = []
  const genesisPath = join(dir, 'genesis.json')
  if (existsSync(genesisPath)) {
    const genesis = parseGenesis(JSON.parse(readFileSync(genesisPath, 'utf8')))
    trustedValidatorSet = toBase64(encode(ValidatorSet, genesisValidatorSet(genesis)))
    organisations = genesis.organisations.map((o) => ({ id: o.id, name: o.name, nameEn: o.nameEn, code: o.code }))
  }
  const apiUrls = apiUrlsOption ?? net.nodes.map((n) => n.apiUrl)
  const nodes = apiUrls.map((url, i) => {
    const n = net.nodes.find((m) => m.apiUrl === url) ?? net.nodes[i]
    return { name: n?.name ?? `node${i}`, orgId: n?.orgId ?? n?.name ?? `node${i}`, apiUrl: url }
  })
  return { ...file, apiUrls, nodes, organisations, trustedValidatorSet }
}

/**
 * Each department's operator. Demo mode opens the (plain, --dev) key file for its private key;
 * otherwise only the public key is read (a keystore's header), and no key file is opened.
 */
export function operatorIdentities(dir: string, net: NetworkFile, demo: boolean): DemoIdentityView[] {
  const out: DemoIdentityView[] = []
  for (const n of net.nodes) {
    const path = join(dir, 'keys', `${n.orgId}.operator.json`)
    if (!existsSync(path)) continue
    const k = demo
      ? loadKeyFile(path)
      : {
          publicKey: fromHex(String(readJsonFile<{ publicKey?: unknown }>(path, IDENTITIES_FILE_BYTES_MAX)?.publicKey)),
          privateKey: undefined,
        }
    const dept = DEMO_DEPARTMENTS.find((d) => d.id === n.orgId)
    out.push({
      id: `officer:${n.orgId}`,
      kind: 'officer',
      name: `${dept?.name ?? n.orgId} 工作人员`,
      nameEn: `${dept?.nameEn ?? n.orgId} officer`,
      orgId: n.orgId,
      roles: ['admin', 'issuer', 'approver', 'auditor', 'registrar'],
      publicKey: Buffer.from(k.publicKey).toString('hex'),
      ...(k.privateKey === undefined ? {} : { privateKey: Buffer.from(k.privateKey).toString('hex') }),
    })
  }
  return out
}

/**
 * orgId → the department gateway's local API URL: each node home's gateway/gateway.json, then
 * `gateways` (ServePortalOptions.gateways) over them.
 */
export function gatewayTargets(net: NetworkFile, gateways: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const n of net.nodes) {
    const g = readJsonFile<{ orgId?: string; local?: { host?: string; port?: number } }>(
      join(n.home, 'gateway', 'gateway.json'),
      IDENTITIES_FILE_BYTES_MAX,
    )
    if (typeof g?.local?.port === 'number')
      out[g.orgId ?? n.orgId] = `http://${g.local.host ?? '127.0.0.1'}:${g.local.port}`
  }
  return { ...out, ...gateways }
}

/**
 * What /config.json answers now: the operators, the identities the demo seeding wrote to
 * DIR/demo/identities.json (read at each request) and `identities`, the later of one id winning;
 * their private keys only in demo mode.
 */
export function portalConfig(
  network: PortalNetwork,
  operators: DemoIdentityView[],
  identities: DemoIdentityView[] | undefined,
  gateways: () => Record<string, string>,
): PortalConfigAnswer {
  const { dir, net, demo, nodes, organisations, trustedValidatorSet } = network
  const seeded = readJsonFile<unknown[]>(join(dir, 'demo', 'identities.json'), IDENTITIES_FILE_BYTES_MAX) ?? []
  const all = [...operators, ...(Array.isArray(seeded) ? seeded.filter(isDemoIdentity) : []), ...(identities ?? [])]
  const byId = new Map<string, DemoIdentityView>()
  for (const i of all) byId.set(i.id, i)
  const shown = [...byId.values()].map((i) => {
    if (demo) return i
    const { privateKey: _hidden, ...pub } = i
    return pub
  })
  return {
    chainId: net.chainId,
    suite: net.suite,
    nodes,
    organisations,
    ...(trustedValidatorSet === undefined ? {} : { trustedValidatorSet }),
    demo,
    identities: shown,
    gateways: Object.fromEntries(Object.keys(gateways()).map((org) => [org, `/gateway/${org}`])),
  }
}
