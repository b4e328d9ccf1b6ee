/**
 * Seek-cursor paging of the licence listing: 12,000 licences of one issuer on a real in-process
 * chain, walked page by page through the route (slow tier: ~10 s of signing and execution).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { LicenseKeeper } from '@govchain/distribution'
import { tx } from '@govchain/distribution/testkit'
import { IssueArgs, LICENSE_MODULE, licenseId } from '../src/schema.ts'
import { setup, suite } from './routes-fixtures.ts'

describe('licence listings page by seek cursor', () => {
  test("an issuer's 12,000th licence is reachable, page by page, with nothing skipped or repeated", async () => {
    const env = setup()
    const lk = env.g.keeper<LicenseKeeper>(LICENSE_MODULE)
    const type = lk.type('jzqyzz')!
    const housing = env.genesis.organisations.find((o) => o.id === 'housing')!
    const TOTAL = 12_000
    const BLOCK = 2_000
    const ids: string[] = [env.id]
    for (let b = 0; b < TOTAL / BLOCK; b++) {
      const txs: Uint8Array[] = []
      for (let i = 0; i < BLOCK; i++) {
        const serial = String(2 + b * BLOCK + i).padStart(10, '0')
        const id = licenseId({ typeCode: type.code, issuerCode: housing.code, serial, version: 1 })
        ids.push(id)
        txs.push(
          tx(suite, env.operators.housing!, LICENSE_MODULE, 'issue', IssueArgs, {
            id,
            typeCode: type.code,
            holder: env.holder,
            credentialHash: new Uint8Array(32).fill(b + 1),
            validFromMs: env.g.timeMs,
            validUntilMs: env.g.timeMs + 1e10,
          }),
        )
      }
      const results = env.g.step(txs)
      assert.ok(
        results.every((r) => r.code === 'OK'),
        results.find((r) => r.code !== 'OK')?.code,
      )
    }
    const seen: string[] = []
    let after: string | null = null
    let pages = 0
    do {
      const url: string = `/v1/licenses?issuer=housing&limit=200${after === null ? '' : `&after=${after}`}`
      const r = await env.server.inject({ method: 'GET', url })
      assert.equal(r.statusCode, 200, r.body)
      const body = r.json() as { items: { id: string }[]; next: string | null }
      assert.ok(body.items.length <= 200)
      seen.push(...body.items.map((x) => x.id))
      after = body.next
      pages++
    } while (after !== null && pages < 1000)
    assert.equal(after, null)
    assert.equal(seen.length, TOTAL + 1)
    assert.deepEqual([...seen].sort(), [...ids].sort())
    assert.equal(new Set(seen).size, seen.length)
    // A filter that matches nothing still ends: short pages carry a cursor until the end.
    let cursor: string | null = null
    let filtered = 0
    let rounds = 0
    do {
      const url: string = `/v1/licenses?issuer=housing&status=revoked${cursor === null ? '' : `&after=${cursor}`}`
      const body = (await env.server.inject({ method: 'GET', url })).json() as {
        items: unknown[]
        next: string | null
      }
      filtered += body.items.length
      cursor = body.next
      rounds++
    } while (cursor !== null && rounds < 100)
    assert.equal(cursor, null)
    assert.equal(filtered, 0)
    env.server.close()
  })
})
