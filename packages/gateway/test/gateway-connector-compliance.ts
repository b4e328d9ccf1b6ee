/** One compliance suite for every data connector (SQLite, PostgreSQL): same inputs, same answers. */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { isGovchainError } from '@govchain/core'
import type { DataConnector } from '../src/connector.ts'

export function connectorCompliance(name: string, open: () => Promise<DataConnector>): void {
  const table = `t_${name}_${Math.floor(Math.random() * 1e9)}`
  const columns = [
    { name: 'id_number', type: 'text' as const },
    { name: 'name', type: 'text' as const },
    { name: 'income', type: 'integer' as const },
    { name: 'district', type: 'text' as const },
  ]
  const rows = [
    ['110108199001011234', '张三', 120000, '110108'],
    ['110105198505052345', '李四', 80000, '110105'],
    ['110108197712123456', '王五', null, '110108'],
    ["x' OR '1'='1", '注入', 1, '000000'],
  ]

  it(`${name}: create, insert, count`, async () => {
    const c = await open()
    try {
      await c.createTable(table, columns)
      await c.createTable(table, columns) // idempotent
      await c.insert(
        table,
        columns.map((x) => x.name),
        rows,
      )
      assert.equal(await c.count(table), 4)
    } finally {
      await c.close()
    }
  })

  it(`${name}: projection, IN filters (AND), order, limit, values as parameters`, async () => {
    const c = await open()
    try {
      const q = await c.query({
        table,
        columns: ['id_number', 'income'],
        where: [{ column: 'district', values: ['110108'] }],
        limit: 10,
      })
      assert.deepEqual(q, [
        { id_number: '110108197712123456', income: null },
        { id_number: '110108199001011234', income: 120000 },
      ])
      const both = await c.query({
        table,
        columns: ['name'],
        where: [
          { column: 'district', values: ['110108'] },
          { column: 'id_number', values: ['110108199001011234', '110105198505052345'] },
        ],
        limit: 10,
      })
      assert.deepEqual(both, [{ name: '张三' }])
      const none = await c.query({ table, columns: ['name'], where: [{ column: 'id_number', values: [] }], limit: 10 })
      assert.deepEqual(none, [])
      const inj = await c.query({
        table,
        columns: ['name'],
        where: [{ column: 'id_number', values: ["x' OR '1'='1"] }],
        limit: 10,
      })
      assert.deepEqual(inj, [{ name: '注入' }])
      const limited = await c.query({ table, columns: ['id_number'], where: [], limit: 2 })
      assert.equal(limited.length, 2)
      // Numbers compare as text in filters (a filter value is always a string).
      const byNumber = await c.query({
        table,
        columns: ['name'],
        where: [{ column: 'income', values: ['80000'] }],
        limit: 10,
      })
      assert.deepEqual(byNumber, [{ name: '李四' }])
    } finally {
      await c.close()
    }
  })

  it(`${name}: identifiers are checked, never interpolated`, async () => {
    const c = await open()
    try {
      for (const bad of ['name; DROP TABLE x', 'Name', '"name"', '', 'a'.repeat(80)]) {
        await assert.rejects(
          c.query({ table, columns: [bad], where: [], limit: 1 }),
          (e: unknown) => isGovchainError(e) && e.code === 'GATEWAY_CONFIG_INVALID',
        )
      }
      await assert.rejects(
        c.query({ table, columns: ['name'], where: [], limit: 0 }),
        (e: unknown) => isGovchainError(e) && e.code === 'GATEWAY_BAD_REQUEST',
      )
      await assert.rejects(
        c.query({ table: 'no_such_table', columns: ['name'], where: [], limit: 1 }),
        (e: unknown) => isGovchainError(e) && e.code === 'GATEWAY_CONNECTOR_ERROR',
      )
    } finally {
      await c.close()
    }
  })
}
