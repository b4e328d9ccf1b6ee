/** The PostgreSQL connector for real deployments (pg, a bounded pool), same interface as SQLite. */
import { GovchainError } from '@govchain/core'
import pg from 'pg'
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

export interface PostgresConnectorOptions {
  /** postgres://user:password@host:port/db */
  url: string
  /** Pool size; the gateway's concurrency bound towards the database. */
  poolMax?: number
  statementTimeoutMs?: number
}

export function openPostgresConnector(opts: PostgresConnectorOptions): DataConnector {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? 8,
    statement_timeout: opts.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: 10_000,
  })
  // An idle client's error (server restart) must not crash the gateway; the next query reconnects.
  pool.on('error', () => {})
  const run = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f()
    } catch (e) {
      if (e instanceof GovchainError) throw e
      throw new GovchainError('GATEWAY_CONNECTOR_ERROR', String(e))
    }
  }
  const normalise = (r: Record<string, unknown>): Row => {
    const out: Row = {}
    for (const [k, v] of Object.entries(r)) {
      // BIGINT arrives as text from pg; the gateway's rows are text or numbers like SQLite's.
      out[k] = v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : String(v)
      if (typeof out[k] === 'string' && typeof v === 'string' && /^-?\d{1,15}$/.test(v) && bigintColumns.has(k))
        out[k] = Number(v)
    }
    return out
  }
  const bigintColumns = new Set<string>()
  return {
    kind: 'postgres',
    createTable: (table: string, columns: readonly ColumnSpec[]) =>
      run(async () => {
        for (const c of columns) if (c.type === 'integer') bigintColumns.add(c.name)
        await pool.query(createTableSql(table, columns))
      }),
    insert: (table: string, columns: readonly string[], rows: readonly CellValue[][]) =>
      run(async () => {
        const client = await pool.connect()
        try {
          await client.query('BEGIN')
          const sql = `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`
          for (const r of rows) await client.query(sql, r as CellValue[])
          await client.query('COMMIT')
        } catch (e) {
          await client.query('ROLLBACK').catch(() => {})
          throw e
        } finally {
          client.release()
        }
      }),
    query: (q: QuerySpec) =>
      run(async () => {
        const { sql, params } = buildSelect(q, (i) => `$${i}`)
        const res = await pool.query(sql, params)
        const intCols = new Set(res.fields.filter((f) => f.dataTypeID === 20).map((f) => f.name))
        return res.rows.map((r: Record<string, unknown>) => {
          const row = normalise(r)
          for (const c of intCols) if (typeof row[c] === 'string') row[c] = Number(row[c])
          return row
        })
      }),
    count: (table: string) =>
      run(async () => Number((await pool.query(`SELECT COUNT(*) AS n FROM ${ident(table)}`)).rows[0]?.n ?? 0)),
    close: () => run(() => pool.end()),
  }
}
