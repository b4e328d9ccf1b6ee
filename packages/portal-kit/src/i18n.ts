/**
 * A small two-language dictionary: Chinese by default, English on request. No library: the
 * portal has a few hundred strings and must run offline. `t(lang, key, vars)` replaces
 * `{name}` placeholders.
 *
 * Here are the strings every page shares (the shell, common words, transaction states); each
 * application's pages bring their own `Messages` (PortalPage.messages) and read both through
 * `withMessages` (ADR 0020).
 */

export type Lang = 'zh' | 'en'

/** key → [Chinese, English]. */
export type Messages = Readonly<Record<string, readonly [zh: string, en: string]>>

const D = {
  'app.title': ['政务区块链服务平台', 'Government Blockchain Service Platform'],
  'app.subtitle': [
    '一网通办 · 电子证照 · 数据共享 · 全程留痕',
    'One-network services · e-licences · data sharing · full trail',
  ],
  'nav.login': ['登录', 'Log in'],
  'nav.logout': ['退出', 'Log out'],
  'nav.lang': ['English', '中文'],
  'nav.skip': ['跳到主要内容', 'Skip to main content'],
  'nav.menu': ['菜单', 'Menu'],
  'nav.main': ['主导航', 'Main navigation'],
  'footer.text': [
    '本平台为 govchain 本地演示网络，数据由各部门验证节点共同记账。',
    'This is a local govchain demo network; the departments’ validator nodes keep the record together.',
  ],
  'common.loading': ['加载中…', 'Loading…'],
  'common.none': ['暂无', 'None'],
  'common.refresh': ['刷新', 'Refresh'],
  'common.more': ['加载更多', 'Load more'],
  'common.submit': ['提交', 'Submit'],
  'common.cancel': ['取消', 'Cancel'],
  'common.close': ['关闭', 'Close'],
  'common.search': ['搜索', 'Search'],
  'common.details': ['详情', 'Details'],
  'common.back': ['返回', 'Back'],
  'common.yes': ['是', 'Yes'],
  'common.no': ['否', 'No'],
  'common.copy': ['复制', 'Copy'],
  'common.copied': ['已复制', 'Copied'],
  'common.status': ['状态', 'Status'],
  'common.time': ['时间', 'Time'],
  'common.height': ['高度', 'Height'],
  'common.actions': ['操作', 'Actions'],
  'common.error': ['出错了', 'Something went wrong'],
  'common.done': ['已完成', 'Done'],
  'common.working': ['正在上链…', 'Submitting to the chain…'],
  'common.loginRequired': ['请先登录。', 'Please sign in first.'],
  'common.notAvailable': [
    '该功能的链上接口尚未在当前节点上启用：{what}',
    'The on-chain routes for this feature are not enabled on this node yet: {what}',
  ],
  'common.txCommitted': ['交易已上链，区块高度 {height}', 'Transaction committed at height {height}'],
  'common.node': ['节点', 'Node'],
  'failover.notice': [
    '节点 {from} 无响应，已自动切换到节点 {to}。数据仍由各部门节点共同验证。',
    'Node {from} is not answering; switched to node {to}. The record is still checked against every department.',
  ],
  'failover.retry': ['重试', 'Retry'],
  'unlock.notice': [
    '您已登录，但密钥由口令保护：页面刷新后，签名前请再次输入口令。',
    'You are signed in, but your key is kept under a passphrase: after a reload, give it again before signing.',
  ],
  'unlock.passphrase': ['密钥口令', 'Key passphrase'],
  'unlock.submit': ['解锁签名', 'Unlock signing'],
  'common.reason': ['原因', 'Reason'],
  'list.from': ['起始日期', 'From'],
  'list.to': ['截止日期', 'To'],
  'list.department': ['部门', 'Department'],
  'list.allDepartments': ['全部部门', 'All departments'],
  'list.allStatuses': ['全部状态', 'All statuses'],
  'list.exportCsv': ['导出 CSV', 'Export CSV'],
  'list.exporting': ['正在导出：已读取 {n} 条…', 'Exporting: {n} rows read…'],
  'list.exported': ['已导出 {n} 条', '{n} rows exported'],
  'tx.status.pending': ['待确认', 'Pending'],
  'tx.status.committed': ['已上链', 'Committed'],
  'tx.status.failed': ['执行失败', 'Failed'],
} as const satisfies Record<string, readonly [string, string]>

export type MessageKey = keyof typeof D

/** The shared strings, for a dictionary of pages to extend. */
export const KIT_MESSAGES: Messages = D

function format(entry: readonly [string, string], lang: Lang, vars?: Record<string, string | number>): string {
  let s: string = entry[lang === 'zh' ? 0 : 1]
  if (vars !== undefined) {
    for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v))
  }
  return s
}

export function t(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  return format(D[key], lang, vars)
}

/** A key built at run time (e.g. a status name from the chain); falls back to the raw text. */
export function tMaybe(lang: Lang, key: string, fallback: string): string {
  return key in D ? t(lang, key as MessageKey) : fallback
}

/** Translation over the shared strings and a page's own: `t` is typed by both dictionaries. */
export interface Translator<K extends string> {
  t(lang: Lang, key: K | MessageKey, vars?: Record<string, string | number>): string
  tMaybe(lang: Lang, key: string, fallback: string): string
}

export function translator<M extends Messages>(messages: M): Translator<keyof M & string> {
  const all: Messages = { ...D, ...messages }
  return {
    t: (lang, key, vars) => format(all[key] ?? [key, key], lang, vars),
    tMaybe: (lang, key, fallback) => {
      const entry = all[key]
      return entry === undefined ? fallback : format(entry, lang)
    },
  }
}

/** Readable text for error codes the portal meets often; others show the node's message. */
const ERRORS: Record<string, readonly [string, string]> = {
  SDK_NETWORK_ERROR: ['无法连接节点', 'Cannot reach the node'],
  SDK_TIMEOUT: ['节点响应超时', 'The node did not answer in time'],
  SDK_BAD_RESPONSE: ['节点返回了无法识别的数据', 'The node answered something unexpected'],
  NOT_FOUND: ['未找到', 'Not found'],
  BLOCK_NOT_FOUND: ['区块不存在', 'No such block'],
  TX_NOT_FOUND: ['交易不存在', 'No such transaction'],
  TX_BAD_SIGNATURE: ['交易签名无效', 'Bad transaction signature'],
  TX_DUPLICATE: ['重复交易', 'Duplicate transaction'],
  RATE_LIMITED: ['请求过于频繁，请稍后再试', 'Too many requests; try again shortly'],
  CERTIFICATE_INVALID: ['区块提交证书无效', 'Invalid commit certificate'],
  PROOF_INVALID: ['状态证明无效', 'Invalid state proof'],
  INVALID_ARGUMENT: ['输入不正确', 'Invalid input'],
  INVALID_DATE_RANGE: ['起始日期晚于截止日期', 'The start date is after the end date'],
  IDENTITY_NOT_OFFICER: ['签名者不是在职工作人员', 'The signer is not an active officer'],
  IDENTITY_ROLE_MISSING: ['工作人员缺少所需角色', 'The officer lacks the required role'],
  IDENTITY_WRONG_ORGANISATION: ['工作人员不属于该机构', 'The officer belongs to another organisation'],
  IDENTITY_NOT_DID_CONTROLLER: ['签名者不是该 DID 的控制者', 'The signer does not control this DID'],
  // sign-in (ADR 0032)
  SESSION_REQUIRED: ['请先登录（会话不存在或已过期）', 'Sign in first (no session, or it has expired)'],
  CSRF_MISMATCH: ['请求缺少有效的防跨站令牌', 'The request lacks a valid anti-CSRF token'],
  CHALLENGE_EXPIRED: ['登录挑战已过期，请重试', 'The sign-in challenge has expired; try again'],
  CHALLENGE_UNKNOWN: ['登录挑战无效或已使用，请重试', 'The sign-in challenge is unknown or used; try again'],
  SIGNIN_SIGNATURE_INVALID: ['登录签名无效', 'The sign-in signature does not verify'],
  SIGNIN_KEY_UNKNOWN: [
    '此密钥尚未在链上登记（请部门管理员登记）',
    'This key is not registered on chain (ask your department administrator to enrol it)',
  ],
  SIGNIN_BUSY: ['登录请求过多，请稍后再试', 'Too many sign-ins in progress; try again shortly'],
  KEYSTORE_WRONG_PASSPHRASE: ['口令错误', 'Wrong passphrase'],
  KEYSTORE_INVALID: ['密钥文件格式不正确', 'The keystore file is malformed'],
}

export function errorText(lang: Lang, code: string | undefined, message: string): string {
  const e = code === undefined ? undefined : ERRORS[code]
  const head = e === undefined ? undefined : e[lang === 'zh' ? 0 : 1]
  if (head === undefined) return code === undefined ? message : `${message} (${code})`
  return `${head}：${message} (${code})`
}
