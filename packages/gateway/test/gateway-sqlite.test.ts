import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe } from 'node:test'
import { openSqliteConnector } from '../src/sqlite.ts'
import { connectorCompliance } from './gateway-connector-compliance.ts'

const dir = mkdtempSync(join(tmpdir(), 'govchain-sqlite-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('SQLite connector (embedded default)', () => {
  connectorCompliance('sqlite', async () => openSqliteConnector(join(dir, 'data.sqlite')))
})
