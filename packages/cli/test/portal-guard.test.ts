/**
 * Issue 13, items 4 and 10, and the portal's oversize bodies (Low): the demo portal answers only
 * for its own names and origin, serves keys only for a --dev network, answers 413 as coded JSON,
 * and its credential mailbox serves a holder's credentials only to the holder (signed request)
 * and accepts them only from an officer, keyed by holder and licence together.
 *
 * Issue 18 (ADR 0032): sign-in against the real chain (an officer's key and a DID's key sign in,
 * an unregistered key is SIGNIN_KEY_UNKNOWN), and every POST that changes something needs the
 * session and its CSRF token (SESSION_REQUIRED, CSRF_MISMATCH), refused before anything is stored.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CryptoSuite, getSuite, portalSignInMessage, toHex } from '@govchain/core'
import { holderQueryMessage } from '@govchain/license/schema'
import { identity, issueLicense, signHolderQuery } from '@govchain/sdk'
import { type PortalServer, servePortal } from '../src/portal-server.ts'
import { startNetwork, type TestNetwork } from '../src/testnet.ts'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: () => Record<string, unknown>
}

/** A raw HTTP request, so Host, Origin and Sec-Fetch-Site are exactly what a hostile page would send. */
function raw(
  port: number,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          })
        })
      },
    )
    req.on('error', reject)
    if (o.body !== undefined) req.end(o.body)
    else req.end()
  })
}

describe('portal: hosts, origins, dev keys, 413 and the signed mailbox', () => {
  let tn: TestNetwork
  let portal: PortalServer
  let suite: CryptoSuite
  let chainId: string
  const holderKey = { publicKey: new Uint8Array(), privateKey: new Uint8Array() }
  let holder = ''
  let officer: { publicKey: Uint8Array; privateKey: Uint8Array }
  let issued: ReturnType<typeof issueLicense>

  before(async () => {
    tn = await startNetwork({ orgs: 1, suite: 'intl' })
    suite = getSuite(tn.net.suite)
    chainId = tn.net.chainId
    const client = Object.values(tn.clients)[0]!
    officer = Object.values(tn.keys)[0]!
    Object.assign(holderKey, suite.generateKeyPair())
    const did = identity.createDid({ suite, chainId, privateKey: holderKey.privateKey, validUntilHeight: 1000 })
    holder = did.did
    assert.equal((await client.waitForTx((await client.submitTx(did.bytes)).hash)).code, 'OK')
    const types = (await client.getJson('/v1/license-types')) as {
      items: { code: string; name: string; nameEn: string; fields: { name: string }[] }[]
    }
    const type = types.items[0]!
    const genesis = JSON.parse(readFileSync(join(tn.dir, 'genesis.json'), 'utf8')) as {
      organisations: { code: string }[]
    }
    const org = genesis.organisations[0]!
    issued = issueLicense({
      suite,
      chainId,
      privateKey: officer.privateKey,
      type: type as never,
      issuer: { orgId: tn.net.nodes[0]!.orgId, code: org.code },
      holder,
      validFromMs: Date.now(),
      validUntilMs: Date.now() + 365 * 86_400_000,
      fields: Object.fromEntries(type.fields.map((f) => [f.name, 'x'])),
      validUntilHeight: 1000,
    })
    assert.equal((await client.waitForTx((await client.submitTx(issued.tx.bytes)).hash)).code, 'OK')
    portal = await servePortal({ dir: tn.dir, network: tn.net, port: 0 })
  })
  after(async () => {
    await portal?.close()
    await tn?.stopAll()
  })

  /** Signs in with `key` (challenge, signature): the session cookie and the CSRF token. */
  const signIn = async (key: { publicKey: Uint8Array; privateKey: Uint8Array }) => {
    const { challenge } = (await raw(portal.port, '/session/challenge', { method: 'POST' })).json() as {
      challenge: string
    }
    const signature = suite.sign(
      key.privateKey,
      portalSignInMessage({ chainId, host: `127.0.0.1:${portal.port}`, challenge }),
    )
    const a = await raw(portal.port, '/session', {
      method: 'POST',
      body: JSON.stringify({ challenge, publicKey: toHex(key.publicKey), signature: toHex(signature) }),
    })
    const setCookie = (a.headers['set-cookie'] as string[] | undefined)?.[0] ?? ''
    return { a, cookie: setCookie.split(';')[0]!, setCookie, csrf: (a.json().csrf as string) ?? '' }
  }

  it('signs in an officer and a DID holder by the chain; an unregistered key is SIGNIN_KEY_UNKNOWN', async () => {
    const o = await signIn(officer)
    assert.equal(o.a.status, 200, o.a.body)
    assert.match(o.setCookie, /^govchain_session=[0-9a-f]{64}; Max-Age=900; Path=\/; HttpOnly; SameSite=Strict$/)
    assert.equal((o.a.json().subject as { kind: string }).kind, 'officer')
    const h = await signIn(holderKey)
    assert.deepEqual(h.a.json().subject, { kind: 'did', id: holder, publicKey: toHex(holderKey.publicKey) })
    const stranger = await signIn(suite.generateKeyPair())
    assert.equal(stranger.a.json().code, 'SIGNIN_KEY_UNKNOWN')
    assert.equal(stranger.a.headers['set-cookie'], undefined)
  })

  it('answers only for its own Host: a rebinding name gets 421 and no keys', async () => {
    const evil = await raw(portal.port, '/config.json', { headers: { host: `attacker.example:${portal.port}` } })
    assert.equal(evil.status, 421)
    assert.equal(evil.json().code, 'HOST_NOT_ALLOWED')
    assert.doesNotMatch(evil.body, /privateKey/)
    for (const host of [`127.0.0.1:${portal.port + 1}`, 'localhost', `127.0.0.1.attacker.example:${portal.port}`]) {
      assert.equal((await raw(portal.port, '/', { headers: { host } })).status, 421, host)
    }
    const own = await raw(portal.port, '/config.json', { headers: { host: `localhost:${portal.port}` } })
    assert.equal(own.status, 200)
    assert.match(own.body, /privateKey/) // a --dev network: the demo signs in with these
  })

  it('refuses other origins and cross-site fetches', async () => {
    const post = await raw(portal.port, '/demo/credentials', {
      method: 'POST',
      headers: { origin: 'http://attacker.example', 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal(post.status, 403)
    assert.equal(post.json().code, 'ORIGIN_NOT_ALLOWED')
    const sameSiteOtherPort = await raw(portal.port, '/config.json', {
      headers: { origin: `http://localhost:${portal.port + 1}` },
    })
    assert.equal(sameSiteOtherPort.json().code, 'ORIGIN_NOT_ALLOWED')
    const crossSite = await raw(portal.port, '/config.json', { headers: { 'sec-fetch-site': 'cross-site' } })
    assert.equal(crossSite.status, 403)
    const own = await raw(portal.port, '/config.json', { headers: { origin: `http://127.0.0.1:${portal.port}` } })
    assert.equal(own.status, 200)
  })

  it('serves keys only for a --dev network', async () => {
    const prod = { ...tn.net, dev: false }
    await assert.rejects(servePortal({ dir: tn.dir, network: prod, port: 0, demo: true }), (e: unknown) => {
      return (e as { code?: string }).code === 'DEV_NETWORK_ONLY'
    })
    const p = await servePortal({ dir: tn.dir, network: prod, port: 0 })
    try {
      const cfg = await raw(p.port, '/config.json')
      assert.equal(cfg.json().demo, false)
      assert.doesNotMatch(cfg.body, /privateKey/)
      assert.equal((await raw(p.port, `/demo/credentials?did=${holder}`)).status, 404)
    } finally {
      await p.close()
    }
  })

  it('answers an oversize body with a coded 413, declared or chunked', async () => {
    const big = Buffer.alloc(300 * 1024, 0x61)
    const { cookie, csrf } = await signIn(officer)
    const session = { cookie, 'x-csrf-token': csrf }
    const declared = await raw(portal.port, '/demo/credentials', { method: 'POST', headers: session, body: big })
    assert.equal(declared.status, 413)
    assert.equal(declared.json().code, 'PAYLOAD_TOO_LARGE')
    const chunked = await raw(portal.port, '/demo/credentials', {
      method: 'POST',
      headers: { ...session, 'transfer-encoding': 'chunked' },
      body: big,
    })
    assert.equal(chunked.status, 413)
  })

  it('answers JSON that is not an object with a coded 400, not a 500', async () => {
    const { cookie, csrf } = await signIn(officer)
    for (const body of ['null', '[]', '7', '"text"']) {
      const r = await raw(portal.port, '/demo/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
        body,
      })
      assert.deepEqual([r.status, r.json().code], [400, 'INVALID_ARGUMENT'], body)
    }
  })

  it('the mailbox: only an officer deposits, only the holder reads, entries keyed by holder and licence', async () => {
    const { cookie, csrf } = await signIn(officer)
    const put = (
      holderDid: string,
      signer: Uint8Array,
      credential = issued.credential,
      session: Record<string, string> = { cookie, 'x-csrf-token': csrf },
    ) =>
      raw(portal.port, '/demo/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${portal.port}`, ...session },
        body: JSON.stringify({
          holder: holderDid,
          licenseId: issued.id,
          credential,
          auth: signHolderQuery({
            suite,
            chainId,
            path: `/demo/credentials/${holderDid}/${issued.id}`,
            did: holderDid,
            privateKey: signer,
          }),
        }),
      })
    // Without a session, or without its CSRF token, or with another: refused before anything is stored.
    assert.equal((await put(holder, officer.privateKey, issued.credential, {})).json().code, 'SESSION_REQUIRED')
    assert.equal((await put(holder, officer.privateKey, issued.credential, { cookie })).json().code, 'CSRF_MISMATCH')
    const other = await signIn(officer)
    assert.equal(
      (await put(holder, officer.privateKey, issued.credential, { cookie, 'x-csrf-token': other.csrf })).json().code,
      'CSRF_MISMATCH',
    )
    assert.equal(existsSync(join(tn.dir, 'demo', 'credentials.json')), false)
    // unsigned, or signed by a key that is no officer (the holder itself): refused, nothing stored
    const unsigned = await raw(portal.port, '/demo/credentials', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ holder, licenseId: issued.id, credential: issued.credential, auth: {} }),
    })
    assert.equal(unsigned.json().code, 'MAILBOX_AUTH_INVALID')
    assert.equal((await put(holder, holderKey.privateKey)).json().code, 'MAILBOX_AUTH_INVALID')
    assert.equal((await put(holder, officer.privateKey, 'not-a-credential')).status, 400)
    assert.equal((await put(holder, officer.privateKey)).status, 201)
    const mode = statSync(join(tn.dir, 'demo', 'credentials.json')).mode & 0o777
    assert.equal(mode, 0o600)

    const read = (did: string, key: Uint8Array, path = '/demo/credentials') => {
      const a = signHolderQuery({ suite, chainId, path, did, privateKey: key })
      return raw(portal.port, `${path}?${new URLSearchParams({ ...a })}`)
    }
    // Naming the holder is not enough any more.
    assert.equal((await raw(portal.port, `/demo/credentials?did=${holder}`)).json().code, 'MAILBOX_AUTH_INVALID')
    const stranger = suite.generateKeyPair()
    assert.equal((await read(holder, stranger.privateKey)).json().code, 'MAILBOX_AUTH_INVALID')
    // A stale signature (beyond ±5 minutes) is refused.
    const old = Date.now() - 10 * 60_000
    const staleSig = suite.sign(
      holderKey.privateKey,
      holderQueryMessage({ chainId, path: '/demo/credentials', did: holder, timeMs: old }),
    )
    const stale = await raw(
      portal.port,
      `/demo/credentials?did=${holder}&key=${toHex(holderKey.publicKey)}&ts=${old}&sig=${toHex(staleSig)}`,
    )
    assert.equal(stale.json().code, 'MAILBOX_AUTH_INVALID')
    const mine = await read(holder, holderKey.privateKey)
    assert.equal(mine.status, 200)
    const items = mine.json().items as { licenseId: string; credential: string }[]
    assert.deepEqual(
      items.map((i) => i.licenseId),
      [issued.id],
    )

    // Another holder's entry for the same licence id does not replace this holder's.
    const otherHolder = suite.generateKeyPair()
    const otherDid = identity.createDid({
      suite,
      chainId,
      privateKey: otherHolder.privateKey,
      validUntilHeight: 1000,
    }).did
    assert.equal((await put(otherDid, officer.privateKey)).status, 201)
    assert.equal(((await read(holder, holderKey.privateKey)).json().items as unknown[]).length, 1)

    // The issuing department reads back what it issued (for a renewal); the holder's key cannot.
    const issuedPath = `/demo/credentials/issued/${issued.id}`
    const back = await read(holder, officer.privateKey, issuedPath)
    assert.equal(back.status, 200, back.body)
    assert.equal((back.json().items as unknown[]).length, 1)
    assert.equal((await read(holder, holderKey.privateKey, issuedPath)).json().code, 'MAILBOX_AUTH_INVALID')
  })
})
