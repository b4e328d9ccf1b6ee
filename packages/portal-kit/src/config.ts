/**
 * What the portal server tells the page at /config.json (served by servePortal in
 * packages/cli/src/portal-server.ts, built by portalConfig in portal-network.ts). Both take its
 * shape from PortalConfigAnswer (`@govchain/app/portal-views`): the server types what it writes
 * with it, and the page checks what it reads against it (ADR 0019) before it starts.
 */
import type { DemoIdentityView, PortalConfigAnswer } from '@govchain/app/portal-views'
import { checkPortalConfig } from './startup-answers.ts'

export type PortalConfig = PortalConfigAnswer
export type PortalNode = PortalConfig['nodes'][number]
export type PortalOrganisation = PortalConfig['organisations'][number]
/**
 * A demo identity. The private key reaches the page only because this is a local demo (the
 * login screen says so); the nodes still check every signature and permission.
 */
export type DemoIdentity = DemoIdentityView
export type IdentityKind = DemoIdentity['kind']

const CONFIG_BYTES_MAX = 1024 * 1024

/**
 * /config.json, checked against PortalConfigAnswer's shape: a configuration of another shape (no
 * node, a malformed identity) is SdkError SDK_BAD_RESPONSE naming the field, shown instead of the
 * page. Checked without TypeBox (startup-answers.ts): every first load reads it.
 */
export async function loadConfig(): Promise<PortalConfig> {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' } })
  if (!res.ok) throw new Error(`/config.json: HTTP ${res.status}`)
  const text = await res.text()
  if (text.length > CONFIG_BYTES_MAX) throw new Error('/config.json is too large')
  return checkPortalConfig(JSON.parse(text))
}
