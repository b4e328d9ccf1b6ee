/** Block detail (header, transactions, certificate signers) and transaction detail. */

import { errorLabel, eventLabel } from '@govchain/distribution/labels'
import { Badge, Card, ErrorBox, formatTime, Hash, KV, Link, Loading, Notice, useLoad } from '@govchain/portal-kit'
import { CommitCertificate, decode, toHex } from '@govchain/sdk'
import { TxListCard } from '../explorer/panels.tsx'
import { describeTx, useSenders } from '../explorer/who.tsx'
import { useApp } from '../messages.ts'

interface CertView {
  ok: boolean
  reason?: string
  round: number
  signers: { index: number; id: string; power: number }[]
  power: number
  total: number
}

export function BlockPage({ height }: { height: number }) {
  const { t, lang, client, lightClient, orgName } = useApp()
  const senders = useSenders()
  const { data, error, loading } = useLoad(async () => {
    const block = await client.block(height)
    let cert: CertView | undefined
    if (block.certificate.length > 0) {
      const c = decode(CommitCertificate, block.certificate)
      const set = lightClient?.validatorSet.validators ?? []
      const signers = c.signatures.map((s) => {
        const v = set[s.validatorIndex]
        return { index: s.validatorIndex, id: v?.id ?? `#${s.validatorIndex}`, power: Number(v?.votingPower ?? 0) }
      })
      const total = set.reduce((n, v) => n + Number(v.votingPower), 0)
      const power = signers.reduce((n, s) => n + s.power, 0)
      let ok = false
      let reason: string | undefined
      if (lightClient === undefined) reason = 'no trusted validator set'
      else {
        try {
          lightClient.verifyHeader(block.headerBytes, block.certificate)
          ok = true
        } catch (e) {
          reason = (e as Error).message
        }
      }
      cert = { ok, round: c.round, signers, power, total, ...(reason === undefined ? {} : { reason }) }
    }
    return { block, cert }
  }, [height, client, lightClient])

  if (loading && data === undefined) return <Loading />
  if (data === undefined) return <ErrorBox error={error} />
  const { block, cert } = data
  const h = block.header
  return (
    <div className="page" data-testid="block-page">
      <div className="page-head">
        <h1>{t('block.title', { height: block.height })}</h1>
        <nav className="pager" aria-label="blocks">
          {block.height > 1 && <Link to={`/explorer/block/${block.height - 1}`}>← {t('block.prev')}</Link>}
          <Link to={`/explorer/block/${block.height + 1}`}>{t('block.next')} →</Link>
        </nav>
      </div>
      <Card title={t('block.header')}>
        <KV
          rows={[
            [t('common.height'), block.height],
            ['Hash', <Hash key="h" value={block.hash} full />],
            [t('explorer.col.time'), formatTime(h.timeMs, lang)],
            [t('explorer.col.proposer'), `${orgName(h.proposer)} (${h.proposer})`],
            ['Chain', h.chainId],
            [
              'Previous',
              <Hash key="p" value={toHex(h.previousHash)} full to={`/explorer/block/${block.height - 1}`} />,
            ],
            ['State root', <Hash key="s" value={toHex(h.stateRoot)} full />],
            ['Tx root', <Hash key="t" value={toHex(h.txRoot)} full />],
            ['Results root', <Hash key="r" value={toHex(h.resultsRoot)} full />],
            ['Validator set', <Hash key="v" value={toHex(h.validatorSetHash)} full />],
          ]}
        />
      </Card>
      <TxListCard senders={senders} height={block.height} />
      <Card title={t('block.cert')} testId="certificate">
        {cert === undefined ? (
          <p className="muted">{t('block.cert.pending')}</p>
        ) : (
          <>
            {cert.ok ? (
              <Notice tone="ok" testId="cert-ok">
                ✔ {t('block.cert.ok', { count: cert.signers.length, power: cert.power, total: cert.total })}
              </Notice>
            ) : (
              <Notice tone="bad">{t('block.cert.bad', { reason: cert.reason ?? '' })}</Notice>
            )}
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>#</th>
                    <th>{t('block.signer')}</th>
                    <th className="num">{t('explorer.col.power')}</th>
                  </tr>
                </thead>
                <tbody>
                  {cert.signers.map((s) => (
                    <tr key={s.index}>
                      <td>{s.index}</td>
                      <td>
                        {orgName(s.id)} <span className="muted">{s.id}</span>
                      </td>
                      <td className="num">{s.power}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="muted small">
              {t('explorer.col.round')}: {cert.round}
            </p>
          </>
        )}
      </Card>
    </div>
  )
}

/** The transaction as "who did what" (from the block's list, which carries its module, method and sender). */
function TxStoryCard({ height, index }: { height: number; index: number }) {
  const { t, lang, client, orgName } = useApp()
  const senders = useSenders()
  const { data } = useLoad(
    () => client.txList({ height, cursor: `${height}.${index}`, limit: 1 }),
    [client, height, index],
  )
  const item = data?.items[0]
  if (item === undefined) return null
  const story = describeTx(item, senders, lang, orgName)
  return (
    <Card title={t('explorer.tx.story')} testId="tx-story-card">
      <p>
        <strong>{story.who}</strong> {story.action}
      </p>
      {story.objects.length > 0 && (
        <KV rows={story.objects.map((o) => [o.label, <code key={o.label}>{o.value}</code>])} />
      )}
    </Card>
  )
}

/** A transaction's result: 成功, or the refusal's name with its code behind 详情 (ADR 0042). */
function ResultCode({ code }: { code: string | undefined }) {
  const { t, lang } = useApp()
  if (code === undefined) return <span data-testid="tx-result">—</span>
  if (code === 'OK') return <span data-testid="tx-result">{t('tx.result.ok')}</span>
  return (
    <span data-testid="tx-result" data-code={code}>
      {errorLabel(lang, code) ?? code}
      <details className="muted small">
        <summary>{t('common.details')}</summary>
        <code>{code}</code>
      </details>
    </span>
  )
}

export function TxPage({ hash }: { hash: string }) {
  const { t, lang, client } = useApp()
  const { data, error, loading } = useLoad(() => client.tx(hash), [hash, client])
  if (loading && data === undefined) return <Loading />
  if (data === undefined) return <ErrorBox error={error} />
  const tone = data.status === 'committed' ? 'ok' : data.status === 'failed' ? 'bad' : 'warn'
  return (
    <div className="page" data-testid="tx-page">
      <div className="page-head">
        <h1>{t('tx.title')}</h1>
      </div>
      <Card>
        <KV
          rows={[
            [t('tx.hash'), <Hash key="h" value={data.hash} full />],
            [
              t('common.status'),
              <Badge key="s" tone={tone}>
                {t(`tx.status.${data.status}`)}
              </Badge>,
            ],
            [
              t('common.height'),
              data.height === undefined ? (
                '—'
              ) : (
                <Link key="h" to={`/explorer/block/${data.height}`}>
                  #{data.height}
                </Link>
              ),
            ],
            [t('tx.index'), data.index ?? '—'],
            [t('tx.code'), <ResultCode key="c" code={data.code} />],
          ]}
        />
      </Card>
      {data.height !== undefined && data.index !== undefined && <TxStoryCard height={data.height} index={data.index} />}
      <Card title={`${t('tx.events')} (${data.events.length})`}>
        {data.events.length === 0 ? (
          <p className="muted">{t('common.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <tbody>
                {data.events.map((ev, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: events are ordered and immutable
                  <tr key={i}>
                    <td className="nowrap" data-testid="tx-event" data-event={`${ev.module}.${ev.type}`}>
                      {/* Plain language (ADR 0042): the event's name; its code is technical detail, behind 详情. */}
                      <strong data-testid="tx-event-name">
                        {eventLabel(lang, ev.module, ev.type) ?? `${ev.module}.${ev.type}`}
                      </strong>
                      <details className="muted small">
                        <summary>{t('common.details')}</summary>
                        <code>
                          {ev.module}.{ev.type}
                        </code>
                      </details>
                    </td>
                    <td>
                      {Object.entries(ev.attributes).map(([k, v]) => (
                        <div key={k} className="attr">
                          <span className="muted">{k}</span> <code className="wrap">{v}</code>
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  )
}
