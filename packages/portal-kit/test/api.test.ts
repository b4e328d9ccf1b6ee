/**
 * The pages' checked calls (api.ts): callAnswer reads an answer through the SDK's transport and
 * checks it against its route's schema, so a malformed answer is SdkError SDK_BAD_RESPONSE
 * naming the route and the field, never a value of the wrong type; the portal server's own
 * answers (the demo mailbox, the sign-in) are checked against @govchain/app/portal-views alike.
 * Over a real HTTP server on loopback, as the page's own server and as a node.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Hex32, Int, NextCursor } from '@govchain/app/route-kit'
import { SdkError } from '@govchain/client'
import { Type } from '@sinclair/typebox'
import { callAnswer, mailbox } from '../src/api.ts'
import { currentSession } from '../src/session.ts'

const Page = Type.Object({ items: Type.Array(Type.Object({ id: Hex32, height: Int })), next: NextCursor })
const item = { id: 'ab'.repeat(32), height: 7 }
const entry = { holder: 'did:govchain:abc', licenseId: 'JY-1', credential: 'c', timeMs: 1 }

/** What the server answers, by path (query string dropped). */
let answers: Record<string, unknown> = {}

async function refusal(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof SdkError, String(e))
    assert.equal(e.code, 'SDK_BAD_RESPONSE')
    return e
  }
  assert.fail('a malformed answer was accepted')
}

describe('callAnswer', () => {
  let server: Server
  let base = ''
  const location = Object.getOwnPropertyDescriptor(globalThis, 'location')
  before(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? ''
      const body = JSON.stringify(answers[path] ?? { code: 'NOT_FOUND', message: path })
      res.writeHead(path in answers ? 200 : 404, { 'content-type': 'application/json' })
      res.end(body)
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // The page's own server ('' base) is the one at location.
    Object.defineProperty(globalThis, 'location', { value: new URL(`${base}/`), configurable: true })
  })
  after(async () => {
    if (location === undefined) Reflect.deleteProperty(globalThis, 'location')
    else Object.defineProperty(globalThis, 'location', location)
    await new Promise((done) => server.close(done))
  })

  it('accepts an answer of its route’s shape, and properties the schema does not list', async () => {
    answers = { '/v1/items': { items: [item], next: null, addedLater: true } }
    const page = await callAnswer(base, 'GET', '/v1/items?limit=1', Page)
    assert.equal(page.items[0]?.height, 7)
    assert.equal(page.next, null)
  })

  it('refuses a malformed answer with SDK_BAD_RESPONSE naming the route (no query) and the field', async () => {
    answers = { '/v1/items': { items: [item, { ...item, height: '7' }], next: null } }
    const e = await refusal(callAnswer(base, 'GET', '/v1/items?limit=2', Page))
    assert.equal(e.details?.path, '/items/1/height')
    assert.equal(e.details?.what, 'GET /v1/items')
    assert.match(e.message, /GET \/v1\/items at \/items\/1\/height/)
    assert.doesNotMatch(e.message, /limit/)
    answers = { '/v1/items': { items: [{ ...item, id: 'not hex' }], next: 3 } }
    assert.equal((await refusal(callAnswer(base, 'POST', '/v1/items', Page, {}))).details?.path, '/items/0/id')
  })

  it('a node’s error is still the node’s error, not a refusal of its shape', async () => {
    answers = {}
    await assert.rejects(callAnswer(base, 'GET', '/v1/missing', Page), (e: unknown) => {
      assert.ok(!(e instanceof SdkError && e.code === 'SDK_BAD_RESPONSE'), String(e))
      return (e as { status?: number }).status === 404
    })
  })

  it('checks the portal server’s own answers against its schemas (the demo mailbox, the session)', async () => {
    const auth = { did: entry.holder, key: '00', ts: '1', sig: '00' }
    answers = { '/demo/credentials': { items: [entry] } }
    assert.deepEqual((await mailbox.list(auth)).items, [entry])
    answers = { '/demo/credentials': { items: [{ ...entry, timeMs: undefined }] } }
    const e = await refusal(mailbox.list(auth))
    assert.equal(e.details?.path, '/items/0/timeMs')
    assert.equal(e.details?.what, 'GET /demo/credentials')

    answers = { '/session': { signedIn: false } }
    assert.equal(await currentSession(), undefined)
    answers = { '/session': { signedIn: true, subject: { kind: 'person', id: 'x', publicKey: '00' }, csrf: 't' } }
    await refusal(currentSession())
  })
})
