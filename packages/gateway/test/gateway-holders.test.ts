/**
 * The department's holder register behind the gateway's local API (issue 15, item 3): an issuer
 * of the department looks a holder up by credit code or identity number and has the licence it
 * is about to sign checked against the record. Bad input gets a code and changes nothing; only
 * the department's own issuers are answered; a signed request is used once.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { isGovchainError, toHex } from '@govchain/core'
import {
  HOLDER_CHECK_PATH,
  HOLDER_LOOKUP_PATH,
  type HolderRecord,
  holderRequestMessage,
} from '@govchain/license/client'
import { addHolderRecords, HOLDER_TABLE, lookupHolder } from '../src/holders.ts'
import { type ProviderFixture, startProvider, suite } from './gateway-fixtures.ts'

const ENTERPRISE: HolderRecord = {
  kind: 'enterprise',
  id: '91110108MA01C8K5XE',
  did: 'did:govchain:4eTnqvRDWLpcQ3kbBhCXh1',
  name: '北京城建示范工程有限公司',
  fields: {
    enterpriseName: '北京城建示范工程有限公司',
    creditCode: '91110108MA01C8K5XE',
    legalRepresentative: '张建国',
  },
}
const PERSON: HolderRecord = {
  kind: 'person',
  id: '11010519491231002X',
  did: 'did:govchain:7PersonDid7xyz',
  name: '李明',
  fields: { name: '李明', idNumber: '11010519491231002X' },
}

let fx: ProviderFixture
const issuer = suite.generateKeyPair()
const approver = suite.generateKeyPair()
const stranger = suite.generateKeyPair()

before(async () => {
  fx = await startProvider()
  fx.node.officers.set('police', [
    { officerId: 'police-issuer', publicKey: toHex(issuer.publicKey), status: 'active', roles: ['issuer'] },
    { officerId: 'police-approver', publicKey: toHex(approver.publicKey), status: 'active', roles: ['approver'] },
  ])
})
after(async () => {
  await fx?.close()
})

async function call(
  path: string,
  payload: Record<string, unknown>,
  key = issuer,
  opts: { nonce?: string; timeMs?: number } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify({
    ...payload,
    timeMs: opts.timeMs ?? Date.now(),
    nonce: opts.nonce ?? randomBytes(16).toString('hex'),
  })
  const signature = suite.sign(key.privateKey, holderRequestMessage(fx.home.chainId, path, text))
  const r = await fetch(`${fx.gateway.localUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload: text, publicKey: toHex(key.publicKey), signature: toHex(signature) }),
  })
  return { status: r.status, body: (await r.json()) as Record<string, unknown> }
}

describe('the holder register in the department database', () => {
  it('adds checked records once; a bad record adds nothing', async () => {
    assert.equal(await addHolderRecords(fx.connector, [ENTERPRISE, PERSON]), 2)
    assert.equal(await addHolderRecords(fx.connector, [ENTERPRISE, PERSON]), 0, 'idempotent')
    await assert.rejects(
      addHolderRecords(fx.connector, [
        { ...ENTERPRISE, id: '91110105MA00F3P7QW' },
        { ...PERSON, did: 'nope' },
      ]),
      (e) => isGovchainError(e) && e.code === 'LICENSE_HOLDER_RECORD_INVALID',
    )
    assert.equal(await fx.connector.count(HOLDER_TABLE), 2, 'nothing added')
  })

  it('looks a holder up by identifier, coded when malformed or absent', async () => {
    assert.deepEqual(await lookupHolder(fx.connector, 'enterprise', '91110108ma01c8k5xe'), ENTERPRISE)
    assert.deepEqual(await lookupHolder(fx.connector, 'person', PERSON.id), PERSON)
    await assert.rejects(
      lookupHolder(fx.connector, 'enterprise', '91110108MA01C8K5X0'),
      (e) => isGovchainError(e) && e.code === 'LICENSE_HOLDER_ID_INVALID',
    )
    await assert.rejects(
      lookupHolder(fx.connector, 'enterprise', '91110105MA00F3P7QW'),
      (e) => isGovchainError(e) && e.code === 'LICENSE_HOLDER_NOT_FOUND',
    )
    // The identity number of the person is not an enterprise's credit code.
    await assert.rejects(
      lookupHolder(fx.connector, 'enterprise', PERSON.id),
      (e) => isGovchainError(e) && e.code === 'LICENSE_HOLDER_ID_INVALID',
    )
  })
})

describe("the gateway's local API for issuers", () => {
  it('answers an issuer of the department with the record', async () => {
    const r = await call(HOLDER_LOOKUP_PATH, { kind: 'enterprise', id: ENTERPRISE.id })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.record, ENTERPRISE)
  })

  it('refuses other officers, strangers, bad signatures and replays, with codes', async () => {
    const q = { kind: 'enterprise', id: ENTERPRISE.id }
    assert.equal((await call(HOLDER_LOOKUP_PATH, q, approver)).body.code, 'IDENTITY_ROLE_MISSING')
    assert.equal((await call(HOLDER_LOOKUP_PATH, q, stranger)).body.code, 'IDENTITY_WRONG_ORGANISATION')
    assert.equal(
      (await call(HOLDER_LOOKUP_PATH, q, issuer, { timeMs: Date.now() - 3_600_000 })).body.code,
      'GATEWAY_STALE_REQUEST',
    )
    const nonce = randomBytes(16).toString('hex')
    assert.equal((await call(HOLDER_LOOKUP_PATH, q, issuer, { nonce })).status, 200)
    assert.equal((await call(HOLDER_LOOKUP_PATH, q, issuer, { nonce })).body.code, 'GATEWAY_REPLAY')
    // A signature over the lookup path does not open the check path, even on a well-formed check.
    const text = JSON.stringify({
      ...q,
      timeMs: Date.now(),
      nonce: randomBytes(16).toString('hex'),
      holder: ENTERPRISE.did,
      fields: {},
    })
    const sig = suite.sign(issuer.privateKey, holderRequestMessage(fx.home.chainId, HOLDER_LOOKUP_PATH, text))
    const r = await fetch(`${fx.gateway.localUrl}${HOLDER_CHECK_PATH}`, {
      method: 'POST',
      body: JSON.stringify({ payload: text, publicKey: toHex(issuer.publicKey), signature: toHex(sig) }),
    })
    assert.equal(((await r.json()) as { code: string }).code, 'GATEWAY_BAD_SIGNATURE')
    const bad = await call(HOLDER_LOOKUP_PATH, { kind: 'enterprise', id: '123' })
    assert.deepEqual([bad.status, bad.body.code], [400, 'LICENSE_HOLDER_ID_INVALID'])
    const absent = await call(HOLDER_LOOKUP_PATH, { kind: 'enterprise', id: '91110105MA00F3P7QW' })
    assert.deepEqual([absent.status, absent.body.code], [404, 'LICENSE_HOLDER_NOT_FOUND'])
  })

  it('checks the licence against the record before the officer signs', async () => {
    const ok = await call(HOLDER_CHECK_PATH, {
      kind: 'enterprise',
      id: ENTERPRISE.id,
      holder: ENTERPRISE.did,
      fields: { ...ENTERPRISE.fields, qualificationCategory: '建筑工程施工总承包贰级' },
    })
    assert.deepEqual([ok.status, ok.body.ok], [200, true])
    const otherDid = await call(HOLDER_CHECK_PATH, {
      kind: 'enterprise',
      id: ENTERPRISE.id,
      holder: PERSON.did,
      fields: ENTERPRISE.fields,
    })
    assert.equal(otherDid.status, 409)
    assert.equal(otherDid.body.code, 'LICENSE_HOLDER_MISMATCH')
    assert.deepEqual(otherDid.body.details, { differ: ['holder'] })
    const otherName = await call(HOLDER_CHECK_PATH, {
      kind: 'enterprise',
      id: ENTERPRISE.id,
      holder: ENTERPRISE.did,
      fields: { ...ENTERPRISE.fields, enterpriseName: '北京华筑工程监理有限公司' },
    })
    assert.deepEqual(otherName.body.details, { differ: ['enterpriseName'] })
    // The register is unchanged by any of it.
    assert.deepEqual(await lookupHolder(fx.connector, 'enterprise', ENTERPRISE.id), ENTERPRISE)
  })
})
