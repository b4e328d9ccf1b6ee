/**
 * The portal's own strings (its chain-level pages: home, login, explorer, blocks and
 * transactions), beside the shared ones of @govchain/portal-kit. Applications bring theirs with
 * their pages.
 */
import { type Messages, withMessages } from '@govchain/portal-kit'

const PORTAL_MESSAGES = {
  'nav.home': ['首页', 'Home'],
  'nav.explorer': ['区块浏览器', 'Explorer'],
  'home.welcome': ['欢迎使用政务区块链服务平台', 'Welcome to the government blockchain service platform'],
  'home.lead': [
    '各部门共同维护的联盟链：证照一次签发、处处可验；部门间数据依授权共享、每次使用全程留痕；公众可查询自己数据的每一次被使用。',
    'A consortium chain kept by the departments together: a licence issued once verifies anywhere; data moves between departments only under a grant, and every use is on record; anyone can see each use of their own data.',
  ],
  'home.explorer.desc': [
    '区块、交易、验证节点与共识状态实时查看',
    'Blocks, transactions, validators and consensus, live',
  ],
  'home.network': ['网络概况', 'Network'],
  'home.chain': ['链标识', 'Chain id'],
  'home.suite': ['密码套件', 'Crypto suite'],
  'home.suite.gm': ['国密 (SM2/SM3/SM4)', 'Chinese national (SM2/SM3/SM4)'],
  'home.suite.intl': ['国际 (Ed25519/SHA-256)', 'International (Ed25519/SHA-256)'],
  'home.departments': ['参与部门', 'Departments'],
  'login.title': ['选择演示身份登录', 'Log in with a demo identity'],
  'login.demoWarning': [
    '本地演示：以下身份的私钥由本机演示服务提供给浏览器，仅用于演示，切勿在真实环境中这样做。交易在浏览器内签名，节点会独立校验签名与权限。',
    'Local demo: the private keys of these identities are handed to the browser by this machine’s demo server, for the demo only; never do this in a real deployment. Transactions are signed in the browser and the nodes check signatures and permissions themselves.',
  ],
  'login.none': [
    '当前门户未提供演示身份（未以 --demo 启动）。',
    'This portal offers no demo identities (not started with --demo).',
  ],
  'login.kind.citizen': ['个人', 'Citizen'],
  'login.kind.enterprise': ['企业', 'Enterprise'],
  'login.kind.officer': ['部门工作人员', 'Department officer'],
  'login.as': ['当前身份', 'Logged in as'],
  'login.choose': ['以此身份登录', 'Log in as this identity'],
  'login.roles': ['角色', 'Roles'],
  'explorer.title': ['区块浏览器', 'Block explorer'],
  'explorer.nodes': ['验证节点与共识状态', 'Validators and consensus health'],
  'explorer.latestBlocks': ['最新区块', 'Latest blocks'],
  'explorer.live': ['实时', 'Live'],
  'explorer.offline': ['连接中断，重连中', 'Disconnected, reconnecting'],
  'explorer.search.placeholder': ['输入区块高度或交易哈希', 'Block height or transaction hash'],
  'explorer.search.notFound': [
    '未找到“{q}”：请输入区块高度或 64 位十六进制的交易哈希。',
    'Nothing found for “{q}”: enter a block height or a 64-hex transaction hash.',
  ],
  'explorer.col.height': ['高度', 'Height'],
  'explorer.col.hash': ['区块哈希', 'Block hash'],
  'explorer.col.txs': ['交易数', 'Txs'],
  'explorer.col.proposer': ['出块部门', 'Proposer'],
  'explorer.col.time': ['出块时间', 'Time'],
  'explorer.col.node': ['节点', 'Node'],
  'explorer.col.round': ['轮次', 'Round'],
  'explorer.col.peers': ['连接节点', 'Peers'],
  'explorer.col.mempool': ['待打包交易', 'Mempool'],
  'explorer.col.power': ['投票权', 'Voting power'],
  'explorer.col.state': ['状态', 'State'],
  'explorer.col.key': ['公钥', 'Public key'],
  'explorer.node.ok': ['正常', 'Healthy'],
  'explorer.node.syncing': ['同步中', 'Catching up'],
  'explorer.node.down': ['不可达', 'Unreachable'],
  'explorer.validators': ['验证节点集合', 'Validator set'],
  'block.title': ['区块 #{height}', 'Block #{height}'],
  'block.header': ['区块头', 'Header'],
  'block.txs': ['交易列表', 'Transactions'],
  'block.cert': ['提交证书（签名验证节点）', 'Commit certificate (signers)'],
  'block.cert.ok': [
    '证书有效：{count} 个验证节点签名，投票权 {power}/{total}，已用可信验证节点集合在浏览器内验证',
    'Certificate valid: {count} validators signed, voting power {power}/{total}, verified in this browser against the trusted validator set',
  ],
  'block.cert.bad': ['证书验证失败：{reason}', 'Certificate check failed: {reason}'],
  'block.cert.pending': [
    '该区块的提交证书需等待下一个区块产生',
    'This block’s certificate arrives with the next block',
  ],
  'block.prev': ['上一个区块', 'Previous block'],
  'block.next': ['下一个区块', 'Next block'],
  'block.noTxs': ['本区块无交易', 'No transactions in this block'],
  'block.signer': ['签名节点', 'Signer'],
  'tx.title': ['交易详情', 'Transaction'],
  'tx.hash': ['交易哈希', 'Hash'],
  'tx.index': ['序号', 'Index'],
  'tx.code': ['结果码', 'Result code'],
  'tx.events': ['事件', 'Events'],
} as const satisfies Messages

export const { useApp } = withMessages(PORTAL_MESSAGES)
