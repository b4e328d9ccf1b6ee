/**
 * The module contract: typed keeper references and declared requirements, module error codes in
 * the one catalogue, declared events, capability providers, and RFC 8785 canonical JSON.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codec, errorCodes, errorInfo, GovchainError, suites, utf8 } from '@govchain/core'
import { MemoryChainStore } from '@govchain/store'
import {
  canonicalJson,
  defineModule,
  executeBlock,
  genesisStateRoot,
  handler,
  type ModuleRef,
  ModuleRegistry,
  moduleRef,
  signTx,
} from '../src/index.ts'

// How an application package makes its codes type-check wherever ErrorCode is expected.
declare module '@govchain/core' {
  interface ModuleErrorCodes {
    COUNTER_TEST_LIMIT: true
  }
}

const suite = suites.intl
const CHAIN = 'contract-test'

interface CounterKeeper {
  value(): number
  bump(): void
}

const counterRef: ModuleRef<'counter', CounterKeeper> = moduleRef<CounterKeeper>()('counter')
const KEY = utf8('n')

const counter = defineModule({
  name: 'counter',
  version: '1.2.3',
  errors: { COUNTER_TEST_LIMIT: { http: 409, message: 'the test counter is at its limit' } },
  events: { bumped: { description: 'the counter went up', attributes: ['value'] } },
  keeper: (ctx): CounterKeeper => ({
    value: () => {
      const v = ctx.state.get(KEY)
      return v === undefined ? 0 : (v[0] ?? 0)
    },
    bump: () => {
      const v = ctx.state.get(KEY)
      const n = v === undefined ? 0 : (v[0] ?? 0)
      if (n >= 2) throw new GovchainError('COUNTER_TEST_LIMIT')
      ctx.state.set(KEY, new Uint8Array([n + 1]))
    },
  }),
  handlers: {
    bump: handler(
      codec.struct({}),
      (ctx) => {
        ctx.keeper(counterRef).bump()
        ctx.emit('bumped', { value: String(ctx.keeper(counterRef).value()) })
      },
      'anyone',
    ),
    shout: handler(
      codec.struct({}),
      (ctx) => {
        ctx.emit('not-declared', {})
      },
      'anyone',
    ),
  },
})

const user = defineModule({
  name: 'user',
  version: '0.1.0',
  requires: [counterRef],
  handlers: {
    // The keeper's type flows from the reference: value() is a number, no cast.
    bumpVia: handler(
      codec.struct({}),
      (ctx) => {
        const k = ctx.keeper(counterRef)
        k.bump()
        const n: number = k.value()
        ctx.emit('saw', { n: String(n) })
      },
      'anyone',
    ),
  },
})

const stranger = defineModule({
  name: 'stranger',
  version: '1.0.0',
  handlers: {
    // Calls counter's keeper without declaring it in requires.
    sneak: handler(
      codec.struct({}),
      (ctx) => {
        ctx.keeper(counterRef).bump()
      },
      'anyone',
    ),
  },
})

// Handlers here are open to any key ('anyone'): this file tests keepers, errors and events;
// who may send is tested in packages/node/test/senders.test.ts.
function run(modules: ModuleRegistry, calls: { module: string; method: string }[]) {
  const key = suite.generateKeyPair()
  const txs = calls.map(
    (c, i) =>
      signTx(
        suite,
        {
          chainId: CHAIN,
          sender: key.publicKey,
          nonce: i,
          validUntilHeight: 10,
          module: c.module,
          method: c.method,
          args: codec.encode(codec.struct({}), {}),
        },
        [key.privateKey],
      ).bytes,
  )
  return executeBlock({
    suite,
    chainId: CHAIN,
    modules,
    store: new MemoryChainStore(),
    isCommitted: () => false,
    parentStateRoot: genesisStateRoot(),
    height: 1,
    timeMs: 1_000,
    txs,
  })
}

describe('module contract', () => {
  const modules = new ModuleRegistry([counter, user, stranger])

  it('a declared requirement gives the typed keeper; an undeclared one fails with a code', () => {
    const out = run(modules, [
      { module: 'user', method: 'bumpVia' },
      { module: 'stranger', method: 'sneak' },
      { module: 'counter', method: 'bump' },
    ])
    assert.deepEqual(
      out.results.map((r) => r.code),
      ['OK', 'EXEC_UNKNOWN_KEEPER', 'OK'],
    )
    assert.deepEqual(out.results[0]!.events, [{ type: 'user.saw', attributes: [{ key: 'n', value: '1' }] }])
    assert.deepEqual(out.results[2]!.events, [{ type: 'counter.bumped', attributes: [{ key: 'value', value: '2' }] }])
  })

  it("a module's own error codes are catalogued with their status and fail transactions by code", () => {
    assert.deepEqual(errorInfo('COUNTER_TEST_LIMIT'), {
      http: 409,
      message: 'the test counter is at its limit',
      area: 'counter',
    })
    assert.ok(errorCodes().includes('COUNTER_TEST_LIMIT'))
    assert.equal(new GovchainError('COUNTER_TEST_LIMIT').httpStatus, 409)
    const out = run(modules, [
      { module: 'counter', method: 'bump' },
      { module: 'counter', method: 'bump' },
      { module: 'counter', method: 'bump' },
    ])
    assert.deepEqual(
      out.results.map((r) => r.code),
      ['OK', 'OK', 'COUNTER_TEST_LIMIT'],
    )
  })

  it('a code means one thing: redefining it differently, or a core code, throws', () => {
    assert.throws(
      () =>
        defineModule({
          name: 'other',
          version: '1.0.0',
          errors: { COUNTER_TEST_LIMIT: { http: 400, message: 'something else' } },
          handlers: {},
        }),
      /already defined differently/,
    )
    assert.throws(
      () =>
        defineModule({
          name: 'other',
          version: '1.0.0',
          errors: { TX_REPLAY: { http: 400, message: 'mine now' } },
          handlers: {},
        }),
      /already defined differently/,
    )
    assert.throws(() => defineModule({ name: 'other', version: 'v1', handlers: {} }), /MAJOR\.MINOR\.PATCH/)
  })

  it('emitting an event the module did not declare fails the transaction', () => {
    const out = run(modules, [{ module: 'counter', method: 'shout' }])
    assert.equal(out.results[0]!.code, 'EXEC_INTERNAL')
    assert.deepEqual(out.results[0]!.events, [])
  })

  it('a set missing a required module is refused with a code', () => {
    assert.throws(
      () => new ModuleRegistry([user]),
      (e: unknown) => e instanceof GovchainError && e.code === 'MODULE_REQUIREMENT_MISSING',
    )
  })

  it('capabilities have at most one provider, found without naming the module', () => {
    const source = {
      validatorSetAt: () => ({ validators: [] }),
      paramsAt: () => {
        throw new Error('unused')
      },
      evidenceTx: () => ({ module: 'gov', method: 'evidence', args: new Uint8Array() }),
    }
    const gov = defineModule({ name: 'gov', version: '1.0.0', handlers: {}, provides: { consensus: () => source } })
    const gov2 = defineModule({ name: 'gov2', version: '1.0.0', handlers: {}, provides: { consensus: () => source } })
    assert.equal(new ModuleRegistry([counter, gov]).provider('consensus')?.name, 'gov')
    assert.equal(new ModuleRegistry([counter]).provider('consensus'), undefined)
    assert.throws(() => new ModuleRegistry([gov, gov2]), /all provide consensus/)
  })

  it('peerTrustEvents go with peerTrust and name events the module declares', () => {
    const events = { orgChanged: { description: 'an organisation changed', attributes: [] } }
    const peerTrust = () => ({ trustedCaPems: () => [] })
    const refused = (m: Parameters<typeof defineModule>[0], message: RegExp) =>
      assert.throws(
        () => new ModuleRegistry([defineModule(m)]),
        (e: unknown) => e instanceof GovchainError && e.code === 'INVALID_ARGUMENT' && message.test(e.message),
      )
    refused(
      { name: 'pki1', version: '1.0.0', handlers: {}, events, provides: { peerTrustEvents: ['orgChanged'] } },
      /provides no peerTrust/,
    )
    refused(
      { name: 'pki2', version: '1.0.0', handlers: {}, events, provides: { peerTrust, peerTrustEvents: ['orgGone'] } },
      /does not declare: orgGone/,
    )
    refused(
      { name: 'pki3', version: '1.0.0', handlers: {}, provides: { peerTrust, peerTrustEvents: ['orgChanged'] } },
      /does not declare: orgChanged/,
    )
    const pki = defineModule({
      name: 'pki4',
      version: '1.0.0',
      handlers: {},
      events,
      provides: { peerTrust, peerTrustEvents: ['orgChanged'] },
    })
    assert.equal(new ModuleRegistry([pki]).provider('peerTrust')?.name, 'pki4')
  })
})

describe('RFC 8785 canonical JSON', () => {
  it('sorts members by UTF-16 code units at every depth and writes no whitespace', () => {
    assert.equal(
      canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', é: true, A: 1 }),
      '{"A":1,"a":"x","b":[3,{"a":null,"z":1}],"é":true}',
    )
    // RFC 8785 §3.2.3's ordering example: by UTF-16 code units, not code points.
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\u{1f600}', '\u0080', '\u00f6']
    const text = canonicalJson(Object.fromEntries(keys.map((k) => [k, 0])))
    // Read the members in written order (JSON.parse would reorder the integer-like key "1").
    const sorted = [...text.matchAll(/"((?:[^"\\]|\\.)*)":0/g)].map((m) => JSON.parse(`"${m[1]}"`) as string)
    assert.deepEqual(sorted, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\u{1f600}', '\ufb33'])
    // Numbers as ECMAScript serialises them (RFC 8785 §3.2.2.3).
    assert.equal(canonicalJson([1e21, 0.1, -0, 1e-7]), '[1e+21,0.1,0,1e-7]')
  })

  it('refuses what JSON cannot carry', () => {
    assert.throws(() => canonicalJson({ a: Number.NaN }), /finite/)
    assert.throws(() => canonicalJson({ a: undefined }), /JSON values/)
  })
})
