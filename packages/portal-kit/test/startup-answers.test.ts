/**
 * The shell's startup reads (/config.json, GET /session) are checked without TypeBox, for the home
 * page's budget (startup-answers.ts). These tests hold those checks to the TypeBox schemas the
 * server types its answers with: on valid answers, and on each answer with every field in turn
 * replaced by values of other kinds, by strings near its own (for the patterns and lengths) or
 * removed, both give the same verdict.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PortalConfigAnswer, SessionStateAnswer } from '@govchain/app/portal-views'
import { isSdkError } from '@govchain/client'
import type { TSchema } from '@sinclair/typebox'
import { Check } from '@sinclair/typebox/value'
import { checkPortalConfig, checkSessionState } from '../src/startup-answers.ts'

/** As police's gateway issues one on a gm chain: a 65-byte SM2 key, a 64-byte signature. */
const credential = {
  did: 'did:govchain:abc',
  subject: 'ab'.repeat(32),
  issuerOrg: 'police',
  issuerKey: `04${'ef'.repeat(64)}`,
  signature: 'cd'.repeat(64),
}
const config = {
  chainId: 'govchain-demo',
  suite: 'gm',
  nodes: [
    { name: 'market', orgId: 'market', apiUrl: 'http://127.0.0.1:26657' },
    { name: 'tax', orgId: 'tax', apiUrl: 'http://127.0.0.1:26658' },
  ],
  organisations: [{ id: 'market', name: '市场监督管理局', nameEn: 'Market', code: '91110000MA01' }],
  trustedValidatorSet: 'AAEC',
  demo: true,
  identities: [
    {
      id: 'market-admin',
      kind: 'officer',
      name: '管理员',
      nameEn: 'Admin',
      orgId: 'market',
      roles: ['admin'],
      publicKey: '04aa',
      privateKey: '11',
    },
    {
      id: 'citizen-1',
      kind: 'citizen',
      name: '张三',
      nameEn: 'Zhang San',
      did: 'did:govchain:abc',
      subjectCredential: credential,
      publicKey: '04bb',
    },
  ],
  gateways: { housing: 'http://127.0.0.1:9001' },
}
const officerSession = {
  signedIn: true,
  subject: { kind: 'officer', id: 'market-admin', publicKey: '04aa', orgId: 'market', roles: ['admin'] },
  csrf: 'token',
  idleMs: 900_000,
}
const didSession = {
  signedIn: true,
  subject: { kind: 'did', id: 'did:govchain:abc', publicKey: '04bb' },
  csrf: 't',
  idleMs: 0,
}

const WRONG: unknown[] = [null, 0, -1, 1.5, 2 ** 60, '', 'x', 'gm', 'officer', true, false, [], [1], {}, { a: 1 }]

/** Every path to a value inside `v` (objects and arrays), the root excluded. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return []
  const out: (string | number)[][] = []
  for (const [k, x] of Object.entries(v)) {
    const p = [...at, Array.isArray(v) ? Number(k) : k]
    out.push(p, ...paths(x, p))
  }
  return out
}

/** Strings near `v`, a string: in upper case, a character shorter or longer, two longer, far longer. */
function near(v: unknown): unknown[] {
  return typeof v === 'string' ? [v.toUpperCase(), v.slice(1), `${v}0`, `${v}00`, v.padEnd(200, '0')] : []
}

/** The value at `path` in `v`. */
function valueAt(v: unknown, path: (string | number)[]): unknown {
  return path.reduce((o, k) => (o as Record<string | number, unknown>)[k], v)
}

/** `v` with the value at `path` replaced (or removed, for `remove`). */
function mutate(v: unknown, path: (string | number)[], to: unknown, remove = false): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>
  let o = copy
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>
  const last = path.at(-1)!
  if (remove && !Array.isArray(o)) delete o[last]
  else o[last] = to
  return copy
}

function accepts(check: (v: unknown) => unknown, v: unknown): boolean {
  try {
    check(v)
    return true
  } catch (e) {
    assert.ok(isSdkError(e) && e.code === 'SDK_BAD_RESPONSE', String(e))
    return false
  }
}

function agree(schema: TSchema, check: (v: unknown) => unknown, samples: unknown[]): number {
  let cases = 0
  for (const sample of samples) {
    assert.equal(Check(schema, sample), true, 'the samples are valid answers')
    assert.equal(accepts(check, sample), true)
    for (const p of paths(sample)) {
      for (const to of [...WRONG, ...near(valueAt(sample, p))]) {
        const m = mutate(sample, p, to)
        assert.equal(accepts(check, m), Check(schema, m), `${p.join('/')} = ${JSON.stringify(to)}`)
        cases++
      }
      const removed = mutate(sample, p, undefined, true)
      assert.equal(accepts(check, removed), Check(schema, removed), `${p.join('/')} removed`)
      cases++
    }
  }
  for (const top of WRONG) assert.equal(accepts(check, top), Check(schema, top), JSON.stringify(top))
  return cases
}

test('the /config.json check agrees with PortalConfigAnswer on every field of real-shaped configs', () => {
  const bare = { ...config, identities: [], gateways: {}, demo: false }
  delete (bare as { trustedValidatorSet?: string }).trustedValidatorSet
  const cases = agree(PortalConfigAnswer, checkPortalConfig, [config, bare])
  assert.ok(cases > 700, `${cases} cases`)
})

test('the GET /session check agrees with SessionStateAnswer, signed in or out', () => {
  const cases = agree(SessionStateAnswer, checkSessionState, [officerSession, didSession, { signedIn: false }])
  assert.ok(cases > 200, `${cases} cases`)
})

test('a refusal names the answer and the first field that does not match', () => {
  assert.throws(
    () => checkPortalConfig({ ...config, nodes: [] }),
    (e: unknown) =>
      isSdkError(e) && e.code === 'SDK_BAD_RESPONSE' && e.details?.path === '/nodes' && /config\.json/.test(e.message),
  )
  assert.throws(
    () => checkSessionState({ ...officerSession, subject: { ...officerSession.subject, kind: 'admin' } }),
    (e: unknown) => isSdkError(e) && e.details?.path === '/subject/kind' && /GET \/session/.test(e.message),
  )
})
