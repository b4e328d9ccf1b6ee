/**
 * Demo officers with separate roles (issue 15, "demo identities"): in each issuing department a
 * 发证员 who only issues, a 审批员 who only approves, and a 管理员 who only administers officers —
 * so the demo shows what each role may and may not do (the department operator `<org>-admin`
 * keeps every role for the demo's own seeding). The chain records each officer's id, key and
 * roles (identity.addOfficer, signed by the department's admin); their names are the demo's
 * fake ones and live only off chain, in DIR/demo/identities.json.
 *
 * Idempotent: officers already on chain are not added again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GovchainError, getSuite, type Role, toHex } from '@govchain/core'
import { DEMO_DEPARTMENTS, loadKeyFile, type NetworkFile } from '@govchain/node'
import { type BuiltTx, createClient, identity } from '@govchain/sdk'

/** Departments that get separate-role officers: those issuing the demo licences. */
const DEMO_OFFICER_ORGS = ['housing', 'market'] as const

/** The separate roles, one officer each: issuing, approving, administering officers. */
const SEPARATE_ROLES: readonly { suffix: string; role: Role; title: string; titleEn: string }[] = [
  { suffix: 'issuer', role: 'issuer', title: '发证员', titleEn: 'licence issuer' },
  { suffix: 'approver', role: 'approver', title: '审批员', titleEn: 'approver' },
  { suffix: 'administrator', role: 'admin', title: '管理员', titleEn: 'administrator' },
]

/** Fake names of the officers, in SEPARATE_ROLES order: [Chinese, English]. */
const NAMES: Record<(typeof DEMO_OFFICER_ORGS)[number], [string, string][]> = {
  housing: [
    ['王芳', 'Wang Fang'],
    ['刘强', 'Liu Qiang'],
    ['陈静', 'Chen Jing'],
  ],
  market: [
    ['赵敏', 'Zhao Min'],
    ['孙磊', 'Sun Lei'],
    ['周洋', 'Zhou Yang'],
  ],
}

export interface DemoOfficer {
  id: string
  kind: 'officer'
  name: string
  nameEn: string
  orgId: string
  roles: Role[]
  publicKey: string
  privateKey: string
}

/** Adds the separate-role officers on chain and lists them in DIR/demo/identities.json. */
export async function seedDemoOfficers(opts: {
  dir: string
  net: NetworkFile
  log?: (line: string) => void
}): Promise<DemoOfficer[]> {
  const { dir, net } = opts
  const suite = getSuite(net.suite)
  const client = createClient({ urls: net.nodes.map((n) => n.apiUrl) })
  const out: DemoOfficer[] = []
  const txs: BuiltTx[] = []
  for (const org of DEMO_OFFICER_ORGS) {
    const adminPath = net.operatorKeys[org]
    if (adminPath === undefined || !existsSync(adminPath)) continue
    const admin = loadKeyFile(adminPath)
    const dept = DEMO_DEPARTMENTS.find((d) => d.id === org)
    const onChain = new Set((await identity.listOfficers(client, org)).map((o) => o.officerId))
    for (const [i, p] of SEPARATE_ROLES.entries()) {
      const [name, nameEn] = NAMES[org][i]!
      const officerId = `${org}.${p.suffix}`
      if (onChain.has(officerId)) continue
      const key = suite.generateKeyPair()
      const height = (await client.status()).height
      txs.push(
        identity.addOfficer({
          suite,
          chainId: net.chainId,
          privateKey: admin.privateKey,
          validUntilHeight: height + 100,
          orgId: org,
          officerId,
          publicKey: key.publicKey,
          roles: [p.role],
        }),
      )
      out.push({
        id: `officer:${officerId}`,
        kind: 'officer',
        name: `${dept?.name ?? org} ${p.title} ${name}`,
        nameEn: `${nameEn}, ${p.titleEn}, ${dept?.nameEn ?? org}`,
        orgId: org,
        roles: [p.role],
        publicKey: toHex(key.publicKey),
        privateKey: toHex(key.privateKey),
      })
    }
  }
  for (const tx of txs) await client.submitTx(tx.bytes)
  for (const tx of txs) {
    const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
    if (r.status !== 'committed') throw new GovchainError('TX_TIMEOUT', `demo officer: ${r.code ?? r.status}`)
  }
  if (out.length > 0) {
    const path = join(dir, 'demo', 'identities.json')
    mkdirSync(join(dir, 'demo'), { recursive: true })
    const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { id: string }[]) : []
    const ids = new Set(out.map((o) => o.id))
    writeFileSync(path, `${JSON.stringify([...existing.filter((x) => !ids.has(x.id)), ...out], null, 2)}\n`, {
      mode: 0o600,
    })
    opts.log?.(`demo officers with separate roles: ${out.map((o) => o.name).join('、')}`)
  }
  return out
}
