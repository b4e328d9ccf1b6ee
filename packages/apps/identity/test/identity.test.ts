/**
 * The identity module through executeBlock: genesis seeding, officers and their history, every
 * permission denial (role mismatch, another organisation's officer, suspended officer, rotated
 * key, non-officer) as a coded result that changes nothing, and DIDs with pseudonyms.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { handler, type Module, ModuleRegistry, readonlyModuleState } from '@govchain/app'
import { codec, suites } from '@govchain/core'
import { BUILTIN_MODULES, type IdentityKeeper, readOfficerHistory } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import {
  AddOfficerArgs,
  CreateDidArgs,
  DidArgs,
  DidRecord,
  deriveDid,
  didDocument,
  IDENTITY_MODULE,
  identityKeys,
  OfficerIdArgs,
  ROLES,
  RotateDidKeyArgs,
  RotateOfficerKeyArgs,
  SetOfficerRolesArgs,
  SetPseudonymArgs,
} from '../src/schema.ts'

const suite = suites.intl

/** A module whose one handler demands a role: how every other module asks identity. */
const permModule: Module = {
  name: 'permtest',
  handlers: {
    act: handler(codec.struct({ role: codec.literals(ROLES), orgId: codec.option(codec.string(64)) }), (ctx, a) => {
      ctx.keeper<IdentityKeeper>(IDENTITY_MODULE).requireOfficer(ctx.sender, a.role, a.orgId)
      ctx.state.set(new Uint8Array([1]), ctx.sender)
    }),
  },
}
const PermArgs = permModule.handlers.act!.args

function chain() {
  const c = makeConsortium(suite, 4)
  const g = new GovChain(suite, c.genesis, new ModuleRegistry([...BUILTIN_MODULES, permModule]))
  g.step()
  return { ...c, g }
}

/** What an officer change could touch: the organisation's officers and each one's history length. */
function identitySnapshot(g: GovChain, orgIds: string[]): string {
  const k = g.keeper<IdentityKeeper>(IDENTITY_MODULE)
  const state = readonlyModuleState(suite, g.store, g.stateRoot(), IDENTITY_MODULE)
  return JSON.stringify(
    orgIds.map((o) =>
      k.officersOf(o).map((f) => ({
        ...f,
        publicKey: Buffer.from(f.publicKey).toString('hex'),
        h: readOfficerHistory(state, f.officerId).length,
      })),
    ),
  )
}

describe('identity: genesis, officers and permissions', () => {
  it('seeds organisations and one all-roles admin per organisation from genesis', () => {
    const { g, operators } = chain()
    const k = g.keeper<IdentityKeeper>(IDENTITY_MODULE)
    assert.deepEqual(
      k.organisations().map((o) => [o.id, o.status, o.level, o.regionCode]),
      [
        ['market', 'active', 'city', '110000'],
        ['housing', 'active', 'city', '110000'],
        ['police', 'active', 'city', '110000'],
        ['tax', 'active', 'city', '110000'],
      ],
    )
    assert.equal(k.organisation('police')!.identityAuthority, true)
    const admin = k.officerByKey(operators.market!.publicKey)!
    assert.equal(admin.officerId, 'market-admin')
    assert.deepEqual(admin.roles, [...ROLES])
    const state = readonlyModuleState(suite, g.store, g.stateRoot(), IDENTITY_MODULE)
    assert.deepEqual(
      readOfficerHistory(state, 'market-admin').map((h) => [h.action, h.by, h.height]),
      [['created', 'genesis', 1]],
    )
  })

  it('an admin adds an officer; the change is recorded with who and when', () => {
    const { g, operators } = chain()
    const clerk = suite.generateKeyPair()
    const [r] = g.step([
      tx(suite, operators.market!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'market',
        officerId: 'market-clerk-1',
        publicKey: clerk.publicKey,
        roles: ['issuer', 'auditor'],
      }),
    ])
    assert.equal(r!.code, 'OK')
    assert.deepEqual(r!.events[0], {
      type: 'identity.officer',
      attributes: [
        { key: 'action', value: 'created' },
        { key: 'officerId', value: 'market-clerk-1' },
        { key: 'orgId', value: 'market' },
        { key: 'by', value: 'market-admin' },
      ],
    })
    const k = g.keeper<IdentityKeeper>(IDENTITY_MODULE)
    assert.deepEqual(k.officer('market-clerk-1')!.roles, ['issuer', 'auditor'])
    const state = readonlyModuleState(suite, g.store, g.stateRoot(), IDENTITY_MODULE)
    const [h] = readOfficerHistory(state, 'market-clerk-1')
    assert.equal(h!.by, 'market-admin')
    assert.equal(h!.height, 2)
    assert.equal(h!.timeMs, g.timeMs)
  })

  it('every role mismatch is IDENTITY_ROLE_MISSING and changes nothing; the held role passes', () => {
    const { g, operators } = chain()
    const officers = ROLES.map((missing) => ({ missing, key: suite.generateKeyPair() }))
    const adds = officers.map(({ missing, key }) =>
      tx(suite, operators.market!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'market',
        officerId: `lacks-${missing}`,
        publicKey: key.publicKey,
        roles: ROLES.filter((r) => r !== missing),
      }),
    )
    assert.ok(g.step(adds).every((r) => r.code === 'OK'))
    for (const { missing, key } of officers) {
      const before = identitySnapshot(g, ['market'])
      const [denied, ok] = g.step([
        tx(suite, key, 'permtest', 'act', PermArgs, { role: missing }),
        tx(suite, key, 'permtest', 'act', PermArgs, { role: ROLES.find((r) => r !== missing)! }),
      ])
      assert.equal(denied!.code, 'IDENTITY_ROLE_MISSING', `lacking ${missing}`)
      assert.equal(ok!.code, 'OK')
      assert.equal(identitySnapshot(g, ['market']), before)
    }
    // The identity module's own admin-only actions, by an officer without admin.
    const noAdmin = officers.find((o) => o.missing === 'admin')!.key
    const before = identitySnapshot(g, ['market'])
    const results = g.step([
      tx(suite, noAdmin, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'market',
        officerId: 'sneaky',
        publicKey: suite.generateKeyPair().publicKey,
        roles: ['admin'],
      }),
      tx(suite, noAdmin, 'identity', 'suspendOfficer', OfficerIdArgs, { officerId: 'market-admin' }),
      tx(suite, noAdmin, 'identity', 'setOfficerRoles', SetOfficerRolesArgs, {
        officerId: 'lacks-admin',
        roles: [...ROLES],
      }),
    ])
    assert.deepEqual(
      results.map((r) => r.code),
      ['IDENTITY_ROLE_MISSING', 'IDENTITY_ROLE_MISSING', 'IDENTITY_ROLE_MISSING'],
    )
    assert.equal(identitySnapshot(g, ['market']), before)
  })

  it('an officer of another organisation is IDENTITY_WRONG_ORGANISATION and changes nothing', () => {
    const { g, operators } = chain()
    const before = identitySnapshot(g, ['market', 'police'])
    const results = g.step([
      tx(suite, operators.police!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'market',
        officerId: 'market-mole',
        publicKey: suite.generateKeyPair().publicKey,
        roles: ['issuer'],
      }),
      tx(suite, operators.police!, 'identity', 'suspendOfficer', OfficerIdArgs, { officerId: 'market-admin' }),
      tx(suite, operators.police!, 'identity', 'rotateOfficerKey', RotateOfficerKeyArgs, {
        officerId: 'market-admin',
        newPublicKey: suite.generateKeyPair().publicKey,
      }),
      tx(suite, operators.police!, 'permtest', 'act', PermArgs, { role: 'issuer', orgId: 'market' }),
    ])
    assert.deepEqual(
      results.map((r) => r.code),
      Array(4).fill('IDENTITY_WRONG_ORGANISATION'),
    )
    assert.equal(identitySnapshot(g, ['market', 'police']), before)
  })

  it('a suspended officer is IDENTITY_OFFICER_SUSPENDED until reinstated', () => {
    const { g, operators } = chain()
    const clerk = suite.generateKeyPair()
    g.step([
      tx(suite, operators.tax!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'tax',
        officerId: 'tax-clerk',
        publicKey: clerk.publicKey,
        roles: ['issuer'],
      }),
    ])
    const [s] = g.step([
      tx(suite, operators.tax!, 'identity', 'suspendOfficer', OfficerIdArgs, { officerId: 'tax-clerk' }),
    ])
    assert.equal(s!.code, 'OK')
    const before = identitySnapshot(g, ['tax'])
    // A suspended officer is no registered sender: its transactions never reach a block.
    const denied = g.stepAll([tx(suite, clerk, 'permtest', 'act', PermArgs, { role: 'issuer' })])
    assert.deepEqual(denied, { results: [], dropped: ['TX_SENDER_UNREGISTERED'] })
    assert.throws(() => g.keeper<IdentityKeeper>(IDENTITY_MODULE).requireOfficer(clerk.publicKey, 'issuer'), {
      code: 'IDENTITY_OFFICER_SUSPENDED',
    })
    assert.equal(identitySnapshot(g, ['tax']), before)
    assert.equal(g.keeper<IdentityKeeper>(IDENTITY_MODULE).officerByKey(clerk.publicKey), undefined)
    const [again] = g.step([
      tx(suite, operators.tax!, 'identity', 'suspendOfficer', OfficerIdArgs, { officerId: 'tax-clerk' }),
    ])
    assert.equal(again!.code, 'IDENTITY_OFFICER_SUSPENDED')
    g.step([tx(suite, operators.tax!, 'identity', 'reinstateOfficer', OfficerIdArgs, { officerId: 'tax-clerk' })])
    const [ok] = g.step([tx(suite, clerk, 'permtest', 'act', PermArgs, { role: 'issuer' })])
    assert.equal(ok!.code, 'OK')
    const state = readonlyModuleState(suite, g.store, g.stateRoot(), IDENTITY_MODULE)
    assert.deepEqual(
      readOfficerHistory(state, 'tax-clerk').map((h) => [h.action, h.by]),
      [
        ['created', 'tax-admin'],
        ['suspended', 'tax-admin'],
        ['reinstated', 'tax-admin'],
      ],
    )
  })

  it('an old key after rotation is refused at once (IDENTITY_KEY_ROTATED, no registered sender), and can never be reused', () => {
    const { g, operators } = chain()
    const fresh = suite.generateKeyPair()
    const rotated = g.stepAll([
      tx(suite, operators.housing!, 'identity', 'rotateOfficerKey', RotateOfficerKeyArgs, {
        officerId: 'housing-admin',
        newPublicKey: fresh.publicKey,
      }),
      // Same block, after the rotation: the old key no longer matches, so it is left out.
      tx(suite, operators.housing!, 'permtest', 'act', PermArgs, { role: 'admin' }),
    ])
    assert.deepEqual(
      rotated.results.map((x) => x.code),
      ['OK'],
    )
    assert.deepEqual(rotated.dropped, ['TX_SENDER_UNREGISTERED'])
    assert.throws(
      () => g.keeper<IdentityKeeper>(IDENTITY_MODULE).requireOfficer(operators.housing!.publicKey, 'admin'),
      {
        code: 'IDENTITY_KEY_ROTATED',
      },
    )
    const before = identitySnapshot(g, ['housing'])
    const old = g.stepAll([
      tx(suite, operators.housing!, 'permtest', 'act', PermArgs, { role: 'admin' }),
      tx(suite, operators.housing!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'housing',
        officerId: 'x',
        publicKey: suite.generateKeyPair().publicKey,
        roles: ['issuer'],
      }),
    ])
    assert.deepEqual(old, { results: [], dropped: ['TX_SENDER_UNREGISTERED', 'TX_SENDER_UNREGISTERED'] })
    assert.equal(identitySnapshot(g, ['housing']), before)
    const [ok, reuse] = g.step([
      tx(suite, fresh, 'permtest', 'act', PermArgs, { role: 'admin' }),
      tx(suite, fresh, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'housing',
        officerId: 'housing-2',
        publicKey: operators.housing!.publicKey,
        roles: ['issuer'],
      }),
    ])
    assert.equal(ok!.code, 'OK')
    assert.equal(reuse!.code, 'IDENTITY_KEY_IN_USE')
  })

  it('a non-officer is IDENTITY_NOT_OFFICER; the last admin cannot be suspended or demoted', () => {
    const { g, operators, validators } = chain()
    const stranger = suite.generateKeyPair()
    // A key nobody registered is refused before any module looks at it.
    const unknown = g.stepAll([tx(suite, stranger, 'permtest', 'act', PermArgs, { role: 'auditor' })])
    assert.deepEqual(unknown, { results: [], dropped: ['TX_SENDER_UNREGISTERED'] })
    // A registered key that holds no office (a validator's consensus key) reaches the module.
    const results = g.step([
      tx(suite, validators.market!, 'permtest', 'act', PermArgs, { role: 'auditor' }),
      tx(suite, operators.market!, 'identity', 'suspendOfficer', OfficerIdArgs, { officerId: 'market-admin' }),
      tx(suite, operators.market!, 'identity', 'setOfficerRoles', SetOfficerRolesArgs, {
        officerId: 'market-admin',
        roles: ['issuer'],
      }),
      tx(suite, operators.market!, 'identity', 'setOfficerRoles', SetOfficerRolesArgs, {
        officerId: 'market-admin',
        roles: ['admin', 'admin'],
      }),
    ])
    assert.deepEqual(
      results.map((r) => r.code),
      ['IDENTITY_NOT_OFFICER', 'IDENTITY_LAST_ADMIN', 'IDENTITY_LAST_ADMIN', 'IDENTITY_BAD_ROLES'],
    )
  })
})

describe('identity: DIDs and pseudonyms', () => {
  for (const name of ['intl', 'gm'] as const) {
    it(`create (self-signed), rotate, deactivate; W3C documents (${name})`, () => {
      const s = suites[name]
      const c = makeConsortium(s, 3)
      const g = new GovChain(s, c.genesis)
      g.step()
      const holder = s.generateKeyPair()
      const did = deriveDid(s, holder.publicKey)
      assert.match(did, /^did:govchain:[1-9A-HJ-NP-Za-km-z]+$/)
      const [created, dup] = g.step([
        tx(s, holder, 'identity', 'createDid', CreateDidArgs, {}),
        tx(s, holder, 'identity', 'createDid', CreateDidArgs, {}),
      ])
      assert.equal(created!.code, 'OK')
      assert.equal(dup!.code, 'IDENTITY_DID_EXISTS')
      const k = () => g.keeper<IdentityKeeper>(IDENTITY_MODULE)
      assert.ok(k().isDidKey(did, holder.publicKey))

      const next = s.generateKeyPair()
      const stranger = s.generateKeyPair()
      const officer = c.operators.market!
      const rotation = g.stepAll([
        tx(s, stranger, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did, newPublicKey: stranger.publicKey }),
        tx(s, officer, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did, newPublicKey: officer.publicKey }),
        tx(s, holder, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did, newPublicKey: next.publicKey }),
        // The old key, after its rotation in the same block: no longer a registered sender.
        tx(s, holder, 'identity', 'deactivateDid', DidArgs, { did }),
      ])
      assert.deepEqual(
        rotation.results.map((r) => r.code),
        ['IDENTITY_NOT_DID_CONTROLLER', 'OK'],
      )
      assert.deepEqual(rotation.dropped, ['TX_SENDER_UNREGISTERED', 'TX_SENDER_UNREGISTERED'])
      assert.equal(k().isDidKey(did, holder.publicKey), false)
      assert.ok(k().isDidKey(did, next.publicKey))
      assert.equal(k().didByKey(holder.publicKey), undefined)
      assert.equal(k().didByKey(next.publicKey)?.did, did)
      const state = readonlyModuleState(s, g.store, g.stateRoot(), IDENTITY_MODULE)
      const record = codec.decode(DidRecord, state.get(identityKeys.did(did))!)
      const doc = didDocument(name, record) as { didDocument: Record<string, unknown> }
      const vm = (doc.didDocument.verificationMethod as Record<string, unknown>[])[0]!
      assert.equal(vm.id, `${did}#key-2`)
      if (name === 'intl') {
        assert.equal(vm.type, 'Multikey')
        assert.match(vm.publicKeyMultibase as string, /^z6Mk/)
      } else {
        assert.equal(vm.type, 'JsonWebKey')
        assert.deepEqual(Object.keys(vm.publicKeyJwk as object), ['kty', 'crv', 'x', 'y'])
      }
      assert.deepEqual(doc.didDocument.authentication, [`${did}#key-2`])

      const off = g.stepAll([
        tx(s, next, 'identity', 'deactivateDid', DidArgs, { did }),
        // A deactivated DID's keys control nothing: left out.
        tx(s, next, 'identity', 'rotateDidKey', RotateDidKeyArgs, { did, newPublicKey: holder.publicKey }),
      ])
      assert.deepEqual(
        off.results.map((r) => r.code),
        ['OK'],
      )
      assert.deepEqual(off.dropped, ['TX_SENDER_UNREGISTERED'])
      assert.throws(() => k().requireDidKey(did, next.publicKey), { code: 'IDENTITY_DID_DEACTIVATED' })
      assert.equal(k().didByKey(next.publicKey), undefined)
    })
  }

  it('only a registrar of an identity authority attaches a pseudonym', () => {
    const { g, operators } = chain()
    const holder = suite.generateKeyPair()
    const did = deriveDid(suite, holder.publicKey)
    const registrar = suite.generateKeyPair()
    const policeIssuer = suite.generateKeyPair()
    g.step([
      tx(suite, holder, 'identity', 'createDid', CreateDidArgs, {}),
      tx(suite, operators.police!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'police',
        officerId: 'police-registrar',
        publicKey: registrar.publicKey,
        roles: ['registrar'],
      }),
      tx(suite, operators.police!, 'identity', 'addOfficer', AddOfficerArgs, {
        orgId: 'police',
        officerId: 'police-issuer',
        publicKey: policeIssuer.publicKey,
        roles: ['issuer'],
      }),
    ])
    const pseudonym = suite.hmac(new Uint8Array(32).fill(7), new TextEncoder().encode(`110101199001011234|${did}`))
    const results = g.step([
      tx(suite, operators.market!, 'identity', 'setPseudonym', SetPseudonymArgs, { did, pseudonym }),
      tx(suite, policeIssuer, 'identity', 'setPseudonym', SetPseudonymArgs, { did, pseudonym }),
      tx(suite, holder, 'identity', 'setPseudonym', SetPseudonymArgs, { did, pseudonym }),
      tx(suite, registrar, 'identity', 'setPseudonym', SetPseudonymArgs, { did, pseudonym }),
    ])
    assert.deepEqual(
      results.map((r) => r.code),
      ['IDENTITY_NOT_IDENTITY_AUTHORITY', 'IDENTITY_ROLE_MISSING', 'IDENTITY_NOT_OFFICER', 'OK'],
    )
    const state = readonlyModuleState(suite, g.store, g.stateRoot(), IDENTITY_MODULE)
    const record = codec.decode(DidRecord, state.get(identityKeys.did(did))!)
    assert.deepEqual(record.pseudonym, pseudonym)
    assert.equal(record.pseudonymBy, 'police')

    // An enterprise DID registered by an organisation: its registrar co-signs.
    const firm = suite.generateKeyPair()
    const [noCosign, cosigned] = g.step([
      tx(suite, firm, 'identity', 'createDid', CreateDidArgs, { registeredBy: 'police' }),
      tx(suite, [firm, registrar], 'identity', 'createDid', CreateDidArgs, { registeredBy: 'police' }),
    ])
    assert.equal(noCosign!.code, 'IDENTITY_NOT_OFFICER')
    assert.equal(cosigned!.code, 'OK')
    assert.equal(
      g.keeper<IdentityKeeper>(IDENTITY_MODULE).did(deriveDid(suite, firm.publicKey))!.registeredBy,
      'police',
    )
  })
})
