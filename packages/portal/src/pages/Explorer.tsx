/**
 * Explorer: consensus health of every node, the validator set, and the latest blocks, kept
 * live by the node's events WebSocket (/v1/events?types=block); chain statistics; every
 * transaction, a page at a time, as "who did what"; and search by height, hash, licence id,
 * DID, organisation or dataset (/explorer/search/<query>).
 */

import { Card, ErrorBox, formatTime, Hash, Link, Loading, Notice, useLoad } from '@govchain/portal-kit'
import type { ChainEvent, Status } from '@govchain/sdk'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { HEIGHT_COLUMN, type NodeColumn, NodeTable, PEERS_COLUMN, ROUND_COLUMN } from '../components/NodeTable.tsx'
import { SearchResult, StatsCard, TxListCard } from '../explorer/panels.tsx'
import { searchChain } from '../explorer/search.ts'
import { useSenders } from '../explorer/who.tsx'
import { useApp } from '../messages.ts'

/** Rows kept in the live list; older blocks stay reachable by height. */
const BLOCKS_SHOWN = 15
const STATUS_POLL_MS = 2000

export interface BlockRow {
  height: number
  hash: string
  txCount: number
  timeMs: number
  proposer: string
}

type NodeHealth = { name: string; orgId: string; status?: Status; error?: string }

function useNodeHealth(): NodeHealth[] {
  const { config, clients } = useApp()
  const [health, setHealth] = useState<NodeHealth[]>(() => config.nodes.map((n) => ({ name: n.name, orgId: n.orgId })))
  useEffect(() => {
    let live = true
    const poll = async () => {
      const rows = await Promise.all(
        config.nodes.map(async (n): Promise<NodeHealth> => {
          try {
            return { name: n.name, orgId: n.orgId, status: await clients[n.name]!.status() }
          } catch (e) {
            return { name: n.name, orgId: n.orgId, error: (e as Error).message }
          }
        }),
      )
      if (live) setHealth(rows)
    }
    void poll()
    const timer = setInterval(poll, STATUS_POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [config, clients])
  return health
}

/** What a search asked for: a block or transaction opens its own page, anything else shows here. */
function SearchAnswer({ query }: { query: string }) {
  const { t, client, navigate } = useApp()
  const { data, error, loading } = useLoad(() => searchChain(client, query), [client, query])
  useEffect(() => {
    if (data?.kind === 'block') navigate(`/explorer/block/${data.height}`)
    else if (data?.kind === 'tx') navigate(`/explorer/tx/${data.hash}`)
  }, [data, navigate])
  if (loading && data === undefined) return <Loading />
  if (error !== undefined) return <ErrorBox error={error} />
  if (data === undefined)
    return (
      <Notice tone="warn" testId="explorer-not-found">
        {t('explorer.search.notFound', { q: query })}
      </Notice>
    )
  return <SearchResult hit={data} />
}

export function ExplorerPage({ query: asked }: { query?: string }) {
  const { t, navigate } = useApp()
  const [query, setQuery] = useState(asked ?? '')
  const health = useNodeHealth()
  const senders = useSenders()
  const { blocks, live } = useLatestBlocks()

  const onSearch = (e: FormEvent) => {
    e.preventDefault()
    const q = query.trim()
    if (q !== '') navigate(`/explorer/search/${encodeURIComponent(q)}`)
  }

  // Unknown (not 0) until a node has answered its status.
  const known = health.find((h) => h.status !== undefined)?.status?.validators

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('explorer.title')}</h1>
        <form className="search" onSubmit={onSearch}>
          <input
            aria-label={t('explorer.search.placeholder')}
            placeholder={t('explorer.search.placeholder')}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="explorer-search"
          />
          <button type="submit" className="btn btn-primary">
            {t('common.search')}
          </button>
        </form>
      </div>
      {asked !== undefined && <SearchAnswer query={asked} />}

      <StatsCard validators={known?.length} />

      <Card title={t('explorer.nodes')} testId="node-health">
        <NodeTable rows={health} rowTestIdPrefix="node-" columns={NODE_HEALTH_COLUMNS} />
      </Card>

      <div className="grid-2">
        <LatestBlocksCard blocks={blocks} live={live} />
        <ValidatorsCard validators={known ?? []} />
      </div>

      <TxListCard senders={senders} />
    </div>
  )
}

/**
 * The latest BLOCKS_SHOWN blocks: the recent history once, then each new block from the event
 * stream; `live` while the stream is open.
 */
function useLatestBlocks(): { blocks: BlockRow[]; live: boolean } {
  const { client } = useApp()
  const [blocks, setBlocks] = useState<BlockRow[]>([])
  const [live, setLive] = useState(false)
  const seen = useRef(new Set<number>())

  useEffect(() => {
    let stopped = false
    const add = (rows: BlockRow[]) =>
      setBlocks((old) => {
        const fresh = rows.filter((r) => !seen.current.has(r.height))
        for (const r of fresh) seen.current.add(r.height)
        return [...fresh, ...old].sort((a, b) => b.height - a.height).slice(0, BLOCKS_SHOWN)
      })
    // Subscribe first, then load the recent history, so that no block falls between the two.
    const stop = client.subscribe(
      { types: ['block'] },
      (ev: ChainEvent) => {
        if (ev.type !== 'block' || stopped) return
        add([{ height: ev.height, hash: ev.hash, txCount: ev.txCount, timeMs: ev.timeMs, proposer: ev.proposer }])
      },
      // Blocks come at least every emptyBlockIntervalMs: a silent stream is a hung node, move on.
      { onOpen: () => setLive(true), onError: () => setLive(false), idleTimeoutMs: 10_000 },
    )
    void (async () => {
      try {
        const latest = await client.block('latest')
        const heights: number[] = []
        for (let h = latest.height - 1; h >= 1 && heights.length < BLOCKS_SHOWN - 1; h--) heights.push(h)
        const rest = await Promise.all(heights.map((h) => client.block(h)))
        if (stopped) return
        add(
          [latest, ...rest].map((b) => ({
            height: b.height,
            hash: b.hash,
            txCount: b.txHashes.length,
            timeMs: b.header.timeMs,
            proposer: b.header.proposer,
          })),
        )
      } catch {
        // The status panel shows unreachable nodes; the live stream fills the list when it can.
      }
    })()
    return () => {
      stopped = true
      stop()
    }
  }, [client])
  return { blocks, live }
}

/** Each node's state, height, round, peers and pool, as its status answers. */
const NODE_HEALTH_COLUMNS: readonly NodeColumn<NodeHealth>[] = [
  { ...HEIGHT_COLUMN, testId: 'node-height' },
  ROUND_COLUMN,
  PEERS_COLUMN,
  { header: 'explorer.col.mempool', cell: (h) => h.status?.mempool?.size ?? '—' },
]

function LatestBlocksCard({ blocks, live }: { blocks: BlockRow[]; live: boolean }) {
  const { t, lang, orgName } = useApp()
  return (
    <Card
      title={t('explorer.latestBlocks')}
      actions={
        <span className={`live ${live ? 'live-on' : 'live-off'}`} data-testid="live-indicator">
          <span className="dot" aria-hidden="true" />
          {live ? t('explorer.live') : t('explorer.offline')}
        </span>
      }
      testId="latest-blocks"
    >
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('explorer.col.height')}</th>
              <th>{t('explorer.col.hash')}</th>
              <th className="num">{t('explorer.col.txs')}</th>
              <th>{t('explorer.col.proposer')}</th>
              <th>{t('explorer.col.time')}</th>
            </tr>
          </thead>
          <tbody>
            {blocks.map((b) => (
              <tr key={b.height} data-testid="block-row" data-height={b.height}>
                <td>
                  <Link to={`/explorer/block/${b.height}`}>#{b.height}</Link>
                </td>
                <td>
                  <Hash value={b.hash} to={`/explorer/block/${b.height}`} />
                </td>
                <td className="num">{b.txCount}</td>
                <td>{orgName(b.proposer)}</td>
                <td className="nowrap">{formatTime(b.timeMs, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  )
}

function ValidatorsCard({ validators }: { validators: Status['validators'] }) {
  const { t, orgName } = useApp()
  return (
    <Card title={t('explorer.validators')} testId="validators">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('explorer.col.node')}</th>
              <th className="num">{t('explorer.col.power')}</th>
              <th>{t('explorer.col.key')}</th>
            </tr>
          </thead>
          <tbody>
            {validators.map((v) => (
              <tr key={v.id}>
                <td>{orgName(v.id)}</td>
                <td className="num">{v.votingPower}</td>
                <td>
                  <Hash value={v.publicKey} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  )
}
