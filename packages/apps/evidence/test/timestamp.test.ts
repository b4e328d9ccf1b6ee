/**
 * Trusted time (issue 17): RFC 3161 tokens from a real TSA (`openssl ts`, test/tsa-fixture.ts),
 * registered through governance and checked in the `evidence.timestamp` handler. Each failure has
 * its own code: a tampered token, a token from an unregistered TSA, a token for other content, a
 * token from the future, another submitter. OpenSSL's own `ts -verify` agrees with our verdicts
 * (an independent implementation), and an RSA TSA works as well as an ECDSA one. Attestations:
 * the roles governance gives organisations (notary, forensic, court) decide who may attest what.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ModuleRegistry } from '@govchain/app'
import { fromHex, suites, toHex, utf8 } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import type { GovernanceKeeper } from '@govchain/governance'
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import { evidenceAttest, evidenceBatch, evidenceSubmit, evidenceTimestamp } from '../src/client.ts'
import { type EvidenceKeeper, evidenceApp } from '../src/index.ts'
import { EVIDENCE_MODULE } from '../src/schema.ts'
import { readTimestampToken, timestampRequest, tokenOf, verifyTimestampToken } from '../src/tsp.ts'
import { makeOpensslTsa, type TestTsa } from './tsa-fixture.ts'

let ec: TestTsa
let rsa: TestTsa
let stranger: TestTsa
let noEku: TestTsa
before(() => {
  ec = makeOpensslTsa({ name: 'Beijing TSA' })
  rsa = makeOpensslTsa({ name: 'Hangzhou TSA', key: 'rsa' })
  stranger = makeOpensslTsa({ name: 'Unregistered TSA' })
  noEku = makeOpensslTsa({ name: 'Not a TSA', eku: 'none' })
})
after(() => {
  for (const t of [ec, rsa, stranger, noEku]) t?.close()
})

/** OpenSSL's verdict on a token over `digest`, trusting the TSA's CA. */
function opensslVerifies(tsa: TestTsa, token: Uint8Array, digest: Uint8Array): boolean {
  const file = join(tsa.dir, `check-${toHex(digest).slice(0, 8)}-${Math.random().toString(36).slice(2)}.der`)
  writeFileSync(file, token)
  try {
    execFileSync(
      'openssl',
      [
        'ts',
        '-verify',
        '-token_in',
        '-in',
        file,
        '-digest',
        toHex(digest),
        '-CAfile',
        'ca.crt',
        '-untrusted',
        'tsa.crt',
      ],
      { cwd: tsa.dir, stdio: 'pipe' },
    )
    return true
  } catch {
    return false
  }
}

/** A copy of the token with the first GeneralizedTime's last seconds digit changed (inside the TSTInfo). */
function withOtherTime(token: Uint8Array): Uint8Array {
  const out = token.slice()
  for (let i = 0; i < out.length - 17; i++) {
    if (out[i] === 0x18 && out[i + 1] === 0x0f && out[i + 16] === 0x5a) {
      out[i + 15] = out[i + 15] === 0x30 ? 0x31 : 0x30
      return out
    }
  }
  throw new Error('no GeneralizedTime in the token')
}

for (const suite of [suites.gm, suites.intl]) {
  const hash = suite.name === 'gm' ? 'sm3' : 'sha256'
  describe(`evidence trust: timestamps and attestations (${suite.name}, imprint ${hash})`, () => {
    const modules = new ModuleRegistry([...BUILTIN_MODULES.filter((m) => m.name !== EVIDENCE_MODULE), evidenceApp])

    function setup() {
      const c = makeConsortium(suite, 4)
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      const common = (k: { privateKey: Uint8Array }, nonce = 0) => ({
        suite,
        chainId: c.genesis.chainId,
        privateKey: k.privateKey,
        validUntilHeight: 400,
        nonce,
      })
      /** Passes a governance proposal (market proposes, housing and police vote yes); its result codes. */
      let proposals = 0
      const govern = (actions: ProposeArgs['actions']): string[] => {
        const propose = tx(suite, c.operators.market!, 'governance', 'propose', ProposeArgs, {
          title: `trust ${++proposals}`,
          actions,
          effectiveHeight: 0,
          expiresHeight: g.height + 100,
        })
        const [p] = g.step([propose])
        if (p!.code !== 'OK') return [p!.code]
        const id = g.keeper<GovernanceKeeper>('governance').proposalIds(1)[0]!
        const votes = ['housing', 'police'].map((o) =>
          tx(suite, c.operators[o]!, 'governance', 'vote', VoteArgs, { proposalId: id, approve: true }),
        )
        const codes = g.step(votes).map((r) => r.code)
        g.step() // in force from the next height
        return [p!.code, ...codes, g.keeper<GovernanceKeeper>('governance').proposal(id)!.status]
      }
      const k = () => g.keeper<EvidenceKeeper>(EVIDENCE_MODULE)
      return { c, g, common, govern, k }
    }

    it('governance registers TSAs by certificate; a certificate without the timeStamping usage is refused', () => {
      const t = setup()
      assert.deepEqual(
        t.govern([{ type: 'addTimestampAuthority', value: { id: 'no-eku', certificate: noEku.certificate } }]),
        ['GOV_BAD_PROPOSAL'],
      )
      assert.deepEqual(
        t.govern([{ type: 'addTimestampAuthority', value: { id: 'bad', certificate: utf8('not der') } }]),
        ['GOV_BAD_PROPOSAL'],
      )
      assert.deepEqual(
        t.govern([
          { type: 'addTimestampAuthority', value: { id: 'bjtsa', certificate: ec.certificate } },
          { type: 'addTimestampAuthority', value: { id: 'hztsa', certificate: rsa.certificate } },
        ]),
        ['OK', 'OK', 'OK', 'passed'],
      )
      const gov = t.g.keeper<GovernanceKeeper>('governance')
      assert.deepEqual(
        gov.timestampAuthoritiesAt(t.g.height).map((a) => a.id),
        ['bjtsa', 'hztsa'],
      )
      // The same certificate under another id is refused when applied: the proposal fails.
      assert.deepEqual(
        t.govern([{ type: 'addTimestampAuthority', value: { id: 'again', certificate: ec.certificate } }]),
        ['OK', 'OK', 'OK', 'failed'],
      )
    })

    it('a verified token is attached once; each bad token fails with its own code and changes nothing', () => {
      const t = setup()
      t.govern([{ type: 'addTimestampAuthority', value: { id: 'bjtsa', certificate: ec.certificate } }])
      // Block time near the wall clock: the TSA stamps with its own clock.
      t.g.timeMs = Date.now() - 3_600_000
      const doc = suite.hash(utf8('administrative penalty decision 2026-117'))
      const item = evidenceSubmit({ ...t.common(t.c.operators.market!), kind: 'penalty-file', contentHash: doc })
      assert.deepEqual(
        t.g.step([item.bytes]).map((r) => r.code),
        ['OK'],
      )
      const id = fromHex(item.hashHex)
      const good = ec.stamp(doc, hash)
      assert.equal(opensslVerifies(ec, good, doc), true, 'openssl accepts the token')
      const stamp = (token: Uint8Array, by = t.c.operators.market!, nonce = 0) =>
        evidenceTimestamp({ ...t.common(by, nonce), id, token }).bytes

      // An hour before the TSA's clock: the token is from the future of the block.
      assert.deepEqual(
        t.g.step([stamp(good)]).map((r) => r.code),
        ['EVIDENCE_TSA_BAD_TIME'],
      )
      t.g.timeMs = Date.now() + 1000

      const altered = withOtherTime(good)
      assert.equal(opensslVerifies(ec, altered, doc), false, 'openssl refuses the altered token too')
      const badSignature = good.slice()
      badSignature[badSignature.length - 3]! ^= 0x01
      const otherContent = ec.stamp(suite.hash(utf8('another document')), hash)
      const otherHash = ec.stamp(doc.slice(), hash === 'sm3' ? 'sha256' : 'sm3')
      const codes = t.g
        .step([
          stamp(stranger.stamp(doc, hash), undefined, 1),
          stamp(altered, undefined, 2),
          stamp(badSignature, undefined, 3),
          stamp(utf8('garbage'), undefined, 4),
          stamp(otherContent, undefined, 5),
          stamp(otherHash, undefined, 6),
          stamp(good, t.c.operators.housing!),
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'EVIDENCE_TSA_UNREGISTERED',
        'EVIDENCE_TSA_BAD_TOKEN',
        'EVIDENCE_TSA_BAD_TOKEN',
        'EVIDENCE_TSA_BAD_TOKEN',
        'EVIDENCE_TSA_IMPRINT_MISMATCH',
        'EVIDENCE_TSA_IMPRINT_MISMATCH',
        'EVIDENCE_NOT_SUBMITTER',
      ])
      assert.equal(t.k().timestamp(id), undefined, 'nothing recorded by the failures')

      assert.deepEqual(
        t.g.step([stamp(good, undefined, 7)]).map((r) => r.code),
        ['OK'],
      )
      const rec = t.k().timestamp(id)!
      const read = readTimestampToken(good)
      assert.equal(rec.authority, 'bjtsa')
      assert.equal(rec.genTimeMs, read.genTimeMs)
      assert.ok(Math.abs(rec.genTimeMs - Date.now()) < 120_000, 'the TSA’s clock')
      assert.equal(rec.serial, read.serial)
      assert.equal(rec.policy, '1.2.156.112233.1.1')
      assert.deepEqual(rec.token, good)
      assert.deepEqual(
        t.g.step([stamp(ec.stamp(doc, hash), undefined, 8)]).map((r) => r.code),
        ['EVIDENCE_TIMESTAMP_EXISTS'],
      )
    })

    it('attestations: only an officer of an organisation holding the role, once per organisation', () => {
      const t = setup()
      const doc = suite.hash(utf8('借款合同 2026-088'))
      const item = evidenceSubmit({ ...t.common(t.c.operators.market!), kind: 'contract', contentHash: doc })
      t.g.step([item.bytes])
      const id = fromHex(item.hashHex)
      const attest = (by: string, statement: 'notarised' | 'forensic-examined' | 'court-accepted', nonce = 0) =>
        evidenceAttest({
          ...t.common(t.c.operators[by]!, nonce),
          id,
          statement,
          report: suite.hash(utf8(`${by} report`)),
        }).bytes
      // Before governance gives housing the notary role, housing cannot notarise.
      assert.deepEqual(
        t.g.step([attest('housing', 'notarised')]).map((r) => r.code),
        ['EVIDENCE_ATTESTER_ROLE'],
      )
      assert.deepEqual(
        t
          .govern([
            { type: 'setOrganisationRoles', value: { orgId: 'housing', roles: ['notary'] } },
            { type: 'setOrganisationRoles', value: { orgId: 'tax', roles: ['forensic', 'court'] } },
          ])
          .at(-1),
        'passed',
      )
      assert.deepEqual(
        t.govern([{ type: 'setOrganisationRoles', value: { orgId: 'nowhere', roles: ['notary'] } }]).at(-1),
        'failed',
      )
      assert.deepEqual(
        t.govern([{ type: 'setOrganisationRoles', value: { orgId: 'tax', roles: ['court', 'court'] } }]),
        ['GOV_BAD_PROPOSAL'],
      )
      const codes = t.g
        .step([
          attest('housing', 'forensic-examined', 1), // a notary is not a forensic centre
          attest('market', 'notarised', 1), // no role at all
          attest('housing', 'notarised', 2),
          attest('housing', 'notarised', 3), // twice
          attest('tax', 'forensic-examined', 1),
          evidenceAttest({
            ...t.common(t.c.operators.tax!, 2),
            id: suite.hash(utf8('none')),
            statement: 'court-accepted',
          }).bytes,
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'EVIDENCE_ATTESTER_ROLE',
        'EVIDENCE_ATTESTER_ROLE',
        'OK',
        'EVIDENCE_ATTESTATION_EXISTS',
        'OK',
        'EVIDENCE_NOT_FOUND',
      ])
      const atts = t.k().attestations(id)
      assert.deepEqual(
        atts.map((a) => [a.orgId, a.role, a.statement, a.officerId]),
        [
          ['housing', 'notary', 'notarised', 'housing-admin'],
          ['tax', 'forensic', 'forensic-examined', 'tax-admin'],
        ],
      )
      assert.deepEqual(atts[0]!.report, suite.hash(utf8('housing report')))
      // Governance takes the role away: no new attestations in it.
      t.govern([{ type: 'setOrganisationRoles', value: { orgId: 'tax', roles: ['forensic'] } }])
      assert.deepEqual(
        t.g.step([attest('tax', 'court-accepted', 3)]).map((r) => r.code),
        ['EVIDENCE_ATTESTER_ROLE'],
      )
    })

    it('an RSA TSA stamps a batch root; a TSA governance removed is no longer accepted', () => {
      const t = setup()
      t.govern([
        { type: 'addTimestampAuthority', value: { id: 'bjtsa', certificate: ec.certificate } },
        { type: 'addTimestampAuthority', value: { id: 'hztsa', certificate: rsa.certificate } },
      ])
      t.g.timeMs = Date.now()
      const docs = Array.from({ length: 100 }, (_, i) => suite.hash(utf8(`enforcement video ${i}`)))
      const b = evidenceBatch({ ...t.common(t.c.operators.tax!), kind: 'audio-video', contentHashes: docs })
      const single = evidenceSubmit({ ...t.common(t.c.operators.tax!, 1), kind: 'contract', contentHash: docs[0]! })
      assert.deepEqual(
        t.g.step([b.tx.bytes, single.bytes]).map((r) => r.code),
        ['OK', 'OK'],
      )
      const rsaToken = rsa.stamp(b.root, hash)
      assert.equal(opensslVerifies(rsa, rsaToken, b.root), true)
      const stampBatch = evidenceTimestamp({
        ...t.common(t.c.operators.tax!, 2),
        id: fromHex(b.tx.hashHex),
        token: rsaToken,
      })
      assert.deepEqual(
        t.g.step([stampBatch.bytes]).map((r) => r.code),
        ['OK'],
      )
      assert.equal(t.k().timestamp(fromHex(b.tx.hashHex))!.authority, 'hztsa')

      assert.deepEqual(t.govern([{ type: 'removeTimestampAuthority', value: { id: 'bjtsa' } }]).at(-1), 'passed')
      t.g.timeMs = Math.max(t.g.timeMs, Date.now())
      const late = evidenceTimestamp({
        ...t.common(t.c.operators.tax!, 3),
        id: fromHex(single.hashHex),
        token: ec.stamp(docs[0]!, hash),
      })
      assert.deepEqual(
        t.g.step([late.bytes]).map((r) => r.code),
        ['EVIDENCE_TSA_UNREGISTERED'],
      )
      const gov = t.g.keeper<GovernanceKeeper>('governance')
      assert.deepEqual(
        gov.timestampAuthoritiesAt(t.g.height).map((a) => a.id),
        ['hztsa'],
      )
      assert.equal(gov.timestampAuthorities().length, 2, 'the removed one stays listed')
    })
  })
}

describe('RFC 3161 requests and responses', () => {
  it('our TimeStampReq is answered by openssl; tokenOf takes the token out of the response', () => {
    const digest = suites.intl.hash(utf8('a contract'))
    const nonce = Uint8Array.of(0xf1, 2, 3, 4, 5, 6, 7, 8)
    const resp = ec.reply(timestampRequest(digest, 'sha256', nonce))
    const token = tokenOf(resp)
    assert.equal(tokenOf(token), token, 'a bare token is taken as it is')
    const read = readTimestampToken(token)
    assert.equal(read.imprint, toHex(digest))
    assert.equal(read.nonce, '7102030405060708', 'the nonce comes back (top bit cleared: a positive INTEGER)')
    const facts = verifyTimestampToken(token, { digest, hash: 'sha256' }, [
      { id: 'bjtsa', certificate: ec.certificate },
    ])
    assert.equal(facts.authority, 'bjtsa')
    assert.ok(facts.notBeforeMs <= facts.genTimeMs && facts.genTimeMs <= facts.notAfterMs)
    assert.equal(opensslVerifies(ec, token, digest), true)
  })

  it('a refusal by the TSA is reported with its status', () => {
    // A query for a digest algorithm the TSA does not accept (sha512 is not in its `digests`).
    const q = join(ec.dir, 'sha512.tsq')
    execFileSync('openssl', ['ts', '-query', '-digest', 'ab'.repeat(64), '-sha512', '-out', q], { cwd: ec.dir })
    const resp = new Uint8Array(
      execFileSync('openssl', ['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q], { cwd: ec.dir, stdio: 'pipe' }),
    )
    assert.throws(
      () => tokenOf(resp),
      (e: Error & { code?: string }) => e.code === 'EVIDENCE_TSA_BAD_TOKEN' && /refused \(status 2/.test(e.message),
    )
  })
})
