/**
 * The explorer's panels: chain statistics, the paged transaction list (the node pages by cursor;
 * the page keeps the cursors it came through, so 上一页 goes back exactly), and what a search
 * found.
 */
import { Badge, Card, ErrorBox, formatDate, formatTime, Hash, KV, Link, Loading, useLoad } from '@govchain/portal-kit'
import type { TxListPage } from '@govchain/sdk'
import { useEffect, useState } from 'react'
import { useApp } from '../messages.ts'
import type { SearchHit } from './search.ts'
import { MODULE_NAMES, pick, type Senders, TxTable } from './who.tsx'

const STATS_POLL_MS = 5000
const TX_PAGE_SIZE = 10

/** `validators` is undefined until a node has said how many there are (shown as —, never 0). */
export function StatsCard({ validators }: { validators: number | undefined }) {
  const { t, lang, client } = useApp()
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), STATS_POLL_MS)
    return () => clearInterval(timer)
  }, [])
  const { data, error } = useLoad(() => client.stats(), [client, tick])
  if (data === undefined)
    return <Card title={t('explorer.stats')}>{error ? <ErrorBox error={error} /> : <Loading />}</Card>
  const r = data.recent
  return (
    <Card title={t('explorer.stats')} testId="chain-stats">
      <div className="stats">
        <Stat label={t('explorer.stats.blocks')} value={data.height} testId="stat-blocks" />
        <Stat label={t('explorer.stats.txs')} value={data.txs} testId="stat-txs" />
        <Stat label={t('explorer.stats.validators')} value={validators ?? '—'} testId="stat-validators" />
        <Stat
          label={t('explorer.stats.tps')}
          value={r.txPerSecond === null ? '—' : r.txPerSecond.toFixed(2)}
          testId="stat-tps"
        />
        <Stat
          label={t('explorer.stats.blockTime')}
          value={r.avgBlockTimeMs === null ? '—' : `${(r.avgBlockTimeMs / 1000).toFixed(1)} s`}
          testId="stat-block-time"
        />
      </div>
      <p className="muted small">
        {t('explorer.stats.recent', { blocks: r.blocks })}
        {data.failed > 0 && ` · ${t('explorer.stats.failed', { count: data.failed })}`}
      </p>
      <div className="table-wrap">
        <table data-testid="stat-modules">
          <thead>
            <tr>
              <th>{t('explorer.stats.module')}</th>
              <th className="num">{t('explorer.col.txs')}</th>
            </tr>
          </thead>
          <tbody>
            {data.modules.map((m) => (
              <tr key={m.module} data-module={m.module}>
                <td>{pick(lang, MODULE_NAMES[m.module] ?? [m.module, m.module])}</td>
                <td className="num">{m.txs}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  )
}

function Stat({ label, value, testId }: { label: string; value: string | number; testId: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-value">{value}</div>
      <div className="stat-label muted small">{label}</div>
    </div>
  )
}

/**
 * Transactions a page at a time: newest first, or one block's in order (`height`). `cursors`
 * holds the cursor of every page shown so far, so going back asks the node for the same page.
 */
export function TxListCard({ senders, height }: { senders: Senders; height?: number }) {
  const { t, client } = useApp()
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  // The page shown, with its number: the number changes only when its rows arrive.
  const [shown, setShown] = useState<{ n: number; page: TxListPage }>()
  const [error, setError] = useState<unknown>()
  const cursor = cursors.at(-1)
  const n = cursors.length
  const page = shown?.page
  useEffect(() => {
    let live = true
    setError(undefined)
    client
      .txList({
        limit: TX_PAGE_SIZE,
        ...(cursor === undefined ? {} : { cursor }),
        ...(height === undefined ? {} : { height }),
      })
      .then(
        (p) => live && setShown({ n, page: p }),
        (e: unknown) => live && setError(e),
      )
    return () => {
      live = false
    }
  }, [client, cursor, height, n])
  const title = height === undefined ? t('explorer.txs') : t('block.txs')
  return (
    <Card
      title={title}
      testId="tx-list"
      actions={
        <nav className="pager" aria-label={title}>
          <button
            type="button"
            className="btn"
            disabled={n < 2 || shown?.n !== n}
            onClick={() => setCursors((c) => c.slice(0, -1))}
            data-testid="tx-prev"
          >
            ← {t('explorer.prevPage')}
          </button>
          <span className="muted" data-testid="tx-page-number">
            {t('explorer.pageNo', { n: shown?.n ?? 1 })}
          </span>
          <button
            type="button"
            className="btn"
            disabled={page?.next == null || shown?.n !== n}
            onClick={() => page?.next != null && setCursors((c) => [...c, page.next as string])}
            data-testid="tx-next"
          >
            {t('explorer.nextPage')} →
          </button>
        </nav>
      }
    >
      {error !== undefined ? (
        <ErrorBox error={error} />
      ) : page === undefined ? (
        <Loading />
      ) : page.items.length === 0 ? (
        <p className="muted">{height === undefined ? t('explorer.noTxs') : t('block.noTxs')}</p>
      ) : (
        <TxTable items={page.items} senders={senders} showBlock={height === undefined} />
      )}
    </Card>
  )
}

const LICENSE_STATUS: Record<string, readonly [string, string]> = {
  active: ['有效', 'Valid'],
  suspended: ['已暂停', 'Suspended'],
  revoked: ['已吊销', 'Revoked'],
  expired: ['已过期', 'Expired'],
  not_yet_valid: ['尚未生效', 'Not yet valid'],
  superseded: ['已换发', 'Superseded'],
}

const HISTORY_ACTION: Record<string, readonly [string, string]> = {
  issue: ['签发', 'issued'],
  suspend: ['暂停', 'suspended'],
  reinstate: ['恢复', 'reinstated'],
  revoke: ['吊销', 'revoked'],
  renew: ['换发', 'renewed'],
  amend: ['变更', 'amended'],
  superseded: ['被新证替代', 'superseded'],
}

/** What a search found, with the transactions that concern it where the chain lists them. */
export function SearchResult({ hit }: { hit: SearchHit }) {
  const { t, lang, orgName } = useApp()
  const tr = (table: Record<string, readonly [string, string]>, key: string) =>
    table[key] === undefined ? key : pick(lang, table[key])
  const validity = (from: number, until: number) =>
    `${formatDate(from, lang)} — ${until === 0 ? t('explorer.longTerm') : formatDate(until, lang)}`
  switch (hit.kind) {
    case 'license':
      return (
        <Card title={t('explorer.found.license')} testId="search-result">
          <KV
            rows={[
              [t('explorer.found.licenseId'), <code key="id">{hit.id}</code>],
              [t('explorer.found.type'), hit.typeName],
              [t('explorer.found.issuer'), orgName(hit.issuerOrg)],
              [
                t('common.status'),
                <Badge key="s" tone={hit.status === 'active' ? 'ok' : 'warn'}>
                  {tr(LICENSE_STATUS, hit.status)}
                </Badge>,
              ],
              [t('explorer.found.validity'), validity(hit.validFromMs, hit.validUntilMs)],
            ]}
          />
          <h3>{t('explorer.found.history')}</h3>
          <ol className="tx-list">
            {hit.history.map((h) => (
              <li key={`${h.txHash}-${h.action}`}>
                {formatTime(h.timeMs, lang)} · {orgName(h.actorOrg)} {h.officerId} {tr(HISTORY_ACTION, h.action)} ·{' '}
                <Hash value={h.txHash} to={`/explorer/tx/${h.txHash}`} />
              </li>
            ))}
          </ol>
        </Card>
      )
    case 'did':
      return (
        <Card title={t('explorer.found.did')} testId="search-result">
          <KV
            rows={[
              ['DID', <code key="d">{hit.did}</code>],
              [t('explorer.found.created'), hit.created],
              [t('common.status'), hit.deactivated ? t('explorer.found.deactivated') : t('explorer.found.didActive')],
            ]}
          />
        </Card>
      )
    case 'org':
      return (
        <Card title={t('explorer.found.org')} testId="search-result">
          <KV
            rows={[
              [t('explorer.found.orgName'), lang === 'zh' ? hit.name : hit.nameEn],
              [t('explorer.found.creditCode'), <code key="c">{hit.code}</code>],
              [t('explorer.found.region'), hit.region],
              [t('common.status'), hit.status === 'active' ? t('explorer.found.orgActive') : hit.status],
            ]}
          />
        </Card>
      )
    case 'dataset':
      return (
        <Card title={t('explorer.found.dataset')} testId="search-result">
          <KV
            rows={[
              [t('explorer.found.datasetTitle'), hit.title],
              [t('explorer.found.datasetId'), <code key="r">{hit.resourceId}</code>],
              [t('explorer.found.owner'), orgName(hit.ownerOrg)],
              [t('explorer.found.version'), hit.version],
            ]}
          />
        </Card>
      )
    default:
      return (
        <Card testId="search-result">
          <Link to={hit.kind === 'tx' ? `/explorer/tx/${hit.hash}` : `/explorer/block/${hit.height}`}>
            {hit.kind === 'tx' ? hit.hash : `#${hit.height}`}
          </Link>
        </Card>
      )
  }
}
