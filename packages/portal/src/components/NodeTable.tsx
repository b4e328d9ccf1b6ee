/**
 * The table of nodes the explorer and the operations console show: one row per node, its
 * organisation and name and its state, then the page's own columns (height, peers, pool…), each
 * built from what the node's status (or its metrics) answered, '—' until it has.
 */
import { Badge } from '@govchain/portal-kit'
import type { Status } from '@govchain/sdk'
import type { ReactNode } from 'react'
import { useApp } from '../messages.ts'

type MessageKey = Parameters<ReturnType<typeof useApp>['t']>[0]

/** What every row has: the node, its organisation, its status or why none. */
interface NodeRowBase {
  name: string
  orgId: string
  status?: Status
  error?: string
}

/** A numeric column after the node and its state: its header, its cell, and the cell's test id and tooltip. */
export interface NodeColumn<R extends NodeRowBase> {
  header: MessageKey
  cell: (row: R) => ReactNode
  testId?: string
  title?: (row: R) => string | undefined
}

/** The node's height, as its status answers. */
export const HEIGHT_COLUMN: NodeColumn<NodeRowBase> = {
  header: 'explorer.col.height',
  cell: (n) => n.status?.height ?? '—',
}

/** The node's consensus round, as its status answers. */
export const ROUND_COLUMN: NodeColumn<NodeRowBase> = {
  header: 'explorer.col.round',
  cell: (n) => n.status?.round ?? '—',
}

/** How many peers the node has, their ids as the tooltip. */
export const PEERS_COLUMN: NodeColumn<NodeRowBase> = {
  header: 'explorer.col.peers',
  cell: (n) => n.status?.peers.length ?? '—',
  title: (n) => n.status?.peers.map((p) => p.id).join(', '),
}

/** A node's state as a badge: healthy, catching up, unreachable, or not known yet. */
function NodeState({ status, error }: { status: Status | undefined; error: string | undefined }) {
  const { t } = useApp()
  if (status === undefined) return error === undefined ? '…' : <Badge tone="bad">{t('explorer.node.down')}</Badge>
  return status.catchingUp ? (
    <Badge tone="warn">{t('explorer.node.syncing')}</Badge>
  ) : (
    <Badge tone="ok">{t('explorer.node.ok')}</Badge>
  )
}

/** The nodes, one row each (test id `rowTestIdPrefix` + the node's name), with `columns` after their state. */
export function NodeTable<R extends NodeRowBase>({
  rows,
  rowTestIdPrefix,
  columns,
}: {
  rows: readonly R[]
  rowTestIdPrefix: string
  columns: readonly NodeColumn<R>[]
}) {
  const { t, orgName } = useApp()
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>{t('explorer.col.node')}</th>
            <th>{t('explorer.col.state')}</th>
            {columns.map((c) => (
              <th key={c.header} className="num">
                {t(c.header)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.name} data-testid={`${rowTestIdPrefix}${n.name}`}>
              <td>
                <strong>{orgName(n.orgId)}</strong> <span className="muted">{n.name}</span>
              </td>
              <td>
                <NodeState status={n.status} error={n.error} />
              </td>
              {columns.map((c) => (
                <td key={c.header} className="num" data-testid={c.testId} title={c.title?.(n)}>
                  {c.cell(n)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
