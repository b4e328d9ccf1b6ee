/**
 * The provider gateway in one process against a fake node (gateway-fixtures.ts): the checks of
 * issue 13 that concern the data gateway — its own host only (item 4), row reservations (item 3),
 * nothing the requester sent on chain (item 5), registered certificates, rate limits and
 * aggregated refusals (item 6), subject scopes (item 9), and the Low items (coded 413 and 400,
 * files 0600).
 */
import assert from 'node:assert/strict'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer as createHttpsServer, Agent as HttpsAgent } from 'node:https'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { connect as tlsConnect } from 'node:tls'
import { isSdkError } from '@govchain/client'
import { codec, fromBase64, getSuite, isGovchainError, toHex, utf8 } from '@govchain/core'
import { ReceiptBody, SharingRefusalArgs } from '@govchain/sharing/schema'
import { GatewayHealthAnswer, GatewayQueryAnswer } from '@govchain/sharing/views'
import { GATEWAY_DEFAULTS } from '../src/config.ts'
import { postToGateway } from '../src/consumer.ts'
import { signReceipt } from '../src/protocol.ts'
import {
  addGrant,
  PEOPLE,
  type ProviderFixture,
  pseudonymOf,
  query,
  rawCall,
  signedQuery,
  startConsumer,
  startProvider,
  suite,
} from './gateway-fixtures.ts'

const codeOf = (a: { status: number; json: Record<string, unknown> }) => ({ status: a.status, code: a.json.code })
/** Rows an answer delivered, from its receipt (0 for a refusal). */
const rowsOf = (a: { status: number; json: Record<string, unknown> }) =>
  a.status === 200 ? codec.decode(ReceiptBody, fromBase64(a.json.receipt as string)).rows : 0
const ids = (from: number, n: number) => PEOPLE.slice(from, from + n).map((p) => p.idNumber)
const byId = (values: string[]) => ({ field: 'id_number', values })

describe('provider gateway: its own host only, never a browser (issue 13 item 4)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  it('refuses a foreign Host, any Origin and cross-site fetch metadata with coded errors', async () => {
    const port = new URL(fx.gateway.url).port
    const health = (headers: Record<string, string>) =>
      rawCall(fx.gateway.url, fx.housing.gatewayTls, { path: '/v1/gateway/health', headers })
    assert.equal((await health({})).status, 200)
    assert.deepEqual(codeOf(await health({ host: `attacker.example:${port}` })), {
      status: 421,
      code: 'HOST_NOT_ALLOWED',
    })
    assert.deepEqual(codeOf(await health({ host: '127.0.0.1:1' })), { status: 421, code: 'HOST_NOT_ALLOWED' })
    // Gateways call each other without an Origin; a browser always sends one — even its "own".
    for (const origin of ['https://attacker.example', `https://127.0.0.1:${port}`, 'null']) {
      assert.deepEqual(codeOf(await health({ origin })), { status: 403, code: 'ORIGIN_NOT_ALLOWED' }, origin)
    }
    assert.deepEqual(codeOf(await health({ 'sec-fetch-site': 'cross-site' })), {
      status: 403,
      code: 'ORIGIN_NOT_ALLOWED',
    })
    // Every endpoint, and before anything is counted for the chain.
    for (const path of ['/v1/gateway/query', '/v1/gateway/ack']) {
      const a = await rawCall(fx.gateway.url, fx.housing.gatewayTls, {
        path,
        body: { request: 'AAAA', signature: 'ab'.repeat(64) },
        headers: { host: `rebound.example:${port}` },
      })
      assert.deepEqual(codeOf(a), { status: 421, code: 'HOST_NOT_ALLOWED' }, path)
    }
    await fx.gateway.flushRefusals()
    assert.deepEqual(fx.node.txs, [])
  })
})

describe('grant volume: rows reserved per grant before answering (issue 13 item 3)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  it('ten parallel fetches on a two-row grant deliver two rows; a restarted gateway still refuses', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 2 })
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        query(fx, fx.housing, signedQuery(fx.housing, grant, ['id_number', 'name'], byId(ids(0, 5))).body),
      ),
    )
    assert.equal(
      answers.reduce((n, a) => n + rowsOf(a), 0),
      2,
    )
    for (const a of answers.filter((x) => x.status !== 200)) {
      assert.deepEqual(codeOf(a), { status: 403, code: 'SHARING_VOLUME_EXCEEDED' })
    }
    // No receipt reached the chain (rowsUsed is still 0 there): the gateway's own ledger holds the
    // limit, on disk, across a restart.
    await fx.restart()
    const again = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(3, 1))).body)
    assert.deepEqual(codeOf(again), { status: 403, code: 'SHARING_VOLUME_EXCEEDED' })
  })

  it('a fetch held in the database does not refuse another while the grant has rows left', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 2 })
    fx.connector.holdNext()
    const slow = query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(0, 1))).body)
    await fx.connector.waiting
    const quick = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(1, 1))).body)
    fx.connector.release()
    assert.deepEqual([rowsOf(quick), rowsOf(await slow)], [1, 1])
    // Used up now.
    const third = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(2, 1))).body)
    assert.deepEqual(codeOf(third), { status: 403, code: 'SHARING_VOLUME_EXCEEDED' })
  })

  it("the chain's count is authoritative when it is higher (receipts from before the ledger, a lost ledger)", async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 3, rowsUsed: 2 })
    const a = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(0, 3))).body)
    assert.equal(rowsOf(a), 1)
    const b = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(3, 1))).body)
    assert.deepEqual(codeOf(b), { status: 403, code: 'SHARING_VOLUME_EXCEEDED' })
  })

  it('keeps the ledger in a transactional store, 0600, and takes over an older volume.json', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 4 })
    await fx.gateway.stop()
    writeFileSync(join(fx.home.dir, 'volume.json'), JSON.stringify({ [grant]: 4 }), { mode: 0o600 })
    await fx.restart()
    const a = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(0, 1))).body)
    assert.deepEqual(codeOf(a), { status: 403, code: 'SHARING_VOLUME_EXCEEDED' })
    assert.equal(statSync(join(fx.home.dir, 'volume.sqlite')).mode & 0o777, 0o600)
  })

  it('gateways reuse connections: ten fetches over one keep-alive agent, one TLS handshake; each request checked in full (issue 19)', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, maxCachedSessions: 0 })
    const provider = fx.node.gateways.get('police')!
    const before = fx.gateway.tlsConnections
    try {
      for (let i = 0; i < 10; i++) {
        const a = await postToGateway(
          fx.housing.gatewayTls,
          provider,
          '/v1/gateway/query',
          signedQuery(fx.housing, grant, ['name'], byId([PEOPLE[i % PEOPLE.length]!.idNumber])).body,
          GatewayQueryAnswer,
          agent,
        )
        assert.equal(codec.decode(ReceiptBody, fromBase64(a.receipt)).rows, 1)
      }
      assert.equal(fx.gateway.tlsConnections - before, 1, 'one TLS handshake for ten exchanges')
      // The identity is the connection's; what the request says is still checked on each one.
      await assert.rejects(
        postToGateway(
          fx.housing.gatewayTls,
          provider,
          '/v1/gateway/query',
          signedQuery(fx.tax, grant, ['name']).body,
          GatewayQueryAnswer,
          agent,
        ),
        (e: { code?: string }) => e.code === 'GATEWAY_CERT_MISMATCH',
      )
      await assert.rejects(
        postToGateway(
          fx.housing.gatewayTls,
          provider,
          '/v1/gateway/query',
          signedQuery(fx.housing, grant, ['phone'], byId([PEOPLE[0].idNumber])).body,
          GatewayQueryAnswer,
          agent,
        ),
        (e: { code?: string }) => e.code === 'SHARING_FIELD_NOT_GRANTED',
      )
      assert.equal(fx.gateway.tlsConnections - before, 1)
      // A pinned connection whose provider now registers another certificate is refused before sending.
      await assert.rejects(
        postToGateway(
          fx.housing.gatewayTls,
          { ...provider, certFingerprint: '00'.repeat(32) },
          '/v1/gateway/health',
          {},
          GatewayHealthAnswer,
          agent,
        ),
        (e: { code?: string }) => e.code === 'GATEWAY_CERT_MISMATCH',
      )
    } finally {
      agent.destroy()
    }
  })

  it('a consumer keeps its connections between bursts of pulls: the second burst opens next to none (issue 19)', async () => {
    const consumer = await startConsumer(fx)
    try {
      const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 1000 })
      const burst = () =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            consumer.fetch({ grantId: grant, fields: ['name'], filter: byId([PEOPLE[i % PEOPLE.length]!.idNumber]) }),
          ),
        )
      const before = fx.gateway.tlsConnections
      for (const r of await burst()) assert.equal(r.rows.length, 1)
      const first = fx.gateway.tlsConnections - before
      assert.ok(first > 8, `the first burst opened ${first} connections`)
      for (const r of await burst()) assert.equal(r.rows.length, 1)
      const second = fx.gateway.tlsConnections - before - first
      // With 8 kept free, the second burst opened first − 8 again, each with a TLS handshake.
      assert.ok(second < first / 2, `second burst opened ${second} new connections after ${first}`)
    } finally {
      await consumer.stop()
    }
  })

  it('a consumer keeps only what never changes of a grant: the pull after a revocation or a closed case is refused at once', async () => {
    const consumer = await startConsumer(fx)
    try {
      const pull = (grantId: string, i: number) =>
        consumer.fetch({ grantId, fields: ['name'], filter: byId([PEOPLE[i]!.idNumber]) })
      const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
      assert.equal((await pull(grant, 0)).rows.length, 1)
      // Revoked on chain: the very next pull is refused, although the consumer read the grant before.
      fx.node.requests.get(grant)!.status = 'revoked'
      await assert.rejects(pull(grant, 1), (e: { code?: string }) => e.code === 'SHARING_GRANT_REVOKED')
      // A service case's grant, revoked by the case's closing: SHARING_CASE_CLOSED on the next pull.
      const caseGrant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
      const subject = pseudonymOf(fx.pseudonymKey, PEOPLE[2].idNumber)
      fx.node.requests.get(caseGrant)!.case = { caseId: 'ca'.repeat(32), subject }
      assert.equal((await pull(caseGrant, 2)).rows.length, 1)
      fx.node.requests.get(caseGrant)!.status = 'revoked'
      await assert.rejects(pull(caseGrant, 2), (e: { code?: string }) => e.code === 'SHARING_CASE_CLOSED')
      // An unknown grant is still SHARING_REQUEST_NOT_FOUND, and is not remembered as unknown.
      await assert.rejects(pull('ee'.repeat(32), 0), (e: { code?: string }) => e.code === 'SHARING_REQUEST_NOT_FOUND')
    } finally {
      await consumer.stop()
    }
  })
})

describe("the node's answers are checked against their routes' schemas (ADR 0019)", () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  const refusedAnswer = (path: string) => (e: unknown) => {
    assert.ok(isSdkError(e), String(e))
    assert.equal(e.code, 'SDK_BAD_RESPONSE')
    assert.equal(e.details?.what, 'GET /v1/blocks/latest')
    assert.equal(e.details?.path, path)
    return true
  }

  it('a latest block of the wrong shape fails the read with SDK_BAD_RESPONSE, and a query with it changes nothing', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 1 })
    // A real block but for its header's height, then the partial answer a broken node might send.
    const block = fx.node.latestBlock()
    fx.node.latestAnswer = { ...block, header: { ...(block.header as object), height: 'x' } }
    await assert.rejects(fx.gateway.node.latest(), refusedAnswer('/header/height'))
    fx.node.latestAnswer = { header: { height: 'x' } }
    await assert.rejects(fx.gateway.node.latestCached(), refusedAnswer('/height'))
    const submitted = fx.node.txs.length
    const a = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(0, 1))).body)
    assert.deepEqual(codeOf(a), { status: 502, code: 'SDK_BAD_RESPONSE' })
    assert.match(String(a.json.message), /GET \/v1\/blocks\/latest/)
    // No row, no receipt, and the refusal stays in the local log (not a code the chain records).
    await fx.gateway.flushRefusals()
    assert.equal(fx.node.txs.length, submitted)
    // Nothing was reserved: with the node answering well again, the grant's one row is served.
    fx.node.latestAnswer = undefined
    const b = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(0, 1))).body)
    assert.equal(rowsOf(b), 1)
  })
})

describe('refusals on chain carry nothing the requester sent (issue 13 item 5)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  it('personal data through every field a requester controls: none of it, nor a hash of it, on chain', async () => {
    const person = PEOPLE[0]
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100 })
    const revoked = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 100, status: 'revoked' })
    const h = (s: string) => toHex(suite.hash(utf8(s)))
    const sent: Uint8Array[] = []
    const ask = async (q: { body: unknown; bytes?: Uint8Array }, o: Parameters<typeof rawCall>[2] = {}) => {
      if (q.bytes !== undefined) sent.push(q.bytes)
      return rawCall(fx.gateway.url, fx.housing.gatewayTls, { body: q.body, ...o })
    }
    const q = (...a: Parameters<typeof signedQuery>) => signedQuery(...a)
    const answers = [
      // The grant id, the resource, field names, the filter's field and values.
      await ask(q(fx.housing, h(person.idNumber), ['name'])),
      await ask(q(fx.housing, grant, [person.idNumber, 'name'])),
      await ask(q(fx.housing, grant, ['name', `x${person.phone}`], byId([person.idNumber, person.phone]))),
      await ask(q(fx.housing, grant, ['name'], { field: person.idNumber, values: [person.name] })),
      await ask(q(fx.housing, grant, ['name'], undefined, { resourceId: `police.h${person.phone}` })),
      await ask(q(fx.housing, revoked, ['name'], byId([person.idNumber]))),
      // The chain id, the provider, the nonce and the clock.
      await ask(q(fx.housing, grant, ['name'], byId([person.idNumber]), { chainId: person.idNumber })),
      await ask(q(fx.housing, grant, ['name'], byId([person.idNumber]), { providerOrg: person.name })),
      await ask(
        q(fx.housing, grant, ['phone'], byId([person.idNumber]), {
          nonce: utf8(person.phone.padEnd(16, '0')).subarray(0, 16),
        }),
      ),
      await ask(q(fx.housing, grant, ['name'], byId([person.idNumber]), { timeMs: Date.now() - 3_600_000 })),
      // Headers, the path, extra body members, a body that is not base64, a forged signature.
      await ask(q(fx.housing, h(person.name), ['name']), { headers: { 'x-subject': person.idNumber } }),
      await ask(q(fx.housing, grant, ['phone']), { path: `/v1/gateway/query?id=${person.idNumber}` }),
      await ask({ body: { ...q(fx.housing, grant, ['phone']).body, subject: person.idNumber } }),
      await ask({ body: { request: `${person.idNumber}!`, signature: 'ab'.repeat(64) } }),
      await ask({
        body: { request: q(fx.housing, grant, ['phone']).body.request, signature: h(person.phone).repeat(2) },
      }),
    ]
    assert.ok(answers.every((a) => a.status !== 200))
    await fx.gateway.flushRefusals()
    const refusals = fx.node.txs.filter((t) => t.method === 'refusal')
    const codes = new Set(refusals.flatMap((t) => codec.decode(SharingRefusalArgs, t.args).counts.map((c) => c.code)))
    assert.ok(codes.size >= 4, `recorded: ${[...codes].join(', ')}`)
    const needles: { what: string; bytes: Buffer }[] = []
    const add = (what: string, value: Uint8Array) => {
      needles.push({ what, bytes: Buffer.from(value) })
      for (const [alg, s] of [
        ['sha256', getSuite('intl')],
        ['sm3', getSuite('gm')],
      ] as const) {
        const d = Buffer.from(s.hash(value))
        needles.push(
          { what: `${alg}(${what})`, bytes: d },
          { what: `${alg}-hex(${what})`, bytes: Buffer.from(d.toString('hex')) },
        )
      }
    }
    for (const [k, v] of Object.entries(person)) add(`${k} ${v}`, utf8(v))
    // The hash of what the requester signed is a hash of what it sent (its nonce is its own choice).
    for (const [i, bytes] of sent.entries()) add(`request ${i}`, bytes)
    const hits = refusals.flatMap((t) =>
      needles.filter((n) => Buffer.from(t.bytes).includes(n.bytes)).map((n) => `${t.method}: ${n.what}`),
    )
    assert.deepEqual(hits, [])
  })
})

describe('coded answers and private files (issue 13, Low)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  /**
   * Writes an oversize request by hand, paced, as a client on a slow link would, with
   * `Connection: close`; resolves with everything the gateway answered, or the socket's error.
   */
  const paced = (bodyBytes: number, headers = '') =>
    new Promise<{ answer: string; error?: string; wroteAll: boolean }>((resolve) => {
      const u = new URL(fx.gateway.url)
      const socket = tlsConnect({
        host: u.hostname,
        port: Number(u.port),
        cert: fx.housing.gatewayTls.certPem,
        key: fx.housing.gatewayTls.keyPem,
        rejectUnauthorized: false,
      })
      let answer = ''
      let wroteAll = false
      let error: string | undefined
      socket.on('data', (c: Buffer) => {
        answer += c.toString('utf8')
      })
      socket.on('error', (e) => {
        error = String(e)
      })
      socket.on('close', () => resolve({ answer, wroteAll, ...(error === undefined ? {} : { error }) }))
      socket.once('secureConnect', async () => {
        const write = (chunk: string) =>
          new Promise<void>((ok, fail) => socket.write(chunk, (e) => (e ? fail(e) : ok())))
        try {
          await write(
            `POST /v1/gateway/query HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${bodyBytes}\r\nConnection: close\r\n${headers}\r\n`,
          )
          const chunk = 'A'.repeat(64 * 1024)
          for (let sent = 0; sent < bodyBytes; sent += chunk.length) {
            if (sent > 0) await new Promise((r) => setTimeout(r, 3))
            await write(chunk.slice(0, Math.min(chunk.length, bodyBytes - sent)))
          }
          wroteAll = true
        } catch (e) {
          error = String(e)
        }
      })
    })

  it('an oversize body gets a coded JSON 413 after it was read, not a reset connection', async () => {
    const r = await paced(2 * 1024 * 1024)
    assert.equal(r.error, undefined, r.error)
    assert.ok(r.wroteAll, 'the client could write its whole body')
    assert.match(r.answer, /^HTTP\/1\.1 413 /)
    assert.match(r.answer, /"code":"PAYLOAD_TOO_LARGE"/)
  })

  it('a body that is not base64 gets a coded 400, and its refusal record is a valid one', async () => {
    const a = await query(fx, fx.housing, { request: 'not base64!', signature: 'ab'.repeat(64) })
    assert.deepEqual(codeOf(a), { status: 400, code: 'GATEWAY_BAD_REQUEST' })
    assert.equal(a.json.txHash, undefined) // no transaction is named: refusals go on chain counted, later
    await fx.gateway.flushRefusals()
    const recorded = fx.node.submitted('refusal', SharingRefusalArgs).flatMap((r) => r.counts)
    assert.deepEqual(
      recorded.map((r) => [r.code, r.consumerOrg, r.count]),
      [['GATEWAY_BAD_REQUEST', 'housing', 1]],
    )
  })

  it('JSON that is not an object, or not JSON at all, is a coded 400 on both routes, never INTERNAL', async () => {
    const bad = { status: 400, code: 'GATEWAY_BAD_REQUEST' }
    for (const path of ['/v1/gateway/query', '/v1/gateway/ack']) {
      for (const rawBody of ['null', '[]', '7', '"text"', '{"request": 1}', '{', '\xff\xfe']) {
        const a = await rawCall(fx.gateway.url, fx.housing.gatewayTls, {
          path,
          rawBody: Buffer.from(rawBody, 'latin1'),
        })
        assert.deepEqual(codeOf(a), bad, `${path} ${rawBody}`)
      }
    }
  })

  it('tightens a gateway folder and files made before to 0700 and 0600; new files are 0600', async () => {
    await fx.gateway.stop()
    const dir = fx.home.dir
    chmodSync(dir, 0o755)
    writeFileSync(join(dir, 'refusals.jsonl'), '')
    chmodSync(join(dir, 'refusals.jsonl'), 0o644)
    chmodSync(join(dir, 'data.sqlite'), 0o644)
    await fx.restart()
    await query(fx, fx.housing, { request: '', signature: '' }) // a refusal: a line in the log
    const mode = (f: string) => statSync(join(dir, f)).mode & 0o777
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    for (const f of ['refusals.jsonl', 'data.sqlite', 'volume.sqlite']) assert.equal(mode(f), 0o600, f)
    assert.match(readFileSync(join(dir, 'refusals.jsonl'), 'utf8'), /GATEWAY_BAD_REQUEST/)
  })
})

describe('refusal spam: registered gateways only, rate limits, one counted record per interval (issue 13 item 6)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider({ requesterRatePerSecond: 1, requesterBurst: 12, refusalLogBytesMax: 4096 })
  })
  after(() => fx.close())

  it('refusals of an interval go on chain as one transaction, counted per requester and code', async () => {
    assert.equal(GATEWAY_DEFAULTS.refusalIntervalMs, 60_000)
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 10 })
    const refused = [
      ...[1, 2, 3].map((i) => query(fx, fx.housing, signedQuery(fx.housing, `${'ab'.repeat(31)}0${i}`, ['name']).body)),
      ...[1, 2].map(() => query(fx, fx.housing, signedQuery(fx.housing, grant, ['phone']).body)),
      query(fx, fx.tax, signedQuery(fx.tax, 'cd'.repeat(32), ['name']).body),
    ]
    for (const a of await Promise.all(refused)) assert.equal(a.status, 403)
    assert.deepEqual(fx.node.txs, [], 'nothing is written per request')
    await fx.gateway.flushRefusals()
    const txs = fx.node.submitted('refusal', SharingRefusalArgs)
    assert.equal(txs.length, 1)
    const counts = txs[0]!.counts.map((c) => ({
      ...c,
      ...(c.grantId === undefined ? {} : { grantId: toHex(c.grantId) }),
    }))
    assert.deepEqual(
      counts.sort((a, b) => `${a.consumerOrg}${a.code}`.localeCompare(`${b.consumerOrg}${b.code}`)),
      [
        { consumerOrg: 'housing', code: 'SHARING_FIELD_NOT_GRANTED', count: 2, grantId: grant },
        { consumerOrg: 'housing', code: 'SHARING_NO_GRANT', count: 3 },
        { consumerOrg: 'tax', code: 'SHARING_NO_GRANT', count: 1 },
      ],
    )
    assert.ok(txs[0]!.fromMs <= txs[0]!.toMs)
  })

  it('a consortium certificate that is no registered gateway (a node certificate) is refused, unrecorded', async () => {
    const before = fx.node.txs.length
    const grant = addGrant(fx, { fields: ['name'], rowsMax: 10 })
    const body = signedQuery(fx.housing, grant, ['name']).body
    assert.deepEqual(codeOf(await query(fx, fx.housing, body, { tls: fx.housing.nodeTls })), {
      status: 403,
      code: 'GATEWAY_CERT_NOT_REGISTERED',
    })
    // Another member's registered gateway certificate presenting housing's request: identified as
    // tax (and counted for tax), never for housing.
    assert.deepEqual(codeOf(await query(fx, fx.housing, body, { tls: fx.tax.gatewayTls })), {
      status: 403,
      code: 'GATEWAY_CERT_MISMATCH',
    })
    await fx.gateway.flushRefusals()
    const recorded = fx.node.txs.slice(before).flatMap((t) => codec.decode(SharingRefusalArgs, t.args).counts)
    assert.deepEqual(
      recorded.map((c) => [c.consumerOrg, c.code, c.count]),
      [['tax', 'GATEWAY_CERT_MISMATCH', 1]],
    )
  })

  it('a requester over its token bucket gets a coded 429, logged but never recorded', async () => {
    const before = fx.node.txs.length
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => query(fx, fx.tax, signedQuery(fx.tax, 'ef'.repeat(32), ['name']).body)),
    )
    const limited = answers.filter((a) => a.status === 429)
    assert.ok(limited.length > 0, 'some are rate-limited')
    for (const a of limited) assert.equal(a.json.code, 'RATE_LIMITED')
    await fx.gateway.flushRefusals()
    const codes = fx.node.txs.slice(before).flatMap((t) => codec.decode(SharingRefusalArgs, t.args).counts)
    assert.ok(codes.every((c) => c.code !== 'RATE_LIMITED'))
  })

  it('the local refusal log is bounded: it rotates once, 0600', () => {
    const log = join(fx.home.dir, 'refusals.jsonl')
    assert.ok(statSync(log).size <= 4096, `${statSync(log).size} bytes`)
    assert.ok(statSync(`${log}.1`).size <= 4096, `${statSync(`${log}.1`).size} bytes`)
    assert.equal(statSync(`${log}.1`).mode & 0o777, 0o600)
  })
})

describe('provider gateway: a countersignature after ackTimeoutMs', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider({ ackTimeoutMs: 100 })
  })
  after(() => fx.close())

  it('is told GATEWAY_ACK_LATE (the receipt is recorded provider-only); an unknown receipt stays a bad request', async () => {
    const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 10 })
    const a = await query(fx, fx.housing, signedQuery(fx.housing, grant, ['name'], byId(ids(0, 1))).body)
    assert.equal(a.status, 200)
    const receiptBytes = fromBase64(a.json.receipt as string)
    const consumerSignature = toHex(signReceipt(suite, fx.housing.key.privateKey, receiptBytes))
    const ack = (receiptId: string) =>
      rawCall(fx.gateway.url, fx.housing.gatewayTls, {
        path: '/v1/gateway/ack',
        body: { receiptId, consumerSignature },
      })
    // The provider runs in this process: its 100 ms timer fires before this later, longer one.
    await new Promise((r) => setTimeout(r, 300))
    assert.deepEqual(codeOf(await ack(a.json.receiptId as string)), { status: 409, code: 'GATEWAY_ACK_LATE' })
    assert.deepEqual(codeOf(await ack('ab'.repeat(32))), { status: 400, code: 'GATEWAY_BAD_REQUEST' })
  })
})

describe("a provider gateway's answers are checked against sharing's views", () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  it('a malformed answer or refusal is GATEWAY_BAD_RESPONSE, and the consumer acknowledges nothing', async () => {
    // A server with police's registered gateway certificate (so pinning passes), answering `next`.
    let next: { status: number; body: string } = { status: 200, body: '{}' }
    const paths: string[] = []
    const fake = createHttpsServer(
      {
        cert: fx.police.gatewayTls.certPem,
        key: fx.police.gatewayTls.keyPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        paths.push(req.url ?? '')
        req.resume()
        res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body)
      },
    )
    await new Promise<void>((ok) => fake.listen(0, '127.0.0.1', ok))
    const police = fx.node.gateways.get('police')!
    const provider = { ...police, url: `https://127.0.0.1:${(fake.address() as { port: number }).port}` }
    const badAnswer = (path: string | undefined) => (e: unknown) => {
      assert.ok(isGovchainError(e), String(e))
      assert.equal(e.code, 'GATEWAY_BAD_RESPONSE', e.message)
      assert.equal(e.details?.path, path)
      return true
    }
    const call = () => postToGateway(fx.housing.gatewayTls, provider, '/v1/gateway/query', {}, GatewayQueryAnswer)
    try {
      next = { status: 200, body: JSON.stringify({ envelope: 'AA==', receipt: 'AA==', providerSignature: 'ab' }) }
      await assert.rejects(call(), badAnswer('/receiptId'))
      next = {
        status: 200,
        body: JSON.stringify({ envelope: 'AA==', receipt: 7, receiptId: 'ab'.repeat(32), providerSignature: 'ab' }),
      }
      await assert.rejects(call(), badAnswer('/receipt'))
      next = { status: 200, body: '[]' }
      await assert.rejects(call(), badAnswer(''))
      // A refusal of another shape (it was a TypeError for `null`); a coded one keeps its code.
      next = { status: 500, body: 'null' }
      await assert.rejects(call(), badAnswer(''))
      next = { status: 403, body: JSON.stringify({ code: 'SHARING_GRANT_REVOKED' }) }
      await assert.rejects(call(), badAnswer('/message'))
      next = { status: 403, body: JSON.stringify({ code: 'SHARING_GRANT_REVOKED', message: 'revoked' }) }
      await assert.rejects(call(), (e: { code?: string }) => e.code === 'SHARING_GRANT_REVOKED')

      // Through the consumer: refused before anything is opened, countersigned or submitted.
      fx.node.gateways.set('police', provider)
      const consumer = await startConsumer(fx)
      try {
        const grant = addGrant(fx, { fields: ['id_number', 'name'], rowsMax: 10 })
        const submitted = fx.node.txs.length
        paths.length = 0
        next = { status: 200, body: JSON.stringify({ envelope: 'AA==', receipt: 'AA==' }) }
        await assert.rejects(consumer.fetch({ grantId: grant, fields: ['name'] }), badAnswer('/receiptId'))
        assert.deepEqual(paths, ['/v1/gateway/query'], 'no acknowledgement sent')
        assert.equal(fx.node.txs.length, submitted)
      } finally {
        await consumer.stop()
      }
    } finally {
      fx.node.gateways.set('police', police)
      fake.close()
    }
  })
})
