/**
 * "Who did what" for a transaction, in plain Chinese or English: the sender by organisation and
 * officer (keys looked up in the identity module's officer lists and the validator set), the
 * module action translated, and the object it acted on (licence id, dataset, case, …) from its
 * events. The chain holds no personal data, and nothing here adds any: a citizen or enterprise
 * appears as such, never by a name or number.
 */
import { Badge, formatTime, Hash, Link } from '@govchain/portal-kit'
import { identity, type TxListItem } from '@govchain/sdk'
import { useEffect, useState } from 'react'
import { useApp } from '../messages.ts'

type Text = readonly [zh: string, en: string]

/** Every module's actions (module.method), as a citizen would say them. */
const ACTIONS: Record<string, Text> = {
  'anchor.put': ['登记文件存证', 'recorded a document hash'],
  'catalog.publish': ['发布数据目录', 'published a catalogue resource'],
  'catalog.setGateway': ['登记数据网关', 'registered a data gateway'],
  'evidence.submit': ['提交电子存证', 'submitted evidence'],
  'evidence.batch': ['批量提交存证', 'submitted a batch of evidence'],
  'evidence.timestamp': ['加盖可信时间戳', 'added a trusted timestamp'],
  'evidence.attest': ['出具存证证明', 'attested evidence'],
  'governance.propose': ['发起治理提案', 'made a governance proposal'],
  'governance.vote': ['对治理提案投票', 'voted on a proposal'],
  'governance.evidence': ['举报验证节点重复投票', 'reported a double vote'],
  'governance.proposalEvidence': ['举报验证节点重复提议', 'reported a double proposal'],
  'identity.addOfficer': ['添加工作人员', 'added an officer'],
  'identity.setOfficerRoles': ['调整工作人员权限', "changed an officer's roles"],
  'identity.suspendOfficer': ['暂停工作人员', 'suspended an officer'],
  'identity.reinstateOfficer': ['恢复工作人员', 'reinstated an officer'],
  'identity.rotateOfficerKey': ['更换工作人员密钥', "rotated an officer's key"],
  'identity.createDid': ['创建数字身份', 'created a digital identity'],
  'identity.rotateDidKey': ['更换数字身份密钥', 'rotated an identity key'],
  'identity.deactivateDid': ['注销数字身份', 'deactivated a digital identity'],
  'identity.setPseudonym': ['登记身份化名', 'registered a pseudonym'],
  'invoice.registerIssuer': ['登记开票单位', 'registered an invoice issuer'],
  'invoice.setQuota': ['核定发票额度', 'set an invoice quota'],
  'invoice.issue': ['开具电子发票', 'issued an e-invoice'],
  'invoice.reverse': ['红冲电子发票', 'reversed an e-invoice'],
  'invoice.claim': ['发票入账', 'claimed an e-invoice'],
  'invoice.release': ['撤销发票入账', 'released an e-invoice claim'],
  'license.defineType': ['定义证照类型', 'defined a licence type'],
  'license.setIssuer': ['授权发证机关', 'authorised an issuer'],
  'license.issue': ['签发证照', 'issued a licence'],
  'license.suspend': ['暂停证照', 'suspended a licence'],
  'license.reinstate': ['恢复证照', 'reinstated a licence'],
  'license.revoke': ['吊销证照', 'revoked a licence'],
  'license.renew': ['换发证照', 'renewed a licence'],
  'license.amend': ['变更证照', 'amended a licence'],
  'license.grantUse': ['授权部门使用证照', 'let a department use a licence'],
  'license.withdrawGrant': ['撤回用证授权', 'withdrew a licence grant'],
  'license.recordUse': ['登记使用证照', 'recorded a use of a licence'],
  'service.publish': ['发布办事事项', 'published a service item'],
  'service.withdraw': ['撤下办事事项', 'withdrew a service item'],
  'service.apply': ['提交办事申请', 'applied for a service'],
  'service.accept': ['受理办事申请', 'accepted an application'],
  'service.sendBack': ['退回申请补正', 'sent an application back'],
  'service.resubmit': ['补正后重新提交', 'resubmitted an application'],
  'service.decide': ['作出审批决定', 'decided an application'],
  'service.complete': ['办结办事申请', 'completed a case'],
  'service.approveAndComplete': ['批准并办结（电子证照送达）', 'approved and completed a case'],
  'sharing.request': ['申请使用数据', 'requested data'],
  'sharing.decide': ['审批数据申请', 'decided a data request'],
  'sharing.revoke': ['撤销数据授权', 'revoked a data grant'],
  'sharing.receipt': ['记录数据交换回执', 'recorded a data delivery'],
  'sharing.refusal': ['记录拒绝提供数据', 'recorded refused data requests'],
}

export const MODULE_NAMES: Record<string, Text> = {
  anchor: ['文件存证', 'Document anchors'],
  catalog: ['数据目录', 'Data catalogue'],
  evidence: ['电子存证', 'E-evidence'],
  governance: ['联盟治理', 'Governance'],
  identity: ['数字身份', 'Identity'],
  invoice: ['电子票据', 'E-invoices'],
  license: ['电子证照', 'Licences'],
  service: ['一网通办', 'Service hall'],
  sharing: ['数据共享', 'Data sharing'],
}

/** Event attributes that name what a transaction acted on, in the order they are preferred. */
const OBJECT_KEYS: { key: string; label: (module: string) => Text }[] = [
  {
    key: 'id',
    label: (m) =>
      m === 'license'
        ? ['证照编号', 'licence']
        : m === 'governance'
          ? ['提案编号', 'proposal']
          : ['存证编号', 'evidence record'],
  },
  { key: 'caseId', label: () => ['办件编号', 'case'] },
  { key: 'resourceId', label: () => ['数据资源', 'dataset'] },
  { key: 'requestId', label: () => ['数据申请', 'data request'] },
  { key: 'receiptId', label: () => ['交换回执', 'receipt'] },
  { key: 'number', label: () => ['发票号码', 'invoice number'] },
  { key: 'code', label: (m) => (m === 'service' ? ['事项编码', 'service item'] : ['单位代码', 'code']) },
  { key: 'officerId', label: () => ['工作人员', 'officer'] },
  { key: 'validatorId', label: () => ['验证节点', 'validator'] },
  { key: 'did', label: () => ['数字身份', 'identity'] },
  { key: 'type', label: () => ['证照类型', 'licence type'] },
  { key: 'orgId', label: () => ['部门', 'department'] },
]

export const pick = (lang: 'zh' | 'en', text: Text): string => (lang === 'zh' ? text[0] : text[1])

/** Officer and validator keys → who they are. Loaded once per page from the identity module and the validator set. */
export type Senders = Map<string, { orgId: string; officerId?: string }>

export function useSenders(): Senders {
  const { client } = useApp()
  const [senders, setSenders] = useState<Senders>(new Map())
  useEffect(() => {
    let live = true
    void (async () => {
      const map: Senders = new Map()
      try {
        const status = await client.status()
        for (const v of status.validators) map.set(v.publicKey, { orgId: v.id })
        const orgs = await identity.listOrganisations(client)
        const lists = await Promise.all(orgs.map((o) => identity.listOfficers(client, o.id).catch(() => [])))
        for (const o of orgs) map.set(o.operatorPublicKey, { orgId: o.id })
        for (const officers of lists)
          for (const f of officers) map.set(f.publicKey, { orgId: f.orgId, officerId: f.officerId })
      } catch {
        // Unknown senders read as "a citizen or enterprise"; the list itself still shows.
      }
      if (live) setSenders(map)
    })()
    return () => {
      live = false
    }
  }, [client])
  return senders
}

export interface TxStory {
  who: string
  action: string
  objects: { label: string; value: string; search?: boolean }[]
}

export function describeTx(
  tx: Pick<TxListItem, 'module' | 'method' | 'sender' | 'events'>,
  senders: Senders,
  lang: 'zh' | 'en',
  orgName: (id: string) => string,
): TxStory {
  const s = senders.get(tx.sender)
  const who =
    s === undefined
      ? pick(lang, ['个人或企业用户', 'A citizen or enterprise'])
      : s.officerId === undefined
        ? orgName(s.orgId)
        : `${orgName(s.orgId)}（${pick(lang, ['工作人员', 'officer'])} ${s.officerId}）`
  const known = ACTIONS[`${tx.module}.${tx.method}`]
  const action =
    known !== undefined
      ? pick(lang, known)
      : `${pick(lang, MODULE_NAMES[tx.module] ?? [tx.module, tx.module])} · ${tx.method}`
  const attrs = tx.events[0]?.attributes ?? {}
  const objects: TxStory['objects'] = []
  for (const o of OBJECT_KEYS) {
    const value = attrs[o.key]
    if (value === undefined || value === '' || objects.length >= 2) continue
    const label = pick(lang, o.label(tx.module))
    objects.push({
      label,
      value: o.key === 'orgId' ? orgName(value) : value,
      search: ['id', 'resourceId', 'did', 'requestId'].includes(o.key),
    })
  }
  return { who, action, objects }
}

/** A page of transactions as rows: time, block, who did what, result. */
export function TxTable({
  items,
  senders,
  showBlock,
}: {
  items: TxListItem[]
  senders: Senders
  /** The block column (the list of every block's transactions); without it, full hashes (one block's). */
  showBlock: boolean
}) {
  const { t, lang, orgName } = useApp()
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>{t('explorer.col.time')}</th>
            {showBlock && <th>{t('explorer.col.height')}</th>}
            <th>{t('explorer.tx.story')}</th>
            <th>{t('common.status')}</th>
            <th>{t('tx.hash')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((tx) => {
            const story = describeTx(tx, senders, lang, orgName)
            return (
              <tr key={tx.hash} data-testid="tx-row" data-hash={tx.hash}>
                <td className="nowrap">{formatTime(tx.timeMs, lang)}</td>
                {showBlock && (
                  <td>
                    <Link to={`/explorer/block/${tx.height}`}>#{tx.height}</Link>
                  </td>
                )}
                <td data-testid="tx-story">
                  <strong>{story.who}</strong> {story.action}
                  {story.objects.map((o) => (
                    <span key={o.label} className="muted">
                      {' · '}
                      {o.label}{' '}
                      {o.search ? <Link to={`/explorer?q=${encodeURIComponent(o.value)}`}>{o.value}</Link> : o.value}
                    </span>
                  ))}
                </td>
                <td>
                  {tx.code === 'OK' ? (
                    <Badge tone="ok">{t('tx.status.committed')}</Badge>
                  ) : (
                    <Badge tone="bad">{t('tx.status.failed')}</Badge>
                  )}
                </td>
                <td>
                  <Hash value={tx.hash} to={`/explorer/tx/${tx.hash}`} full={!showBlock} />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
