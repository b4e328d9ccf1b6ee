/**
 * @govchain/gateway: a department's data gateway (docs/sharing.md). It serves the department's
 * own database to other departments' gateways under grants recorded on chain, and fetches for
 * its officers. It talks to the chain only through the node's public API (the SDK's HTTP
 * transport); validators that run no gateway do not install it, nor its database drivers.
 */
import { join } from 'node:path'
import type { SubjectCredentialView } from '@govchain/app/portal-views'
import { GovchainError, getSuite, type SuiteName, toHex } from '@govchain/core'
import { subjectCredentialMessage, subjectPseudonym } from '@govchain/sharing/schema'
import { type GatewayHome, type GatewayLogger, loadGatewayHome } from './config.ts'
import type { DataConnector } from './connector.ts'
import { Gateway } from './gateway.ts'
import { openPostgresConnector } from './postgres.ts'
import { openSqliteConnector } from './sqlite.ts'

export * from './chain.ts'
export * from './config.ts'
export * from './connector.ts'
export { type FetchInput, type FetchResult, postToGateway } from './consumer.ts'
export * from './gateway.ts'
export * from './holders.ts'
export { GATEWAY_BODY_BYTES_MAX } from './http.ts'
export { localNonce } from './local-api.ts'
export * from './postgres.ts'
export * from './protocol.ts'
export { REPLAY_CACHE_MAX, SUBJECTS_PER_FETCH_MAX } from './provider.ts'
export * from './sqlite.ts'

/** Opens the connector a gateway home configures (SQLite paths are relative to the gateway folder). */
export function openConnector(home: GatewayHome): DataConnector {
  const c = home.config.connector
  if (c.kind === 'postgres')
    return openPostgresConnector({ url: c.url, ...(c.poolMax === undefined ? {} : { poolMax: c.poolMax }) })
  return openSqliteConnector(c.path.startsWith('/') ? c.path : join(home.dir, c.path))
}

/** `govchain gateway start`: loads a gateway's folder (see loadGatewayHome for `upgrade`) and starts serving. */
export async function startGatewayFromHome(
  dir: string,
  options: { logger?: GatewayLogger; upgrade?: { chainId: string; suite: SuiteName } } = {},
): Promise<Gateway> {
  const home = loadGatewayHome(dir, options.upgrade)
  const connector = openConnector(home)
  try {
    return await Gateway.start({
      home,
      connector,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    })
  } catch (e) {
    await connector.close()
    throw e
  }
}

/**
 * An identity authority's subject credential: binds a DID to its holder's keyed pseudonym,
 * signed with the authority gateway's key (the holder presents it to POST /v1/sharing/my-accesses).
 */
export function issueSubjectCredential(
  home: GatewayHome,
  did: string,
  kind: 'person' | 'enterprise',
  id: string,
): SubjectCredentialView {
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
    signature: toHex(home.key.sign(subjectCredentialMessage(did, subject))),
  }
}
