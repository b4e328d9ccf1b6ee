/**
 * Service-hall benchmark (issue 16): `npm run bench:service -- --suite gm|intl --cases 200 --concurrency 40`.
 *
 * Starts the 4-department demo network as real processes (4 validators, 4 data gateways over
 * their SQLite silos), seeds 公共租赁住房资格申请, gives each of --cases citizens a DID and the
 * identity authority's subject credential (untimed), then runs every case end to end, at most
 * --concurrency at a time, each exactly as the portal does it:
 *
 *   apply (the citizen's consent) → accept → two pulls through housing's gateway (police
 *   household data, tax income data; each answer encrypted, each receipt recorded on chain) →
 *   approve, issuing the 公租房资格确认书 in the same transaction → complete
 *
 * and prints one figure per line:
 *
 *   completed cases/s   --cases ÷ wall time from the first apply to the last completion
 *   apply→decision      p50 / p99 of the time from submitting the apply to the decision's commit
 *   pulls               how many pulls were served (2 per case)
 *
 * The issue's target is ≥ 50 completed cases/s on the 4-node demo network. Benchmarks print
 * figures; nothing here asserts a time. Every wait has a deadline; the network is stopped and
 * removed on every exit path.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { encode, getSuite, type SuiteName, toHex } from '@govchain/core'
import { gatewayDir, issueSubjectCredential, loadGatewayHome } from '@govchain/gateway'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { issueLicense } from '@govchain/license/client'
import { type BuiltTx, buildTx, type Client, errorCode } from '@govchain/sdk'
import type { CaseAnswer, ItemAnswer } from '@govchain/service'
import { serviceApply, serviceDecide, serviceStep } from '@govchain/service/client'
import { gatewayLocalMessage } from '@govchain/sharing/schema'
import { type GatewayProcess, startGatewayProcess } from '../src/demo/gateway-procs.ts'
import { GZF_ITEM, seedServiceDemo } from '../src/demo/service.ts'
import { seedSharingDemo } from '../src/demo/sharing.ts'
import { reserveGatewayPorts, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'gm' },
    cases: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '40' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log('npm run bench:service -- [--suite gm|intl] [--cases N (10-5000)] [--concurrency C (1-500)]')
  process.exit(0)
}
const suiteName = values.suite as SuiteName
if (suiteName !== 'gm' && suiteName !== 'intl') throw new Error('--suite gm|intl')
const N = Math.max(10, Math.min(5000, Number(values.cases)))
const C = Math.max(1, Math.min(500, Number(values.concurrency)))
const suite = getSuite(suiteName)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Submits one transaction (retrying the API's and the mempool's back-pressure) and waits for its commit. */
async function commit(client: Client, tx: BuiltTx, what: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.submitTx(tx.bytes)
      break
    } catch (e) {
      const code = errorCode(e)
      if (attempt > 200 || (code !== 'RATE_LIMITED' && code !== 'MEMPOOL_FULL' && code !== 'MEMPOOL_SENDER_QUOTA')) {
        throw new Error(`${what}: ${code ?? String(e)}`)
      }
      await sleep(100)
    }
  }
  const r = await client.waitForTx(tx.hashHex, { timeoutMs: 120_000, pollMs: 250 })
  if (r.code !== 'OK') throw new Error(`${what}: ${r.code ?? r.status}`)
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

async function main(): Promise<void> {
  let net: TestNetwork | undefined
  const gateways: GatewayProcess[] = []
  const stop = async () => {
    await Promise.all(gateways.map((g) => g.stop()))
    await net?.stopAll()
  }
  process.once('SIGINT', () => {
    void stop().finally(() => process.exit(130))
  })
  try {
    net = await startNetwork({ orgs: 4, suite: suiteName, params: { maxTxValidityBlocks: 5000 } })
    const n = net
    const clients = n.net.nodes.map((x) => n.clients[x.name]!)
    const client = clients[0]!
    await waitUntil('first block', async () => (await client.status()).height >= 1)
    const base = await reserveGatewayPorts()
    const demo = await seedSharingDemo({
      dir: n.dir,
      net: n.net,
      gatewayBasePort: base,
      localBasePort: base + 50,
      people: N,
      clients: n.clients,
    })
    for (const x of n.net.nodes) gateways.push(await startGatewayProcess(x.orgId, x.home, n.dir))
    await seedServiceDemo({ net: n.net, clients: n.clients })
    const { chainId, height } = await client.status()
    const common = (privateKey: Uint8Array) => ({ suite, chainId, privateKey, validUntilHeight: height + 4000 })
    const item = (await client.getJson(`/v1/service/items/${GZF_ITEM.code}`)) as ItemAnswer
    const type = (await client.getJson('/v1/license-types/GZFZG')) as Parameters<typeof issueLicense>[0]['type']
    const org = (await client.getJson('/v1/organisations/housing')) as { organisation: { code: string } }
    const police = loadGatewayHome(gatewayDir(n.net.nodes.find((x) => x.orgId === 'police')!.home))
    const housingGw = gateways.find((g) => g.orgId === 'housing')!

    // Untimed: each citizen's wallet (a DID on chain) and subject credential (off chain).
    console.log(`preparing ${N} citizens…`)
    const citizens = demo.people.slice(0, N).map((p) => ({ person: p, key: suite.generateKeyPair() }))
    for (let i = 0; i < citizens.length; i += 200) {
      const txs = citizens.slice(i, i + 200).map((c) =>
        buildTx({
          ...common(c.key.privateKey),
          module: 'identity',
          method: 'createDid',
          args: encode(CreateDidArgs, {}),
        }),
      )
      await Promise.all(txs.map((t, j) => commit(clients[j % clients.length]!, t, 'createDid')))
    }
    const officer = n.keys.housing!

    const pull = async (grantId: string, fields: string[]) => {
      for (let attempt = 0; ; attempt++) {
        const timeMs = Date.now()
        const nonce = randomBytes(16).toString('hex')
        const signature = toHex(
          suite.sign(officer.privateKey, gatewayLocalMessage(grantId, fields, null, timeMs, nonce)),
        )
        const res = await fetch(`${housingGw.localUrl}/v1/local/fetch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            grantId,
            fields,
            filter: null,
            timeMs,
            nonce,
            publicKey: toHex(officer.publicKey),
            signature,
          }),
        })
        const body = (await res.json()) as { rows?: unknown[]; code?: string }
        if (res.status === 200) return body.rows!.length
        if (body.code !== 'RATE_LIMITED' || attempt > 100) throw new Error(`pull: ${body.code}`)
        await sleep(100)
      }
    }

    const latencies: number[] = []
    let pulls = 0
    let next = 0
    const runCase = async (i: number) => {
      const c = citizens[i]!
      const at = clients[i % clients.length]!
      const did = deriveDid(suite, c.key.publicKey)
      const credential = issueSubjectCredential(police, did, 'person', c.person.idNumber)
      const t0 = performance.now()
      const apply = serviceApply({ ...common(c.key.privateKey), item: item.item, credential })
      await commit(at, apply, 'apply')
      const caseId = apply.hashHex
      await commit(
        at,
        serviceStep({ ...common(officer.privateKey), step: 'accept', caseId, reasonCode: 'materials-complete' }),
        'accept',
      )
      const grants = ((await at.getJson(`/v1/service/cases/${caseId}`)) as CaseAnswer).case.grants
      const rows = await Promise.all(grants.map((g, k) => pull(g, item.item.pulls[k]!.fields)))
      pulls += rows.length
      const now = Date.now()
      const made = issueLicense({
        ...common(officer.privateKey),
        type,
        issuer: { orgId: 'housing', code: org.organisation.code },
        holder: did,
        validFromMs: now,
        validUntilMs: 0,
        fields: { holderName: c.person.name, address: c.person.address },
      })
      const license = {
        id: made.id,
        typeCode: 'GZFZG',
        holder: did,
        credentialHash: made.credentialHash,
        validFromMs: now,
        validUntilMs: 0,
      }
      await commit(
        at,
        serviceDecide({ ...common(officer.privateKey), caseId, approve: true, reasonCode: 'eligible', license }),
        'decide',
      )
      latencies.push(performance.now() - t0)
      await commit(
        at,
        serviceStep({ ...common(officer.privateKey), step: 'complete', caseId, reasonCode: 'result-delivered' }),
        'complete',
      )
    }

    console.log(`running ${N} cases, ${C} at a time…`)
    const started = performance.now()
    let done = 0
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) {
          await runCase(next++)
          done++
          if (done % 50 === 0) console.log(`  ${done}/${N} completed`)
        }
      }),
    )
    const wall = (performance.now() - started) / 1000
    console.log(`suite ${suiteName}, 4 validators + 4 gateways, ${N} cases, concurrency ${C}`)
    console.log(`completed cases/s   ${(N / wall).toFixed(1)}  (${wall.toFixed(1)} s)`)
    console.log(
      `apply→decision      p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    )
    console.log(`pulls               ${pulls} served (receipts recorded by the providers' gateways)`)
  } finally {
    await stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
