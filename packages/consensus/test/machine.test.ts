import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type DuplicateProposalEvidence,
  type DuplicateVoteEvidence,
  equalBytes,
  GovchainError,
  toHex,
  verifyCommitCertificate,
  verifyDuplicateProposalEvidence,
  verifyDuplicateVoteEvidence,
} from '@govchain/core'
import type { Consensus, ConsensusOutput } from '../src/machine.ts'
import { proposerSchedule } from '../src/proposer.ts'
import {
  decodeSignerLock,
  decodeSignerRecord,
  encodeSignerLock,
  encodeSignerRecord,
  MemorySigner,
  MemorySignerStore,
  SIGNER_RECORD_BYTES_MAX,
} from '../src/signer.ts'
import { CHAIN, decodeVote, Fixture, hashOf, ofType, suite, TIMEOUTS, value, votesOut } from './helpers.ts'

// Equal powers, n = 4: proposer(1, r) = (1 + r) mod 4, so validator 0 proposes no round before 3.
const f = new Fixture()
const ME = 0
const v = value('v')
const w = value('w')

function feed(
  m: Consensus,
  msgs: ({ proposal: Parameters<Consensus['onProposal']>[0]; value: Uint8Array } | ReturnType<Fixture['vote']>)[],
): ConsensusOutput[] {
  const outs: ConsensusOutput[] = []
  for (const x of msgs) outs.push(...('proposal' in x ? m.onProposal(x.proposal, x.value) : m.onVote(x)))
  return outs
}

function sameHash(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && equalBytes(a, b)
}

/** Node ME locked on `v` at round 0 (it precommitted v). */
function lockedOnV(store = new MemorySignerStore()): Consensus {
  const { m } = f.machine(ME, store)
  m.start(1, f.set)
  const outs = feed(m, [f.proposal(1, 0, v), f.vote(1, 'prevote', 1, 0, v), f.vote(2, 'prevote', 1, 0, v)])
  const pc = votesOut(outs).find((x) => x.type === 'precommit')
  assert.ok(pc !== undefined && sameHash(pc.blockHash, hashOf(v)), 'precommits v')
  assert.equal(m.lockedRound, 0)
  return m
}

describe('Tendermint rules', () => {
  test('happy path: prevote, precommit, decide with a certificate that verifies', () => {
    const { m } = f.machine(ME)
    const start = m.start(1, f.set)
    assert.deepEqual(ofType(start, 'scheduleTimeout')[0], {
      type: 'scheduleTimeout',
      kind: 'propose',
      height: 1,
      round: 0,
      durationMs: 1000,
    })
    const o1 = feed(m, [f.proposal(1, 0, v)])
    const pv = votesOut(o1)
    assert.equal(pv.length, 1)
    assert.equal(pv[0]!.type, 'prevote')
    assert.ok(sameHash(pv[0]!.blockHash, hashOf(v)))
    const o2 = feed(m, [f.vote(1, 'prevote', 1, 0, v), f.vote(2, 'prevote', 1, 0, v)])
    assert.equal(votesOut(o2)[0]!.type, 'precommit')
    assert.equal(m.lockedRound, 0)
    assert.equal(m.validRound, 0)
    const o3 = feed(m, [f.vote(1, 'precommit', 1, 0, v), f.vote(3, 'precommit', 1, 0, v)])
    const d = ofType(o3, 'decide')
    assert.equal(d.length, 1)
    assert.equal(d[0]!.height, 1)
    assert.deepEqual(d[0]!.value, v)
    assert.deepEqual(
      d[0]!.certificate.signatures.map((s) => s.validatorIndex),
      [0, 1, 3],
    )
    assert.equal(verifyCommitCertificate(suite, CHAIN, f.set, d[0]!.certificate), 3)
    assert.equal(m.step, 'decided')
  })

  test('line 22: an invalid value gets a nil prevote; line 57: propose timeout prevotes nil', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    const o = feed(m, [f.proposal(1, 0, value('bad'))])
    assert.equal(votesOut(o)[0]!.blockHash, undefined)
    const { m: m2 } = f.machine(ME)
    m2.start(1, f.set)
    assert.deepEqual(m2.onTimeout('propose', 1, 1), [], 'a timeout for another round is ignored')
    const t = votesOut(m2.onTimeout('propose', 1, 0))
    assert.equal(t[0]!.type, 'prevote')
    assert.equal(t[0]!.blockHash, undefined)
  })

  test('lines 34, 44, 47, 61, 65: timeouts scheduled on 2f+1 of anything, growing with the round', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    m.onTimeout('propose', 1, 0)
    const o = feed(m, [f.vote(1, 'prevote', 1, 0, v), f.vote(2, 'prevote', 1, 0, null)])
    assert.deepEqual(ofType(o, 'scheduleTimeout'), [
      { type: 'scheduleTimeout', kind: 'prevote', height: 1, round: 0, durationMs: 500 },
    ])
    assert.equal(votesOut(m.onTimeout('prevote', 1, 0))[0]!.type, 'precommit') // line 61
    const o2 = feed(m, [f.vote(1, 'precommit', 1, 0, v), f.vote(2, 'precommit', 1, 0, null)])
    assert.deepEqual(ofType(o2, 'scheduleTimeout'), [
      { type: 'scheduleTimeout', kind: 'precommit', height: 1, round: 0, durationMs: 500 },
    ])
    const o3 = m.onTimeout('precommit', 1, 0) // line 65
    assert.equal(m.round, 1)
    assert.deepEqual(ofType(o3, 'scheduleTimeout'), [
      { type: 'scheduleTimeout', kind: 'propose', height: 1, round: 1, durationMs: 1100 },
    ])
    // line 44: 2f+1 nil prevotes -> precommit nil
    m.onTimeout('propose', 1, 1)
    const o4 = feed(m, [f.vote(1, 'prevote', 1, 1, null), f.vote(2, 'prevote', 1, 1, null)])
    const pc = votesOut(o4).find((x) => x.type === 'precommit')
    assert.ok(pc !== undefined && pc.blockHash === undefined)
  })

  test('locking: a locked node prevotes nil for another value without a newer proof-of-lock', () => {
    const m = lockedOnV()
    m.onTimeout('precommit', 1, 0)
    assert.equal(m.round, 1)
    const o = feed(m, [f.proposal(1, 1, w)])
    const pv = votesOut(o)
    assert.equal(pv[0]!.type, 'prevote')
    assert.equal(pv[0]!.blockHash, undefined, 'nil: locked on v')
    // A proposal for w claiming a POL at round 0 that we never saw: no prevote for w (line 28 needs the POL).
    m.onTimeout('prevote', 1, 1)
    m.onTimeout('precommit', 1, 1)
    const o2 = feed(m, [f.proposal(1, 2, w, 0)])
    assert.equal(votesOut(o2).length, 0, 'waits for the POL or the timeout')
    assert.equal(votesOut(m.onTimeout('propose', 1, 2))[0]!.blockHash, undefined)
  })

  test('locking: the locked value itself is prevoted again, and a locked proposer re-proposes it with its POL round', () => {
    const m = lockedOnV()
    m.onTimeout('precommit', 1, 0)
    const o = feed(m, [f.proposal(1, 1, v, 0)])
    assert.ok(sameHash(votesOut(o)[0]!.blockHash, hashOf(v)))
    m.onTimeout('prevote', 1, 1)
    m.onTimeout('precommit', 1, 1)
    m.onTimeout('propose', 1, 2)
    m.onTimeout('prevote', 1, 2)
    const o3 = m.onTimeout('precommit', 1, 2) // round 3: ME proposes
    const props = ofType(o3, 'broadcastProposal')
    assert.equal(props.length, 1)
    assert.deepEqual(props[0]!.value, v)
    assert.equal(ofType(o3, 'requestValue').length, 0, 'a valid value is re-proposed, not a new one requested')
  })

  test('unlocking on a newer proof-of-lock (line 28)', () => {
    const m = lockedOnV()
    m.onTimeout('precommit', 1, 0)
    // Round 1: w proposed, ME prevotes nil; 1 and 2 prevote w, the POL is incomplete.
    feed(m, [f.proposal(1, 1, w), f.vote(1, 'prevote', 1, 1, w), f.vote(2, 'prevote', 1, 1, w)])
    m.onTimeout('prevote', 1, 1)
    m.onTimeout('precommit', 1, 1)
    assert.equal(m.round, 2)
    assert.equal(m.lockedRound, 0)
    // Round 2: w re-proposed with POL round 1; the third prevote of round 1 arrives: lockedRound 0 <= 1.
    const o = feed(m, [f.proposal(1, 2, w, 1), f.vote(3, 'prevote', 1, 1, w)])
    const pv = votesOut(o).find((x) => x.type === 'prevote' && x.round === 2)
    assert.ok(pv !== undefined && sameHash(pv.blockHash, hashOf(w)), 'prevotes w')
  })

  test('relocking: 2f+1 prevotes for the round proposal while in prevote step lock on it (line 36)', () => {
    const m = lockedOnV()
    m.onTimeout('precommit', 1, 0)
    const o = feed(m, [
      f.proposal(1, 1, w),
      f.vote(1, 'prevote', 1, 1, w),
      f.vote(2, 'prevote', 1, 1, w),
      f.vote(3, 'prevote', 1, 1, w),
    ])
    const pc = votesOut(o).find((x) => x.type === 'precommit')
    assert.ok(pc !== undefined && sameHash(pc.blockHash, hashOf(w)))
    assert.equal(m.lockedRound, 1)
    assert.deepEqual(m.lockedValue, w)
  })

  test('round skip (line 55): f+1 messages of a higher round move the node there; f do not', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    feed(m, [f.vote(1, 'prevote', 1, 5, null)])
    assert.equal(m.round, 0)
    const o = feed(m, [f.vote(2, 'precommit', 1, 6, null)])
    assert.equal(m.round, 5, 'validators 1 and 2 are at rounds >= 5')
    assert.ok(ofType(o, 'scheduleTimeout').some((t) => t.kind === 'propose' && t.round === 5))
    // Far beyond the stored window, still counted for skipping.
    feed(m, [f.vote(1, 'prevote', 1, 500, null), f.vote(3, 'prevote', 1, 400, null)])
    assert.equal(m.round, 400)
  })

  test('decides on a commit seen even when it missed that round, with the value from another round', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    const o = feed(m, [
      f.vote(1, 'precommit', 1, 2, v),
      f.vote(2, 'precommit', 1, 2, v),
      f.vote(3, 'precommit', 1, 2, v),
    ])
    assert.equal(ofType(o, 'decide').length, 0, 'no value yet')
    const o2 = feed(m, [f.proposal(1, 0, v)])
    const d = ofType(o2, 'decide')
    assert.equal(d.length, 1)
    assert.equal(d[0]!.round, 2)
    assert.deepEqual(d[0]!.value, v)
    assert.equal(verifyCommitCertificate(suite, CHAIN, f.set, d[0]!.certificate), 3)
  })

  test('an invalid value is never decided even with 2f+1 precommits', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    const bad = value('bad')
    const o = feed(m, [
      f.proposal(1, 0, bad),
      f.vote(1, 'precommit', 1, 0, bad),
      f.vote(2, 'precommit', 1, 0, bad),
      f.vote(3, 'precommit', 1, 0, bad),
    ])
    assert.equal(ofType(o, 'decide').length, 0)
  })

  test('conflicting votes produce evidence once and the first vote stays counted', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    feed(m, [f.vote(1, 'prevote', 1, 0, v)])
    const o = feed(m, [f.vote(1, 'prevote', 1, 0, null)])
    const ev = ofType(o, 'evidence')
    assert.equal(ev.length, 1)
    const e = ev[0]!.evidence
    assert.equal(e.kind, 'vote')
    assert.deepEqual(verifyDuplicateVoteEvidence(suite, CHAIN, f.set, e.evidence as DuplicateVoteEvidence), {
      validatorIndex: 1,
      height: 1,
      round: 0,
      type: 'prevote',
    })
    assert.equal(ofType(feed(m, [f.vote(1, 'prevote', 1, 0, w)]), 'evidence').length, 0)
    assert.equal(m.stats.equivocations, 1)
    assert.equal(feed(m, [f.vote(1, 'prevote', 1, 0, v)]).length, 0)
    assert.ok(m.stats.duplicate >= 1)
  })

  test('conflicting proposals of a round proposer produce evidence once per (height, round)', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    const first = f.proposal(1, 0, v)
    assert.equal(votesOut(feed(m, [first])).length, 1, 'prevotes the first proposal')
    const o = feed(m, [f.proposal(1, 0, w)])
    const ev = ofType(o, 'evidence')
    assert.equal(ev.length, 1)
    assert.equal(ev[0]!.evidence.kind, 'proposal')
    const pe = ev[0]!.evidence.evidence as DuplicateProposalEvidence
    assert.deepEqual(pe.proposalA, first.proposal, 'the stored first proposal is evidence A')
    assert.deepEqual(verifyDuplicateProposalEvidence(suite, CHAIN, f.set, pe), {
      proposerIndex: 1,
      height: 1,
      round: 0,
    })
    assert.deepEqual(votesOut(o), [], 'the second proposal changes no vote')
    // A third body, and the first again: no more evidence for this round.
    assert.equal(ofType(feed(m, [f.proposal(1, 0, value('x'))]), 'evidence').length, 0)
    assert.deepEqual(feed(m, [first]), [])
    assert.equal(m.stats.conflictingProposals, 2)
    assert.equal(m.stats.proposalEquivocations, 1)
    assert.equal(m.stats.equivocations, 0, 'vote equivocations are counted apart')
    // The same block with another polRound, in another round: evidence again (once).
    const r1 = [f.proposal(1, 1, w), f.proposal(1, 1, w, 0)]
    const ev1 = ofType(feed(m, r1), 'evidence')
    assert.equal(ev1.length, 1)
    const pe1 = ev1[0]!.evidence.evidence as DuplicateProposalEvidence
    assert.deepEqual(verifyDuplicateProposalEvidence(suite, CHAIN, f.set, pe1), {
      proposerIndex: 2,
      height: 1,
      round: 1,
    })
    assert.equal(m.stats.proposalEquivocations, 2)
  })

  test('a second proposal that does not prove equivocation gives no evidence', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    feed(m, [f.proposal(1, 0, v)])
    const second = f.proposal(1, 0, w)
    // Signed by another validator than its proposer index names: a forgery, not evidence.
    const forged = {
      proposal: second.proposal.proposal,
      signature: f.proposal(1, 0, w, undefined, 2).proposal.signature,
    }
    assert.deepEqual(m.onProposal(forged, w), [])
    // Signed by a validator that is not the round's proposer.
    const notProposer = f.proposal(1, 0, w, undefined, 3)
    assert.deepEqual(m.onProposal(notProposer.proposal, w), [])
    // The proposer of the next round, for that round: no conflict.
    assert.equal(ofType(feed(m, [f.proposal(1, 1, w)]), 'evidence').length, 0)
    assert.equal(m.stats.badSignature, 1)
    assert.equal(m.stats.proposalEquivocations, 0)
    // Validly signed but with bytes that are not its block: the two signed bodies still prove it.
    const o = m.onProposal(second.proposal, value('not-w'))
    assert.equal(ofType(o, 'evidence').length, 1)
    assert.equal(m.stats.proposalEquivocations, 1)
  })

  test('proposal equivocation for the next height is reported too, and the run is deterministic', () => {
    const run = () => {
      const { m } = f.machine(ME)
      m.start(1, f.set)
      return [...feed(m, [f.proposal(2, 0, v), f.proposal(2, 0, w)]), m.stats.proposalEquivocations] as const
    }
    const a = run()
    const ev = ofType(a.slice(0, -1) as ConsensusOutput[], 'evidence')
    assert.equal(ev.length, 1)
    const pe = ev[0]!.evidence.evidence as DuplicateProposalEvidence
    assert.equal(verifyDuplicateProposalEvidence(suite, CHAIN, f.set, pe).height, 2)
    assert.deepEqual(run(), a)
  })

  test('invalid messages are dropped and counted, and change nothing', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    const good = f.vote(1, 'prevote', 1, 0, v)
    const before = m.storedMessageCount()
    const forged = { vote: good.vote, signature: f.vote(2, 'prevote', 1, 0, v).signature }
    assert.deepEqual(m.onVote(forged), [])
    assert.deepEqual(m.onVote({ vote: new Uint8Array([1, 2, 3]), signature: good.signature }), [])
    assert.deepEqual(m.onVote({ vote: good.vote, signature: new Uint8Array(10) }), [])
    const other = new Fixture([1, 1, 1, 1, 1])
    assert.deepEqual(m.onVote(other.vote(4, 'prevote', 1, 0, v)), [], 'unknown validator index')
    const notProposer = f.proposal(1, 0, v, undefined, 2)
    assert.deepEqual(m.onProposal(notProposer.proposal, v), [])
    const p = f.proposal(1, 0, v)
    assert.deepEqual(m.onProposal(p.proposal, w), [], 'value does not match the proposal hash')
    assert.deepEqual(m.onProposal(p.proposal, new Uint8Array([9])), [], 'undecodable value')
    assert.equal(m.stats.badSignature, 1)
    assert.equal(m.stats.invalid, 6)
    assert.equal(m.storedMessageCount(), before)
    assert.equal(m.step, 'propose')
  })

  test('messages for the next height are buffered and used; other heights are dropped', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    feed(m, [f.vote(1, 'prevote', 3, 0, v)])
    assert.equal(m.stats.wrongHeight, 1)
    // Height 2 arrives early: the proposal and two prevotes.
    const v2 = value('v2')
    feed(m, [f.proposal(2, 0, v2), f.vote(1, 'prevote', 2, 0, v2), f.vote(3, 'prevote', 2, 0, v2)])
    const d = feed(m, [
      f.proposal(1, 0, v),
      f.vote(1, 'precommit', 1, 0, v),
      f.vote(2, 'precommit', 1, 0, v),
      f.vote(3, 'precommit', 1, 0, v),
    ])
    assert.equal(ofType(d, 'decide').length, 1)
    feed(m, [f.vote(1, 'prevote', 1, 0, v)])
    assert.equal(m.stats.wrongHeight, 2, 'late messages for a decided height are dropped')
    const o = m.start(2, f.set)
    const votes = votesOut(o)
    assert.deepEqual(
      votes.map((x) => [x.type, x.height, x.blockHash === undefined ? 'nil' : toHex(x.blockHash)]),
      [
        ['prevote', 2, toHex(hashOf(v2))],
        ['precommit', 2, toHex(hashOf(v2))],
      ],
    )
    assert.throws(
      () => m.start(2, f.set),
      (e: unknown) => e instanceof GovchainError && e.code === 'INVALID_ARGUMENT',
    )
  })

  test('next-height messages are re-verified when the next height brings another validator set', () => {
    const { m } = f.machine(ME)
    m.start(1, f.set)
    const v2 = value('v2')
    feed(m, [f.vote(1, 'prevote', 2, 0, v2), f.vote(2, 'prevote', 2, 0, v2)])
    feed(m, [
      f.proposal(1, 0, v),
      f.vote(1, 'precommit', 1, 0, v),
      f.vote(2, 'precommit', 1, 0, v),
      f.vote(3, 'precommit', 1, 0, v),
    ])
    assert.equal(m.step, 'decided')
    // Validator 2 changed its key at height 2: its buffered vote no longer verifies, validator 1's does.
    const other = new Fixture([1, 1, 1, 1, 1, 1])
    const set2 = {
      validators: [f.set.validators[0]!, f.set.validators[1]!, other.set.validators[5]!, f.set.validators[3]!],
    }
    const bad = m.stats.badSignature
    m.start(2, set2)
    assert.equal(m.stats.badSignature, bad + 1)
    assert.equal(
      m
        .knownMessages()
        .votes.map(decodeVote)
        .filter((x) => x.type === 'prevote' && x.validatorIndex !== ME).length,
      1,
    )
  })

  test('the proposer asks for a value and proposes it', () => {
    const me = f.proposer(1, 0)
    const { m } = f.machine(me)
    const o = m.start(1, f.set)
    assert.deepEqual(ofType(o, 'requestValue'), [{ type: 'requestValue', height: 1, round: 0 }])
    assert.deepEqual(m.onProposalValue(1, 1, v), [], 'answer for another round ignored')
    const o2 = m.onProposalValue(1, 0, v)
    assert.equal(ofType(o2, 'broadcastProposal').length, 1)
    assert.ok(sameHash(votesOut(o2)[0]!.blockHash, hashOf(v)))
  })

  test('an observer decides and never signs', () => {
    const { m } = f.machine(undefined)
    const o = [...m.start(1, f.set)]
    o.push(
      ...feed(m, [
        f.proposal(1, 0, v),
        f.vote(0, 'prevote', 1, 0, v),
        f.vote(1, 'prevote', 1, 0, v),
        f.vote(2, 'prevote', 1, 0, v),
      ]),
    )
    o.push(
      ...feed(m, [f.vote(0, 'precommit', 1, 0, v), f.vote(1, 'precommit', 1, 0, v), f.vote(2, 'precommit', 1, 0, v)]),
    )
    assert.equal(ofType(o, 'broadcastVote').length, 0)
    assert.equal(ofType(o, 'decide').length, 1)
  })

  test('bounded memory under a flood of valid and invalid messages', () => {
    const { m } = f.machine(ME, undefined, 4)
    m.start(1, f.set)
    let x = 1
    const rnd = (k: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return x % k
    }
    const flood = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const height = 1 + rnd(4)
        const round = rnd(3) === 0 ? rnd(2000) : rnd(8)
        const val = rnd(3) === 0 ? null : value(`spam${rnd(1000)}`)
        // Validator 3 is Byzantine and signs anything; junk signatures from others.
        const vote = f.vote(3, rnd(2) === 0 ? 'prevote' : 'precommit', height, round, val)
        m.onVote(rnd(5) === 0 ? { vote: vote.vote, signature: new Uint8Array(64) } : vote)
        if (rnd(10) === 0 && f.proposer(height, round) === 3)
          m.onProposal(f.proposal(height, round, value(`spam${i}`)).proposal, value(`spam${i}`))
      }
    }
    flood(3000)
    const after3k = m.storedMessageCount()
    flood(3000)
    const after6k = m.storedMessageCount()
    // Current and next height, rounds 0..4, 2 vote types, 1 validator, a proposal and a value per round.
    const bound = 2 * (4 + 1) * (2 + 2 + 2)
    assert.ok(after6k <= bound, `${after6k} stored <= ${bound}`)
    assert.ok(after6k - after3k <= 2, `no growth: ${after3k} -> ${after6k}`)
    assert.equal(m.round, 0, 'one Byzantine validator cannot move the round')
  })
})

describe('signer and restart', () => {
  test('the signer persists before returning and refuses to equivocate', () => {
    const store = new MemorySignerStore()
    const s = new MemorySigner(suite, f.privs[0]!, store)
    const base = { chainId: CHAIN, type: 'prevote' as const, height: 5, round: 2, validatorIndex: 0 }
    const sig = s.signVote({ ...base, blockHash: hashOf(v) })
    assert.equal(store.saves, 1)
    assert.equal(store.record?.height, 5)
    assert.deepEqual(s.signVote({ ...base, blockHash: hashOf(v) }), sig, 'the same bytes again: the same signature')
    const refused = (fn: () => unknown) =>
      assert.throws(fn, (e: unknown) => e instanceof GovchainError && e.code === 'SIGNER_REFUSED')
    refused(() => s.signVote({ ...base, blockHash: hashOf(w) }))
    refused(() => s.signVote(base))
    refused(() => s.signVote({ ...base, round: 1 }))
    refused(() => s.signProposal({ chainId: CHAIN, height: 5, round: 2, blockHash: hashOf(w), proposerIndex: 0 }))
    refused(() => s.signVote({ ...base, height: 4, round: 9 }))
    assert.equal(store.saves, 1, 'refusals persist nothing')
    // A new signer over the same store (a restart) keeps refusing.
    const s2 = new MemorySigner(suite, f.privs[0]!, store)
    refused(() => s2.signVote({ ...base, blockHash: hashOf(w) }))
    s2.signVote({ ...base, type: 'precommit' }, undefined)
    assert.equal(store.record?.step, 'precommit')
  })

  test('the record round-trips through its encoding, with the lock and recent votes', () => {
    const store = new MemorySignerStore()
    const s = new MemorySigner(suite, f.privs[0]!, store)
    const base = { chainId: CHAIN, height: 5, round: 2, validatorIndex: 0, blockHash: hashOf(v) }
    s.signVote({ ...base, type: 'prevote' })
    s.signVote({ ...base, type: 'precommit' }, { value: v, proof: [f.vote(1, 'prevote', 5, 2, v)] })
    const rec = store.record!
    assert.equal(rec.lock?.round, 2)
    assert.deepEqual(rec.lock?.blockHash, hashOf(v))
    assert.equal(rec.votes.length, 2)
    assert.deepEqual(decodeSignerRecord(encodeSignerRecord(rec)), rec)
    const payload = s.lockedValue()!
    assert.deepEqual(payload.value, v)
    assert.equal(payload.proof.length, 1)
    assert.deepEqual(decodeSignerLock(encodeSignerLock(payload)), payload)
    assert.deepEqual(new MemorySigner(suite, f.privs[0]!, store).lockedValue(), payload, 'a restart reads it back')
  })

  test('the record holds only safety data: a large locked block is written once, not with every vote', () => {
    const store = new MemorySignerStore()
    const s = new MemorySigner(suite, f.privs[0]!, store)
    const big = value(`big:${'x'.repeat(512 * 1024)}`)
    const at = (round: number) => ({ chainId: CHAIN, height: 7, round, validatorIndex: 0, blockHash: hashOf(big) })
    s.signVote({ ...at(0), type: 'prevote' })
    s.signVote({ ...at(0), type: 'precommit' }, { value: big, proof: [f.vote(1, 'prevote', 7, 0, big)] })
    const afterLock = store.bytesWritten
    assert.ok(afterLock > big.length, 'the locked block is stored once')
    // Rounds 1..5 of the same height: each prevote and precommit keeps the lock by reference.
    for (let r = 1; r <= 5; r++) {
      s.signVote({ ...at(r), type: 'prevote' })
      s.signVote({ ...at(r), type: 'precommit' })
    }
    const perSignature = (store.bytesWritten - afterLock) / 10
    assert.ok(perSignature < SIGNER_RECORD_BYTES_MAX, `${perSignature} bytes per later signature`)
    assert.ok(encodeSignerRecord(store.record!).length < 4096)
    assert.equal(store.record!.lock?.round, 0, 'precommits that bring no new lock keep the old one')
    assert.deepEqual(s.lockedValue()?.value, big)
  })

  test('a crash between storing a new lock and its record keeps the old lock readable', () => {
    const store = new MemorySignerStore()
    const s = new MemorySigner(suite, f.privs[0]!, store)
    const at = (round: number, x: Uint8Array) => ({
      chainId: CHAIN,
      height: 3,
      round,
      validatorIndex: 0,
      blockHash: hashOf(x),
    })
    s.signVote({ ...at(0, v), type: 'precommit' }, { value: v, proof: [] })
    // Relock on w in round 1: the payload is written, then the process dies before the record.
    const realSave = store.save.bind(store)
    store.save = () => {
      throw new Error('crash')
    }
    assert.throws(() => s.signVote({ ...at(1, w), type: 'precommit' }, { value: w, proof: [] }), /crash/)
    store.save = realSave
    assert.deepEqual(
      store.locks.map((l) => l?.round),
      [0, 1],
      'the new payload went to the other slot',
    )
    const restarted = new MemorySigner(suite, f.privs[0]!, store)
    assert.equal(restarted.lastSigned()?.lock?.round, 0)
    assert.deepEqual(restarted.lockedValue()?.value, v, 'the record still names the old, intact payload')
  })

  test('a record naming a lock whose value is not stored stops the machine (SIGNER_STATE_DAMAGED)', () => {
    const store = new MemorySignerStore()
    lockedOnV(store)
    store.locks[store.record!.lock!.slot as 0 | 1] = undefined
    const { m } = f.machine(ME, store)
    assert.throws(
      () => m.start(1, f.set),
      (e: unknown) => e instanceof GovchainError && e.code === 'SIGNER_STATE_DAMAGED',
    )
  })

  test('a restarted node keeps its lock and re-sends its votes', () => {
    const store = new MemorySignerStore()
    lockedOnV(store) // ... and crashes: only `store` survives.
    const { m } = f.machine(ME, store)
    const o = m.start(1, f.set)
    assert.equal(m.lockedRound, 0)
    assert.deepEqual(m.lockedValue, v)
    assert.equal(m.round, 0)
    assert.deepEqual(
      votesOut(o).map((x) => x.type),
      ['prevote', 'precommit'],
      'its round-0 votes are sent again',
    )
    // The proof-of-lock survived too (prevotes of 0, 1, 2 for v at round 0), so it can be gossiped.
    const pol = m
      .knownMessages()
      .votes.map(decodeVote)
      .filter((x) => x.type === 'prevote' && x.round === 0 && sameHash(x.blockHash, hashOf(v)))
    assert.deepEqual(pol.map((x) => x.validatorIndex).sort(), [0, 1, 2])
    m.onTimeout('propose', 1, 0)
    m.onTimeout('precommit', 1, 0)
    const pv = votesOut(feed(m, [f.proposal(1, 1, w)]))
    assert.equal(pv[0]!.blockHash, undefined, 'still locked on v: nil for w')
  })

  test('a restarted node cannot be made to vote differently in a step it already signed', () => {
    const store = new MemorySignerStore()
    const { m: m1 } = f.machine(ME, store)
    m1.start(1, f.set)
    feed(m1, [f.proposal(1, 0, v)]) // prevotes v, crashes
    const { m } = f.machine(ME, store)
    m.start(1, f.set)
    // Without the proposal it times out and would prevote nil: the signer refuses.
    const o = m.onTimeout('propose', 1, 0)
    assert.equal(votesOut(o).length, 0)
    assert.equal(m.stats.signRefused, 1)
  })
})

describe('proposer rotation', () => {
  test('weighted by voting power, spread over the period', () => {
    const s = proposerSchedule([1, 2, 3, 4])
    assert.equal(s.length, 10)
    const counts = [0, 0, 0, 0]
    for (const i of s) counts[i]!++
    assert.deepEqual(counts, [1, 2, 3, 4])
    assert.notDeepEqual(s.slice(0, 4), [3, 3, 3, 3])
    const big = proposerSchedule([1_000_000, 3_000_000])
    assert.equal(big.length, 10_000)
    assert.equal(big.filter((i) => i === 0).length, 2_500)
  })

  test('default timeouts grow linearly', () => {
    assert.equal(TIMEOUTS.proposeMs + 3 * TIMEOUTS.deltaMs, 1300)
    const { m } = f.machine(ME)
    m.start(1, f.set)
    for (let r = 0; r < 3; r++) {
      m.onTimeout('propose', 1, r)
      m.onTimeout('prevote', 1, r)
      const o = m.onTimeout('precommit', 1, r)
      assert.equal(ofType(o, 'scheduleTimeout').find((t) => t.kind === 'propose')?.durationMs, 1000 + (r + 1) * 100)
    }
  })
})

test('decoded outputs carry this chain id', () => {
  const { m } = f.machine(ME)
  m.start(1, f.set)
  const o = m.onTimeout('propose', 1, 0)
  assert.equal(decodeVote(ofType(o, 'broadcastVote')[0]!.vote).chainId, CHAIN)
})
