/**
 * Module `catalog` (目录链): the data resources departments share, as immutable versions, and
 * each organisation's data gateway.
 *
 *   publish(CatalogPublishArgs)   registrar officer of ownerOrg; adds version N+1 of the resource
 *                                 (version 1 registers it). A resource keeps its owner: another
 *                                 organisation publishing under its id fails CATALOG_OWNER_MISMATCH.
 *   setGateway(args)              admin officer of orgId; registers (or replaces) the org's gateway
 *                                 URL, TLS certificate fingerprint and chain key. Gateway records
 *                                 are configuration, not data versions, so they are replaced.
 *
 * State: `res/<id>` → ResourceHead, `ver/<id>/<version>` → ResourceVersion, `gw/<org>` → GatewayRecord,
 * `gw-key/<pk>` → utf8(org) of the gateway holding that chain key (one gateway per key): a current
 * gateway key is a registered sender (it signs receipts and refusals; registeredSender).
 * Index (node-local): `catalog/all/<id>` → empty (browse).
 * Events: `catalog.publish {resourceId, version, ownerOrg}`, `catalog.gateway {orgId}`.
 * Keeper: { head, latest, version, gateway }.
 * Privacy: descriptions and titles are public metadata about a dataset, never its content.
 */

import { handler, type KeeperContext, type Module, type ReadonlyModuleState, type TxContext } from '@govchain/app'
import { codec, toHex, utf8 } from '@govchain/core'
import { identityRef } from '@govchain/identity/schema'
import {
  CATALOG_LIMITS,
  CATALOG_MODULE,
  type CatalogPublishArgs,
  CatalogPublishArgs as CatalogPublishArgsCodec,
  CatalogSetGatewayArgs,
  catalogGatewayKey,
  catalogGatewayKeyIndex,
  catalogHeadKey,
  catalogVersionKey,
  FIELD_NAME_PATTERN,
  GatewayRecord,
  RESOURCE_ID_PATTERN,
  ResourceHead,
  ResourceVersion,
} from './schema.ts'
import type { GatewayView, ResourceVersionView } from './views.ts'

export const CATALOG_INDEX_ALL = utf8('all/')
/** No control characters (C0, DEL, C1) nor bidirectional overrides in public text. */
const TEXT_FORBIDDEN = /\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u
/** The same, but newlines are allowed (descriptions, notes). */
const TEXT_FORBIDDEN_MULTILINE = /[^\P{Cc}\n]|[\u202a-\u202e\u2066-\u2069]/u

export interface CatalogKeeper {
  head(resourceId: string): ResourceHead | undefined
  latest(resourceId: string): ResourceVersion | undefined
  version(resourceId: string, version: number): ResourceVersion | undefined
  gateway(orgId: string): GatewayRecord | undefined
}

function safeKey<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch {
    return undefined
  }
}

export function catalogKeeperOver(state: ReadonlyModuleState): CatalogKeeper {
  const head = (id: string): ResourceHead | undefined => {
    const k = safeKey(() => catalogHeadKey(id))
    const v = k === undefined ? undefined : state.get(k)
    return v === undefined ? undefined : codec.decode(ResourceHead, v)
  }
  const version = (id: string, n: number): ResourceVersion | undefined => {
    const k = safeKey(() => catalogVersionKey(id, n))
    const v = k === undefined ? undefined : state.get(k)
    return v === undefined ? undefined : codec.decode(ResourceVersion, v)
  }
  return {
    head,
    version,
    latest: (id) => {
      const h = head(id)
      return h === undefined ? undefined : version(id, h.latest)
    },
    gateway: (orgId) => {
      const k = safeKey(() => catalogGatewayKey(orgId))
      const v = k === undefined ? undefined : state.get(k)
      return v === undefined ? undefined : codec.decode(GatewayRecord, v)
    },
  }
}

function checkText(ctx: TxContext, what: string, s: string, required: boolean, multiline = false): void {
  if ((required && s.trim().length === 0) || (multiline ? TEXT_FORBIDDEN_MULTILINE : TEXT_FORBIDDEN).test(s)) {
    ctx.fail('CATALOG_BAD_RESOURCE', `${what} must be printable text${required ? ' and not empty' : ''}`)
  }
}

/** Validates a resource description; fails CATALOG_BAD_RESOURCE with what is wrong. */
function validatePublish(ctx: TxContext, a: CatalogPublishArgs): void {
  if (!RESOURCE_ID_PATTERN.test(a.resourceId))
    ctx.fail('CATALOG_BAD_RESOURCE', 'resourceId must match ^[a-z][a-z0-9_.-]{2,63}$')
  checkText(ctx, 'title', a.title, true)
  checkText(ctx, 'description', a.description, false, true)
  checkText(ctx, 'dataVersion', a.dataVersion, true)
  checkText(ctx, 'note', a.note, false, true)
  if (a.rights.length === 0 || new Set(a.rights).size !== a.rights.length) {
    ctx.fail('CATALOG_BAD_RESOURCE', 'rights must list ownership/management/use at least once, without repeats')
  }
  if (a.fields.length === 0) ctx.fail('CATALOG_BAD_RESOURCE', 'a resource has at least one field')
  const names = new Set<string>()
  for (const f of a.fields) {
    if (!FIELD_NAME_PATTERN.test(f.name) || names.has(f.name)) {
      ctx.fail('CATALOG_BAD_RESOURCE', `field name ${JSON.stringify(f.name)} is invalid or repeated`)
    }
    names.add(f.name)
    checkText(ctx, `label of ${f.name}`, f.label, true)
  }
  if (a.autoApprove && (a.shareType !== 'unconditional' || a.autoApproveMaxDurationMs <= 0)) {
    ctx.fail('CATALOG_BAD_RESOURCE', 'automatic approval needs shareType unconditional and a positive duration bound')
  }
  if (!a.autoApprove && a.autoApproveMaxDurationMs !== 0) {
    ctx.fail('CATALOG_BAD_RESOURCE', 'autoApproveMaxDurationMs is 0 without automatic approval')
  }
}

export const catalogModule = {
  name: CATALOG_MODULE,
  handlers: {
    publish: handler(CatalogPublishArgsCodec, (ctx, args) => {
      validatePublish(ctx, args)
      const identity = ctx.keeper(identityRef)
      identity.requireOfficer(ctx.sender, 'registrar', args.ownerOrg)
      const headKey = catalogHeadKey(args.resourceId)
      const prev = ctx.state.get(headKey)
      const head = prev === undefined ? undefined : codec.decode(ResourceHead, prev)
      if (head !== undefined && head.ownerOrg !== args.ownerOrg) {
        ctx.fail('CATALOG_OWNER_MISMATCH', `resource ${args.resourceId} belongs to ${head.ownerOrg}`)
      }
      const version = (head?.latest ?? 0) + 1
      if (version > CATALOG_LIMITS.versions) return ctx.fail('CATALOG_BAD_RESOURCE', 'too many versions')
      const record: ResourceVersion = {
        ...args,
        version,
        publishedBy: ctx.sender,
        height: ctx.height,
        timeMs: ctx.timeMs,
        txHash: ctx.txHash,
      }
      ctx.state.set(catalogVersionKey(args.resourceId, version), codec.encode(ResourceVersion, record))
      ctx.state.set(
        headKey,
        codec.encode(ResourceHead, { resourceId: args.resourceId, ownerOrg: args.ownerOrg, latest: version }),
      )
      if (head === undefined)
        ctx.index(new Uint8Array([...CATALOG_INDEX_ALL, ...utf8(args.resourceId)]), new Uint8Array(0))
      ctx.emit('publish', { resourceId: args.resourceId, version: String(version), ownerOrg: args.ownerOrg })
    }),
    setGateway: handler(CatalogSetGatewayArgs, (ctx, args) => {
      const identity = ctx.keeper(identityRef)
      identity.requireOfficer(ctx.sender, 'admin', args.orgId)
      if (!/^https:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/.test(args.url)) {
        ctx.fail('CATALOG_BAD_RESOURCE', 'gateway url must be https://host[:port][/path]')
      }
      if (args.publicKey.length === 0) return ctx.fail('CATALOG_BAD_RESOURCE', 'gateway public key is required')
      const holder = ctx.state.get(catalogGatewayKeyIndex(args.publicKey))
      if (holder !== undefined && new TextDecoder().decode(holder) !== args.orgId) {
        ctx.fail('CATALOG_BAD_RESOURCE', "gateway public key is another organisation's gateway key")
      }
      const previous = catalogKeeperOver(ctx.state).gateway(args.orgId)
      if (previous !== undefined) ctx.state.delete(catalogGatewayKeyIndex(previous.publicKey))
      const record: GatewayRecord = { ...args, setBy: ctx.sender, height: ctx.height, timeMs: ctx.timeMs }
      ctx.state.set(catalogGatewayKey(args.orgId), codec.encode(GatewayRecord, record))
      ctx.state.set(catalogGatewayKeyIndex(args.publicKey), utf8(args.orgId))
      ctx.emit('gateway', { orgId: args.orgId })
    }),
  },
  keeper: (ctx: KeeperContext): CatalogKeeper => catalogKeeperOver(ctx.state),
  registeredSender: (ctx, publicKey) => ctx.state.has(catalogGatewayKeyIndex(publicKey)),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key)
    if (k.startsWith('res/')) return codec.decode(ResourceHead, value)
    if (k.startsWith('ver/')) return renderResourceVersion(codec.decode(ResourceVersion, value))
    if (k.startsWith('gw/')) return renderGateway(codec.decode(GatewayRecord, value))
    if (k.startsWith('gw-key/')) return { orgId: new TextDecoder().decode(value) }
    return undefined
  },
} satisfies Module

export function renderResourceVersion(v: ResourceVersion, gateway?: GatewayRecord): ResourceVersionView {
  return {
    resourceId: v.resourceId,
    version: v.version,
    status: v.status,
    title: v.title,
    description: v.description,
    ownerOrg: v.ownerOrg,
    rights: v.rights,
    fields: v.fields,
    shareType: v.shareType,
    autoApprove: v.autoApprove,
    autoApproveMaxDurationMs: v.autoApproveMaxDurationMs,
    updateFrequency: v.updateFrequency,
    gateway:
      gateway === undefined
        ? null
        : {
            orgId: gateway.orgId,
            url: gateway.url,
            certFingerprint: toHex(gateway.certFingerprint),
            publicKey: toHex(gateway.publicKey),
          },
    dataHash: toHex(v.dataHash),
    dataVersion: v.dataVersion,
    note: v.note,
    publishedBy: toHex(v.publishedBy),
    height: v.height,
    timeMs: v.timeMs,
    txHash: toHex(v.txHash),
  }
}

export function renderGateway(g: GatewayRecord): GatewayView {
  return {
    orgId: g.orgId,
    url: g.url,
    certFingerprint: toHex(g.certFingerprint),
    publicKey: toHex(g.publicKey),
    pseudonymAuthority: g.pseudonymAuthority,
    setBy: toHex(g.setBy),
    height: g.height,
    timeMs: g.timeMs,
  }
}
