/**
 * Operations console (issue 18), for an administrator: every node's height, sync state, peers,
 * mempool, TLS certificate expiry, refused transactions and peer connections (from its /metrics),
 * the validator set and the registered observers, the node certificates governance revoked, and
 * the departments' data gateways. Refreshed every few seconds;
 * a node or gateway that does not answer is shown as such, the others keep updating.
 */
import { errorLabel } from '@govchain/distribution/labels'
import { Badge, Card, Notice } from '@govchain/portal-kit'
import { gatewayLocalStatus, governance, HttpTransport, type Status } from '@govchain/sdk'
import { useEffect, useState } from 'react'
import { HEIGHT_COLUMN, type NodeColumn, NodeTable, PEERS_COLUMN } from '../components/NodeTable.tsx'
import { tMaybe, useApp } from '../messages.ts'

const POLL_MS = 3000
const DAY_S = 86_400
/** A certificate with fewer days left is flagged (as `govchain certs status --warn-days`). */
const CERT_WARN_DAYS = 30

interface NodeMetrics {
  mempoolSize?: number
  mempoolBytes?: number
  certDaysLeft?: number
  /** Transactions refused at admission since the node started, by error code. */
  rejected: Record<string, number>
  /** Peer connections refused or dropped since the node started, by error code (e.g. P2P_CERT_REVOKED). */
  peersRefused: Record<string, number>
}

/** The few series the console shows, read from a Prometheus text exposition. */
function parseNodeMetrics(text: string): NodeMetrics {
  const out: NodeMetrics = { rejected: {}, peersRefused: {} }
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-z_]+)(\{[^}]*\})? (-?[0-9.e+]+)$/.exec(line.trim())
    if (m === null) continue
    const [, name, labels = '', raw] = m
    const value = Number(raw)
    if (!Number.isFinite(value)) continue
    const label = (key: string) => new RegExp(`${key}="([^"]*)"`).exec(labels)?.[1]
    if (name === 'govchain_mempool_size') out.mempoolSize = value
    else if (name === 'govchain_mempool_bytes') out.mempoolBytes = value
    else if (name === 'govchain_cert_expiry_seconds' && label('cert') === 'node-tls')
      out.certDaysLeft = Math.floor(value / DAY_S)
    else if (name === 'govchain_txs_rejected_total') {
      const reason = label('code') ?? 'unknown'
      out.rejected[reason] = (out.rejected[reason] ?? 0) + value
    } else if (name === 'govchain_p2p_refusals_total') {
      const reason = label('code') ?? 'unknown'
      out.peersRefused[reason] = (out.peersRefused[reason] ?? 0) + value
    }
  }
  return out
}

type NodeRow = { name: string; orgId: string; status?: Status; metrics?: NodeMetrics; error?: string }
type GatewayRow = { orgId: string; url: string; resources?: number; error?: string }
/** Revoked certificates shown (the first page of the list; `govchain gov revoked-certs` lists all). */
const REVOKED_SHOWN = 50

function useOps(): {
  nodes: NodeRow[]
  gateways: GatewayRow[]
  observers: governance.ObserverInfo[] | undefined
  revoked: governance.RevokedCertificateInfo[] | undefined
} {
  const { config, clients, client } = useApp()
  const [nodes, setNodes] = useState<NodeRow[]>(() => config.nodes.map((n) => ({ name: n.name, orgId: n.orgId })))
  const [gateways, setGateways] = useState<GatewayRow[]>(() =>
    Object.entries(config.gateways).map(([orgId, url]) => ({ orgId, url })),
  )
  const [observers, setObservers] = useState<governance.ObserverInfo[]>()
  const [revoked, setRevoked] = useState<governance.RevokedCertificateInfo[]>()
  useEffect(() => {
    let live = true
    // One transport per gateway for the page's life, made at its first poll (inside its row's
    // try: a gateway URL it refuses is that row's error), and reused by every later poll.
    const transports = new Map<string, HttpTransport>()
    const gatewayTransport = (url: string): HttpTransport => {
      let transport = transports.get(url)
      if (transport === undefined) {
        transport = new HttpTransport({ url: new URL(url, location.href).href, timeoutMs: POLL_MS })
        transports.set(url, transport)
      }
      return transport
    }
    const poll = async () => {
      const rows = await Promise.all(
        config.nodes.map(async (n): Promise<NodeRow> => {
          try {
            const [status, text] = await Promise.all([
              clients[n.name]!.status(),
              fetch(`${n.apiUrl}/metrics`, { signal: AbortSignal.timeout(POLL_MS) }).then((r) => r.text()),
            ])
            return { name: n.name, orgId: n.orgId, status, metrics: parseNodeMetrics(text) }
          } catch (e) {
            return { name: n.name, orgId: n.orgId, error: (e as Error).message }
          }
        }),
      )
      const gws = await Promise.all(
        Object.entries(config.gateways).map(async ([orgId, url]): Promise<GatewayRow> => {
          try {
            // The gateway's own answer (its local API, through this page's server), checked as the
            // node's are (ADR 0019), within one poll.
            const status = await gatewayLocalStatus(gatewayTransport(url))
            return { orgId, url, resources: status.resources.length }
          } catch (e) {
            return { orgId, url, error: (e as Error).message }
          }
        }),
      )
      let obs: governance.ObserverInfo[] | undefined
      try {
        obs = await governance.governanceObservers(client)
      } catch {
        obs = undefined
      }
      let rev: governance.RevokedCertificateInfo[] | undefined
      try {
        rev = (await governance.governanceRevokedCertificates(client, { limit: REVOKED_SHOWN })).certificates
      } catch {
        rev = undefined
      }
      if (!live) return
      setNodes(rows)
      setGateways(gws)
      setObservers(obs)
      setRevoked(rev)
    }
    void poll()
    const timer = setInterval(poll, POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [config, clients, client])
  return { nodes, gateways, observers, revoked }
}

export function OpsPage() {
  const { t, identity } = useApp()
  const { nodes, gateways, observers, revoked } = useOps()
  if (identity?.kind !== 'officer' || !(identity.roles ?? []).includes('admin')) {
    return (
      <div className="page">
        <h1>{t('ops.title')}</h1>
        <Notice tone="warn" testId="ops-admin-only">
          {t('ops.adminOnly')}
        </Notice>
      </div>
    )
  }
  const validators = nodes.find((n) => n.status !== undefined)?.status?.validators ?? []
  const rejected = nodes.flatMap((n) => [
    ...Object.entries(n.metrics?.rejected ?? {})
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => ({ node: n.name, kind: 'tx' as const, reason, count })),
    ...Object.entries(n.metrics?.peersRefused ?? {})
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => ({ node: n.name, kind: 'peer' as const, reason, count })),
  ])
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('ops.title')}</h1>
      </div>
      <Card title={t('ops.nodes')} testId="ops-nodes">
        <NodeTable rows={nodes} rowTestIdPrefix="ops-node-" columns={NODES_COLUMNS} />
      </Card>
      <div className="grid-2">
        <MembersCard validators={validators} observers={observers} />
        <GatewaysCard gateways={gateways} />
      </div>
      <RevokedCard revoked={revoked} />
      <RefusalsCard rejected={rejected} />
    </div>
  )
}

type Ops = ReturnType<typeof useOps>

/** Each node's state, height and peers as its status answers, its pool and TLS certificate as its metrics do. */
const NODES_COLUMNS: readonly NodeColumn<NodeRow>[] = [
  HEIGHT_COLUMN,
  PEERS_COLUMN,
  {
    header: 'explorer.col.mempool',
    cell: (n) => (
      <>
        {n.metrics?.mempoolSize ?? '—'}
        {n.metrics?.mempoolBytes !== undefined && (
          <span className="muted"> ({Math.ceil(n.metrics.mempoolBytes / 1024)} KiB)</span>
        )}
      </>
    ),
  },
  { header: 'ops.col.cert', cell: (n) => <CertDaysLeft days={n.metrics?.certDaysLeft} />, testId: 'ops-cert-days' },
]

/** The days the node's TLS certificate has left, flagged when fewer than CERT_WARN_DAYS. */
function CertDaysLeft({ days }: { days: number | undefined }) {
  const { t } = useApp()
  if (days === undefined) return '—'
  return <Badge tone={days < CERT_WARN_DAYS ? 'warn' : 'ok'}>{t('ops.daysLeft', { days })}</Badge>
}

function MembersCard({ validators, observers }: { validators: Status['validators']; observers: Ops['observers'] }) {
  const { t, orgName } = useApp()
  return (
    <Card title={t('ops.members')} testId="ops-members">
      <ul className="plain">
        {validators.map((v) => (
          <li key={v.id}>
            <Badge tone="ok">{t('ops.validator')}</Badge> <strong>{v.id}</strong>{' '}
            <span className="muted">{t('ops.power', { power: v.votingPower })}</span>
          </li>
        ))}
        {(observers ?? []).map((o) => (
          <li key={o.id} data-testid={`ops-observer-${o.id}`}>
            <Badge tone="info">{t('ops.observer')}</Badge> <strong>{o.id}</strong>{' '}
            <span className="muted">{orgName(o.orgId)}</span>
          </li>
        ))}
      </ul>
      {observers !== undefined && observers.length === 0 && <p className="muted">{t('ops.noObservers')}</p>}
    </Card>
  )
}

function GatewaysCard({ gateways }: { gateways: Ops['gateways'] }) {
  const { t, orgName } = useApp()
  return (
    <Card title={t('ops.gateways')} testId="ops-gateways">
      {gateways.length === 0 ? (
        <p className="muted">{t('ops.noGateways')}</p>
      ) : (
        <ul className="plain">
          {gateways.map((g) => (
            <li key={g.orgId} data-testid={`ops-gateway-${g.orgId}`}>
              {g.error !== undefined ? (
                <Badge tone="bad">{t('explorer.node.down')}</Badge>
              ) : g.resources === undefined ? (
                '…'
              ) : (
                <Badge tone="ok">{t('explorer.node.ok')}</Badge>
              )}{' '}
              <strong>{orgName(g.orgId)}</strong>{' '}
              {g.resources !== undefined && <span className="muted">{t('ops.resources', { count: g.resources })}</span>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  )
}

function RevokedCard({ revoked }: { revoked: Ops['revoked'] }) {
  const { t, lang, orgName } = useApp()
  return (
    <Card title={t('ops.revoked')} testId="ops-revoked">
      {revoked === undefined || revoked.length === 0 ? (
        <p className="muted">{t('ops.noRevoked')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('ops.col.issuer')}</th>
                <th>{t('ops.col.serial')}</th>
                <th>{t('ops.col.reason')}</th>
                <th className="num">{t('ops.col.fromHeight')}</th>
              </tr>
            </thead>
            <tbody>
              {revoked.map((r) => (
                <tr key={`${r.orgId}/${r.serial}/${r.sha256}`} data-testid="ops-revoked-cert">
                  <td>{orgName(r.orgId)}</td>
                  <td>
                    <code>{r.serial ?? '—'}</code>
                    {r.sha256 !== null && <div className="muted">SHA-256 {r.sha256.slice(0, 16)}…</div>}
                  </td>
                  <td>
                    {tMaybe(lang, `ops.revocation.${r.reason}`, r.reason)}{' '}
                    <code className="muted small">{r.reason}</code>
                  </td>
                  <td className="num">{r.fromHeight}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  )
}

/** What the nodes refused (transactions and peers), by reason, in plain language (ADR 0042). */
function RefusalsCard({
  rejected,
}: {
  rejected: { node: string; kind: 'tx' | 'peer'; reason: string; count: number }[]
}) {
  const { t, lang } = useApp()
  return (
    <Card title={t('ops.refusals')} testId="ops-refusals">
      {rejected.length === 0 ? (
        <p className="muted">{t('ops.noRefusals')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('explorer.col.node')}</th>
                <th>{t('ops.col.reason')}</th>
                <th className="num">{t('ops.col.count')}</th>
              </tr>
            </thead>
            <tbody>
              {rejected.map((r) => (
                <tr key={`${r.node}/${r.kind}/${r.reason}`} data-testid="ops-refusal" data-code={r.reason}>
                  <td>{r.node}</td>
                  <td>
                    {/* Plain language (ADR 0042): the refusal's name; its code is technical detail, behind 详情. */}
                    <span data-testid="ops-refusal-name">{errorLabel(lang, r.reason) ?? r.reason}</span>{' '}
                    <span className="muted">{t(`ops.kind.${r.kind}`)}</span>
                    <details className="muted small">
                      <summary>{t('common.details')}</summary>
                      <code>{r.reason}</code>
                    </details>
                  </td>
                  <td className="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  )
}
