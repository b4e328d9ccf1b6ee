/**
 * What the gateway reads of its node's committed state is kept per committed height, following
 * the node's block stream (heights.ts, issue 19): exact, never by wall clock. The fake node
 * (gateway-fixtures.ts) commits a change and announces its block in one turn, as the node does;
 * every test checks that the very next request after the block sees the change, and that with
 * the stream down, silent or racing a read the gateway reads from the node instead.
 */
import assert from 'node:assert/strict'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { toHex } from '@govchain/core'
import type { OfficerInfo } from '@govchain/identity/views'
import { signGatewayLocalFetch } from '@govchain/sharing/client'
import { gatewayLocalMessage } from '@govchain/sharing/schema'
import { Gateway } from '../src/gateway.ts'
import { localNonce } from '../src/local-api.ts'
import { openSqliteConnector } from '../src/sqlite.ts'
import { addGrant, PEOPLE, type ProviderFixture, query, signedQuery, startProvider, suite } from './gateway-fixtures.ts'

const codeOf = (a: { status: number; json: Record<string, unknown> }) => ({ status: a.status, code: a.json.code })
const byId = (i: number) => ({ field: 'id_number', values: [PEOPLE[i]!.idNumber] })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One query of `grant` by housing (name of one person), as the provider answers it. */
const pull = (fx: ProviderFixture, grant: string, i = 0) =>
  query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(i % PEOPLE.length)).body)

/** Commits empty blocks until the gateway follows the stream (its first block on the connection). */
async function untilLive(fx: ProviderFixture): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!fx.gateway.node.heights.live) {
    if (Date.now() > deadline) throw new Error('the gateway never followed the block stream')
    fx.node.commit()
    await sleep(20)
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await sleep(10)
  }
}

const reads = (fx: ProviderFixture, path: string) => fx.node.reads.get(path) ?? 0

describe('node reads kept per committed height, following the block stream (issue 19)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider({ nodeStreamSilentMs: 60_000 }, { stream: true })
    await untilLive(fx)
  })
  after(() => fx.close())

  it('one height reads a grant and a gateway record once; the next block reads them again', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    const grantPath = `/v1/sharing/requests/${grant}`
    fx.node.commit()
    const housingBefore = reads(fx, '/v1/catalog/gateways/housing')
    assert.equal((await pull(fx, grant, 0)).status, 200)
    assert.equal((await pull(fx, grant, 1)).status, 200)
    assert.equal(reads(fx, grantPath), 1, 'the grant is read once per height')
    assert.equal(reads(fx, '/v1/catalog/gateways/housing') - housingBefore, 1, 'so is the consumer’s record')
    fx.node.commit()
    assert.equal((await pull(fx, grant, 2)).status, 200)
    assert.equal(reads(fx, grantPath), 2, 'a new block: read again')
    assert.ok(fx.gateway.node.heights.stats.hits > 0)
  })

  it('a grant revoked: the very next request after its block is refused', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    assert.equal((await pull(fx, grant, 0)).status, 200)
    assert.equal((await pull(fx, grant, 1)).status, 200) // now answered from the cache
    fx.node.commit(() => {
      fx.node.requests.get(grant)!.status = 'revoked'
    })
    assert.deepEqual(codeOf(await pull(fx, grant, 2)), { status: 403, code: 'SHARING_GRANT_REVOKED' })
  })

  it('a consumer’s gateway certificate replaced on chain: its old certificate is refused on the next request', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    assert.equal((await pull(fx, grant, 0)).status, 200)
    const registered = fx.node.gateways.get('housing')!
    fx.node.commit(() => fx.node.gateways.set('housing', { ...registered, certFingerprint: '00'.repeat(32) }))
    try {
      assert.deepEqual(codeOf(await pull(fx, grant, 1)), { status: 403, code: 'GATEWAY_CERT_NOT_REGISTERED' })
    } finally {
      fx.node.commit(() => fx.node.gateways.set('housing', registered))
    }
    assert.equal((await pull(fx, grant, 2)).status, 200)
  })

  it('an organisation removed from the consortium: its gateway is refused from the next block on', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    fx.node.commit()
    const listed = reads(fx, '/v1/organisations')
    assert.equal((await pull(fx, grant, 0)).status, 200)
    assert.equal((await pull(fx, grant, 1)).status, 200)
    assert.equal(reads(fx, '/v1/organisations') - listed, 1, 'the CA list is read once per height')
    // Removal takes effect at a scheduled height: the node's list says `removed` from that block on.
    const housing = fx.node.organisations.find((o) => o.id === 'housing')!
    fx.node.commit(() => {
      housing.status = 'removed'
    })
    try {
      assert.deepEqual(codeOf(await pull(fx, grant, 2)), { status: 401, code: 'GATEWAY_CERT_NOT_CONSORTIUM' })
    } finally {
      fx.node.commit(() => {
        housing.status = 'active'
      })
    }
    assert.equal((await pull(fx, grant, 3)).status, 200)
  })

  it('an officer suspended: the very next request through the local API is refused', async () => {
    const officer = suite.generateKeyPair()
    const record: Omit<OfficerInfo, 'orgId'> = {
      officerId: 'officer-7',
      publicKey: toHex(officer.publicKey),
      status: 'active',
      roles: [],
    }
    fx.node.commit(() => fx.node.officers.set('police', [record]))
    const officersPath = '/v1/organisations/police/officers'
    const before = reads(fx, officersPath)
    const local = async () => {
      const body = signGatewayLocalFetch(suite, officer.privateKey, {
        grantId: 'ab'.repeat(32),
        fields: ['name'],
        timeMs: Date.now(),
        nonce: localNonce(),
      })
      const res = await fetch(`${fx.gateway.localUrl}/v1/local/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, json: (await res.json()) as Record<string, unknown> }
    }
    // An active officer passes the officer check (the grant is unknown: refused after it).
    assert.equal(codeOf(await local()).code, 'SHARING_REQUEST_NOT_FOUND')
    assert.equal(codeOf(await local()).code, 'SHARING_REQUEST_NOT_FOUND')
    assert.equal(reads(fx, officersPath) - before, 1, 'the officer list is read once per height')
    fx.node.commit(() => {
      record.status = 'suspended'
    })
    assert.deepEqual(codeOf(await local()), { status: 403, code: 'IDENTITY_WRONG_ORGANISATION' })
  })

  it('a local fetch whose fields or filter have the wrong types is refused before anything is read', async () => {
    const officer = suite.generateKeyPair()
    fx.node.commit(() =>
      fx.node.officers.set('police', [
        { officerId: 'officer-8', publicKey: toHex(officer.publicKey), status: 'active', roles: [] },
      ]),
    )
    const officersPath = '/v1/organisations/police/officers'
    const before = reads(fx, officersPath)
    const send = async (fields: unknown, filter: unknown) => {
      const timeMs = Date.now()
      const nonce = localNonce()
      const res = await fetch(`${fx.gateway.localUrl}/v1/local/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grantId: 'cd'.repeat(32),
          fields,
          filter,
          timeMs,
          nonce,
          publicKey: toHex(officer.publicKey),
          // Signed as the officer would sign it: only the types are wrong.
          signature: toHex(
            suite.sign(
              officer.privateKey,
              gatewayLocalMessage('cd'.repeat(32), fields as string[], filter as null, timeMs, nonce),
            ),
          ),
        }),
      })
      return codeOf({ status: res.status, json: (await res.json()) as Record<string, unknown> })
    }
    const bad = { status: 400, code: 'GATEWAY_BAD_REQUEST' }
    assert.deepEqual(await send(['name', 7], null), bad)
    assert.deepEqual(await send(['name'], { field: 3, values: ['x'] }), bad)
    assert.deepEqual(await send(['name'], { field: 'name', values: 'x' }), bad)
    assert.deepEqual(await send(['name'], 'name'), bad)
    assert.equal(reads(fx, officersPath), before, 'refused before the officer list is read')
    // The same request with the right types gets past these checks (the grant is unknown).
    assert.equal((await send(['name'], { field: 'name', values: ['x'] })).code, 'SHARING_REQUEST_NOT_FOUND')
  })

  it('a read in flight when a block arrives is not kept: the request after the block reads again', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    const held = fx.node.holdNextRead(`/v1/sharing/requests/${grant}`)
    const first = pull(fx, grant, 0)
    await held.arrived
    // The grant is revoked in a block committed while the read (of the state before) is in flight.
    fx.node.commit(() => {
      fx.node.requests.get(grant)!.status = 'revoked'
    })
    await sleep(20) // the block event reaches the gateway before the held answer does
    held.release()
    // The request that arrived before the block is answered by the state it read ...
    assert.equal((await first).status, 200)
    // ... which is not kept for the next one.
    assert.deepEqual(codeOf(await pull(fx, grant, 1)), { status: 403, code: 'SHARING_GRANT_REVOKED' })
  })

  it('a gateway that cannot listen does not keep following the stream', async () => {
    const blocker = createServer()
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok))
    const port = (blocker.address() as { port: number }).port
    const streams = fx.node.streamCount
    try {
      await assert.rejects(
        Gateway.start({
          home: { ...fx.home, config: { ...fx.home.config, listen: { host: '127.0.0.1', port } } },
          connector: openSqliteConnector(join(fx.dir, 'unused.sqlite')),
        }),
        /EADDRINUSE/,
      )
      await sleep(300)
      assert.equal(fx.node.streamCount, streams)
    } finally {
      blocker.close()
    }
  })

  it('a start that fails closes the listener that did bind', async () => {
    const blocker = createServer()
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok))
    const busy = (blocker.address() as { port: number }).port
    const free = createServer()
    await new Promise<void>((ok) => free.listen(0, '127.0.0.1', ok))
    const providerPort = (free.address() as { port: number }).port
    await new Promise<void>((ok) => free.close(() => ok()))
    try {
      // The provider listener binds; the local one cannot.
      await assert.rejects(
        Gateway.start({
          home: {
            ...fx.home,
            config: {
              ...fx.home.config,
              listen: { host: '127.0.0.1', port: providerPort },
              local: { host: '127.0.0.1', port: busy },
            },
          },
          connector: openSqliteConnector(join(fx.dir, 'unused.sqlite')),
        }),
        /EADDRINUSE/,
      )
      const refused = await new Promise<string>((ok) => {
        const s = connect(providerPort, '127.0.0.1')
        s.once('connect', () => {
          s.destroy()
          ok('connected')
        })
        s.once('error', (e: NodeJS.ErrnoException) => ok(e.code ?? String(e)))
      })
      assert.equal(refused, 'ECONNREFUSED', 'the provider listener was closed')
    } finally {
      blocker.close()
    }
  })

  it('the stream down: every lookup reads from the node, and a change is refused at once', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    const grantPath = `/v1/sharing/requests/${grant}`
    fx.node.stopStream()
    await until('the gateway sees its stream down', () => !fx.gateway.node.heights.live)
    const bypassed = fx.gateway.node.heights.stats.bypassed
    assert.equal((await pull(fx, grant, 0)).status, 200)
    assert.equal((await pull(fx, grant, 1)).status, 200)
    assert.equal(reads(fx, grantPath), 2, 'no cache without the stream')
    assert.ok(fx.gateway.node.heights.stats.bypassed > bypassed)
    // A change with no block announced (the gateway cannot know of it but by reading): refused at once.
    fx.node.requests.get(grant)!.status = 'revoked'
    assert.deepEqual(codeOf(await pull(fx, grant, 2)), { status: 403, code: 'SHARING_GRANT_REVOKED' })
  })
})

describe('a silent block stream is taken as lagging (issue 19)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider({ nodeStreamSilentMs: 300 }, { stream: true })
    await untilLive(fx)
  })
  after(() => fx.close())

  it('with no block for nodeStreamSilentMs the gateway reads from the node again', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    fx.node.commit()
    assert.equal((await pull(fx, grant, 0)).status, 200)
    await sleep(400)
    assert.equal(fx.gateway.node.heights.live, false)
    // Changed without a block reaching the gateway (a stuck stream): read, so refused.
    fx.node.requests.get(grant)!.status = 'revoked'
    assert.deepEqual(codeOf(await pull(fx, grant, 1)), { status: 403, code: 'SHARING_GRANT_REVOKED' })
    // Blocks again: followed again.
    await untilLive(fx)
    assert.deepEqual(codeOf(await pull(fx, grant, 2)), { status: 403, code: 'SHARING_GRANT_REVOKED' })
  })
})
