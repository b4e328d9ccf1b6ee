/**
 * A department's gateway next to its node: the CLI is where the two homes meet. The gateway
 * package reads only its own folder; these helpers take what a new gateway needs from the node's
 * home (organisation, chain id and suite, API address, the organisation's CA) and pass it in.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { GovchainError } from '@govchain/core'
import type { GatewayHome, InitGatewayOptions } from '@govchain/gateway'
import { keyCustody, readHomeInfo, readPemKey } from '@govchain/node'

type GatewayPackage = typeof import('@govchain/gateway')
let loaded: GatewayPackage | undefined

/**
 * @govchain/gateway, loaded on first use: it is an optional dependency of the CLI (it brings the
 * database drivers), so a validator installed with `--omit=optional` runs every other command.
 */
export async function loadGatewayPackage(): Promise<GatewayPackage> {
  if (loaded !== undefined) return loaded
  try {
    loaded = await import('@govchain/gateway')
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e
    throw new GovchainError(
      'COMPONENT_NOT_INSTALLED',
      'the data gateway (@govchain/gateway) is not installed: install it (npm install @govchain/gateway) to run a gateway or the demo',
    )
  }
  return loaded
}

function gatewayPackage(): GatewayPackage {
  if (loaded === undefined) throw new GovchainError('INTERNAL', 'loadGatewayPackage() first')
  return loaded
}

export type NodeGatewayOptions = Omit<
  InitGatewayOptions,
  'dir' | 'orgId' | 'nodeApiUrl' | 'chainId' | 'suite' | 'ca' | 'keys'
> & {
  /** Folder with the organisation's ca.crt and ca.key (default: DIR/orgs/<org> of `govchain init`). */
  caDir?: string
}

/** Creates `<node home>/gateway/` for the node's organisation (idempotent; after loadGatewayPackage). */
export function initNodeGateway(nodeHome: string, opts: NodeGatewayOptions): GatewayHome {
  const node = readHomeInfo(nodeHome)
  // The gateway keeps its keys as its node does: encrypted unless the network is a development one.
  const keys = keyCustody(node.config.dev === true)
  const caDir = opts.caDir ?? resolve(node.home, '..', '..', 'orgs', node.config.orgId)
  const { caDir: _, ...rest } = opts
  const { gatewayDir, initGatewayHome } = gatewayPackage()
  return initGatewayHome({
    ...rest,
    dir: gatewayDir(nodeHome),
    orgId: node.config.orgId,
    nodeApiUrl: `http://${node.config.api.host}:${node.config.api.port}`,
    chainId: node.genesis.chainId,
    suite: node.genesis.suite,
    keys,
    ca: {
      certPem: readFileSync(join(caDir, 'ca.crt'), 'utf8'),
      keyPem: readPemKey(join(caDir, 'ca.key'), keys.dev ? {} : { passphrase: keys.passphrase, allowPlain: false }),
    },
  })
}

/** The chain a node runs: a gateway of that node must serve the same one. */
export function nodeChain(nodeHome: string): { chainId: string; suite: 'gm' | 'intl' } {
  const node = readHomeInfo(nodeHome)
  return { chainId: node.genesis.chainId, suite: node.genesis.suite }
}
