/**
 * Genesis pins the chain's modules by name and version: documents with a modules list hash
 * their sections as canonical JSON, 0.1 documents keep their hash, and a node given another
 * set refuses to start with a coded error.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { chainModules, defineModule, genesisBytes, genesisHash, parseGenesis } from '@govchain/app'
import { GovchainError, suites, toHex } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import { makeConsortium } from '@govchain/distribution/testkit'
import { startNode } from '../src/daemon.ts'
import { initNetwork, loadHome } from '../src/home.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'

const coded = (code: string) => (e: unknown) => e instanceof GovchainError && e.code === code

describe('genesis modules', () => {
  const legacy = makeConsortium(suites.intl, 2).genesis
  const modules = BUILTIN_MODULES.map((m) => ({ name: m.name, version: m.version! }))

  it('a 0.1 document (no modules list) hashes exactly as before; a pinned one extends its bytes', () => {
    assert.equal(legacy.modules, undefined)
    const pinned = parseGenesis({ ...legacy, modules })
    const a = genesisBytes(legacy)
    const b = genesisBytes(pinned)
    assert.ok(b.length > a.length)
    assert.deepEqual(b.subarray(0, a.length), a)
    assert.notEqual(toHex(genesisHash(pinned)), toHex(genesisHash(legacy)))
  })

  it('sections hash as canonical JSON: member order does not matter, content does', () => {
    const one = parseGenesis({ ...legacy, modules, sections: { license: { types: [], x: { b: 1, a: 2 } } } })
    const two = parseGenesis({ ...legacy, modules, sections: { license: { x: { a: 2, b: 1 }, types: [] } } })
    const three = parseGenesis({ ...legacy, modules, sections: { license: { x: { a: 2, b: 2 }, types: [] } } })
    assert.equal(toHex(genesisHash(one)), toHex(genesisHash(two)))
    assert.notEqual(toHex(genesisHash(one)), toHex(genesisHash(three)))
  })

  it('bad module lists and sections are refused', () => {
    const bad = [
      { modules: [] },
      { modules: [{ name: 'license', version: '1.0' }] },
      { modules: [{ name: 'License', version: '1.0.0' }] },
      { modules: [...modules, modules[0]] },
      { sections: { license: {} } },
      { modules, sections: { future: {} } },
      { modules, sections: [] },
    ]
    for (const extra of bad) {
      assert.throws(() => parseGenesis({ ...legacy, ...extra }), coded('GENESIS_INVALID'), JSON.stringify(extra))
    }
  })

  it('the chain runs exactly the pinned modules, from those the node has', () => {
    assert.deepEqual(
      chainModules(legacy, BUILTIN_MODULES).map((m) => m.name),
      ['anchor', 'identity', 'governance', 'catalog', 'sharing', 'license'],
    )
    const some = parseGenesis({ ...legacy, modules: modules.filter((m) => m.name !== 'anchor') })
    assert.equal(chainModules(some, BUILTIN_MODULES).length, modules.length - 1)
    const future = parseGenesis({ ...legacy, modules: [...modules, { name: 'future', version: '1.0.0' }] })
    assert.throws(() => chainModules(future, BUILTIN_MODULES), coded('GENESIS_MODULE_MISSING'))
    const newer = parseGenesis({
      ...legacy,
      modules: modules.map((m) => (m.name === 'license' ? { ...m, version: '2.0.0' } : m)),
    })
    assert.throws(() => chainModules(newer, BUILTIN_MODULES), coded('GENESIS_MODULE_VERSION'))
    const extra = defineModule({ name: 'extra', version: '1.0.0', handlers: {} })
    assert.equal(chainModules(parseGenesis({ ...legacy, modules }), [...BUILTIN_MODULES, extra]).length, modules.length)
  })

  it('govchain init pins the modules; a node lacking one or with another version refuses to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-genesis-modules-'))
    try {
      const net = await initNetwork({ modules: BUILTIN_MODULES, dir, orgs: 1, suite: 'intl', dev: true })
      const home = net.nodes[0]!.home
      const written = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')) as { modules: unknown }
      assert.deepEqual(written.modules, modules)
      const start = () =>
        startNode({
          modules: BUILTIN_MODULES,
          home: loadHome(home),
          apiPort: 0,
          p2pPort: 0,
          logger: memoryLogger('error').logger,
        })
      const withLicense = (version: string) => {
        const g = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')) as { modules: typeof modules }
        g.modules = g.modules.map((m) => (m.name === 'license' ? { ...m, version } : m))
        writeFileSync(join(home, 'genesis.json'), JSON.stringify(g))
      }
      withLicense('9.0.0')
      await assert.rejects(start(), coded('GENESIS_MODULE_VERSION'))
      await assert.rejects(
        startNode({
          home: loadHome(home),
          modules: BUILTIN_MODULES.filter((m) => m.name !== 'license'),
          apiPort: 0,
          p2pPort: 0,
          logger: memoryLogger('error').logger,
        }),
        coded('GENESIS_MODULE_MISSING'),
      )
      withLicense('1.0.0')
      const node = await start()
      await node.stop()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
