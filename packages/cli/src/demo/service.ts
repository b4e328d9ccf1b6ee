/**
 * The service hall's demo items (issue 16), seeded by `govchain up`:
 *
 *   公共租赁住房资格申请 (housing)   pulls household data from police and income from tax; the
 *                                  applicant uploads nothing; approval issues a 公租房资格确认书
 *   新生儿出生一件事 (health)        one application over health, police, hrss and 医保 (medins):
 *                                  seeded when the network has those departments
 *                                  (`govchain up --nodes 11`); each part pulls what it needs and
 *                                  health issues the 出生医学证明
 *
 * Items are published by the departments' operators (the demo's officers hold every role).
 */

import { GovchainError, getSuite } from '@govchain/core'
import { licenseTx } from '@govchain/license/client'
import type { DefineTypeArgs } from '@govchain/license/schema'
import { loadKeyFile, type NetworkFile } from '@govchain/node'
import { type BuiltTx, type Client, createClient } from '@govchain/sdk'
import { servicePublish } from '@govchain/service/client'
import type { ServicePublishArgs } from '@govchain/service/schema'

const GZF_BASIS = '《公共租赁住房管理办法》（住房和城乡建设部令第11号）第七条'
const ONE_THING_BASIS = '《国务院关于加快推进政务服务标准化规范化便利化的指导意见》（国发〔2022〕5号）'

export const GZF_ITEM: ServicePublishArgs = {
  code: 'BJ-ZJW-GZF-001',
  title: '公共租赁住房资格申请',
  titleEn: 'Public rental housing eligibility',
  legalBasis: GZF_BASIS,
  licenses: [],
  pulls: [
    {
      providerOrg: 'police',
      resourceId: 'police.household',
      fields: ['name', 'household_address', 'household_type'],
      purpose: '核验申请人本市户籍',
    },
    {
      providerOrg: 'tax',
      resourceId: 'tax.payment',
      fields: ['tax_year', 'taxable_income'],
      purpose: '核验申请人家庭收入',
    },
  ],
  slaDays: 20,
  resultType: 'GZFZG',
  parts: [],
}

type Field = DefineTypeArgs['fields'][number]
const HOLDER_NAME: Field = { name: 'holderName', label: '姓名', labelEn: 'Name', personal: true, required: true }
const ID_NUMBER: Field = {
  name: 'idNumber',
  label: '公民身份号码',
  labelEn: 'ID number',
  personal: true,
  required: true,
}
const ADDRESS: Field = {
  name: 'address',
  label: '户籍地址',
  labelEn: 'Household address',
  personal: true,
  required: true,
}

const person = (
  code: string,
  alias: string,
  name: string,
  nameEn: string,
  issuer: string,
  fields: Field[],
): DefineTypeArgs => ({
  code,
  alias,
  name,
  nameEn,
  holderKind: 'person',
  fields,
  issuers: [issuer],
  maxValidityYears: 0,
  renewable: false,
  regionCode: '110000',
  region: '北京市',
})

const GZF_LICENSE_TYPE = person(
  'GZFZG',
  'gzf-eligibility',
  '公租房资格确认书',
  'Public rental housing eligibility',
  'housing',
  [HOLDER_NAME, ADDRESS],
)
const BIRTH_LICENSE_TYPE = person(
  'CSYXZM',
  'birth-certificate',
  '出生医学证明',
  'Medical certificate of birth',
  'health',
  [HOLDER_NAME, ID_NUMBER],
)

const NEWBORN_PARTS: { org: string; item: ServicePublishArgs }[] = [
  {
    org: 'health',
    item: {
      code: 'BJ-WJW-CSZM-001',
      title: '出生医学证明签发',
      titleEn: 'Medical certificate of birth',
      legalBasis: '《中华人民共和国母婴保健法》第二十三条',
      licenses: [],
      pulls: [
        {
          providerOrg: 'police',
          resourceId: 'police.household',
          fields: ['name', 'household_address'],
          purpose: '核对父母身份与户籍',
        },
      ],
      slaDays: 5,
      resultType: 'CSYXZM',
      parts: [],
    },
  },
  {
    org: 'police',
    item: {
      code: 'BJ-GA-CSDJ-001',
      title: '出生登记（户口）',
      titleEn: 'Birth household registration',
      legalBasis: '《中华人民共和国户口登记条例》第七条',
      licenses: [],
      pulls: [],
      slaDays: 5,
      parts: [],
    },
  },
  {
    org: 'hrss',
    item: {
      code: 'BJ-RS-SBK-001',
      title: '社会保障卡申领',
      titleEn: 'Social security card',
      legalBasis: '《社会保障卡管理办法》',
      licenses: [],
      pulls: [{ providerOrg: 'police', resourceId: 'police.household', fields: ['name'], purpose: '核对持卡人身份' }],
      slaDays: 10,
      parts: [],
    },
  },
  {
    org: 'medins',
    item: {
      code: 'BJ-YB-CB-001',
      title: '城乡居民基本医疗保险参保登记',
      titleEn: 'Basic medical insurance enrolment',
      legalBasis: '《中华人民共和国社会保险法》第二十五条',
      licenses: [],
      pulls: [
        {
          providerOrg: 'police',
          resourceId: 'police.household',
          fields: ['name', 'household_address'],
          purpose: '核对参保人户籍',
        },
      ],
      slaDays: 5,
      parts: [],
    },
  },
]

const NEWBORN_ITEM: ServicePublishArgs = {
  code: 'BJ-YJS-XSECS-001',
  title: '新生儿出生一件事',
  titleEn: 'Newborn: one application, four departments',
  legalBasis: ONE_THING_BASIS,
  licenses: [],
  pulls: [],
  slaDays: 10,
  parts: NEWBORN_PARTS.map((p) => p.item.code),
}

async function commit(client: Client, tx: BuiltTx, what: string): Promise<void> {
  await client.submitTx(tx.bytes)
  const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
  // Seeding twice (a second `up` on the same folder) finds the type and the item versions there.
  if (r.code !== 'OK' && r.code !== 'LICENSE_TYPE_EXISTS') {
    throw new GovchainError('TX_TIMEOUT', `${what}: ${r.code}`)
  }
}

/** Publishes the demo items the network's departments can serve; returns the item codes. */
export async function seedServiceDemo(opts: {
  net: NetworkFile
  clients?: Record<string, Client>
  log?: (line: string) => void
}): Promise<string[]> {
  const { net } = opts
  const suite = getSuite(net.suite)
  const has = (org: string) => net.nodes.some((n) => n.orgId === org)
  const clients = opts.clients ?? Object.fromEntries(net.nodes.map((n) => [n.orgId, createClient({ url: n.apiUrl })]))
  const signer = async (org: string) => {
    const key = loadKeyFile(net.operatorKeys[org]!)
    const height = (await clients[org]!.status()).height
    return { suite, chainId: net.chainId, privateKey: key.privateKey, validUntilHeight: height + 100 }
  }
  const published: string[] = []
  const publish = async (org: string, item: ServicePublishArgs) => {
    await commit(clients[org]!, servicePublish({ ...(await signer(org)), item }), `${org}: publish ${item.code}`)
    published.push(item.code)
  }
  if (has('housing') && has('police') && has('tax')) {
    await commit(
      clients.housing!,
      licenseTx.defineType({ ...(await signer('housing')), args: GZF_LICENSE_TYPE }),
      'housing: licence type',
    )
    await publish('housing', GZF_ITEM)
  }
  if (NEWBORN_PARTS.every((p) => has(p.org))) {
    await commit(
      clients.health!,
      licenseTx.defineType({ ...(await signer('health')), args: BIRTH_LICENSE_TYPE }),
      'health: licence type',
    )
    for (const p of NEWBORN_PARTS) await publish(p.org, p.item)
    await publish('health', NEWBORN_ITEM)
  } else {
    opts.log?.('新生儿出生一件事 not seeded: it needs health, police, hrss and medins (govchain up --nodes 11)')
  }
  if (published.length > 0) opts.log?.(`service hall: ${published.join(', ')}`)
  return published
}
