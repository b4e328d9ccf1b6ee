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
  'failover.behind': [
    '节点 {from} 数据尚未同步到最新，已自动切换到节点 {to}。数据仍由各部门节点共同验证。',
    'Node {from} is behind the latest data; switched to node {to}. The record is still checked against every department.',
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

/**
 * The plain-language name of an error code (ADR 0042), or undefined for a code no label names.
 * The tables are the modules' own (`@govchain/<name>/labels`, core's `@govchain/core/error-labels`);
 * the portal hands the shell a loader for them (AppProvider's `errorLabels`), so they load after
 * the home page, never with it.
 */
export type ErrorLabel = (lang: Lang, code: string) => string | undefined

/**
 * What an error box says: the code's label, the message and the code, e.g.
 * `无法连接节点：fetch failed (SDK_NETWORK_ERROR)`; without a label (none for the code, or the
 * tables not loaded yet) the message and the code.
 */
export function errorText(lang: Lang, code: string | undefined, message: string, label?: ErrorLabel): string {
  const head = code === undefined ? undefined : label?.(lang, code)
  if (head === undefined) return code === undefined ? message : `${message} (${code})`
  return `${head}：${message} (${code})`
}
