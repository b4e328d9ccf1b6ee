/**
 * Issuing checks the holder (issue 15, item 3): identifiers are checked by their standards' check
 * characters, the form is pre-filled from the department's record, and a licence naming another
 * holder or differing from the record is refused with LICENSE_HOLDER_MISMATCH — coded, and
 * leaving the record and the claim as they were.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorInfo, isGovchainError } from '@govchain/core'
import {
  checkHolderMatch,
  checkHolderRecord,
  type HolderRecord,
  holderMismatches,
  isIdNumber,
  parseHolderId,
  prefillFields,
} from '../src/client.ts'

const CREDIT = '91110108MA01C8K5XE'
const record: HolderRecord = {
  kind: 'enterprise',
  id: '91110108MA01C8K5XE',
  did: 'did:govchain:4eTnqvRDWLpcQ3kbBhCXh1',
  name: '北京城建示范工程有限公司',
  fields: {
    enterpriseName: '北京城建示范工程有限公司',
    creditCode: '91110108MA01C8K5XE',
    legalRepresentative: '张建国',
  },
}

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    assert.ok(isGovchainError(e), String(e))
    return e.code
  }
  return 'OK'
}

describe('holder identifiers', () => {
  it('accepts a credit code with its GB 32100-2015 check character, normalised', () => {
    assert.equal(parseHolderId('enterprise', ` ${CREDIT.toLowerCase()} `), CREDIT)
    const wrongCheck = CREDIT.slice(0, 17) + (CREDIT[17] === '0' ? '1' : '0')
    assert.equal(
      codeOf(() => parseHolderId('enterprise', wrongCheck)),
      'LICENSE_HOLDER_ID_INVALID',
    )
    assert.equal(
      codeOf(() => parseHolderId('enterprise', '')),
      'LICENSE_HOLDER_ID_INVALID',
    )
    assert.equal(
      codeOf(() => parseHolderId('enterprise', 'did:govchain:abc')),
      'LICENSE_HOLDER_ID_INVALID',
    )
  })

  it('accepts an identity number with its GB 11643-1999 check digit', () => {
    // The example of GB 11643-1999 Annex A.
    assert.equal(isIdNumber('11010519491231002X'), true)
    assert.equal(isIdNumber('110105194912310021'), false)
    assert.equal(parseHolderId('person', '11010519491231002x'), '11010519491231002X')
    assert.equal(
      codeOf(() => parseHolderId('person', '11010519491231002')),
      'LICENSE_HOLDER_ID_INVALID',
    )
    // A credit code is not an identity number, nor the other way round.
    assert.equal(
      codeOf(() => parseHolderId('person', CREDIT)),
      'LICENSE_HOLDER_ID_INVALID',
    )
    assert.equal(
      codeOf(() => parseHolderId('enterprise', '11010519491231002X')),
      'LICENSE_HOLDER_ID_INVALID',
    )
    assert.equal(errorInfo('LICENSE_HOLDER_ID_INVALID')?.http, 400)
  })
})

describe('holder records', () => {
  it('are checked before use', () => {
    assert.equal(checkHolderRecord(record), record)
    assert.equal(
      codeOf(() => checkHolderRecord({ ...record, did: 'not-a-did' })),
      'LICENSE_HOLDER_RECORD_INVALID',
    )
    assert.equal(
      codeOf(() => checkHolderRecord({ ...record, id: '123' })),
      'LICENSE_HOLDER_ID_INVALID',
    )
    assert.equal(
      codeOf(() => checkHolderRecord({ ...record, fields: { 'bad name': 'x' } })),
      'LICENSE_HOLDER_RECORD_INVALID',
    )
  })

  it('pre-fill only the fields the licence type has', () => {
    const fields = [{ name: 'enterpriseName' }, { name: 'creditCode' }, { name: 'qualificationCategory' }]
    assert.deepEqual(prefillFields(fields, record), {
      enterpriseName: '北京城建示范工程有限公司',
      creditCode: CREDIT,
    })
  })
})

describe('the holder check', () => {
  const good = { holder: record.did, fields: { ...record.fields, qualificationCategory: '建筑工程施工总承包贰级' } }

  it('passes a licence to the record holder with the record values (spaces aside)', () => {
    assert.doesNotThrow(() =>
      checkHolderMatch(record, { ...good, fields: { ...good.fields, enterpriseName: ' 北京城建示范工程有限公司 ' } }),
    )
    assert.deepEqual(holderMismatches(record, good), [])
  })

  it("refuses another holder's DID with LICENSE_HOLDER_MISMATCH, naming no values", () => {
    const claim = { ...good, holder: 'did:govchain:9other9DID9' }
    const before = JSON.stringify([record, claim])
    try {
      checkHolderMatch(record, claim)
      assert.fail('accepted')
    } catch (e) {
      assert.ok(isGovchainError(e))
      assert.equal(e.code, 'LICENSE_HOLDER_MISMATCH')
      assert.deepEqual(e.details, { differ: ['holder'] })
      assert.doesNotMatch(e.message, /张建国|91110108/)
    }
    assert.equal(JSON.stringify([record, claim]), before, 'nothing changed')
    assert.equal(errorInfo('LICENSE_HOLDER_MISMATCH')?.http, 409)
  })

  it('refuses a field naming someone else', () => {
    const claim = { ...good, fields: { ...good.fields, enterpriseName: '北京华筑工程监理有限公司', creditCode: 'X' } }
    assert.deepEqual(holderMismatches(record, claim), ['enterpriseName', 'creditCode'])
    assert.equal(
      codeOf(() => checkHolderMatch(record, claim)),
      'LICENSE_HOLDER_MISMATCH',
    )
  })
})
