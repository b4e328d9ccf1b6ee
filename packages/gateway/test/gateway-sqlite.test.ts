import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openSqliteConnector } from '../src/sqlite.ts'
import { connectorCompliance } from './gateway-connector-compliance.ts'

const dir = mkdtempSync(join(tmpdir(), 'govchain-sqlite-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('SQLite connector (embedded default)', () => {
  connectorCompliance('sqlite', async () => openSqliteConnector(join(dir, 'data.sqlite')))
})

it('a query prepared once still sees rows inserted after it, and a table re-created', async () => {
  const c = openSqliteConnector(join(dir, 'statements.sqlite'))
  try {
    await c.createTable('t', [
      { name: 'k', type: 'text' },
      { name: 'v', type: 'text' },
    ])
    const q = { table: 't', columns: ['v'], where: [{ column: 'k', values: ['a'] }], limit: 10 }
    assert.deepEqual(await c.query(q), [])
    await c.insert('t', ['k', 'v'], [['a', '1']])
    assert.deepEqual(await c.query(q), [{ v: '1' }])
    await c.insert('t', ['k', 'v'], [['a', '2']])
    assert.deepEqual((await c.query(q)).map((r) => r.v).sort(), ['1', '2'])
  } finally {
    await c.close()
  }
})
