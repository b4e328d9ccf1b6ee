/**
 * Demo licences for a running local network, so the portal is alive on first start: a few
 * enterprises and one person get DIDs and realistic (fake) licences issued by the demo
 * departments (住房和城乡建设委员会 `housing`, 市场监督管理局 `market`), one of them suspended and
 * one revoked, plus a holder grant (用证授权) with a recorded use.
 *
 * Names, credit codes and identity numbers are fake and live only OFF chain, in the holders'
 * credentials in DIR/demo/wallets/<holder>.json (with the holder's DID key: demo only, never do
 * this with real keys). The chain gets ids, DIDs, hashes and statuses.
 *
 * Idempotent: a second call with the seed file present and its first licence on chain does nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CryptoSuite, encode, fromHex, GovchainError, getSuite, toHex } from '@govchain/core'
import { CreateDidArgs, deriveDid, IDENTITY_MODULE } from '@govchain/identity/schema'
import type { HolderRecord } from '@govchain/license/client'
import type { LicenseTypeView } from '@govchain/license/views'
import { loadKeyFile, type NetworkFile } from '@govchain/node'
import {
  type BuiltTx,
  buildTx,
  type Client,
  createClient,
  issueLicense,
  licenseClient,
  licenseTx,
  randomSerial,
} from '@govchain/sdk'

const YEAR_MS = 365 * 24 * 3600 * 1000
const DAY_MS = 24 * 3600 * 1000
const LICENSE_DEMO_FILE = 'license-demo.json'

interface DemoWallet {
  holder: string
  name: string
  kind: 'enterprise' | 'person'
  did: string
  suite: string
  publicKey: string
  privateKey: string
  credentials: { id: string; typeCode: string; alias: string; typeName: string; status: string; credential: string }[]
}

export interface LicenseDemoResult {
  /** DIR/demo/license-demo.json */
  file: string
  wallets: { holder: string; name: string; did: string; file: string; licenses: string[] }[]
  licenses: { id: string; alias: string; holder: string; status: string }[]
  skipped: boolean
}

export interface SeedLicenseDemoOptions {
  /** The network folder (network.json, keys/<org>.operator.json); demo files go to DIR/demo/. */
  dir: string
  /** Node API URL; default: the first node of network.json. */
  url?: string
  log?: (line: string) => void
  /** How long to wait for the transactions to commit. */
  timeoutMs?: number
}

/** USCC (GB 32100-2015) check character for a 17-character body. */
function uscc(body17: string): string {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += chars.indexOf(body17[i]!) * w[i]!
  return body17 + chars[(31 - (sum % 31)) % 31]!
}

interface Holder {
  key: string
  name: string
  kind: 'enterprise' | 'person'
}

const HOLDERS: Holder[] = [
  { key: 'chengjian', name: '北京城建示范工程有限公司', kind: 'enterprise' },
  { key: 'huazhu', name: '北京华筑工程监理有限公司', kind: 'enterprise' },
  { key: 'weilai', name: '北京味来餐饮管理有限公司', kind: 'enterprise' },
  { key: 'liming', name: '李明', kind: 'person' },
]

interface Plan {
  holder: string
  alias: string
  fields: Record<string, string>
  years: number
  after?: 'suspend' | 'revoke'
}

function plans(): Plan[] {
  const cj = uscc('91110108MA01C8K5X')
  const hz = uscc('91110105MA00F3P7Q')
  const wl = uscc('92110108MA02G6L3T')
  return [
    {
      holder: 'chengjian',
      alias: 'yyzz',
      years: 0,
      fields: {
        enterpriseName: '北京城建示范工程有限公司',
        creditCode: cj,
        enterpriseType: '有限责任公司(自然人投资或控股)',
        legalRepresentative: '张建国',
        registeredCapital: '5000万元',
        establishedDate: '2012-03-18',
        businessTerm: '2012-03-18 至 长期',
        address: '北京市海淀区中关村南大街 12 号 3 层 301',
        businessScope: '施工总承包;专业承包;工程勘察设计;技术开发。',
      },
    },
    {
      holder: 'chengjian',
      alias: 'jzqyzz',
      years: 5,
      fields: {
        enterpriseName: '北京城建示范工程有限公司',
        creditCode: cj,
        legalRepresentative: '张建国',
        address: '北京市海淀区中关村南大街 12 号',
        economicNature: '有限责任公司',
        qualificationCategory: '建筑工程施工总承包贰级;市政公用工程施工总承包叁级',
        certificateNo: 'D211098765',
      },
    },
    {
      holder: 'chengjian',
      alias: 'aqscxk',
      years: 3,
      fields: {
        enterpriseName: '北京城建示范工程有限公司',
        creditCode: cj,
        legalRepresentative: '张建国',
        address: '北京市海淀区中关村南大街 12 号',
        economicType: '有限责任公司',
        permitScope: '建筑施工',
        certificateNo: '(京)JZ安许证字[2025]013579',
      },
    },
    {
      holder: 'huazhu',
      alias: 'yyzz',
      years: 0,
      fields: {
        enterpriseName: '北京华筑工程监理有限公司',
        creditCode: hz,
        enterpriseType: '有限责任公司',
        legalRepresentative: '王晓华',
        registeredCapital: '1000万元',
        establishedDate: '2015-09-02',
        address: '北京市朝阳区建国路 88 号 12 层',
        businessScope: '工程监理;工程咨询;招标代理。',
      },
    },
    {
      holder: 'huazhu',
      alias: 'gcjlzz',
      years: 5,
      after: 'suspend',
      fields: {
        enterpriseName: '北京华筑工程监理有限公司',
        creditCode: hz,
        legalRepresentative: '王晓华',
        technicalDirector: '赵志强',
        qualificationScope: '房屋建筑工程监理甲级;市政公用工程监理乙级',
        certificateNo: 'E111054321',
      },
    },
    {
      holder: 'huazhu',
      alias: 'aqscxk',
      years: 3,
      after: 'revoke',
      fields: {
        enterpriseName: '北京华筑工程监理有限公司',
        creditCode: hz,
        legalRepresentative: '王晓华',
        address: '北京市朝阳区建国路 88 号',
        permitScope: '建筑施工',
        certificateNo: '(京)JZ安许证字[2024]008642',
      },
    },
    {
      holder: 'weilai',
      alias: 'yyzz',
      years: 0,
      fields: {
        enterpriseName: '北京味来餐饮管理有限公司',
        creditCode: wl,
        enterpriseType: '有限责任公司(自然人独资)',
        legalRepresentative: '陈美玲',
        registeredCapital: '100万元',
        establishedDate: '2019-06-21',
        address: '北京市海淀区学院路 35 号 1 层 102',
        businessScope: '餐饮服务;餐饮管理;食品销售。',
      },
    },
    {
      holder: 'weilai',
      alias: 'spjyxk',
      years: 5,
      fields: {
        operatorName: '北京味来餐饮管理有限公司',
        creditCode: wl,
        legalRepresentative: '陈美玲',
        premises: '北京市海淀区学院路 35 号 1 层 102',
        mainFormat: '餐饮服务经营者(中型餐馆)',
        businessItems: '热食类食品制售;冷食类食品制售',
        // The catalogue's field name (genesis data, in the recorded chain), not an identifier.
        ['licenceNo']: 'JY21101080123456',
      },
    },
    {
      holder: 'liming',
      alias: 'zcjzs',
      years: 3,
      fields: {
        name: '李明',
        idNumber: '110108198805126611',
        registrationNo: '京1112012201234567',
        level: '一级',
        specialty: '建筑工程',
        employer: '北京城建示范工程有限公司',
      },
    },
  ]
}

async function waitAll(client: Client, txs: BuiltTx[], timeoutMs: number): Promise<void> {
  for (const t of txs) await client.submitTx(t.bytes)
  for (const t of txs) {
    const r = await client.waitForTx(t.hashHex, { timeoutMs, pollMs: 200 })
    if (r.status !== 'committed') {
      throw new GovchainError('INVALID_ARGUMENT', `demo transaction ${t.hashHex} failed: ${r.code ?? r.status}`)
    }
  }
}

/** Seeds the demo licences (see the file comment). Returns what it wrote; safe to call again. */
export async function seedLicenseDemo(opts: SeedLicenseDemoOptions): Promise<LicenseDemoResult> {
  const log = opts.log ?? (() => {})
  const timeoutMs = opts.timeoutMs ?? 60_000
  const net = JSON.parse(readFileSync(join(opts.dir, 'network.json'), 'utf8')) as NetworkFile
  const url = opts.url ?? net.nodes[0]?.apiUrl
  if (url === undefined) throw new GovchainError('CONFIG_INVALID', 'network.json lists no node')
  const demoDir = join(opts.dir, 'demo')
  const walletDir = join(demoDir, 'wallets')
  const seedFile = join(demoDir, LICENSE_DEMO_FILE)
  const client = createClient({ url, timeoutMs: 10_000 })
  const lic = licenseClient({ url })
  if (existsSync(seedFile)) {
    const prev = JSON.parse(readFileSync(seedFile, 'utf8')) as LicenseDemoResult
    const first = prev.licenses[0]
    if (
      first !== undefined &&
      (await lic.get(first.id).then(
        () => true,
        () => false,
      ))
    ) {
      log(`licence demo already seeded (${seedFile})`)
      return { ...prev, skipped: true }
    }
  }
  // The licence types are genesis state, applied by block 1: before it the chain lists none.
  let status = await client.status()
  const readyBy = Date.now() + timeoutMs
  while (status.height < 1) {
    if (Date.now() > readyBy) throw new GovchainError('NODE_UNREACHABLE', 'no block committed yet')
    await new Promise((r) => setTimeout(r, 200))
    status = await client.status()
  }
  const suite: CryptoSuite = getSuite(status.suite)
  const chainId = status.chainId
  const officer = (org: string) => {
    const path = net.operatorKeys[org] ?? join(opts.dir, 'keys', `${org}.operator.json`)
    return existsSync(path) ? loadKeyFile(path) : undefined
  }
  const orgCode = new Map<string, string>()
  const genesis = JSON.parse(readFileSync(join(net.nodes[0]!.home, 'genesis.json'), 'utf8')) as {
    organisations: { id: string; name: string; code: string }[]
  }
  const orgName = new Map<string, string>()
  for (const o of genesis.organisations) {
    orgCode.set(o.id, o.code)
    orgName.set(o.id, o.name)
  }
  const types = new Map<string, LicenseTypeView>()
  for (const t of (await lic.types()).items) types.set(t.alias, t)
  // Seeding nothing would leave a demo with empty wallets and no error to say why.
  if (types.size === 0) throw new GovchainError('CONFIG_INVALID', 'the chain lists no licence types to issue')

  // 1. Holders' DIDs (self-signed createDid).
  const validUntilHeight = status.height + 200
  const wallets = new Map<string, DemoWallet>()
  const didTxs: BuiltTx[] = []
  for (const h of HOLDERS) {
    const kp = suite.generateKeyPair()
    const did = deriveDid(suite, kp.publicKey)
    wallets.set(h.key, {
      holder: h.key,
      name: h.name,
      kind: h.kind,
      did,
      suite: suite.name,
      publicKey: toHex(kp.publicKey),
      privateKey: toHex(kp.privateKey),
      credentials: [],
    })
    didTxs.push(
      buildTx({
        suite,
        chainId,
        privateKey: kp.privateKey,
        module: IDENTITY_MODULE,
        method: 'createDid',
        args: encode(CreateDidArgs, {}),
        validUntilHeight,
      }),
    )
  }
  await waitAll(client, didTxs, timeoutMs)
  log(`demo holders: ${HOLDERS.map((h) => `${h.name} ${wallets.get(h.key)!.did}`).join(', ')}`)

  // 2. Licences, issued by the type's owner department.
  const now = Date.now()
  const issued: { id: string; alias: string; holder: string; status: string; after?: Plan['after']; org: string }[] = []
  const issueTxs: BuiltTx[] = []
  for (const p of plans()) {
    const type = types.get(p.alias)
    if (type === undefined) continue
    const org = type.issuers[0]!
    const key = officer(org)
    const code = orgCode.get(org)
    if (key === undefined || code === undefined) continue
    const w = wallets.get(p.holder)!
    const validFromMs = now - 30 * DAY_MS
    const validUntilMs = p.years === 0 ? 0 : validFromMs + p.years * YEAR_MS - DAY_MS
    const l = issueLicense({
      suite,
      chainId,
      privateKey: key.privateKey,
      type,
      issuer: { orgId: org, code, ...(orgName.has(org) ? { name: orgName.get(org)! } : {}) },
      holder: w.did,
      validFromMs,
      validUntilMs,
      fields: p.fields,
      issuedAtMs: now,
      serial: randomSerial(),
      validUntilHeight,
    })
    issueTxs.push(l.tx)
    w.credentials.push({
      id: l.id,
      typeCode: type.code,
      alias: type.alias,
      typeName: type.name,
      status: 'active',
      credential: l.credential,
    })
    issued.push({
      id: l.id,
      alias: p.alias,
      holder: p.holder,
      status: 'active',
      org,
      ...(p.after === undefined ? {} : { after: p.after }),
    })
  }
  await waitAll(client, issueTxs, timeoutMs)
  log(`demo licences issued: ${issued.length}`)

  // 3. One suspended, one revoked (so the verifier shows both verdicts).
  const changeTxs: BuiltTx[] = []
  for (const l of issued) {
    const key = officer(l.org)!
    const common = { suite, chainId, privateKey: key.privateKey, validUntilHeight }
    if (l.after === 'suspend') {
      changeTxs.push(licenseTx.suspend({ ...common, id: l.id, reason: '监理项目质量问题责令整改' }))
      l.status = 'suspended'
    } else if (l.after === 'revoke') {
      changeTxs.push(
        licenseTx.revoke({ ...common, id: l.id, reasonCode: 'issued_in_error', reason: '申报材料与实际不符,依法撤销' }),
      )
      l.status = 'revoked'
    }
  }
  // 4. 用证授权: the constructor lets the tax department use his certificate for one service, once used.
  const person = wallets.get('liming')!
  const personLicense = issued.find((l) => l.holder === 'liming')
  const grantee = orgCode.has('tax') ? 'tax' : orgCode.has('police') ? 'police' : undefined
  let grantTx: BuiltTx | undefined
  if (personLicense !== undefined && grantee !== undefined) {
    grantTx = licenseTx.grantUse({
      suite,
      chainId,
      privateKey: fromHex(person.privateKey),
      validUntilHeight,
      licenseId: personLicense.id,
      grantee,
      service: 'individual-income-tax-deduction',
      purpose: '继续教育专项附加扣除资格核验',
      untilMs: now + 90 * DAY_MS,
    })
    changeTxs.push(grantTx)
  }
  await waitAll(client, changeTxs, timeoutMs)
  const granteeKey = grantee === undefined ? undefined : officer(grantee)
  if (grantTx !== undefined && granteeKey !== undefined && personLicense !== undefined) {
    await waitAll(
      client,
      [
        licenseTx.recordUse({
          suite,
          chainId,
          privateKey: granteeKey.privateKey,
          validUntilHeight,
          licenseId: personLicense.id,
          grantId: grantTx.hash,
        }),
      ],
      timeoutMs,
    )
  }
  for (const w of wallets.values()) {
    for (const c of w.credentials) c.status = issued.find((l) => l.id === c.id)?.status ?? c.status
  }

  // 5. Files: one wallet per holder, and the index.
  mkdirSync(walletDir, { recursive: true })
  const result: LicenseDemoResult = {
    file: seedFile,
    wallets: [...wallets.values()].map((w) => ({
      holder: w.holder,
      name: w.name,
      did: w.did,
      file: join(walletDir, `${w.holder}.json`),
      licenses: w.credentials.map((c) => c.id),
    })),
    licenses: issued.map(({ id, alias, holder, status: s }) => ({ id, alias, holder, status: s })),
    skipped: false,
  }
  for (const w of wallets.values()) {
    writeFileSync(join(walletDir, `${w.holder}.json`), `${JSON.stringify(w, null, 2)}\n`, { mode: 0o600 })
  }
  writeFileSync(seedFile, `${JSON.stringify(result, null, 2)}\n`)
  log(`licence demo written to ${demoDir}`)
  return result
}

/**
 * The demo holders as the issuing departments' holder registers hold them (issue 15, item 3):
 * credit code or identity number, DID, name and every field value of their demo licences. This
 * is the departments' own data, written to their gateways' databases, never to the chain.
 */
export function licenseDemoHolderRecords(result: Pick<LicenseDemoResult, 'wallets'>): HolderRecord[] {
  const out: HolderRecord[] = []
  for (const w of result.wallets) {
    const h = HOLDERS.find((x) => x.key === w.holder)
    if (h === undefined) continue
    const fields: Record<string, string> = {}
    for (const p of plans().filter((x) => x.holder === w.holder)) Object.assign(fields, p.fields)
    const id = h.kind === 'enterprise' ? fields.creditCode : fields.idNumber
    if (id === undefined) continue
    out.push({ kind: h.kind, id, did: w.did, name: w.name, fields })
  }
  return out
}

/**
 * Gives the demo citizen a licence of their own (注册建造师注册证书, issued by housing) and one
 * recorded use of it (tax checks it for a deduction, under the citizen's grant), so the citizen
 * login shows a licence in the wallet with its 用证记录. Returns the licence id and credential.
 */
export async function seedCitizenLicense(opts: {
  dir: string
  net: NetworkFile
  citizen: { did: string; privateKey: string; name: string; idNumber: string }
  log?: (line: string) => void
}): Promise<{ id: string; credential: string; fields: Record<string, string> } | undefined> {
  const { net, citizen } = opts
  const url = net.nodes[0]?.apiUrl
  if (url === undefined) return undefined
  const client = createClient({ urls: net.nodes.map((n) => n.apiUrl), timeoutMs: 10_000 })
  const type = (await licenseClient({ url }).types()).items.find((t) => t.alias === 'zcjzs')
  const org = type?.issuers[0]
  const keyPath = org === undefined ? undefined : net.operatorKeys[org]
  const grantee = net.nodes.some((n) => n.orgId === 'tax') ? 'tax' : undefined
  if (type === undefined || org === undefined || keyPath === undefined || grantee === undefined) return undefined
  const issuerKey = loadKeyFile(keyPath)
  const taxKey = loadKeyFile(net.operatorKeys[grantee]!)
  const genesis = JSON.parse(readFileSync(join(net.nodes[0]!.home, 'genesis.json'), 'utf8')) as {
    organisations: { id: string; name: string; code: string }[]
  }
  const o = genesis.organisations.find((x) => x.id === org)
  if (o === undefined) return undefined
  const status = await client.status()
  const suite = getSuite(status.suite)
  const common = { suite, chainId: status.chainId, validUntilHeight: status.height + 200 }
  const now = Date.now()
  const validFromMs = now - 30 * DAY_MS
  const fields = {
    name: citizen.name,
    idNumber: citizen.idNumber,
    registrationNo: '京1112018201876543',
    level: '二级',
    specialty: '市政公用工程',
    employer: '北京华信建设集团有限公司',
  }
  const l = issueLicense({
    ...common,
    privateKey: issuerKey.privateKey,
    type,
    issuer: { orgId: org, code: o.code, name: o.name },
    holder: citizen.did,
    validFromMs,
    validUntilMs: type.maxValidityYears === 0 ? 0 : validFromMs + type.maxValidityYears * YEAR_MS - DAY_MS,
    fields,
    issuedAtMs: now,
    serial: randomSerial(),
  })
  const timeoutMs = opts.log === undefined ? 30_000 : 60_000
  await waitAll(client, [l.tx], timeoutMs)
  const grant = licenseTx.grantUse({
    ...common,
    privateKey: fromHex(citizen.privateKey),
    licenseId: l.id,
    grantee,
    service: 'individual-income-tax-deduction',
    purpose: '继续教育专项附加扣除资格核验',
    untilMs: now + 90 * DAY_MS,
  })
  await waitAll(client, [grant], timeoutMs)
  await waitAll(
    client,
    [licenseTx.recordUse({ ...common, privateKey: taxKey.privateKey, licenseId: l.id, grantId: grant.hash })],
    timeoutMs,
  )
  opts.log?.(`demo citizen holds ${type.name} ${l.id}, used once by ${grantee}`)
  return { id: l.id, credential: l.credential, fields }
}
