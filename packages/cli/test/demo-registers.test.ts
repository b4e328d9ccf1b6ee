/**
 * The demo holders of `govchain up` as the departments' holder registers hold them (issue 15,
 * item 3): every record is well formed (identifiers with right check characters), and each can
 * be looked up by its credit code or identity number.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { addHolderRecords, lookupHolder, openSqliteConnector } from '@govchain/gateway'
import { checkHolderRecord } from '@govchain/license/client'
import { licenseDemoHolderRecords } from '../src/demo/license.ts'

it('the demo holder records are valid and can be looked up', async () => {
  const holders = ['chengjian', 'huazhu', 'weilai', 'liming']
  const records = licenseDemoHolderRecords({
    wallets: holders.map((h, i) => ({
      holder: h,
      name: h,
      did: `did:govchain:Demo${i + 1}Wxyz`,
      file: '',
      licenses: [],
    })),
  })
  assert.equal(records.length, holders.length)
  for (const r of records) assert.equal(checkHolderRecord(r), r)
  const db = openSqliteConnector(':memory:')
  try {
    assert.equal(await addHolderRecords(db, records), holders.length)
    const person = records.find((r) => r.kind === 'person')!
    assert.equal((await lookupHolder(db, 'person', person.id)).did, person.did)
    const firm = records.find((r) => r.kind === 'enterprise')!
    assert.equal((await lookupHolder(db, 'enterprise', firm.id)).fields.creditCode, firm.id)
  } finally {
    await db.close()
  }
})
