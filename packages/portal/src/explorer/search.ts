/**
 * What the explorer's search box finds: a block by height or hash, a transaction by hash, a
 * licence by its id, a DID, an organisation (by id, name or credit code) or a dataset (by id
 * or title). Each kind is asked of the node's own routes; nothing found is `undefined`, which the
 * page shows as 未找到 / Not found.
 */
import { type Client, catalogResource, catalogResources, identity, isSdkError, licenseClient } from '@govchain/sdk'

export type SearchHit =
  | { kind: 'block'; height: number }
  | { kind: 'tx'; hash: string }
  | {
      kind: 'license'
      id: string
      typeName: string
      issuerOrg: string
      status: string
      validFromMs: number
      validUntilMs: number
      history: { action: string; actorOrg: string; officerId: string; timeMs: number; txHash: string }[]
    }
  | { kind: 'did'; did: string; created: string; deactivated: boolean }
  | { kind: 'org'; id: string; name: string; nameEn: string; code: string; region: string; status: string }
  | { kind: 'dataset'; resourceId: string; title: string; ownerOrg: string; status: string; version: number }

/** A 404 (or a refused lookup of a malformed id) means "not this kind"; anything else is an error to show. */
function missing(e: unknown): boolean {
  return isSdkError(e) && (e.status === 404 || e.status === 400)
}

async function orNone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p
  } catch (e) {
    if (missing(e)) return undefined
    throw e
  }
}

export async function searchChain(client: Client, raw: string): Promise<SearchHit | undefined> {
  const q = raw.trim()
  if (q === '') return undefined
  if (/^\d{1,15}$/.test(q)) {
    const height = Number(q)
    if (height < 1) return undefined
    const block = await orNone(client.block(height))
    return block === undefined ? undefined : { kind: 'block', height }
  }
  const hex = q.toLowerCase().replace(/^0x/, '')
  if (/^[0-9a-f]{64}$/.test(hex)) {
    const tx = await orNone(client.tx(hex))
    if (tx !== undefined) return { kind: 'tx', hash: hex }
    const block = await orNone(client.blockByHash(hex))
    return block === undefined ? undefined : { kind: 'block', height: block.height }
  }
  if (q.startsWith('did:')) {
    const d = await orNone(identity.resolveDid(client, q))
    if (d === undefined) return undefined
    return {
      kind: 'did',
      did: d.didDocument.id,
      created: d.didDocumentMetadata.created,
      deactivated: d.didDocumentMetadata.deactivated,
    }
  }
  // A licence id is an OID under 1.2.156 (GB/T 36904 style, docs/adr/0007).
  if (q.startsWith('1.2.156.')) {
    const licenses = licenseClient({ transport: client.transport })
    const a = await orNone(licenses.get(q))
    if (a === undefined) return undefined
    const h = await orNone(licenses.historyAll(q))
    const l = a.license
    return {
      kind: 'license',
      id: l.id,
      typeName: a.type?.name ?? l.typeCode,
      issuerOrg: l.issuerOrg,
      status: l.effectiveStatus,
      validFromMs: l.validFromMs,
      validUntilMs: l.validUntilMs,
      history: (h ?? []).map((x) => ({
        action: x.action,
        actorOrg: x.actorOrg,
        officerId: x.officerId,
        timeMs: x.timeMs,
        txHash: x.txHash,
      })),
    }
  }
  const orgs = await identity.listOrganisations(client)
  const lower = q.toLowerCase()
  const org = orgs.find(
    (o) => o.id === q || o.code === q.toUpperCase() || o.name === q || o.nameEn.toLowerCase() === lower,
  )
  if (org !== undefined)
    return {
      kind: 'org',
      id: org.id,
      name: org.name,
      nameEn: org.nameEn,
      code: org.code,
      region: org.region,
      status: org.status,
    }
  // A dataset by id, else by title through the catalogue's own search.
  const one = /^[A-Za-z0-9._-]{1,64}$/.test(q) ? await orNone(catalogResource(client, q)) : undefined
  const found = await orNone(catalogResources(client, { q, limit: 20 }))
  const hits = found?.resources ?? []
  // Only a title that names the query counts: a word in a description is not the dataset asked for.
  const r = one?.resource ?? hits.find((x) => x.title === q) ?? hits.find((x) => x.title.includes(q))
  if (r !== undefined)
    return {
      kind: 'dataset',
      resourceId: r.resourceId,
      title: r.title,
      ownerOrg: r.ownerOrg,
      status: r.status,
      version: r.version,
    }
  return undefined
}
