/**
 * Checked answers (answer.ts): route-kit's schemas, the plain-JSON-Schema forms included, accept
 * what they describe and refuse the rest with SdkError SDK_BAD_RESPONSE naming the field. The
 * agreement with Ajv over every route's real answers is in packages/node/test/api-answers.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SdkError } from '@govchain/client'
import { Type } from '@sinclair/typebox'
import { checkAnswer, getAnswer } from '../src/answer.ts'
import { Hex32, Int, NextCursor, Nullable, ProofOrNull, StringEnum } from '../src/route-kit.ts'

const View = Type.Object({
  id: Type.String(),
  level: StringEnum(['national', 'provincial'] as const),
  removedFromHeight: Type.Optional(Int),
  hash: Nullable(Hex32),
  limits: Nullable(Type.Object({ rowsMax: Int })),
  proof: ProofOrNull,
  next: NextCursor,
})
const valid = {
  id: 'police',
  level: 'national',
  hash: null,
  limits: { rowsMax: 10 },
  proof: null,
  next: null,
  addedLater: 'a newer node may add fields',
}

async function refusal(value: unknown): Promise<SdkError> {
  try {
    await checkAnswer(View, value, 'GET /v1/x')
  } catch (e) {
    assert.ok(e instanceof SdkError, String(e))
    assert.equal(e.code, 'SDK_BAD_RESPONSE')
    return e
  }
  assert.fail(`accepted ${JSON.stringify(value)}`)
}

describe('checked answers', () => {
  it('accepts what the schema describes, nullable and optional fields and extra properties included', async () => {
    assert.deepEqual(await checkAnswer(View, valid, 'GET /v1/x'), valid)
    const other = { ...valid, hash: 'ab'.repeat(32), limits: null, removedFromHeight: 3, next: 'c1' }
    assert.deepEqual(await checkAnswer(View, other, 'GET /v1/x'), other)
  })

  it('refuses a wrong kind, an unknown enum value, a bad pattern, a missing field; names the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...valid, level: 'galactic' }, '/level'],
      [{ ...valid, level: null }, '/level'],
      [{ ...valid, hash: 'AB' }, '/hash'],
      [{ ...valid, limits: { rowsMax: -1 } }, '/limits'],
      [{ ...valid, limits: 'none' }, '/limits'],
      [{ ...valid, next: 7 }, '/next'],
      [{ ...valid, removedFromHeight: 1.5 }, '/removedFromHeight'],
      [{ ...valid, proof: { height: 1 } }, '/proof'],
      [{ ...valid, id: undefined }, '/id'],
    ]
    for (const [value, path] of cases) {
      const e = await refusal(value)
      assert.match(e.message, /^unexpected response: GET \/v1\/x at \//, e.message)
      assert.ok(String(e.details?.path).startsWith(path), `${JSON.stringify(value)}: ${e.message}`)
    }
    for (const value of [null, [], 'x', 3]) await refusal(value)
  })

  it('getAnswer reads through the client and checks; the query string stays out of the message', async () => {
    const client = (body: Record<string, unknown>) => ({ getJson: async () => body })
    assert.equal((await getAnswer(client(valid), '/v1/x?after=1', View)).id, 'police')
    await assert.rejects(getAnswer(client({ ...valid, level: 1 }), '/v1/x?after=1', View), (e: unknown) => {
      assert.ok(e instanceof SdkError && e.code === 'SDK_BAD_RESPONSE')
      assert.match(e.message, /^unexpected response: GET \/v1\/x at \/level/)
      return true
    })
  })
})
