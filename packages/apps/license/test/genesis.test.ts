/**
 * The licence catalogue comes from the genesis section `sections.license`, never from code that
 * looks at organisation names: a consortium names its own types and owners; a genesis that pins
 * modules and has no section starts with no types; a bad section is refused with
 * GENESIS_INVALID; only a legacy genesis (written before modules were pinned) gets the demo
 * catalogue, so chains started then replay unchanged.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { suites } from '@govchain/core'
import { BUILTIN_MODULES, demoSections, type LicenseKeeper } from '@govchain/distribution'
import { GovChain, makeConsortium } from '@govchain/distribution/testkit'
import { demoLicenseSection, parseLicenseSection } from '../src/module.ts'
import { LICENSE_MODULE } from '../src/schema.ts'

const suite = suites.intl
const modules = BUILTIN_MODULES.map((m) => ({ name: m.name, version: m.version ?? '0.0.0' }))

const fishing = {
  ownerOrg: 'natres',
  code: 'NR0001',
  alias: 'fishing',
  name: '捕捞许可证',
  nameEn: 'Fishing permit',
  holderKind: 'person',
  fields: [{ name: 'vesselNo', label: '船号', labelEn: 'Vessel number', personal: false, required: true }],
  issuers: ['natres'],
  maxValidityYears: 5,
  renewable: true,
  regionCode: '330000',
  region: '浙江省',
}

function typesAfterGenesis(c: ReturnType<typeof makeConsortium>) {
  const g = new GovChain(suite, c.genesis)
  g.step()
  const k = g.keeper<LicenseKeeper>(LICENSE_MODULE)
  return { g, k, aliases: k.types().map((t) => t.alias) }
}

const coded = (code: string) => (e: unknown) => (e as { code?: string }).code === code

describe('licence types from the genesis section', () => {
  it("a consortium's own section defines its catalogue; no demo type appears", () => {
    const c = makeConsortium(suite, 6, {}, { modules, sections: { license: { types: [fishing] } } })
    const { k, aliases } = typesAfterGenesis(c)
    assert.deepEqual(aliases, ['fishing'])
    const t = k.type('NR0001')!
    assert.equal(t.ownerOrg, 'natres')
    assert.equal(t.region, '浙江省')
    assert.equal(t.status, 'active')
  })

  it('a genesis that pins modules and has no section starts with no types, whatever its organisations are called', () => {
    const c = makeConsortium(suite, 4, {}, { modules })
    assert.ok(c.genesis.organisations.some((o) => o.id === 'housing'))
    assert.deepEqual(typesAfterGenesis(c).aliases, [])
  })

  it("the default consortium's section is the demo catalogue, written into the genesis", () => {
    const bare = makeConsortium(suite, 4, {}, { modules })
    const c = makeConsortium(suite, 4, {}, { modules, sections: demoSections(bare.genesis) })
    const { aliases } = typesAfterGenesis(c)
    const expected = demoLicenseSection(c.genesis.organisations).types.map((t) => t.alias)
    assert.ok(expected.length >= 2)
    assert.deepEqual(aliases, expected)
  })

  it('a legacy genesis (no modules list) keeps the demo catalogue, so old chains replay unchanged', () => {
    const c = makeConsortium(suite, 4)
    const expected = demoLicenseSection(c.genesis.organisations).types.map((t) => t.alias)
    assert.deepEqual(typesAfterGenesis(c).aliases, expected)
  })

  it('refuses a bad section with GENESIS_INVALID', () => {
    const { genesis } = makeConsortium(suite, 4, {}, { modules })
    const bad = (types: unknown[]) => () => parseLicenseSection({ types }, genesis)
    assert.throws(() => parseLicenseSection([], genesis), coded('GENESIS_INVALID'))
    assert.throws(bad([{ ...fishing, ownerOrg: 'natres' }]), coded('GENESIS_INVALID')) // natres is not among 4
    assert.throws(
      bad([{ ...fishing, ownerOrg: 'market', issuers: ['market'], code: 'bad code' }]),
      coded('GENESIS_INVALID'),
    )
    assert.throws(bad([{ ...fishing, ownerOrg: 'market', issuers: ['nobody'] }]), coded('GENESIS_INVALID'))
    assert.throws(bad([{ ...fishing, ownerOrg: 'market', issuers: ['market'], fields: 'x' }]), coded('GENESIS_INVALID'))
    const ok = { ...fishing, ownerOrg: 'market', issuers: ['market'] }
    assert.throws(bad([ok, { ...ok, code: 'NR0002' }]), coded('GENESIS_INVALID')) // alias repeated
    assert.equal(parseLicenseSection({ types: [ok] }, genesis).types.length, 1)
  })
})
