/**
 * Every answer is described by its schema (issue 14, docs/adr/0019-typebox-response-schemas.md).
 * Real requests, to the node's routes and to every application's, over the recorded chain (it
 * holds every module's transactions): the answer as served validates with Ajv against the
 * route's response schema, and equals what the handler returned before fastify serialised it —
 * the serialiser drops what a schema does not list, so a property missing from a schema fails
 * here instead of vanishing from the API.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { type ApiExtension, type RouteSpec, txHashOf } from '@govchain/app'
import { checkAnswer } from '@govchain/app/answer'
import { BlockSchema, TxSchema } from '@govchain/app/node-views'
import { createClient, errorCode } from '@govchain/client'
import { fromHex, toBase64, toHex } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { Kind, type TSchema } from '@sinclair/typebox'
import { Check } from '@sinclair/typebox/value'
import { Ajv, type ValidateFunction } from 'ajv'
import type { FastifyInstance } from 'fastify'
import { ROUTES } from '../src/api/index.ts'
import { ExplorerIndex } from '../src/explorer.ts'
import { FakeBackend } from '../src/testing/fake-backend.ts'
import { inProcessApiServer, recordedChainContext } from './in-process-api.ts'
import { ChainRunner, genesisOf, readRecording } from './recorded-chain-fixtures.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures')

/** The recorded chain, replayed into a store, and a module API context over it (as the daemon builds one). */
function recordedChain() {
  const r = readRecording(join(FIXTURES, 'recorded-chain-intl.json'))
  const genesis = genesisOf(r)
  const chain = new ChainRunner(genesis)
  for (const b of r.blocks)
    chain.commit(
      chain.build(
        b.timeMs,
        b.proposer,
        b.txs.map((t) => fromHex(t.bytes)),
      ),
    )
  return { ctx: recordedChainContext(chain), recording: r, chain }
}

interface Served {
  status: number
  body: unknown
  /** What the handler returned, before serialisation. */
  raw: unknown
  route: RouteSpec
}

function harness() {
  const { ctx, recording, chain } = recordedChain()
  const raw = new Map<string, unknown>()
  const capture = (app: FastifyInstance) =>
    app.addHook('preSerialization', async (request, _reply, payload) => {
      raw.set(request.id, payload)
      return payload
    })
  const extensions: ApiExtension[] = defaultModules().flatMap((m) => {
    if (m.routes === undefined) return []
    const ext = m.routes(ctx)
    const register: ApiExtension['register'] = (app, spec) => {
      capture(app)
      ext.register(app, spec)
    }
    return [{ ...ext, register }]
  })
  const backend = new FakeBackend()
  // The explorer's reads over the recorded chain, as the daemon serves them from its store.
  backend.explorer = new ExplorerIndex(chain.store, (b) => txHashOf(chain.suite, b))
  const txHash = new Uint8Array(32).fill(9)
  backend.addBlock([txHash])
  backend.txs.set(toHex(txHash), {
    hash: txHash,
    status: 'committed',
    height: 1,
    index: 0,
    code: 'OK',
    events: [{ module: 'anchor', type: 'anchored', attributes: { key: 'k' } }],
  })
  const server = inProcessApiServer(backend, extensions)
  const routes = [...ROUTES, ...extensions.flatMap((e) => e.routes)]
  const ajv = new Ajv({ allErrors: true, strict: false })
  const checked = new Set<string>()
  /** Each 200 answer with its TypeBox schema and Ajv's validator of it, for the differential test. */
  const samples: { operationId: string; schema: TSchema; validate: ValidateFunction; served: unknown }[] = []

  /** One request; asserts it was answered `status`, validates the answer and compares it with the handler's. */
  async function call(operationId: string, url: string, body?: unknown, status = 200): Promise<Served> {
    const route = routes.find((r) => r.operationId === operationId)
    assert.ok(route, operationId)
    const res = await server.inject({
      method: route.method,
      url,
      ...(body === undefined ? {} : { payload: body as object }),
    })
    assert.equal(res.statusCode, status, `${route.method} ${url}: ${res.body}`)
    const schema = route.responses[status]?.schema
    assert.ok(schema, `${operationId} documents a ${status} schema`)
    const served = res.json() as unknown
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema)))
    assert.ok(validate(served), `${operationId}: ${ajv.errorsText(validate.errors)}\n${res.body.slice(0, 2000)}`)
    // What a client's checked reader (@govchain/app/answer) makes of the same answer: accepted.
    if (status === 200 && Kind in schema) {
      await checkAnswer(schema as TSchema, served, operationId)
      samples.push({ operationId, schema: schema as TSchema, validate, served })
    }
    const handed = [...raw.values()].at(-1)
    raw.clear()
    assert.ok(handed !== undefined, `${operationId}: the handler's answer was captured`)
    assert.deepEqual(served, JSON.parse(JSON.stringify(handed)), `${operationId}: the schema drops nothing`)
    checked.add(operationId)
    return { status, body: served, raw: handed, route }
  }
  return { call, checked, samples, recording, extensions, txHash, chainId: ctx.chainId }
}

describe('answers validate against their schemas (recorded chain)', () => {
  let h: ReturnType<typeof harness>
  before(() => {
    h = harness()
  })
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field after their schema validated them
  type Json = Record<string, any>

  it('node: status, blocks, validators, transactions', async () => {
    await h.call('getStatus', '/v1/status')
    await h.call('getLatestBlock', '/v1/blocks/latest')
    await h.call('getBlock', '/v1/blocks/1')
    await h.call('getValidators', '/v1/validators')
    await h.call('getHealth', '/healthz')
    await h.call('getTx', `/v1/txs/${toHex(h.txHash)}`)
    const block = (await h.call('getBlock', '/v1/blocks/1')).body as Json
    await h.call('getBlockByHash', `/v1/blocks/by-hash/${block.hash}`)
    const page = (await h.call('listTxs', '/v1/txs?limit=3')).body as Json
    assert.equal(page.items.length, 3)
    const last = (await h.call('listTxs', `/v1/txs?height=1&limit=100`)).body as Json
    assert.equal(last.next, null)
    const stats = (await h.call('getStats', '/v1/stats')).body as Json
    assert.ok(stats.modules.length > 5, 'every module counted')
    await h.call('getState', '/v1/state/anchor/00?prove=true')
    const signed = toBase64(fromHex(h.recording.blocks[0]!.txs[0]!.bytes))
    await h.call('submitTx', '/v1/txs', { tx: signed }, 202)
    const batch = (await h.call('submitTxs', '/v1/txs/batch', { txs: [signed, 'AAAA'] }, 207)).body as Json
    assert.equal(batch.results[0].code, 'TX_DUPLICATE')
    assert.equal(batch.results[1].code, 'TX_MALFORMED')
  })

  it("node: the client's block and tx readers refuse whatever the node's schemas refuse", async () => {
    const block = (await h.call('getBlock', '/v1/blocks/1')).body as Json
    const tx = (await h.call('getTx', `/v1/txs/${toHex(h.txHash)}`)).body as Json
    /** The client's reader of `answer`, served as a node would: 'ok' or the code it refused with. */
    const read = async (answer: unknown, ask: (c: ReturnType<typeof createClient>) => Promise<unknown>) => {
      const fetch = async () =>
        new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } })
      try {
        await ask(createClient({ url: 'http://node.invalid', fetch }))
        return 'ok'
      } catch (e) {
        return errorCode(e) ?? String(e)
      }
    }
    const schemaAccepts = (schema: TSchema, v: unknown) => Check(schema, v)
    const WRONG: unknown[] = [undefined, null, true, -1, 1.5, '', 'AB'.repeat(32), 'x', {}, [], [1]]
    const readers = [
      { name: 'block', schema: BlockSchema, answer: block, ask: (c: ReturnType<typeof createClient>) => c.block(1) },
      { name: 'tx', schema: TxSchema, answer: tx, ask: (c: ReturnType<typeof createClient>) => c.tx(toHex(h.txHash)) },
    ]
    for (const r of readers) {
      assert.ok(schemaAccepts(r.schema, r.answer), `${r.name}: the node's answer`)
      assert.equal(await read(r.answer, r.ask), 'ok', `${r.name}: the node's answer`)
      // Every field, and every field of a nested object (the header, an event), replaced by a wrong value.
      const variants: { what: string; answer: Json }[] = []
      for (const [k, v] of Object.entries(r.answer)) {
        for (const w of WRONG) variants.push({ what: `${k} = ${JSON.stringify(w)}`, answer: { ...r.answer, [k]: w } })
        const nested = Array.isArray(v) ? v[0] : v
        if (typeof nested !== 'object' || nested === null) continue
        for (const n of Object.keys(nested))
          for (const w of WRONG) {
            const changed = { ...nested, [n]: w }
            variants.push({
              what: `${k}.${n} = ${JSON.stringify(w)}`,
              answer: { ...r.answer, [k]: Array.isArray(v) ? [changed, ...v.slice(1)] : changed },
            })
          }
      }
      for (const { what, answer } of variants) {
        const clientReads = await read(answer, r.ask)
        if (!schemaAccepts(r.schema, JSON.parse(JSON.stringify(answer))))
          assert.equal(clientReads, 'SDK_BAD_RESPONSE', `${r.name}: ${what}`)
        // What the client refuses beyond the schema: bytes it decodes (base64, the encoded header).
        else if (clientReads !== 'ok')
          assert.ok(/^(headerBytes|certificate|nextValidatorSet) /.test(what), `${r.name}: ${what}: ${clientReads}`)
      }
    }
  })

  it('identity: organisations, officers, DIDs (with proofs)', async () => {
    const orgs = (await h.call('identityListOrganisations', '/v1/organisations')).body as Json
    assert.ok(orgs.organisations.length >= 4)
    const org = orgs.organisations[0].id
    const one = (await h.call('identityGetOrganisation', `/v1/organisations/${org}?prove=true`)).body as Json
    assert.equal(one.organisation.id, org)
    assert.ok(one.proof.proof, 'a proof')
    const officers = (await h.call('identityListOfficers', `/v1/organisations/market/officers`)).body as Json
    assert.ok(officers.officers.length > 1)
    const officer = (await h.call('identityGetOfficer', '/v1/officers/market-clerk')).body as Json
    assert.ok(officer.history.length > 0, 'the clerk has a history')
    assert.equal(officer.historyNext, null)
    // The same history one change a page: as many pages as changes, in order, the last without a cursor.
    const seen: Json[] = []
    for (let after: string | null = ''; after !== null; ) {
      const url = `/v1/officers/market-clerk/history?limit=1${after === '' ? '' : `&after=${after}`}`
      const page = (await h.call('identityOfficerHistory', url)).body as Json
      assert.equal(page.items.length, 1)
      seen.push(...page.items)
      after = page.next
    }
    assert.deepEqual(seen, officer.history)
    assert.ok(seen.length > 1, `paged over ${seen.length} changes`)
  })

  it('governance: proposals with votes, validator records', async () => {
    const list = (await h.call('governanceListProposals', '/v1/proposals')).body as Json
    assert.ok(list.proposals.length > 0)
    const kinds = new Set(list.proposals.flatMap((p: Json) => p.actions.map((a: Json) => a.type)))
    assert.ok(kinds.size > 1, `several action kinds: ${[...kinds].join(', ')}`)
    const p = (await h.call('governanceGetProposal', `/v1/proposals/${list.proposals.at(-1).id}`)).body as Json
    assert.ok(p.votes.length > 0)
    const v = (await h.call('governanceValidators', '/v1/governance/validators')).body as Json
    assert.ok(v.validators.length > 0)
  })

  it('governance: the observers extension registered two observer nodes by vote and removed one', async () => {
    const { recording } = h
    const fromHeight = (id: string) => {
      const event = recording.blocks
        .flatMap((b) => b.txs.flatMap((t) => t.events))
        .map((e) => ({ type: e.type, a: Object.fromEntries(e.attributes) }))
        .find((e) => e.type === 'governance.proposal' && e.a.id === id && e.a.status === 'passed')
      return Number(event!.a.fromHeight)
    }
    const o = (await h.call('governanceObservers', '/v1/governance/observers')).body as Json
    const proposals = (await h.call('governanceListProposals', '/v1/proposals')).body as Json
    const byTitle = (title: string) => String(proposals.proposals.find((p: Json) => p.title === title).id)
    const added = fromHeight(byTitle('observers for the court and the audit office'))
    const removed = fromHeight(byTitle('remove the audit observer'))
    assert.ok(removed > added)
    // The removed one is listed until a later proposal applies (here the revoked-certificates
    // extension's): its removal in force, it is forgotten.
    assert.deepEqual(
      o.observers.map((x: Json) => [x.id, x.orgId, x.fromHeight, x.removedFromHeight, x.active, x.publicKey.length]),
      [['court-observer', 'police', added, null, true, 64]],
    )
    // An observer is never in the validator set.
    const v = (await h.call('governanceValidators', '/v1/governance/validators')).body as Json
    assert.ok(!v.validators.some((x: Json) => x.id.endsWith('-observer')))
  })

  it('governance: the revoked-certificates extension is served page by page, with RFC 5280 reasons', async () => {
    const first = (await h.call('governanceRevokedCertificates', '/v1/governance/revoked-certificates?limit=1'))
      .body as Json
    assert.equal(first.certificates.length, 1)
    assert.equal(first.next, '1')
    const second = (
      await h.call('governanceRevokedCertificates', `/v1/governance/revoked-certificates?limit=1&after=${first.next}`)
    ).body as Json
    assert.equal(second.next, null)
    assert.deepEqual(
      [...first.certificates, ...second.certificates].map((c: Json) => [
        c.orgId,
        c.serial,
        c.sha256?.length ?? null,
        c.reason,
        c.reasonCode,
        c.active,
      ]),
      [
        ['police', '4f1a229c037e5110', 64, 'keyCompromise', 1, true],
        ['police', null, 64, 'superseded', 4, true],
      ],
    )
  })

  it('governance: every recorded equivocation, vote and proposal, is served by the evidence route', async () => {
    const recorded = h.recording.blocks.flatMap((b) =>
      b.txs.flatMap((t) =>
        t.events
          .filter((e) => e.type === 'governance.evidence')
          .map((e) => {
            const a = new Map(e.attributes)
            const at = (k: string) => a.get(k) ?? ''
            return {
              validatorId: at('validatorId'),
              height: at('height'),
              round: at('round'),
              type: at('type'),
              txHash: t.txHash,
            }
          }),
      ),
    )
    assert.deepEqual(new Set(recorded.map((e) => e.type)), new Set(['prevote', 'proposal']))
    for (const e of recorded) {
      const url = `/v1/governance/evidence/${e.validatorId}/${e.height}/${e.round}/${e.type}`
      const got = (await h.call('governanceGetEvidence', url)).body as Json
      assert.equal(got.evidence.validatorId, e.validatorId)
      assert.equal(got.evidence.type, e.type)
      assert.equal(String(got.evidence.height), e.height)
      assert.equal(String(got.evidence.round), e.round)
      assert.equal(got.evidence.txHash, e.txHash)
    }
    const none = (await h.call('governanceGetEvidence', '/v1/governance/evidence/market/2/1/proposal', undefined, 404))
      .body as Json
    assert.equal(none.code, 'GOV_EVIDENCE_NOT_FOUND')
  })

  it('catalog: resources, versions (with a proof), gateways', async () => {
    const list = (await h.call('catalogListResources', '/v1/catalog/resources')).body as Json
    assert.ok(list.resources.length > 0)
    const id = list.resources[0].resourceId
    await h.call('catalogGetResource', `/v1/catalog/resources/${id}`)
    await h.call('catalogListVersions', `/v1/catalog/resources/${id}/versions`)
    const v = (await h.call('catalogGetVersion', `/v1/catalog/resources/${id}/versions/1?prove=true`)).body as Json
    assert.ok(v.proof.proof)
    const gws = (await h.call('catalogListGateways', '/v1/catalog/gateways')).body as Json
    assert.ok(gws.gateways.length > 0)
    await h.call('catalogGetGateway', `/v1/catalog/gateways/${gws.gateways[0].orgId}`)
  })

  it('sharing: requests, grants, receipts, refusals (with proofs), a challenge', async () => {
    const reqs = (await h.call('sharingListRequests', '/v1/sharing/requests')).body as Json
    assert.ok(reqs.requests.length > 0)
    assert.ok(
      reqs.requests.some((r: Json) => r.decision !== null),
      'a decided request',
    )
    await h.call('sharingGetRequest', `/v1/sharing/requests/${reqs.requests[0].requestId}?prove=true`)
    const grants = (await h.call('sharingListGrants', '/v1/sharing/grants')).body as Json
    assert.ok(grants.grants.length > 0)
    await h.call('sharingGetGrant', `/v1/sharing/grants/${grants.grants[0].requestId}`)
    const rcpts = (await h.call('sharingListReceipts', '/v1/sharing/receipts')).body as Json
    assert.ok(rcpts.receipts.length > 0)
    await h.call('sharingGetReceipt', `/v1/sharing/receipts/${rcpts.receipts[0].receiptId}?prove=true`)
    // The recorded chain's batch (receipt-batches extension): the newest receipts carry their inclusion proof.
    const batched = (rcpts.receipts as Json[]).find((r) => r.batch !== null)
    assert.ok(batched, 'a batched receipt')
    const b = (await h.call('sharingGetBatch', `/v1/sharing/batches/${batched.batch.root}?prove=true`)).body as Json
    assert.equal(b.batch.txHash, batched.txHash)
    await h.call('sharingGetBatch', `/v1/sharing/batches/${'0'.repeat(64)}`, undefined, 404)
    const refusals = (await h.call('sharingListRefusals', '/v1/sharing/refusals')).body as Json
    assert.ok(refusals.refusals.length > 0)
    await h.call('sharingChallenge', '/v1/sharing/auth/challenge', {})
  })

  it('license: types, listings, a licence with its proof, history, a verdict', async () => {
    const types = (await h.call('licenseListTypes', '/v1/license-types')).body as Json
    assert.ok(types.items.length > 0)
    await h.call('licenseGetType', `/v1/license-types/${types.items[0].code}`)
    let found: Json | undefined
    for (const t of types.items as Json[]) {
      const page = (await h.call('licenseList', `/v1/licenses?type=${t.code}`)).body as Json
      found ??= page.items[0]
    }
    assert.ok(found, 'a recorded licence')
    const one = (await h.call('licenseGet', `/v1/licenses/${found.id}?prove=true`)).body as Json
    assert.ok(one.proof.proof)
    await h.call('licenseHistory', `/v1/licenses/${found.id}/history`)
    const did = (await h.call('identityResolveDid', `/v1/dids/${found.holder}?prove=true`)).body as Json
    assert.equal(did.didDocument.id, found.holder)
    const verdict = (await h.call('licenseVerify', '/v1/licenses/verify', { qr: 'not a licence QR' })).body as Json
    assert.equal(verdict.verdict, 'invalid')
    // A short-QR presentation of the recorded licence signed by a key that is not the holder's.
    const { signPresentation, presentationUrl } = await import('@govchain/license/client')
    const { getSuite } = await import('@govchain/core')
    const aud = 'https://portal.example.cn/verify'
    const suite = getSuite('intl')
    const stranger = suite.generateKeyPair()
    const p = signPresentation({
      suite,
      privateKey: stranger.privateKey,
      holder: found.holder,
      licenseId: found.id,
      audience: aud,
      nowMs: Date.now(),
    })
    const pv = (
      await h.call('licenseVerifyPresentation', '/v1/licenses/presentations/verify', {
        url: presentationUrl(aud, p),
        audience: aud,
      })
    ).body as Json
    assert.ok(pv.reasons.includes('LICENSE_PRESENTATION_BAD_SIGNATURE'), JSON.stringify(pv.reasons))
    assert.ok(pv.license !== null && pv.proof !== null && pv.holderProof !== null)
  })

  it('invoice: an issuer, an invoice with its proof, listings by seller and buyer, a check', async () => {
    // The recorded chain's invoice extension (scripts/recorded-chain/invoice.ts).
    const byCode = (await h.call('invoiceGet', '/v1/invoice/invoices/144031900111/00000001?prove=true')).body as Json
    assert.equal(byCode.invoice.status, 'reversed')
    assert.ok(byCode.state.proof)
    const seller = byCode.invoice.sellerCode as string
    const page = (await h.call('invoiceList', `/v1/invoice/invoices?seller=${seller}`)).body as Json
    assert.equal(page.items.length, 1)
    assert.equal(page.next, null)
    const bought = (await h.call('invoiceList', `/v1/invoice/invoices?buyer=${byCode.invoice.buyer.code}&limit=1`))
      .body as Json
    assert.equal(bought.items[0].number, '00000001')
    const issuer = (await h.call('invoiceIssuer', `/v1/invoice/issuers/${seller}?prove=true`)).body as Json
    // What the portal shows an enterprise that logs in with its DID: the issuers it signs for.
    const mine = (await h.call('invoiceIssuersByDid', `/v1/invoice/issuers?did=${issuer.issuer.did}`)).body as Json
    assert.deepEqual(
      mine.items.map((x: Json) => x.code),
      [seller],
    )
    const check = (
      await h.call('invoiceVerify', '/v1/invoice/verify', {
        file: {
          format: 'govchain-invoice/1',
          kind: 'invoice',
          code: '144031900111',
          number: '00000001',
          seller: { code: seller, name: 'x' },
          buyer: { kind: 'enterprise', code: byCode.invoice.buyer.code },
          lines: [],
          amountFen: 0,
          taxFen: 0,
          salt: '00'.repeat(32),
        },
      })
    ).body as Json
    assert.equal(check.verdict, 'mismatch')
    assert.deepEqual(check.reasons, ['INVOICE_AMOUNT_MISMATCH', 'INVOICE_LINES_MISMATCH'])
  })

  it('evidence: a record with its proof, a version history, the court check by hash and by batch proof', async () => {
    // The recorded chain's evidence extension (scripts/recorded-chain/evidence.ts).
    const { getSuite, toHex, utf8 } = await import('@govchain/core')
    const suite = getSuite('intl')
    const v1 = toHex(suite.hash(utf8('penalty file v1')))
    const byHash = (await h.call('evidenceVerify', '/v1/evidence/verify', { contentHash: v1 })).body as Json
    assert.equal(byHash.verdict, 'recorded')
    const id = byHash.records[0].id as string
    const one = (await h.call('evidenceGet', `/v1/evidence/${id}?prove=true`)).body as Json
    assert.equal(one.evidence.submitter.id, 'market')
    assert.ok(one.state.proof)
    const history = (await h.call('evidenceHistory', `/v1/evidence/${id}/history`)).body as Json
    assert.deepEqual(
      history.items.map((x: Json) => x.version),
      [1, 2],
    )
    assert.equal(history.next, null)
    // One version a page: the first page names its version as the cursor, the second ends the chain.
    const first = (await h.call('evidenceHistory', `/v1/evidence/${id}/history?limit=1`)).body as Json
    assert.deepEqual([first.items.map((x: Json) => x.version), first.next], [[1], history.items[0].id])
    const second = (await h.call('evidenceHistory', `/v1/evidence/${id}/history?limit=1&after=${first.next}`))
      .body as Json
    assert.deepEqual([second.items.map((x: Json) => x.version), second.next], [[2], null])
    const none = (await h.call('evidenceVerify', '/v1/evidence/verify', { contentHash: '00'.repeat(32) })).body as Json
    assert.equal(none.verdict, 'not-recorded')
    // The timestamps extension (scripts/recorded-chain/timestamps.ts): a TSA registered by vote
    // and an item carrying its RFC 3161 token.
    const tsas = (await h.call('governanceTimestampAuthorities', '/v1/governance/timestamp-authorities')).body as Json
    assert.deepEqual(
      tsas.authorities.map((a: Json) => [a.id, a.active, a.certificateInfo.key]),
      [['recorded-tsa', true, 'ecdsa-p256']],
    )
    const stamped = (
      await h.call('evidenceVerify', '/v1/evidence/verify', {
        contentHash: toHex(suite.hash(utf8('enforcement record with trusted time'))),
      })
    ).body as Json
    assert.equal(stamped.records[0].timestamp.authority, 'recorded-tsa')
    assert.equal(stamped.records[0].timestamp.hashAlgorithm, 'sha256')
    // Its certificate, proving the record and the timestamp, checked back by the node.
    const cert = (await h.call('evidenceCertificate', `/v1/evidence/${stamped.records[0].id}/certificate`)).body as Json
    assert.equal(cert.format, 'govchain-evidence-certificate')
    assert.ok(cert.record.proof && cert.timestamp.proof)
    const checked = (
      await h.call('evidenceVerify', '/v1/evidence/verify', {
        certificate: cert,
        contentHash: stamped.records[0].digest,
      })
    ).body as Json
    // The replayed blocks carry placeholder commit certificates (no signatures, recorded-chain
    // fixtures), so the node's check stops at the commit — with its code, after format and chain.
    assert.equal(checked.verdict, 'certificate-invalid')
    assert.deepEqual(
      checked.checks.map((c: Json) => [c.check, c.ok, c.code ?? null]),
      [
        ['format', true, null],
        ['chain', true, null],
        ['commit', false, 'CERTIFICATE_INVALID'],
      ],
    )
  })

  it('service: the hall, an item with its proof, a case with steps, a queue, my cases by signed challenge', async () => {
    // The recorded chain's service extension (scripts/recorded-chain/service.ts).
    const { getSuite } = await import('@govchain/core')
    const { deriveDid } = await import('@govchain/identity/schema')
    const { signMyCases } = await import('@govchain/service/client')
    const { keyOf } = await import('../../../scripts/recorded-chain/recorder.ts')
    const suite = getSuite('intl')
    const hall = (await h.call('serviceItems', '/v1/service/items?q=%E7%A7%9F%E8%B5%81&limit=1')).body as Json
    assert.deepEqual(
      hall.items.map((i: Json) => i.code),
      ['BJ-ZJW-GZF-001'],
    )
    const item = (await h.call('serviceItem', '/v1/service/items/BJ-ZJW-GZF-001?prove=true')).body as Json
    assert.equal(item.item.version, 2)
    assert.ok(item.state.proof)
    // Newest first: the approve-and-complete extension's case, then the service extension's.
    const queue = (await h.call('serviceCases', '/v1/service/cases?org=housing')).body as Json
    assert.equal(queue.cases.length, 2)
    const [second, first] = queue.cases.map((c: Json) => c.caseId as string)
    const quick = (await h.call('serviceCase', `/v1/service/cases/${second}`)).body as Json
    assert.equal(quick.case.status, 'completed')
    assert.deepEqual(
      quick.steps.map((s: Json) => [s.action, s.reasonCode]),
      [
        ['apply', null],
        ['accept', 'materials-complete'],
        ['approve', 'eligible'],
        ['complete', 'result-delivered'],
      ],
    )
    assert.equal(quick.steps[2].txHash, quick.steps[3].txHash, '批准并办结: one transaction')
    const one = (await h.call('serviceCase', `/v1/service/cases/${first}?prove=true`)).body as Json
    assert.equal(one.case.status, 'completed')
    assert.deepEqual(
      one.steps.map((s: Json) => s.action),
      ['apply', 'accept', 'send-back', 'resubmit', 'approve', 'complete'],
    )
    assert.equal(one.stepsNext, null, 'six steps fit the first page')
    // The same steps two at a time: every page links to the next, the last one to nothing.
    const pages: number[][] = []
    for (let after: string | null = ''; after !== null; ) {
      const url = `/v1/service/cases/${first}/steps?limit=2${after === '' ? '' : `&after=${after}`}`
      const page = (await h.call('serviceCaseSteps', url)).body as Json
      pages.push(page.steps.map((s: Json) => s.seq))
      after = page.next
    }
    assert.deepEqual(pages, [
      [0, 1],
      [2, 3],
      [4, 5],
    ])
    const applicant = keyOf(suite, 'service-applicant')
    const did = deriveDid(suite, applicant.publicKey)
    const { challenge } = (await h.call('serviceChallenge', '/v1/service/auth/challenge', {})).body as Json
    const body = signMyCases({ suite, chainId: h.chainId, did, privateKey: applicant.privateKey, challenge })
    const mine = (await h.call('serviceMyCases', '/v1/service/my-cases', body)).body as Json
    assert.deepEqual(
      mine.cases.map((c: Json) => c.caseId),
      [second, first],
    )
  })

  it("the client's checked reader agrees with Ajv on every answer with one field made wrong", () => {
    // Ajv is the independent JSON Schema implementation; checkAnswer is TypeBox's checker plus
    // our rule for route-kit's plain-JSON-Schema forms. Each served answer, with one value in
    // it replaced by a value of another kind (every value, up to 300 per answer, by each of
    // WRONG), gets the same verdict from both.
    const WRONG: unknown[] = [null, true, -1, 1.5, 'x', {}, [], 2 ** 60]
    /** Every path to a value inside `v` (objects' properties and arrays' items). */
    const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
      if (typeof v !== 'object' || v === null) return [at]
      const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v)
      return [at, ...entries.flatMap(([k, x]) => paths(x, [...at, k]))]
    }
    const replaced = (v: unknown, path: (string | number)[], w: unknown): unknown => {
      if (path.length === 0) return w
      const [k, ...rest] = path as [string | number, ...(string | number)[]]
      if (Array.isArray(v)) return v.map((x, i) => (i === k ? replaced(x, rest, w) : x))
      return { ...(v as object), [k]: replaced((v as Record<string, unknown>)[k], rest, w) }
    }
    assert.ok(h.samples.length >= 40, `${h.samples.length} answers`)
    let compared = 0
    let refusedByBoth = 0
    for (const { operationId, schema, validate, served } of h.samples) {
      for (const path of paths(served).slice(0, 300)) {
        for (const w of WRONG) {
          const mutated = replaced(served, path, w)
          const ajvSays = validate(mutated)
          assert.equal(
            Check(schema, mutated),
            ajvSays,
            `${operationId}: /${path.join('/')} = ${JSON.stringify(w)}: Ajv ${ajvSays ? 'accepts' : 'refuses'}`,
          )
          compared++
          if (!ajvSays) refusedByBoth++
        }
      }
    }
    // Most replacements are refused; a checker that refused nothing or everything fails above.
    assert.ok(refusedByBoth > compared / 2, `${refusedByBoth} of ${compared} refused`)
  })

  it('every JSON route was checked but those listed here, each with its reason', () => {
    const skipped: Record<string, string> = {
      streamEvents: 'a WebSocket (api-socket.test.ts)',
      getMetrics: 'Prometheus text, not JSON',
      getOpenApi: 'the document itself (api-openapi.test.ts)',
      getDocs: 'HTML',
      licensePrint: 'a PDF (packages/apps/license/test/routes.test.ts)',
      licenseUses: "needs the holder's signed query (apps/license/test/routes.test.ts)",
      licenseHolderGrants: "needs the holder's signed query (apps/license/test/routes.test.ts)",
      sharingMyAccesses: "needs the data subject's signed challenge (cli/test/sharing.test.ts)",
      sharingLineage: "needs an auditor's signed challenge (cli/test/sharing.test.ts)",
    }
    const all = [...ROUTES, ...h.extensions.flatMap((e) => e.routes)].map((r) => r.operationId)
    assert.deepEqual(all.filter((id) => !h.checked.has(id)).sort(), Object.keys(skipped).sort())
  })
})
