/**
 * Data connectors: the gateway's door into the department's own database. One interface, two
 * engines — embedded SQLite (the default, holding the demo departments' data) and PostgreSQL
 * (real deployments) — both passing the same compliance suite (test/gateway-connector-compliance.ts).
 *
 * Every identifier (table, column) is checked against IDENT_PATTERN and quoted; every value is a
 * bound parameter. A query is a projection of named columns with AND-ed `IN` filters and a limit,
 * which is all a grant can express (fields, filter on one field, row scope).
 */
import { GovchainError } from '@govchain/core'

export const IDENT_PATTERN = /^[a-z][a-z0-9_]{0,62}$/
/** Largest `IN` list and row count a connector accepts in one query. */
export const CONNECTOR_VALUES_MAX = 500
export const CONNECTOR_ROWS_MAX = 10_000

export type ColumnType = 'text' | 'integer' | 'real'
export interface ColumnSpec {
  name: string
  type: ColumnType
}
export type CellValue = string | number | null
export type Row = Record<string, CellValue>

export interface QuerySpec {
  table: string
  columns: readonly string[]
  /** AND of `column IN (values)`; an empty values list matches nothing. */
  where: readonly { column: string; values: readonly string[] }[]
  limit: number
}

export interface DataConnector {
  readonly kind: 'sqlite' | 'postgres'
  /** Creates the table if absent (demo seeding, tests). */
  createTable(table: string, columns: readonly ColumnSpec[]): Promise<void>
  /** Inserts rows (one transaction). */
  insert(table: string, columns: readonly string[], rows: readonly CellValue[][]): Promise<void>
  /** Rows in a stable order (by the first column), at most `limit`. */
  query(q: QuerySpec): Promise<Row[]>
  /** Number of rows of a table (health, seeding idempotence). */
  count(table: string): Promise<number>
  close(): Promise<void>
}

export function ident(name: string): string {
  if (typeof name !== 'string' || !IDENT_PATTERN.test(name)) {
    throw new GovchainError('GATEWAY_CONFIG_INVALID', `invalid identifier ${JSON.stringify(name)}`)
  }
  return `"${name}"`
}

export function checkQuery(q: QuerySpec): void {
  if (q.columns.length === 0) throw new GovchainError('GATEWAY_BAD_REQUEST', 'no columns')
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > CONNECTOR_ROWS_MAX) {
    throw new GovchainError('GATEWAY_BAD_REQUEST', `limit must be 1..${CONNECTOR_ROWS_MAX}`)
  }
  for (const w of q.where) {
    if (w.values.length > CONNECTOR_VALUES_MAX) throw new GovchainError('GATEWAY_BAD_REQUEST', 'too many filter values')
  }
}

/** SQL text shared by both engines; `param(i)` renders the i-th placeholder (1-based). */
export function buildSelect(q: QuerySpec, param: (i: number) => string): { sql: string; params: string[] } {
  checkQuery(q)
  const params: string[] = []
  const conds = q.where.map((w) => {
    if (w.values.length === 0) return '1 = 0'
    const ps = w.values.map((v) => {
      params.push(v)
      return param(params.length)
    })
    return `CAST(${ident(w.column)} AS TEXT) IN (${ps.join(', ')})`
  })
  const cols = q.columns.map(ident).join(', ')
  const where = conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`
  const sql = `SELECT ${cols} FROM ${ident(q.table)}${where} ORDER BY ${ident(q.columns[0]!)} LIMIT ${q.limit}`
  return { sql, params }
}

export function createTableSql(table: string, columns: readonly ColumnSpec[]): string {
  const cols = columns.map(
    (c) => `${ident(c.name)} ${c.type === 'text' ? 'TEXT' : c.type === 'integer' ? 'BIGINT' : 'DOUBLE PRECISION'}`,
  )
  return `CREATE TABLE IF NOT EXISTS ${ident(table)} (${cols.join(', ')})`
}
