/**
 * The data-sharing demo: realistic silos in each department's own SQLite database, their
 * catalogue entries and gateways on chain, and the 公租房 (public rental housing) scenario in
 * which housing's approval needs police household data and tax payment data.
 *
 *   police  (公安局)       household registration  police.household   有条件共享
 *   market  (市场监管局)   enterprise registry     market.enterprise  无条件共享 (approved by policy)
 *   tax     (税务局)       payment records         tax.payment        有条件共享
 *   hrss    (人社局)       insurance records       hrss.insurance     有条件共享 — only when the network
 *                          has it (`govchain init --orgs 5`; the default 4 orgs are market, housing, police, tax)
 *
 * The people are fake but realistic: names, ID numbers with valid GB 11643 check digits, mobile
 * numbers. Personal data lives only in the departments' databases; rows carry the subject's keyed
 * pseudonym computed with the identity authority's (police) key, which only gateways hold.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { requestAnswer } from '@govchain/app/answer'
import type { CatalogField, ShareType } from '@govchain/catalog/schema'
import { GovchainError, getSuite, toHex, utf8 } from '@govchain/core'
import {
  type ColumnSpec,
  type GatewayHome,
  openConnector,
  type ResourceBinding,
  saveGatewayConfig,
} from '@govchain/gateway'
import { loadKeyFile, type NetworkFile } from '@govchain/node'
import {
  type BuiltTx,
  type Client,
  catalogPublish,
  catalogSetGateway,
  createClient,
  errorCode,
  HttpTransport,
  sharingDecide,
  sharingRequest,
} from '@govchain/sdk'
import { signGatewayLocalFetch } from '@govchain/sharing/client'
import { subjectPseudonym } from '@govchain/sharing/schema'
import { LocalFetchAnswer } from '@govchain/sharing/views'
import { initNodeGateway, loadGatewayPackage } from '../gateway-home.ts'

// ---------------------------------------------------------------- fake people

/** mulberry32: a tiny seeded PRNG so the demo data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢'
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红文斌宇浩然晨欣怡子轩梓涵雨泽思远佳琪'
/** Beijing districts (GB/T 2260) with their names, for addresses and ID number prefixes. */
const DISTRICTS: [string, string][] = [
  ['110101', '东城区'],
  ['110102', '西城区'],
  ['110105', '朝阳区'],
  ['110106', '丰台区'],
  ['110108', '海淀区'],
  ['110114', '昌平区'],
]
const STREETS = [
  '中关村大街',
  '学院路',
  '复兴路',
  '建国门外大街',
  '西直门外大街',
  '回龙观西大街',
  '丰台北路',
  '安定门内大街',
]
const ETHNICITIES = ['汉族', '汉族', '汉族', '汉族', '回族', '满族', '蒙古族']
const EMPLOYERS = [
  '北京星河科技有限公司',
  '北京华信建设集团有限公司',
  '北京市第一中学',
  '北京清源餐饮管理有限公司',
  '北京智达物流有限公司',
]

export interface DemoPerson {
  idNumber: string
  name: string
  gender: '男' | '女'
  birthDate: string
  phone: string
  districtCode: string
  address: string
}

interface DemoEnterprise {
  creditCode: string
  name: string
  legalRepresentative: string
}

/** GB 11643-1999 check character of the first 17 digits. */
function idCheckDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i]!
  return '10X98765432'[sum % 11]!
}

const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
function creditCode(body17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += USCC.indexOf(body17[i]!) * USCC_W[i]!
  return body17 + USCC[(31 - (sum % 31)) % 31]!
}

export function demoPeople(count: number, seed = 20240601): DemoPerson[] {
  const r = prng(seed)
  const pick = <T>(xs: readonly T[] | string): T => xs[Math.floor(r() * xs.length)] as T
  const people: DemoPerson[] = []
  const seen = new Set<string>()
  while (people.length < count) {
    const [districtCode, district] = pick(DISTRICTS)
    const year = 1955 + Math.floor(r() * 48)
    const month = 1 + Math.floor(r() * 12)
    const day = 1 + Math.floor(r() * 28)
    const birth = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`
    const seq = String(Math.floor(r() * 1000)).padStart(3, '0')
    const first17 = `${districtCode}${birth}${seq}`
    const idNumber = first17 + idCheckDigit(first17)
    if (seen.has(idNumber)) continue
    seen.add(idNumber)
    const gender = Number(seq[2]) % 2 === 1 ? '男' : '女'
    const name = pick<string>(SURNAMES) + pick<string>(GIVEN) + (r() < 0.6 ? pick<string>(GIVEN) : '')
    const phone = `1${pick(['3', '5', '8', '9'])}${Math.floor(r() * 10)}${String(Math.floor(r() * 1e8)).padStart(8, '0')}`
    const address = `北京市${district}${pick(STREETS)}${1 + Math.floor(r() * 200)}号${1 + Math.floor(r() * 20)}号楼${1 + Math.floor(r() * 6)}单元${100 + Math.floor(r() * 2000)}室`
    people.push({
      idNumber,
      name,
      gender,
      birthDate: `${year}-${birth.slice(4, 6)}-${birth.slice(6)}`,
      phone,
      districtCode,
      address,
    })
  }
  return people
}

function demoEnterprises(people: readonly DemoPerson[], seed = 7): DemoEnterprise[] {
  const r = prng(seed)
  const names = [
    '星河科技',
    '华信建设',
    '清源餐饮',
    '智达物流',
    '京畿文化传媒',
    '瑞丰农业科技',
    '鼎盛商贸',
    '博远教育咨询',
  ]
  return names.map((n, i) => ({
    creditCode: creditCode(`91110108${String(Math.floor(r() * 1e8)).padStart(8, '0')}${USCC[i % 31]}`),
    name: `北京${n}有限公司`,
    legalRepresentative: people[i % people.length]!.name,
  }))
}

// ---------------------------------------------------------------- silos

interface Silo {
  orgId: string
  resourceId: string
  table: string
  columns: ColumnSpec[]
  fields: CatalogField[]
  title: string
  description: string
  shareType: ShareType
  autoApproveDays?: number
  updateFrequency: 'daily' | 'monthly' | 'realtime'
  rows(
    people: DemoPerson[],
    enterprises: DemoEnterprise[],
    pseudonym: (kind: 'person' | 'enterprise', id: string) => string,
  ): (string | number)[][]
}

const f = (name: string, label: string, sensitivity: CatalogField['sensitivity']): CatalogField => ({
  name,
  label,
  sensitivity,
})
const text = (name: string): ColumnSpec => ({ name, type: 'text' })
const int = (name: string): ColumnSpec => ({ name, type: 'integer' })

const SILOS: readonly Silo[] = [
  {
    orgId: 'police',
    resourceId: 'police.household',
    table: 'household',
    title: '户籍人口基本信息',
    description: '公安机关户籍登记的常住人口基本信息（户籍地址、户别、登记日期）。',
    shareType: 'conditional',
    updateFrequency: 'daily',
    columns: [
      text('id_number'),
      text('name'),
      text('gender'),
      text('birth_date'),
      text('ethnicity'),
      text('phone'),
      text('household_address'),
      text('household_type'),
      text('registered_on'),
      text('subject_ref'),
    ],
    fields: [
      f('id_number', '公民身份号码', 'personal'),
      f('name', '姓名', 'personal'),
      f('gender', '性别', 'sensitive'),
      f('birth_date', '出生日期', 'sensitive'),
      f('ethnicity', '民族', 'sensitive'),
      f('phone', '联系电话', 'personal'),
      f('household_address', '户籍地址', 'sensitive'),
      f('household_type', '户别', 'internal'),
      f('registered_on', '登记日期', 'internal'),
    ],
    rows: (people, _e, ps) =>
      people.map((p, i) => [
        p.idNumber,
        p.name,
        p.gender,
        p.birthDate,
        ETHNICITIES[i % ETHNICITIES.length]!,
        p.phone,
        p.address,
        i % 3 === 0 ? '集体户' : '家庭户',
        `20${String(10 + (i % 14)).padStart(2, '0')}-0${1 + (i % 9)}-15`,
        ps('person', p.idNumber),
      ]),
  },
  {
    orgId: 'market',
    resourceId: 'market.enterprise',
    table: 'enterprise',
    title: '企业登记基本信息',
    description: '市场主体登记的企业名称、统一社会信用代码、法定代表人、注册资本、成立日期和登记状态。',
    shareType: 'unconditional',
    autoApproveDays: 365,
    updateFrequency: 'realtime',
    columns: [
      text('credit_code'),
      text('name'),
      text('legal_representative'),
      int('registered_capital'),
      text('established_on'),
      text('status'),
      text('subject_ref'),
    ],
    fields: [
      f('credit_code', '统一社会信用代码', 'public'),
      f('name', '企业名称', 'public'),
      f('legal_representative', '法定代表人', 'personal'),
      f('registered_capital', '注册资本（万元）', 'public'),
      f('established_on', '成立日期', 'public'),
      f('status', '登记状态', 'public'),
    ],
    rows: (_p, es, ps) =>
      es.map((e, i) => [
        e.creditCode,
        e.name,
        e.legalRepresentative,
        100 * (1 + i * 7),
        `20${String(5 + i).padStart(2, '0')}-06-0${1 + (i % 9)}`,
        i === 5 ? '注销' : '存续',
        ps('enterprise', e.creditCode),
      ]),
  },
  {
    orgId: 'tax',
    resourceId: 'tax.payment',
    table: 'tax_payment',
    title: '个人所得税纳税记录',
    description: '自然人个人所得税年度汇算的应纳税所得额与已缴税额。',
    shareType: 'conditional',
    updateFrequency: 'monthly',
    columns: [
      text('id_number'),
      text('name'),
      int('tax_year'),
      int('taxable_income'),
      int('tax_paid'),
      text('withholding_agent'),
      text('subject_ref'),
    ],
    fields: [
      f('id_number', '公民身份号码', 'personal'),
      f('name', '姓名', 'personal'),
      f('tax_year', '纳税年度', 'internal'),
      f('taxable_income', '年度收入额（元）', 'sensitive'),
      f('tax_paid', '已缴税额（元）', 'sensitive'),
      f('withholding_agent', '扣缴义务人', 'internal'),
    ],
    rows: (people, _e, ps) =>
      people.flatMap((p, i) =>
        [2022, 2023].map((year) => {
          const income = 36_000 + ((i * 7919 + year) % 40) * 6_000
          return [
            p.idNumber,
            p.name,
            year,
            income,
            Math.max(0, Math.round((income - 60_000) * 0.1)),
            EMPLOYERS[i % EMPLOYERS.length]!,
            ps('person', p.idNumber),
          ]
        }),
      ),
  },
  {
    orgId: 'hrss',
    resourceId: 'hrss.insurance',
    table: 'insurance',
    title: '社会保险参保缴费信息',
    description: '城镇职工基本养老、医疗、失业保险的参保状态与累计缴费月数。',
    shareType: 'conditional',
    updateFrequency: 'monthly',
    columns: [
      text('id_number'),
      text('name'),
      text('insurance_type'),
      text('employer'),
      int('monthly_base'),
      int('months_paid'),
      text('status'),
      text('subject_ref'),
    ],
    fields: [
      f('id_number', '公民身份号码', 'personal'),
      f('name', '姓名', 'personal'),
      f('insurance_type', '险种', 'internal'),
      f('employer', '参保单位', 'internal'),
      f('monthly_base', '缴费基数（元）', 'sensitive'),
      f('months_paid', '累计缴费月数', 'sensitive'),
      f('status', '参保状态', 'internal'),
    ],
    rows: (people, _e, ps) =>
      people.map((p, i) => [
        p.idNumber,
        p.name,
        '城镇职工基本养老保险',
        EMPLOYERS[i % EMPLOYERS.length]!,
        6_000 + (i % 10) * 1_000,
        12 + ((i * 13) % 200),
        i % 9 === 0 ? '暂停缴费' : '正常参保',
        ps('person', p.idNumber),
      ]),
  },
]

// ---------------------------------------------------------------- seeding

export interface SeedSharingDemoOptions {
  /** The network folder of `govchain init` (network.json, keys/, orgs/, nodes/). */
  dir: string
  net: NetworkFile
  /** First mutual-TLS gateway port (one per node, in network order). */
  gatewayBasePort?: number
  /** First local (officer) API port. */
  localBasePort?: number
  people?: number
  onProgress?: (line: string) => void
  /** Defaults to each node's API URL from network.json. */
  clients?: Record<string, Client>
}

export interface SharingDemo {
  gateways: Record<string, { nodeHome: string; url: string; localUrl: string }>
  people: DemoPerson[]
  enterprises: DemoEnterprise[]
  /** Resource ids published, by owner organisation. */
  resources: Record<string, string>
}

const DEMO_DAY_MS = 86_400_000

async function commit(client: Client, tx: BuiltTx, what: string): Promise<void> {
  await client.submitTx(tx.bytes)
  const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
  if (r.code !== 'OK' && r.code !== 'CATALOG_OWNER_MISMATCH') {
    throw new GovchainError('TX_TIMEOUT', `${what}: ${r.code}`)
  }
}

/**
 * Creates each department's gateway home and database (idempotent), registers the gateways
 * and publishes the silos' catalogue entries on chain. Gateways are started separately
 * (`govchain gateway start --home <node home>`, or startGatewayFromHome(gatewayDir(home))).
 */
export async function seedSharingDemo(opts: SeedSharingDemoOptions): Promise<SharingDemo> {
  await loadGatewayPackage()
  const log = opts.onProgress ?? (() => {})
  const suite = getSuite(opts.net.suite)
  const people = demoPeople(opts.people ?? 40)
  const enterprises = demoEnterprises(people)
  const gwBase = opts.gatewayBasePort ?? 7901
  const localBase = opts.localBasePort ?? 7951
  const orgs = opts.net.nodes.map((n) => n.orgId)
  const authority = orgs.includes('police') ? 'police' : orgs[0]!

  const homes: Record<string, GatewayHome> = {}
  for (const [i, n] of opts.net.nodes.entries()) {
    homes[n.orgId] = initNodeGateway(n.home, {
      caDir: join(opts.dir, 'orgs', n.orgId),
      port: gwBase + i,
      localPort: localBase + i,
      ...(n.orgId === authority ? { pseudonymKey: new Uint8Array(randomBytes(32)) } : {}),
    })
  }
  const pseudonymKey = homes[authority]!.pseudonymKey!
  const ps = (kind: 'person' | 'enterprise', id: string) => toHex(subjectPseudonym(suite, pseudonymKey, kind, id))

  const resources: Record<string, string> = {}
  for (const silo of SILOS) {
    const home = homes[silo.orgId]
    const node = opts.net.nodes.find((n) => n.orgId === silo.orgId)
    if (home === undefined || node === undefined) continue
    const connector = openConnector(home)
    const rows = silo.rows(people, enterprises, ps)
    try {
      await connector.createTable(silo.table, silo.columns)
      if ((await connector.count(silo.table)) === 0) {
        await connector.insert(
          silo.table,
          silo.columns.map((c) => c.name),
          rows,
        )
        log(`${silo.orgId}: ${rows.length} rows in ${silo.table}`)
      }
    } finally {
      await connector.close()
    }
    const binding: ResourceBinding = { table: silo.table, subjectColumn: 'subject_ref' }
    home.config.resources[silo.resourceId] = binding
    saveGatewayConfig(home.dir, home.config)
    resources[silo.orgId] = silo.resourceId
  }

  const clients =
    opts.clients ?? Object.fromEntries(opts.net.nodes.map((n) => [n.orgId, createClient({ url: n.apiUrl })]))
  for (const n of opts.net.nodes) {
    const client = clients[n.orgId]!
    const operator = loadKeyFile(opts.net.operatorKeys[n.orgId]!)
    const home = homes[n.orgId]!
    const height = (await client.status()).height
    const signer = { suite, chainId: opts.net.chainId, privateKey: operator.privateKey, validUntilHeight: height + 100 }
    await commit(
      client,
      catalogSetGateway({
        ...signer,
        orgId: n.orgId,
        url: home.config.url,
        certFingerprint: home.certFingerprint,
        gatewayPublicKey: home.key.publicKey,
        pseudonymAuthority: n.orgId === authority,
      }),
      `${n.orgId}: catalog.setGateway`,
    )
    const silo = SILOS.find((s) => s.orgId === n.orgId)
    if (silo === undefined) continue
    const existing = await fetch(`${n.apiUrl}/v1/catalog/resources/${silo.resourceId}`)
    if (existing.status === 200) continue
    const rows = silo.rows(people, enterprises, ps)
    await commit(
      client,
      catalogPublish({
        ...signer,
        resourceId: silo.resourceId,
        title: silo.title,
        description: silo.description,
        ownerOrg: silo.orgId,
        rights: ['ownership', 'management'],
        fields: silo.fields,
        shareType: silo.shareType,
        autoApprove: silo.autoApproveDays !== undefined,
        autoApproveMaxDurationMs: silo.autoApproveDays === undefined ? 0 : silo.autoApproveDays * DEMO_DAY_MS,
        updateFrequency: silo.updateFrequency,
        // The hash of the whole published snapshot: high entropy, reveals nothing about a person.
        dataHash: suite.hash(utf8(JSON.stringify(rows))),
        dataVersion: '2024-06-01',
        note: '首次编目',
      }),
      `${n.orgId}: catalog.publish`,
    )
    log(`${n.orgId}: published ${silo.resourceId}, gateway ${home.config.url}`)
  }

  const gateways: SharingDemo['gateways'] = {}
  for (const n of opts.net.nodes) {
    const h = homes[n.orgId]!
    gateways[n.orgId] = {
      nodeHome: n.home,
      url: h.config.url,
      localUrl: `http://${h.config.local.host}:${h.config.local.port}`,
    }
  }
  return { gateways, people, enterprises, resources }
}

// ---------------------------------------------------------------- the 公租房 scenario

export interface HousingScenarioGrants {
  household: string
  tax: string
}

/**
 * Housing asks police (household) and tax (payment records) for the data its 公租房 approval
 * needs; police and tax approve. Returns the grant ids. Signed with the operators' keys (the
 * demo's officers hold every role).
 */
export async function requestHousingGrants(opts: {
  net: NetworkFile
  clients?: Record<string, Client>
  durationMs?: number
  /** Rows each grant may serve (default 1,000; the gateway benchmark asks for more). */
  rowsMax?: number
}): Promise<HousingScenarioGrants> {
  const suite = getSuite(opts.net.suite)
  const clients =
    opts.clients ?? Object.fromEntries(opts.net.nodes.map((n) => [n.orgId, createClient({ url: n.apiUrl })]))
  const signerOf = async (org: string) => {
    const key = loadKeyFile(opts.net.operatorKeys[org]!)
    const height = (await clients[org]!.status()).height
    return { suite, chainId: opts.net.chainId, privateKey: key.privateKey, validUntilHeight: height + 100 }
  }
  const ask = async (resourceId: string, fields: string[], owner: string): Promise<string> => {
    const req = sharingRequest({
      ...(await signerOf('housing')),
      resourceId,
      consumerOrg: 'housing',
      fields,
      purpose: '公共租赁住房申请资格审核',
      legalBasis: '《公共租赁住房管理办法》（住房和城乡建设部令第11号）第七条',
      durationMs: opts.durationMs ?? 30 * DEMO_DAY_MS,
      rowsMax: opts.rowsMax ?? 1000,
    })
    await commit(clients.housing!, req, `housing: request ${resourceId}`)
    const decide = sharingDecide({
      ...(await signerOf(owner)),
      requestId: req.hashHex,
      approve: true,
      reason: '用途明确，依据充分，准予共享',
    })
    await commit(clients[owner]!, decide, `${owner}: approve ${resourceId}`)
    return req.hashHex
  }
  return {
    household: await ask('police.household', ['id_number', 'name', 'household_address', 'household_type'], 'police'),
    tax: await ask('tax.payment', ['id_number', 'tax_year', 'taxable_income'], 'tax'),
  }
}

/**
 * Housing pulls one person's household record under its 公租房 grant through its own gateway's
 * local API, as its officer would from the console: the provider records the receipt on chain,
 * so that person's "who used my data" shows a real use (the demo citizen is bound to them).
 */
/** The local fetch waits for the provider's rows (and a receipt's signature): generous. */
const LOCAL_FETCH_TIMEOUT_MS = 60_000

export async function recordDemoDataUse(opts: {
  net: NetworkFile
  housingLocalUrl: string
  grantId: string
  idNumber: string
}): Promise<string> {
  const suite = getSuite(opts.net.suite)
  const officer = loadKeyFile(opts.net.operatorKeys.housing!)
  const fields = ['id_number', 'name', 'household_address', 'household_type']
  const filter = { field: 'id_number', values: [opts.idNumber] }
  const body = signGatewayLocalFetch(suite, officer.privateKey, {
    grantId: opts.grantId,
    fields,
    filter,
    timeMs: Date.now(),
    nonce: randomBytes(16).toString('hex'),
  })
  // The gateway's answer is checked against the schema it types it with (ADR 0019).
  const gateway = new HttpTransport({ url: opts.housingLocalUrl, timeoutMs: LOCAL_FETCH_TIMEOUT_MS })
  try {
    return (await requestAnswer(gateway, 'POST', '/v1/local/fetch', LocalFetchAnswer, body)).receiptId
  } catch (e) {
    throw new GovchainError(
      'GATEWAY_BAD_RESPONSE',
      `housing fetch: ${errorCode(e) ?? ''} ${e instanceof Error ? e.message : String(e)}`,
    )
  }
}
