/**
 * The department's holder register (issue 15, item 3; docs/adr/0028-holder-lookup-off-chain.md):
 * the enterprises and people the department serves, by credit code or identity number, with
 * their DID, name and the field values the department holds. It lives in the department's own
 * database, behind the gateway's local API (officers of this department only), and never goes
 * on chain. The licence issue form looks the holder up here and the gateway checks the licence
 * against the record before the officer signs (checkHolderMatch, @govchain/license/client).
 */
import { GovchainError } from '@govchain/core'
import {
  checkHolderRecord,
  type HolderKind,
  type HolderRecord,
  holderIdKind,
  parseHolderId,
} from '@govchain/license/client'
import type { ColumnSpec, DataConnector } from './connector.ts'

/** The register's table in the department's database. */
export const HOLDER_TABLE = 'holder_register'
const COLUMNS: readonly ColumnSpec[] = [
  { name: 'id_kind', type: 'text' },
  { name: 'id_value', type: 'text' },
  { name: 'did', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'fields', type: 'text' },
]
const COLUMN_NAMES = COLUMNS.map((c) => c.name)

/**
 * Adds records to the register (creating the table), skipping identifiers it already holds.
 * Every record is checked first: one bad record adds nothing. Returns how many were added.
 */
export async function addHolderRecords(connector: DataConnector, records: readonly HolderRecord[]): Promise<number> {
  for (const r of records) checkHolderRecord(r)
  await connector.createTable(HOLDER_TABLE, COLUMNS)
  const fresh: HolderRecord[] = []
  for (const r of records) {
    const held = await connector.query({
      table: HOLDER_TABLE,
      columns: ['id_value'],
      where: [
        { column: 'id_kind', values: [holderIdKind(r.kind)] },
        { column: 'id_value', values: [r.id] },
      ],
      limit: 1,
    })
    if (held.length === 0 && !fresh.some((x) => x.kind === r.kind && x.id === r.id)) fresh.push(r)
  }
  if (fresh.length > 0) {
    await connector.insert(
      HOLDER_TABLE,
      COLUMN_NAMES,
      fresh.map((r) => [holderIdKind(r.kind), r.id, r.did, r.name, JSON.stringify(r.fields)]),
    )
  }
  return fresh.length
}

/**
 * The record of the holder of `kind` named by `idText` (LICENSE_HOLDER_ID_INVALID for a malformed
 * identifier, LICENSE_HOLDER_NOT_FOUND when the register has none; nothing is changed).
 */
export async function lookupHolder(connector: DataConnector, kind: HolderKind, idText: string): Promise<HolderRecord> {
  const id = parseHolderId(kind, idText)
  let rows: Awaited<ReturnType<DataConnector['query']>>
  try {
    rows = await connector.query({
      table: HOLDER_TABLE,
      columns: COLUMN_NAMES,
      where: [
        { column: 'id_kind', values: [holderIdKind(kind)] },
        { column: 'id_value', values: [id] },
      ],
      limit: 1,
    })
  } catch (e) {
    // A department that keeps no register yet holds no holder.
    if (/no such table|does not exist/.test(String((e as Error).message))) rows = []
    else throw e
  }
  const row = rows[0]
  if (row === undefined) throw new GovchainError('LICENSE_HOLDER_NOT_FOUND', undefined, { kind })
  let fields: Record<string, string>
  try {
    fields = JSON.parse(String(row.fields)) as Record<string, string>
  } catch {
    throw new GovchainError('LICENSE_HOLDER_RECORD_INVALID', 'fields are not JSON')
  }
  return checkHolderRecord({ kind, id, did: String(row.did), name: String(row.name), fields })
}
