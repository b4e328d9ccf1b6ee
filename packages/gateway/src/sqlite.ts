/** The embedded default connector: SQLite through better-sqlite3 (synchronous, in process). */

import { chmodSync, closeSync, existsSync, openSync } from 'node:fs'
import { GovchainError } from '@govchain/core'
import Database from 'better-sqlite3'
import {
  buildSelect,
  type CellValue,
  type ColumnSpec,
  createTableSql,
  type DataConnector,
  ident,
  type QuerySpec,
  type Row,
} from './connector.ts'

/** Prepared query statements a connector keeps (then it starts again). */
const SQLITE_STATEMENTS_MAX = 256

export function openSqliteConnector(path: string): DataConnector {
  let db: Database.Database
  try {
    // The department's records (personal data): this user only, like the keys (issue 13, Low);
    // created 0600 before SQLite opens it (no moment at 0644), an existing file tightened.
    if (path !== ':memory:') {
      closeSync(openSync(path, 'a', 0o600))
      chmodSync(path, 0o600)
    }
    db = new Database(path)
    // WAL lets the seeding process and the gateway read/write the file side by side.
    db.pragma('journal_mode = WAL')
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600)
  } catch (e) {
    throw new GovchainError('GATEWAY_CONNECTOR_ERROR', `cannot open SQLite database ${path}: ${String(e)}`)
  }
  // Prepared once per statement text (issue 19: preparing was about 40 % of a provider's query);
  // the texts are few (one per shape of columns and filter sizes), bounded anyway.
  const statements = new Map<string, Database.Statement>()
  const prepared = (sql: string): Database.Statement => {
    let stmt = statements.get(sql)
    if (stmt === undefined) {
      stmt = db.prepare(sql)
      if (statements.size >= SQLITE_STATEMENTS_MAX) statements.clear()
      statements.set(sql, stmt)
    }
    return stmt
  }
  const wrap = <T>(f: () => T): Promise<T> => {
    try {
      return Promise.resolve(f())
    } catch (e) {
      if (e instanceof GovchainError) return Promise.reject(e)
      return Promise.reject(new GovchainError('GATEWAY_CONNECTOR_ERROR', String(e)))
    }
  }
  return {
    kind: 'sqlite',
    createTable: (table: string, columns: readonly ColumnSpec[]) =>
      wrap(() => void db.exec(createTableSql(table, columns))),
    insert: (table: string, columns: readonly string[], rows: readonly CellValue[][]) =>
      wrap(() => {
        const stmt = db.prepare(
          `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        )
        db.transaction(() => {
          for (const r of rows) stmt.run(...r)
        })()
      }),
    query: (q: QuerySpec) =>
      wrap(() => {
        const { sql, params } = buildSelect(q, () => '?')
        return prepared(sql).all(...params) as Row[]
      }),
    count: (table: string) =>
      wrap(() => (db.prepare(`SELECT COUNT(*) AS n FROM ${ident(table)}`).get() as { n: number }).n),
    close: () => wrap(() => void db.close()),
  }
}
