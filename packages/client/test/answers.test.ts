/**
 * The answer parsers (answers.ts) on bodies a node could send: a valid body parses; any field
 * replaced by a value of the wrong kind, and any JSON value at all, either parses or fails with
 * SdkError SDK_BAD_RESPONSE — never a TypeError or another uncoded error (issue 19: zero uncoded
 * errors on what an attacker reaches; a node answering a client is such a party).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  parseEvent,
  parseStateAnswer,
  parseStats,
  parseStatus,
  parseSubmitTxs,
  parseTx,
  parseTxListPage,
  parseValidators,
} from '../src/answers.ts'
import { SdkError } from '../src/errors.ts'
import type { JsonObject as Json } from '../src/transport.ts'

const HASH = 'ab'.repeat(32)
const KEY = 'cd'.repeat(4)

/** Each parser with a body it accepts (as a node sends it). */
const CASES: { name: string; parse: (o: Json) => unknown; valid: Json }[] = [
  {
    name: 'status',
    parse: parseStatus,
    valid: {
      chainId: 'govchain-test',
      suite: 'gm',
      node: 'police',
      height: 12,
      latestBlockHash: HASH,
      stateRoot: HASH,
      validators: [{ id: 'police', votingPower: 1, publicKey: HASH }],
      peers: [{ id: 'tax', address: '127.0.0.1:1' }],
      catchingUp: false,
      syncBlocked: { code: 'PRUNED', height: 3, base: 9 },
      round: 0,
      mempool: { size: 1, bytes: 100 },
    },
  },
  {
    name: 'tx list',
    parse: parseTxListPage,
    valid: {
      items: [
        {
          hash: HASH,
          height: 3,
          index: 0,
          timeMs: 1,
          module: 'anchor',
          method: 'put',
          sender: HASH,
          code: 'OK',
          events: [{ module: 'anchor', type: 'put', attributes: { key: KEY } }],
        },
      ],
      next: null,
    },
  },
  {
    name: 'stats',
    parse: parseStats,
    valid: {
      height: 9,
      fromHeight: 1,
      txs: 4,
      failed: 1,
      modules: [{ module: 'anchor', txs: 4 }],
      recent: { blocks: 9, txs: 4, spanMs: 900, avgBlockTimeMs: 100, txPerSecond: null },
    },
  },
  {
    name: 'submitted batch',
    parse: (o) => parseSubmitTxs(o, 2),
    valid: { results: [{ hash: HASH }, { code: 'TX_NONCE_USED', message: 'used', details: { nonce: 1 } }] },
  },
  {
    name: 'tx',
    parse: parseTx,
    valid: { hash: HASH, status: 'committed', height: 3, index: 0, code: 'OK', events: [] },
  },
  {
    name: 'state',
    parse: (o) => parseStateAnswer(o, { module: 'anchor', key: KEY, prove: true }),
    valid: {
      module: 'anchor',
      key: KEY,
      height: 4,
      value: 'AQI=',
      proof: 'AQI=',
      headerBytes: 'AQI=',
      certificate: 'AQI=',
      validatorSet: null,
    },
  },
  {
    name: 'validators',
    parse: parseValidators,
    valid: { encoded: 'AQI=', validators: [{ id: 'police', votingPower: 1, publicKey: HASH }] },
  },
  // The event stream's messages arrive as text; the stream parses each with parseEvent.
  {
    name: 'block event',
    parse: (o) => parseEvent(JSON.stringify(o)),
    valid: { type: 'block', height: 5, hash: HASH, txCount: 2, timeMs: 1_700_000_000_000, proposer: 'police' },
  },
  {
    name: 'tx event',
    parse: (o) => parseEvent(JSON.stringify(o)),
    valid: { type: 'tx', height: 5, index: 1, hash: HASH, code: 'OK' },
  },
  {
    name: 'module event',
    parse: (o) => parseEvent(JSON.stringify(o)),
    valid: { type: 'event', height: 5, txHash: HASH, module: 'anchor', name: 'put', attributes: { key: KEY } },
  },
]

const WRONG: unknown[] = [null, undefined, true, -1, 1.5, 2 ** 60, '', 'not base64 %', {}, [], [null], [{}]]

/** The parse either returns or throws SDK_BAD_RESPONSE; anything else fails the test. */
function parsesOrRefuses(parse: (o: Json) => unknown, body: Json, what: string): 'ok' | 'refused' {
  try {
    parse(body)
    return 'ok'
  } catch (e) {
    assert.ok(e instanceof SdkError, `${what}: ${String(e)}`)
    assert.equal(e.code, 'SDK_BAD_RESPONSE', `${what}: ${e.code}`)
    return 'refused'
  }
}

describe('answer parsers: a coded refusal for every malformed body', () => {
  for (const c of CASES) {
    test(`${c.name}: the valid body parses; each field of the wrong kind is refused or tolerated, never a crash`, () => {
      assert.equal(parsesOrRefuses(c.parse, c.valid, 'valid'), 'ok')
      let refused = 0
      for (const k of Object.keys(c.valid)) {
        for (const w of WRONG) {
          if (parsesOrRefuses(c.parse, { ...c.valid, [k]: w }, `${k} = ${JSON.stringify(w)}`) === 'refused') refused++
        }
        // A required field missing altogether.
        const { [k]: _, ...without } = c.valid
        parsesOrRefuses(c.parse, without, `without ${k}`)
      }
      // Most replacements are refused (the parser does check): at least one per field.
      assert.ok(refused >= Object.keys(c.valid).length, `${c.name}: only ${refused} refusals`)
    })
  }

  test('any JSON value as a body, and the valid bodies with a random field replaced: refused or parsed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CASES),
        fc.oneof(
          fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
          fc.constant(null),
        ),
        fc.jsonValue({ maxDepth: 3 }),
        (c, random, value) => {
          if (random !== null) parsesOrRefuses(c.parse, random as Json, 'random body')
          const keys = Object.keys(c.valid)
          const k = keys[JSON.stringify(value).length % keys.length]!
          parsesOrRefuses(c.parse, { ...c.valid, [k]: value }, `${k} = ${JSON.stringify(value)}`)
        },
      ),
      { numRuns: 3000, seed: 19 },
    )
  })

  test('event messages that are not a JSON object text within the size limit are refused', () => {
    const valid = JSON.stringify({ type: 'tx', height: 5, index: 1, hash: HASH, code: null })
    assert.deepEqual(parseEvent(valid), { type: 'tx', height: 5, index: 1, hash: HASH, code: null })
    const attrs = parseEvent(
      JSON.stringify({ type: 'event', height: 1, txHash: HASH, module: 'm', name: 'n', attributes: { a: 'x', b: 1 } }),
    )
    assert.deepEqual(attrs.type === 'event' ? attrs.attributes : undefined, { a: 'x' })
    const huge = JSON.stringify({ type: 'block', pad: 'x'.repeat(1024 * 1024) })
    for (const data of [undefined, 7, new Uint8Array([123, 125]), '', '{', 'null', '[]', '"block"', huge]) {
      assert.equal(
        parsesOrRefuses(() => parseEvent(data), {}, `data ${String(data).slice(0, 20)}`),
        'refused',
      )
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (text) => {
        parsesOrRefuses(() => parseEvent(text), {}, `text ${JSON.stringify(text)}`)
      }),
      { numRuns: 2000, seed: 16 },
    )
  })
})
