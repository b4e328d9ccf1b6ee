/** The data gateway: connectors, protocol, home layout, and the gateway itself (docs/sharing.md). */
import { join } from 'node:path'
import { GovchainError, getSuite, toHex } from '@govchain/core'
import { subjectCredentialMessage, subjectPseudonym } from '@govchain/sharing/schema'
import { type GatewayHome, loadGatewayHome } from './config.ts'
import type { DataConnector } from './connector.ts'
import { Gateway, type GatewayLogger } from './gateway.ts'
import { openPostgresConnector } from './postgres.ts'
import { openSqliteConnector } from './sqlite.ts'

export * from './chain.ts'
export * from './config.ts'
export * from './connector.ts'
export * from './gateway.ts'
export * from './postgres.ts'
export * from './protocol.ts'
export * from './sqlite.ts'

/** Opens the connector a gateway home configures (SQLite paths are relative to the gateway folder). */
export function openConnector(home: GatewayHome): DataConnector {
  const c = home.config.connector
  if (c.kind === 'postgres')
    return openPostgresConnector({ url: c.url, ...(c.poolMax === undefined ? {} : { poolMax: c.poolMax }) })
  return openSqliteConnector(c.path.startsWith('/') ? c.path : join(home.dir, c.path))
}

/** `govchain gateway start`: loads `<node home>/gateway/` and starts serving. */
export async function startGatewayFromHome(nodeHome: string, logger?: GatewayLogger): Promise<Gateway> {
  const home = loadGatewayHome(nodeHome)
  return Gateway.start({ home, connector: openConnector(home), ...(logger === undefined ? {} : { logger }) })
}

/**
 * An identity authority's subject credential: binds a DID to its holder's keyed pseudonym,
 * signed with the authority gateway's key (the holder presents it to POST /v1/sharing/my-accesses).
 */
export function issueSubjectCredential(home: GatewayHome, did: string, kind: 'person' | 'enterprise', id: string) {
  if (home.pseudonymKey === undefined) {
    throw new GovchainError('GATEWAY_CONFIG_INVALID', 'not an identity authority gateway (no pseudonym.key)')
  }
  const suite = getSuite(home.suite)
  const subject = toHex(subjectPseudonym(suite, home.pseudonymKey, kind, id))
  return {
    did,
    subject,
    issuerOrg: home.config.orgId,
    issuerKey: toHex(home.key.publicKey),
    signature: toHex(suite.sign(home.key.privateKey, subjectCredentialMessage(did, subject))),
  }
}
