/**
 * Observer nodes (issue 18) through executeBlock: governance registers an observer (node id,
 * organisation, key) from p + 1, removes it, and refuses — with a code, changing nothing — an
 * observer whose id or key a validator or another observer holds, of an unknown or removed
 * organisation, an unknown one to remove, one too many, and a validator taking an observer's key.
 * An observer is never in a validator set.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { suites, toHex } from '@govchain/core'
import type { GovernanceKeeper } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { GOVERNANCE_LIMITS, type ProposalAction, ProposeArgs, VoteArgs } from '../src/schema.ts'

const suite = suites.intl

function setup() {
  const c = makeConsortium(suite, 4)
  const g = new GovChain(suite, c.genesis)
  g.step()
  const gov = () => g.keeper<GovernanceKeeper>('governance')
  let nextId = 1
  /** Proposes each list of actions (market), then housing and police vote yes: 3 of 4 pass them. */
  const decide = (...lists: ProposalAction[][]) => {
    const ids = lists.map(() => nextId++)
    const created = g.step(
      lists.map((actions) =>
        tx(suite, c.operators.market!, 'governance', 'propose', ProposeArgs, {
          title: 'observers',
          actions,
          effectiveHeight: 0,
          expiresHeight: g.height + 50,
        }),
      ),
    )
    assert.deepEqual(
      created.map((r) => r.code),
      lists.map(() => 'OK'),
    )
    g.step(
      ids.flatMap((proposalId) =>
        ['housing', 'police'].map((o) =>
          tx(suite, c.operators[o]!, 'governance', 'vote', VoteArgs, { proposalId, approve: true }),
        ),
      ),
    )
    return ids.map((id) => gov().proposal(id)!)
  }
  return { ...c, g, gov, decide }
}

const add = (id: string, orgId: string, publicKey: Uint8Array): ProposalAction => ({
  type: 'addObserver',
  value: { id, orgId, publicKey },
})
const remove = (id: string): ProposalAction => ({ type: 'removeObserver', value: { id } })

describe('observer nodes', () => {
  it('registers an observer from p + 1 and removes it; never in a validator set', () => {
    const t = setup()
    const key = suite.generateKeyPair().publicKey
    const [p] = t.decide([add('court-node', 'police', key)])
    assert.equal(p!.status, 'passed')
    const h = p!.decidedHeight!
    assert.equal(p!.appliedFromHeight, h + 1)
    assert.deepEqual(t.gov().observersAt(h), [])
    assert.deepEqual(t.gov().observersAt(h + 1), [{ id: 'court-node', orgId: 'police', publicKey: key }])
    const [record] = t.gov().observers()
    assert.deepEqual(record, {
      id: 'court-node',
      orgId: 'police',
      publicKey: key,
      fromHeight: h + 1,
      proposalId: 1,
    })
    for (const at of [h, h + 1, h + 2, h + 10])
      assert.ok(
        !t
          .gov()
          .validatorSetAt(at)
          .validators.some((v) => v.id === 'court-node' || toHex(v.publicKey) === toHex(key)),
      )

    const [r] = t.decide([remove('court-node')])
    assert.equal(r!.status, 'passed')
    const rh = r!.decidedHeight!
    assert.equal(t.gov().observers()[0]!.removedFromHeight, rh + 1)
    assert.equal(t.gov().observersAt(rh).length, 1)
    assert.deepEqual(t.gov().observersAt(rh + 1), [])
    // The next observer proposal forgets the record whose removal is in force; the id is free again.
    const [again] = t.decide([add('court-node', 'police', key)])
    assert.equal(again!.status, 'passed')
    assert.deepEqual(
      t
        .gov()
        .observers()
        .map((o) => [o.id, o.proposalId, o.removedFromHeight]),
      [['court-node', 3, undefined]],
    )
  })

  it('refuses taken ids and keys, unknown organisations and observers, with a code, changing nothing', () => {
    const t = setup()
    const key = suite.generateKeyPair().publicKey
    t.decide([add('court-node', 'police', key)])
    const before = t.gov().observers()
    const setBefore = t.gov().validatorSetAt(t.g.height + 5)
    const fresh = () => suite.generateKeyPair().publicKey
    const decided = t.decide(
      [add('court-node', 'tax', fresh())],
      [add('auditor', 'tax', key)],
      [add('housing', 'housing', fresh())],
      [add('auditor', 'housing', t.validators.housing!.publicKey)],
      [add('auditor', 'nowhere', fresh())],
      [remove('ghost')],
      [{ type: 'addValidator', value: { id: 'court-node', orgId: 'police', publicKey: fresh(), power: 10 } }],
      [{ type: 'addValidator', value: { id: 'court2', orgId: 'police', publicKey: key, power: 10 } }],
      // Atomic: a valid addition with a failing removal adds nothing.
      [add('auditor', 'tax', fresh()), remove('ghost')],
    )
    assert.deepEqual(
      decided.map((p) => [p.status, p.failure]),
      [
        ['failed', 'GOV_OBSERVER_EXISTS'],
        ['failed', 'GOV_OBSERVER_EXISTS'],
        ['failed', 'GOV_OBSERVER_EXISTS'],
        ['failed', 'GOV_OBSERVER_EXISTS'],
        ['failed', 'IDENTITY_ORG_NOT_FOUND'],
        ['failed', 'GOV_OBSERVER_NOT_FOUND'],
        ['failed', 'GOV_OBSERVER_EXISTS'],
        ['failed', 'GOV_OBSERVER_EXISTS'],
        ['failed', 'GOV_OBSERVER_NOT_FOUND'],
      ],
    )
    assert.deepEqual(t.gov().observers(), before)
    assert.deepEqual(t.gov().validatorSetAt(t.g.height + 5), setBefore)

    // Shape: refused when proposed (no proposal is made).
    const bad = t.g.step([
      tx(suite, t.operators.market!, 'governance', 'propose', ProposeArgs, {
        title: 'x',
        actions: [add('court-2', 'police', new Uint8Array(7))],
        effectiveHeight: 0,
        expiresHeight: t.g.height + 5,
      }),
      tx(suite, t.operators.market!, 'governance', 'propose', ProposeArgs, {
        title: 'x',
        actions: [add('Court Node', 'police', fresh())],
        effectiveHeight: 0,
        expiresHeight: t.g.height + 5,
      }),
    ])
    assert.deepEqual(
      bad.map((r) => r.code),
      ['GOV_BAD_PROPOSAL', 'GOV_BAD_PROPOSAL'],
    )
    assert.deepEqual(t.gov().proposalIds(1), [10])
  })

  it('an observer becomes a validator by removal then addition; a removed organisation loses its observers', () => {
    const t = setup()
    const key = suite.generateKeyPair().publicKey
    t.decide([add('court-node', 'police', key), add('tax-observer', 'tax', suite.generateKeyPair().publicKey)])
    const [promoted] = t.decide([
      remove('court-node'),
      { type: 'addValidator', value: { id: 'court-node', orgId: 'police', publicKey: key, power: 10 } },
    ])
    assert.equal(promoted!.status, 'passed')
    // It touches the validator set, so both changes start at p + 2: an observer until then.
    const from = promoted!.appliedFromHeight!
    assert.equal(from, promoted!.decidedHeight! + 2)
    const ids = (at: number) => [
      t
        .gov()
        .validatorSetAt(at)
        .validators.some((v) => v.id === 'court-node'),
      t
        .gov()
        .observersAt(at)
        .map((o) => o.id),
    ]
    assert.deepEqual(ids(from - 1), [false, ['court-node', 'tax-observer']])
    assert.deepEqual(ids(from), [true, ['tax-observer']])
    const [removed] = t.decide([{ type: 'removeOrganisation', value: { orgId: 'tax' } }])
    assert.equal(removed!.status, 'passed')
    assert.deepEqual(t.gov().observersAt(removed!.appliedFromHeight!), [])
    // Its organisation removed: a new observer of it is refused.
    const [late] = t.decide([add('tax-2', 'tax', suite.generateKeyPair().publicKey)])
    assert.deepEqual([late!.status, late!.failure], ['failed', 'IDENTITY_ORG_INACTIVE'])
  })

  it(`refuses more than ${GOVERNANCE_LIMITS.observers} observers`, () => {
    const t = setup()
    const n = GOVERNANCE_LIMITS.observers
    const per = GOVERNANCE_LIMITS.actionsPerProposal
    const lists: ProposalAction[][] = []
    for (let i = 0; i < n; i += per)
      lists.push(
        Array.from({ length: Math.min(per, n - i) }, (_, j) =>
          add(`obs-${i + j}`, 'police', suite.generateKeyPair().publicKey),
        ),
      )
    assert.ok(t.decide(...lists).every((p) => p.status === 'passed'))
    assert.equal(t.gov().observers().length, n)
    const [over] = t.decide([add('one-more', 'police', suite.generateKeyPair().publicKey)])
    assert.deepEqual([over!.status, over!.failure], ['failed', 'GOV_TOO_MANY_CHANGES'])
    assert.equal(t.gov().observers().length, n)
  })
})
