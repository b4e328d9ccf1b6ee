/**
 * The API-route fuzz target in CI (issue 19): every route of the node API and of every module,
 * fuzzed path parameters, query strings and bodies from a fixed seed; never a 5xx, every error a
 * catalogued code with its status. Slow tier: each case is a request through fastify.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { API_TARGET } from '../../../scripts/fuzz/api.ts'
import { formatReport, runTarget } from '../../../scripts/fuzz/engine.ts'

test(`fuzz ${API_TARGET.name}: ${API_TARGET.description}`, async () => {
  const r = await runTarget(API_TARGET, { runs: 1500, seed: 19 })
  assert.equal(r.failure, undefined, formatReport(r))
  assert.ok(r.outcomes.size >= 10, formatReport(r))
})
