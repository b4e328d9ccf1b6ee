/**
 * Licence benchmark (issue 6): `npm run bench:license -- --suite intl|gm --licences 600 --seconds 5`.
 *
 * Starts a 4-validator local network of real node processes, then prints one figure per line:
 *
 *   issuance TPS        --licences `license.issue` transactions (credentials signed and
 *                       transactions built before timing), two issuing departments, submitted
 *                       with bounded concurrency, one per request (POST /v1/txs, as an officer's
 *                       console sends them) or --batch per request (POST /v1/txs/batch, as a
 *                       department's system issuing from its register would); wall time from the
 *                       first submission until every one is committed, each with code OK (read
 *                       block by block from GET /v1/txs?height=, so waiting costs the node a few
 *                       requests per block, not one per licence).
 *   API verify/s        POST /v1/licenses/verify of presented credentials, 16 concurrent clients,
 *                       for --seconds, with proof material (default) and without (prove: false),
 *                       through the SDK's licence client, as a verifier's system calls it.
 *   offline verify/s    verifyLicenseOffline in this process (one core) from QR payloads carrying
 *                       the proof: certificate + SMT proof + credential signature + verdict.
 *
 * Each figure comes with the CPU time it cost (the validators' for issuance, the first node's for
 * the API, this process's offline) and the rate that CPU time gives per core: on a machine other
 * work shares, that per-core rate moves far less than the wall-clock one. The node's CPU per API
 * verification is also given in units of the machine's own signature verification, measured
 * before the run: that figure compares across the VM's faster and slower hours.
 *
 * Bounded: every wait has a deadline; the network is stopped and removed on every exit path.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { encode, getSuite, type SuiteName } from '@govchain/core'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import type { LicenseTypeRecord } from '@govchain/license/schema'
import {
  type BuiltTx,
  buildTx,
  fetchLicenseProof,
  issueLicense,
  licenseClient,
  licenseQr,
  presentCredential,
  verifyLicenseOffline,
} from '@govchain/sdk'
import { startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'
import { cpuSeconds, measureVerifyPerSec } from './cpu.ts'
import { submitAll, waitAllOk } from './submit.ts'

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'intl' },
    licenses: { type: 'string', default: '600' },
    seconds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(`Usage: npm run bench:license -- [options]

Starts a 4-validator local network of real node processes and prints issuance TPS, API
verifications per second (with and without proof material) and offline verifications per
second, each with the CPU time it cost.

Options:
  --suite <intl|gm>   crypto suite (default intl)
  --licenses <n>      licences issued, 10-5000 (default 600)
  --batch <n>         licences per submit request, 1-1000 (default 1: POST /v1/txs, one per
                      request; above 1: POST /v1/txs/batch)
  --seconds <s>       duration of each API verification phase, 1-60 (default 5)
  -h, --help          this help

Environment: GOVCHAIN_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the node processes.`)
  process.exit(0)
}
const suiteName = values.suite as SuiteName
if (suiteName !== 'gm' && suiteName !== 'intl') throw new Error('--suite gm|intl')
const N = Math.max(10, Math.min(5000, Number(values.licenses)))
const SECONDS = Math.max(1, Math.min(60, Number(values.seconds)))
const BATCH = Number(values.batch)
if (!Number.isInteger(BATCH) || BATCH < 1 || BATCH > 1000) throw new Error('--batch: an integer from 1 to 1000')
const suite = getSuite(suiteName)
const YEAR = 365 * 24 * 3600 * 1000

async function pool<T>(items: T[], concurrency: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < items.length) await fn(items[i++]!)
    }),
  )
}

async function main(): Promise<void> {
  let net: TestNetwork | undefined
  const stop = async () => {
    await net?.stopAll()
  }
  process.once('SIGINT', () => {
    stop().finally(() => process.exit(130))
  })
  try {
    // The machine's speed now, before the nodes take the cores (see cpu.ts).
    const verifyPerSec = measureVerifyPerSec(suite, 2000, true)
    console.log(
      `machine: ${Math.round(verifyPerSec)} ${suiteName} signature verifications/s on one core, measured before the run`,
    )
    const inVerifies = (cpuMs: number) => ((cpuMs * verifyPerSec) / 1000).toFixed(1)
    net = await startNetwork({ orgs: 4, suite: suiteName })
    const nodes = net.net.nodes
    const client = net.clients[nodes[0]!.name]!
    await waitUntil('first block', async () => (await client.status()).height >= 1)
    const status = await client.status()
    const chainId = status.chainId
    const api = licenseClient({ url: nodes[0]!.apiUrl, timeoutMs: 30_000 })
    const genesis = JSON.parse(readFileSync(join(nodes[0]!.home, 'genesis.json'), 'utf8')) as {
      organisations: { id: string; code: string; name: string }[]
    }
    const codeOf = (org: string) => genesis.organisations.find((o) => o.id === org)!.code
    const types = new Map(((await api.types()).items as unknown as LicenseTypeRecord[]).map((t) => [t.alias, t]))

    const holderKey = suite.generateKeyPair()
    const holder = deriveDid(suite, holderKey.publicKey)
    const didTx = buildTx({
      suite,
      chainId,
      privateKey: holderKey.privateKey,
      module: 'identity',
      method: 'createDid',
      args: encode(CreateDidArgs, {}),
      validUntilHeight: status.height + 100,
    })
    await client.submitTx(didTx.bytes)
    await client.waitForTx(didTx.hashHex, { timeoutMs: 30_000 })

    // Issuance: build and sign everything first.
    const h = (await client.status()).height
    const issuers = [
      { org: 'housing', type: types.get('jzqyzz')! },
      { org: 'market', type: types.get('spjyxk')! },
    ]
    const now = Date.now()
    const built = Array.from({ length: N }, (_, i) => {
      const { org, type } = issuers[i % 2]!
      const fields = Object.fromEntries(type.fields.map((f) => [f.name, `${f.label} ${i}`]))
      return issueLicense({
        suite,
        chainId,
        privateKey: net!.keys[org]!.privateKey,
        type,
        issuer: { orgId: org, code: codeOf(org) },
        holder,
        validFromMs: now,
        validUntilMs: now + 2 * YEAR,
        fields,
        serial: String(1_000_000_000 + i),
        validUntilHeight: h + 900,
      })
    })
    const clients = nodes.map((n) => net!.clients[n.name]!)
    const validatorsCpu = () => nodes.reduce((a, n) => a + cpuSeconds(net!.procs.get(n.name)?.pid), 0)
    const issueCpu0 = validatorsCpu()
    const t0 = performance.now()
    const txs: BuiltTx[] = built.map((l) => l.tx)
    let k = 0
    await Promise.all([
      waitAllOk(
        client,
        txs.map((t) => t.hashHex),
        h + 1,
        300_000,
      ),
      BATCH > 1
        ? submitAll(clients, txs, BATCH)
        : pool(txs, 32, async (t) => {
            await clients[k++ % clients.length]!.submitTx(t.bytes)
          }),
    ])
    const issueS = (performance.now() - t0) / 1000
    const issueCpuMs = ((validatorsCpu() - issueCpu0) * 1000) / N
    console.log(
      `issuance: ${N} licences committed in ${issueS.toFixed(2)} s = ${(N / issueS).toFixed(0)} TPS (4 validators, ${suiteName}, ${BATCH === 1 ? 'one per request' : `${BATCH} per request`}); ` +
        `${issueCpuMs.toFixed(2)} validator CPU ms per licence (all 4) = ${(2000 / issueCpuMs).toFixed(0)}/s if the 4 had 2 cores to themselves`,
    )

    // API verification.
    const sample = built
      .slice(0, 50)
      .map((l) => presentCredential(suite, l.credential, ['enterpriseName', 'operatorName', 'creditCode']))
    const node0 = net.procs.get(nodes[0]!.name)?.pid
    const othersCpu = () => nodes.slice(1).reduce((a, n) => a + cpuSeconds(net!.procs.get(n.name)?.pid), 0)
    for (const prove of [true, false]) {
      const cpu0 = cpuSeconds(node0)
      const others0 = othersCpu()
      const self0 = process.cpuUsage()
      let count = 0
      let j = 0
      const deadline = performance.now() + SECONDS * 1000
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (performance.now() < deadline) {
            const v = await api.verify({ credential: sample[j++ % sample.length]! }, { prove })
            if (v.verdict !== 'valid') throw new Error(`unexpected verdict ${v.verdict}`)
            count++
          }
        }),
      )
      const cpuMs = ((cpuSeconds(node0) - cpu0) * 1000) / count
      const selfCpu = process.cpuUsage(self0)
      const clientMs = (selfCpu.user + selfCpu.system) / 1000 / count
      const othersMs = ((othersCpu() - others0) * 1000) / count
      console.log(
        `API verify (${prove ? 'with proof material' : 'no proof'}): ${(count / SECONDS).toFixed(0)} verifications/s (16 clients, one node); ` +
          `${cpuMs.toFixed(3)} node CPU ms each (${inVerifies(cpuMs)} of this machine's verifications) = ${(1000 / cpuMs).toFixed(0)}/s per core; ` +
          `the same machine also spent ${clientMs.toFixed(3)} ms in the clients and ${othersMs.toFixed(3)} ms in the other 3 validators`,
      )
    }

    // Offline verification in the SDK.
    const trusted = (await client.validators()).validatorSet
    const qrs: string[] = []
    for (let i = 0; i < 20; i++)
      qrs.push(licenseQr({ chainId, credential: sample[i]!, proof: await fetchLicenseProof(client, built[i]!.id) }))
    let count = 0
    const self0 = process.cpuUsage()
    const deadline = performance.now() + SECONDS * 1000
    while (performance.now() < deadline) {
      const v = verifyLicenseOffline({ suite, chainId, qr: qrs[count % qrs.length]!, trustedValidatorSet: trusted })
      if (v.verdict !== 'valid') throw new Error(`unexpected offline verdict ${v.verdict}`)
      count++
    }
    const self = process.cpuUsage(self0)
    const offlineCpuMs = (self.user + self.system) / 1000 / count
    console.log(
      `SDK offline verify (QR + cached validator set, one core): ${(count / SECONDS).toFixed(0)} verifications/s; ` +
        `${offlineCpuMs.toFixed(3)} CPU ms each = ${(1000 / offlineCpuMs).toFixed(0)}/s per core; QR ${qrs[0]!.length} chars`,
    )
  } finally {
    await stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
