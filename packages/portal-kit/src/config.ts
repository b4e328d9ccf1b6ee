/**
 * What the portal server tells the page at /config.json (written by servePortal in
 * packages/cli/src/portal-server.ts; the two definitions must match).
 */
import type { SuiteName } from '@govchain/core'
import type { SubjectCredential } from './api.ts'

export interface PortalNode {
  name: string
  orgId: string
  apiUrl: string
}

export interface PortalOrganisation {
  id: string
  name: string
  nameEn: string
  /** Unified social credit code (licence identifiers carry the issuer's). */
  code: string
}

export type IdentityKind = 'citizen' | 'enterprise' | 'officer'

/**
 * A demo identity. The private key reaches the page only because this is a local demo (the
 * login screen says so); the nodes still check every signature and permission.
 */
export interface DemoIdentity {
  id: string
  kind: IdentityKind
  name: string
  nameEn: string
  /** Officers: their organisation. */
  orgId?: string
  roles?: string[]
  /** Citizens and enterprises: their DID (did:govchain:...). */
  did?: string
  /** Citizens and enterprises: the identity authority's binding of the DID to their pseudonym (data sharing). */
  subjectCredential?: SubjectCredential
  /** hex */
  publicKey: string
  /** hex; absent when the server runs without --demo */
  privateKey?: string
}

export interface PortalConfig {
  chainId: string
  suite: SuiteName
  nodes: PortalNode[]
  organisations: PortalOrganisation[]
  /** base64 of the encoded ValidatorSet the light client trusts (from genesis). */
  trustedValidatorSet?: string
  demo: boolean
  identities: DemoIdentity[]
  /** Each department's data gateway, local API (officer console → own gateway): orgId → URL. */
  gateways: Record<string, string>
}

const CONFIG_BYTES_MAX = 1024 * 1024

export async function loadConfig(): Promise<PortalConfig> {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' } })
  if (!res.ok) throw new Error(`/config.json: HTTP ${res.status}`)
  const text = await res.text()
  if (text.length > CONFIG_BYTES_MAX) throw new Error('/config.json is too large')
  const c = JSON.parse(text) as PortalConfig
  if (typeof c.chainId !== 'string' || !Array.isArray(c.nodes) || c.nodes.length === 0) {
    throw new Error('/config.json lacks chainId or nodes')
  }
  c.identities ??= []
  c.organisations ??= []
  c.gateways ??= {}
  return c
}
