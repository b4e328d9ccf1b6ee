import assert from 'node:assert/strict'
import { test } from 'node:test'
import { suites } from '@govchain/core'
import { Prng } from '../src/sim/prng.ts'
import { EventQueue } from '../src/sim/queue.ts'
import { runSimulation } from '../src/sim/simulator.ts'
import { assertWithinBound } from './within-bound.ts'

const suite = suites.intl

test('within the fault bound: seeds 1..40 (41..240 in the slow tier), no violation of any kind', () => {
  assertWithinBound(1, 40)
})

test('beyond the bound (n=4, 2 equivocating): a safety violation is found, and its seed replays exactly', () => {
  let found: number | undefined
  for (let seed = 1; seed <= 300 && found === undefined; seed++) {
    const r = runSimulation({ seed, validators: 4, byzantine: 2, heights: 10, suite })
    if (r.safetyViolations.length > 0) found = seed
  }
  assert.ok(found !== undefined, 'the checker can fail')
  const a = runSimulation({ seed: found, validators: 4, byzantine: 2, heights: 10, suite })
  const b = runSimulation({ seed: found, validators: 4, byzantine: 2, heights: 10, suite })
  assert.ok(a.safetyViolations.length > 0)
  assert.deepEqual(b.safetyViolations, a.safetyViolations)
  assert.equal(b.digest, a.digest)
  assert.equal(b.events, a.events)
})

test('an equivocating proposer is reported: honest nodes emit proposal evidence that names it', () => {
  // The runs check every evidence output (it verifies, it names a Byzantine validator) as a double sign.
  let proposalEvidence = 0
  for (let seed = 1; seed <= 5; seed++) {
    const r = runSimulation({ seed, validators: 4, byzantine: 1, byzantineMode: 'equivocate', heights: 5, suite })
    assert.deepEqual(r.doubleSigns, [], `seed ${seed}`)
    assert.deepEqual(r.safetyViolations, [], `seed ${seed}`)
    assert.ok(r.proposalEvidence <= r.evidence)
    proposalEvidence += r.proposalEvidence
  }
  assert.ok(proposalEvidence > 0, 'some run saw the proposer equivocate')
  // Honest proposers never are: no proposal evidence without Byzantine nodes.
  assert.equal(runSimulation({ seed: 2, validators: 4, byzantine: 0, heights: 5, suite }).proposalEvidence, 0)
})

test('a passing run replays to the identical digest; another seed differs', () => {
  const a = runSimulation({ seed: 7, validators: 5, heights: 5, suite })
  const b = runSimulation({ seed: 7, validators: 5, heights: 5, suite })
  const c = runSimulation({ seed: 8, validators: 5, heights: 5, suite })
  assert.equal(a.digest, b.digest)
  assert.equal(a.virtualTimeMs, b.virtualTimeMs)
  assert.notEqual(a.digest, c.digest)
})

test('the PRNG is deterministic and the queue is FIFO on equal times', () => {
  const p = new Prng(42)
  const q = new Prng(42)
  const xs = Array.from({ length: 100 }, () => p.u32())
  assert.deepEqual(
    Array.from({ length: 100 }, () => q.u32()),
    xs,
  )
  assert.ok(new Set(xs).size > 95)
  for (let i = 0; i < 1000; i++) {
    const k = p.int(3, 9)
    assert.ok(k >= 3 && k <= 9)
  }
  const e = new EventQueue<string>()
  e.push(5, 'a')
  e.push(1, 'b')
  e.push(5, 'c')
  e.push(1, 'd')
  assert.deepEqual(
    [e.pop()?.item, e.pop()?.item, e.pop()?.item, e.pop()?.item, e.pop()],
    ['b', 'd', 'a', 'c', undefined],
  )
})
