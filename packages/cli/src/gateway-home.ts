/**
 * A department's gateway next to its node: the CLI is where the two homes meet. The gateway
 * package reads only its own folder; these helpers take what a new gateway needs from the node's
 * home (organisation, chain id and suite, API address, the organisation's CA) and pass it in.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  type GatewayHome,
  gatewayDir,
  type InitGatewayOptions,
  initGatewayHome,
  loadGatewayHome,
} from '@govchain/gateway'
import { loadHome } from '@govchain/node'

export type NodeGatewayOptions = Omit<
  InitGatewayOptions,
  'dir' | 'orgId' | 'nodeApiUrl' | 'chainId' | 'suite' | 'ca'
> & {
  /** Folder with the organisation's ca.crt and ca.key (default: DIR/orgs/<org> of `govchain init`). */
  caDir?: string
}

/** Creates `<node home>/gateway/` for the node's organisation (idempotent). */
export function initNodeGateway(nodeHome: string, opts: NodeGatewayOptions): GatewayHome {
  const node = loadHome(nodeHome)
  const caDir = opts.caDir ?? resolve(node.home, '..', '..', 'orgs', node.config.orgId)
  const { caDir: _, ...rest } = opts
  return initGatewayHome({
    ...rest,
    dir: gatewayDir(nodeHome),
    orgId: node.config.orgId,
    nodeApiUrl: `http://${node.config.api.host}:${node.config.api.port}`,
    chainId: node.genesis.chainId,
    suite: node.genesis.suite,
    ca: {
      certPem: readFileSync(join(caDir, 'ca.crt'), 'utf8'),
      keyPem: readFileSync(join(caDir, 'ca.key'), 'utf8'),
    },
  })
}

/** The chain a node runs: a gateway of that node must serve the same one. */
export function nodeChain(nodeHome: string): { chainId: string; suite: 'gm' | 'intl' } {
  const node = loadHome(nodeHome)
  return { chainId: node.genesis.chainId, suite: node.genesis.suite }
}

/** Loads `<node home>/gateway/`, checking it serves the node's chain. */
export function loadNodeGateway(nodeHome: string): GatewayHome {
  return loadGatewayHome(gatewayDir(nodeHome), nodeChain(nodeHome))
}
