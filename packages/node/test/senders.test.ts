/**
 * Who may send what (issue 13, item 7; docs/adr/0016-registered-senders.md): every method
 * declares a SenderRule, and what a module registers (officers, DID keys, gateway keys, validator
 * keys) is what admission and execution recognise. Through executeBlock with the real modules.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SenderGate } from '@govchain/app'
import { CatalogPublishArgs, CatalogSetGatewayArgs } from '@govchain/catalog/schema'
import { suites } from '@govchain/core'
import { BUILTIN_MODULES, defaultModuleRegistry } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { VoteArgs } from '@govchain/governance/schema'
import type { IdentityKeeper } from '@govchain/identity'
import { CreateDidArgs, deriveDid, RotateDidKeyArgs } from '@govchain/identity/schema'
import { GrantUseArgs } from '@govchain/license/schema'
import { committedSenderState } from '../src/mempool/index.ts'

const suite = suites.intl

describe('sender rules', () => {
  it('every built-in method needs a registered sender, except identity.createDid (self-registration)', () => {
    const open: string[] = []
    for (const m of BUILTIN_MODULES) {
      for (const [method, h] of Object.entries(m.handlers)) {
        assert.ok(h.sender === 'registered' || h.sender === 'anyone', `${m.name}.${method}`)
        if (h.sender === 'anyone') open.push(`${m.name}.${method}`)
      }
    }
    assert.deepEqual(open, ['identity.createDid'])
  })

  it("an unknown key's transaction is left out whatever the method (licence grants, votes, catalogue)", () => {
    const c = makeConsortium(suite, 2)
    const g = new GovChain(suite, c.genesis)
    g.step()
    const stranger = suite.generateKeyPair()
    const out = g.stepAll([
      tx(suite, stranger, 'license', 'grantUse', GrantUseArgs, {
        licenseId: 'x',
        grantee: 'market',
        service: 'bank.loan',
        purpose: 'p',
        untilMs: g.timeMs + 1000,
      }),
      tx(suite, stranger, 'governance', 'vote', VoteArgs, { proposalId: 1, approve: true }),
      tx(suite, stranger, 'catalog', 'setGateway', CatalogSetGatewayArgs, {
        orgId: 'market',
        url: 'https://gw.example',
        certFingerprint: new Uint8Array(32),
        publicKey: stranger.publicKey,
        pseudonymAuthority: false,
      }),
    ])
    assert.deepEqual(out, { results: [], dropped: Array(3).fill('TX_SENDER_UNREGISTERED') })
    // The gate answers the same from any state view, and says which sender it refused.
    const gate = new SenderGate(g.modules, { height: g.height + 1, timeMs: g.timeMs, get: () => undefined })
    assert.throws(() => gate.check(stranger.publicKey, 'registered', new Uint8Array(32)), {
      code: 'TX_SENDER_UNREGISTERED',
    })
    assert.doesNotThrow(() => gate.check(stranger.publicKey, 'anyone', new Uint8Array(32)))
  })

  it("a gateway's current key is registered; a replaced one is not; one key serves one organisation", () => {
    const c = makeConsortium(suite, 2)
    const g = new GovChain(suite, c.genesis)
    g.step()
    const gw1 = suite.generateKeyPair()
    const gw2 = suite.generateKeyPair()
    const setGateway = (orgId: string, publicKey: Uint8Array) =>
      tx(suite, c.operators[orgId]!, 'catalog', 'setGateway', CatalogSetGatewayArgs, {
        orgId,
        url: `https://gw.${orgId}.example`,
        certFingerprint: new Uint8Array(32),
        publicKey,
        pseudonymAuthority: false,
      })
    // What admission answers for a key over the committed state (a gateway signs receipts and refusals).
    const view = committedSenderState({ suite, chainId: g.genesis.chainId, modules: g.modules, store: g.store })
    const admitted = (key: typeof gw1) => {
      try {
        new SenderGate(g.modules, view()).check(key.publicKey, 'registered', new Uint8Array(32))
        return true
      } catch {
        return false
      }
    }
    assert.equal(admitted(gw1), false)
    g.step([setGateway('market', gw1.publicKey)])
    assert.equal(admitted(gw1), true)
    // Another organisation cannot register the same key.
    assert.deepEqual(
      g.step([setGateway('housing', gw1.publicKey)]).map((r) => r.code),
      ['CATALOG_BAD_RESOURCE'],
    )
    // Replaced: the old key is no registered sender any more, the new one is.
    g.step([setGateway('market', gw2.publicKey)])
    assert.equal(admitted(gw1), false)
    assert.equal(admitted(gw2), true)
    // Now free, the old key may serve another organisation.
    assert.deepEqual(
      g.step([setGateway('housing', gw1.publicKey)]).map((r) => r.code),
      ['OK'],
    )
  })

  it('a key is a current key of one DID at most (its registration names one identity)', () => {
    const c = makeConsortium(suite, 2)
    const g = new GovChain(suite, c.genesis, defaultModuleRegistry())
    g.step()
    const a = suite.generateKeyPair()
    const b = suite.generateKeyPair()
    const shared = suite.generateKeyPair()
    const didA = deriveDid(suite, a.publicKey)
    const didB = deriveDid(suite, b.publicKey)
    g.step([
      tx(suite, a, 'identity', 'createDid', CreateDidArgs, {}),
      tx(suite, b, 'identity', 'createDid', CreateDidArgs, {}),
    ])
    assert.deepEqual(
      g
        .step([
          tx(suite, a, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did: didA, newPublicKey: shared.publicKey }),
          // Already didA's key: didB cannot take it, nor can it found a DID of its own.
          tx(suite, b, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did: didB, newPublicKey: shared.publicKey }),
          tx(suite, shared, 'identity', 'createDid', CreateDidArgs, {}),
        ])
        .map((r) => r.code),
      ['OK', 'IDENTITY_KEY_IN_USE', 'IDENTITY_KEY_IN_USE'],
    )
    const k = g.keeper<IdentityKeeper>('identity')
    assert.equal(k.didByKey(shared.publicKey)?.did, didA)
    assert.equal(k.didByKey(b.publicKey)?.did, didB)
    assert.equal(k.didByKey(a.publicKey), undefined)
    assert.ok(k.isRegisteredKey(shared.publicKey))
    assert.ok(!k.isRegisteredKey(a.publicKey))
  })

  it('catalog.publish from a registered non-officer reaches the module and fails there', () => {
    const c = makeConsortium(suite, 2)
    const g = new GovChain(suite, c.genesis)
    g.step()
    const results = g.step([
      tx(suite, c.validators.market!, 'catalog', 'publish', CatalogPublishArgs, {
        resourceId: 'market.licences',
        title: 't',
        description: 'd',
        ownerOrg: 'market',
        rights: ['ownership'],
        fields: [{ name: 'id', label: 'id', sensitivity: 'public' }],
        shareType: 'conditional',
        autoApprove: false,
        autoApproveMaxDurationMs: 0,
        updateFrequency: 'daily',
        dataHash: new Uint8Array(32),
        dataVersion: '1',
        status: 'active',
        note: '',
      }),
    ])
    assert.equal(results[0]!.code, 'IDENTITY_NOT_OFFICER')
  })
})
