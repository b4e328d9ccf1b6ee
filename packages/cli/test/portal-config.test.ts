/**
 * /config.json (ADR 0019): what the portal server writes passes the schema the page checks it
 * against (PortalConfigAnswer of @govchain/app/portal-views), with and without demo keys, and a
 * malformed entry of DIR/demo/identities.json is left out rather than making the page refuse the
 * whole configuration. No node runs: the server only writes what its network folder says.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { checkAnswer } from '@govchain/app/answer'
import { PortalConfigAnswer } from '@govchain/app/portal-views'
import type { NetworkFile } from '@govchain/node'
import { type PortalServer, servePortal } from '../src/portal-server.ts'

const HEX64 = 'ab'.repeat(32)
const citizen = {
  id: 'citizen:demo',
  kind: 'citizen',
  name: '演示市民',
  nameEn: 'Demo citizen',
  did: 'did:govchain:abc',
  publicKey: HEX64,
  privateKey: 'cd'.repeat(32),
  subjectCredential: {
    did: 'did:govchain:abc',
    subject: HEX64,
    issuerOrg: 'police',
    issuerKey: HEX64,
    // 64 bytes, as every suite signs.
    signature: 'ef'.repeat(64),
  },
}

let dir: string
const servers: PortalServer[] = []

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'govchain-portal-config-'))
  const net: NetworkFile = {
    chainId: 'govchain-test',
    suite: 'gm',
    nodes: [
      { name: 'node0', orgId: 'market', home: join(dir, 'node0'), apiUrl: 'http://127.0.0.1:1', p2pAddress: '' },
      { name: 'node1', orgId: 'police', home: join(dir, 'node1'), apiUrl: 'http://127.0.0.1:2', p2pAddress: '' },
    ],
    operatorKeys: {},
    dev: true,
  }
  writeFileSync(join(dir, 'network.json'), JSON.stringify(net))
  mkdirSync(join(dir, 'demo'))
  writeFileSync(
    join(dir, 'demo', 'identities.json'),
    JSON.stringify([
      citizen,
      // Passes a loose filter (id, kind, name, publicKey) but not the schema: a credential without its signature.
      { ...citizen, id: 'citizen:broken', subjectCredential: { did: 'did:govchain:abc' } },
      'not an identity',
    ]),
  )
  mkdirSync(join(dir, 'dist'))
  writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>portal</title>')
})

after(async () => {
  for (const s of servers) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

async function configOf(demo: boolean): Promise<unknown> {
  const server = await servePortal({
    dir,
    port: 0,
    demo,
    distDir: join(dir, 'dist'),
    gateways: { market: 'http://127.0.0.1:3' },
  })
  servers.push(server)
  const res = await fetch(`${server.url}/config.json`)
  assert.equal(res.status, 200)
  return res.json()
}

describe('/config.json against PortalConfigAnswer', () => {
  it('demo mode: every field the page reads, the seeded identity with its key, the malformed one left out', async () => {
    const config = await checkAnswer(PortalConfigAnswer, await configOf(true), 'GET /config.json')
    assert.equal(config.chainId, 'govchain-test')
    assert.deepEqual(
      config.nodes.map((n) => n.name),
      ['node0', 'node1'],
    )
    assert.deepEqual(config.gateways, { market: '/gateway/market' })
    assert.deepEqual(
      config.identities.map((i) => i.id),
      ['citizen:demo'],
    )
    assert.equal(config.identities[0]?.privateKey, citizen.privateKey)
    assert.deepEqual(config.identities[0]?.subjectCredential, citizen.subjectCredential)
  })

  it('without --demo: no private key, still what the page accepts', async () => {
    const config = await checkAnswer(PortalConfigAnswer, await configOf(false), 'GET /config.json')
    assert.equal(config.demo, false)
    assert.ok(config.identities.every((i) => i.privateKey === undefined))
  })

  it('the page refuses a configuration without a node, or with an identity of another kind', async () => {
    const ok = {
      chainId: 'c',
      suite: 'intl',
      nodes: [{ name: 'n', orgId: 'o', apiUrl: 'http://x' }],
      organisations: [],
      demo: false,
      identities: [],
      gateways: {},
    }
    const check = (value: unknown) => checkAnswer(PortalConfigAnswer, value, 'GET /config.json')
    await check(ok)
    const refused = { code: 'SDK_BAD_RESPONSE' }
    await assert.rejects(check({ ...ok, nodes: [] }), {
      ...refused,
      details: { what: 'GET /config.json', path: '/nodes' },
    })
    await assert.rejects(check({ ...ok, suite: 'rsa' }), refused)
    await assert.rejects(check({ ...ok, identities: [{ ...citizen, kind: 'robot' }] }), refused)
  })
})
