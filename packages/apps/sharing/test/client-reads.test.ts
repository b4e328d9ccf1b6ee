/**
 * The catalogue and gateway-status readers of the sharing client (the explorer's dataset search,
 * the operations console's gateways): each answer is checked against its route's schema (ADR
 * 0019), a malformed one refused with SDK_BAD_RESPONSE naming the field, and the path asked is
 * the route's, its query built from the filter.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { JsonObject } from '@govchain/client'
import { catalogResource, catalogResources, gatewayLocalStatus } from '../src/client.ts'

const HASH = 'ab'.repeat(32)
const version = {
  resourceId: 'police.household',
  version: 1,
  status: 'active',
  title: '户籍信息',
  description: 'household register',
  ownerOrg: 'police',
  rights: ['use'],
  fields: [{ name: 'id_number', label: '公民身份号码', sensitivity: 'personal' }],
  shareType: 'conditional',
  autoApprove: false,
  autoApproveMaxDurationMs: 0,
  updateFrequency: 'daily',
  gateway: null,
  dataHash: HASH,
  dataVersion: '1',
  note: '',
  publishedBy: 'cd'.repeat(33),
  height: 7,
  timeMs: 1_700_000_000_000,
  txHash: HASH,
}

/** A client whose getJson answers `answer` and records the paths asked. */
function clientAnswering(answer: JsonObject) {
  const asked: string[] = []
  const getJson = async (path: string) => {
    asked.push(path)
    return answer
  }
  return { asked, client: { getJson } }
}

const refused = (path: string) => ({ code: 'SDK_BAD_RESPONSE', details: { what: 'GET /v1/catalog/resources', path } })

describe('catalogue reads', () => {
  it('one resource: the route asked with its id encoded, the answer checked', async () => {
    const { asked, client } = clientAnswering({ resource: version, versions: 1 })
    assert.equal((await catalogResource(client, 'a b')).resource.title, '户籍信息')
    assert.deepEqual(asked, ['/v1/catalog/resources/a%20b'])
    const bad = clientAnswering({ resource: { ...version, status: 'deleted' }, versions: 1 })
    await assert.rejects(catalogResource(bad.client, 'x'), {
      code: 'SDK_BAD_RESPONSE',
      details: { what: 'GET /v1/catalog/resources/x', path: '/resource/status' },
    })
  })

  it('a search: the query from the filter, every resource checked', async () => {
    const { asked, client } = clientAnswering({ resources: [version], next: null })
    assert.equal((await catalogResources(client, { q: '户籍', limit: 20 })).resources.length, 1)
    assert.deepEqual(asked, [`/v1/catalog/resources?q=${encodeURIComponent('户籍')}&limit=20`])
    await catalogResources(client)
    assert.equal(asked[1], '/v1/catalog/resources')
    const bad = clientAnswering({ resources: [{ ...version, title: 7 }], next: null })
    await assert.rejects(catalogResources(bad.client, { q: 'x' }), refused('/resources/0/title'))
  })
})

describe("a department gateway's status", () => {
  const transportAnswering = (json: JsonObject) => ({
    request: async (method: string, path: string) => {
      assert.equal(`${method} ${path}`, 'GET /v1/local/status')
      return { status: 200, json } as Awaited<ReturnType<Parameters<typeof gatewayLocalStatus>[0]['request']>>
    },
  })

  it('what the gateway answers (orgId, provider URL, resources) is read; another shape is refused', async () => {
    const ok = { orgId: 'police', url: 'https://127.0.0.1:9443', resources: ['police.household'] }
    assert.deepEqual(await gatewayLocalStatus(transportAnswering(ok)), ok)
    await assert.rejects(gatewayLocalStatus(transportAnswering({ orgId: 'police', url: '' })), {
      code: 'SDK_BAD_RESPONSE',
      details: { what: 'GET /v1/local/status', path: '/resources' },
    })
  })
})
