/** The licence API over a real in-process chain: one issued licence, one grant and one use. */
import assert from 'node:assert/strict'
import type { ApiExtension, ModuleApiContext } from '@govchain/app'
import { type ModuleRef, queryState, readonlyKeeper } from '@govchain/app'
import { suites, toHex } from '@govchain/core'
import { type LicenseKeeper, licenseApi } from '@govchain/distribution'
import { GOV_CHAIN_ID, GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { CreateDidArgs, deriveDid, IDENTITY_MODULE } from '@govchain/identity/schema'
import { createApiServer, NodeMetrics } from '@govchain/node'
import { FakeBackend, memoryLogger } from '@govchain/node/testing'
import { issueLicenseCredential } from '../src/credential.ts'
import { GrantUseArgs, holderQueryMessage, IssueArgs, LICENSE_MODULE, licenseId, RecordUseArgs } from '../src/schema.ts'

export const suite = suites.intl
export const NOW = 1_700_000_100_000

export function setup(opts: { extraApi?: (ctx: ModuleApiContext) => ApiExtension[] } = {}) {
  const c = makeConsortium(suite, 4)
  const g = new GovChain(suite, c.genesis)
  g.step()
  const holderKey = suite.generateKeyPair()
  const holder = deriveDid(suite, holderKey.publicKey)
  g.step([tx(suite, holderKey, IDENTITY_MODULE, 'createDid', CreateDidArgs, {})])
  const lk = g.keeper<LicenseKeeper>(LICENSE_MODULE)
  const type = lk.type('jzqyzz')!
  const housing = c.genesis.organisations.find((o) => o.id === 'housing')!
  const id = licenseId({ typeCode: type.code, issuerCode: housing.code, serial: '0000000001', version: 1 })
  const cred = issueLicenseCredential({
    suite,
    chainId: GOV_CHAIN_ID,
    privateKey: c.operators.housing!.privateKey,
    id,
    type,
    issuer: { orgId: 'housing' },
    holder,
    validFromMs: g.timeMs,
    validUntilMs: g.timeMs + 1e10,
    issuedAtMs: g.timeMs,
    fields: {
      enterpriseName: '示范建设有限公司',
      creditCode: '91110108MA01ABCD2X',
      legalRepresentative: '张三',
      address: '北京市',
      qualificationCategory: '施工总承包贰级',
      certificateNo: 'D2110001',
    },
  })
  const issueArgs = {
    id,
    typeCode: type.code,
    holder,
    credentialHash: cred.hash,
    validFromMs: g.timeMs,
    validUntilMs: g.timeMs + 1e10,
  }
  assert.equal(g.step([tx(suite, c.operators.housing!, LICENSE_MODULE, 'issue', IssueArgs, issueArgs)])[0]!.code, 'OK')
  const grant = g.step([
    tx(suite, holderKey, LICENSE_MODULE, 'grantUse', GrantUseArgs, {
      licenseId: id,
      grantee: 'tax',
      service: 'tax-registration',
      purpose: '税务登记',
      untilMs: g.timeMs + 1e9,
    }),
  ])[0]!
  assert.equal(grant.code, 'OK')
  assert.equal(
    g.step([
      tx(suite, c.operators.tax!, LICENSE_MODULE, 'recordUse', RecordUseArgs, { licenseId: id, grantId: grant.txHash }),
    ])[0]!.code,
    'OK',
  )
  const ctx: ModuleApiContext = {
    suite,
    chainId: GOV_CHAIN_ID,
    latestHeight: () => g.height,
    latestTimeMs: () => g.timeMs,
    state: (module, key, opts = {}) => {
      const a = queryState({
        suite,
        store: g.store,
        modules: g.modules,
        module,
        key,
        prove: false,
        ...(opts.height === undefined ? {} : { height: opts.height }),
      })
      return { module, key, value: a.value, height: a.height }
    },
    scanIndex: (prefix, limit, after) => g.store.scanIndex(prefix, limit, after),
    getIndex: (key) => g.store.getIndex(key),
    keeper: <K>(module: ModuleRef<string, K> | string): K =>
      readonlyKeeper<K>({
        suite,
        store: g.store,
        modules: g.modules,
        module,
        root: g.stateRoot(),
        height: g.height,
        timeMs: g.timeMs,
      }),
    submitTx: async () => ({ hash: new Uint8Array(32) }),
  }
  const server = createApiServer({
    backend: new FakeBackend(),
    metrics: new NodeMetrics({ processMetrics: false }),
    logger: memoryLogger().logger,
    host: '127.0.0.1',
    port: 0,
    limits: { txPerSecondPerClient: 0 },
    extensions: [licenseApi(ctx, () => NOW), ...(opts.extraApi?.(ctx) ?? [])],
  })
  return { ...c, g, holder, holderKey, id, cred, server }
}

export type Env = ReturnType<typeof setup>

export function auth(env: Env, path: string, over: { key?: Uint8Array; ts?: number; did?: string } = {}) {
  const key = over.key ?? env.holderKey.privateKey
  const ts = over.ts ?? NOW
  const did = over.did ?? env.holder
  const sig = suite.sign(key, holderQueryMessage({ chainId: GOV_CHAIN_ID, path, did, timeMs: ts }))
  return new URLSearchParams({
    did,
    key: toHex(suite.publicKeyFromPrivate(key)),
    ts: String(ts),
    sig: toHex(sig),
  }).toString()
}
