/**
 * Multi-process: a 4-validator network of real node processes. Through the API: the demo seed,
 * then issue → verify valid → revoke → verify revoked (with the reasons), holder-consented use
 * visible only to the holder, listings and history; then the network is stopped and the SDK
 * verifies the QR payload offline against the cached validator set, with no node reachable.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { encode, getSuite } from '@govchain/core'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { printLicensePdf } from '@govchain/license/cli'
import type { LicenseTypeRecord } from '@govchain/license/schema'
import {
  buildTx,
  errorCode,
  fetchLicenseProof,
  issueLicense,
  licenseClient,
  licenseQr,
  licenseTx,
  presentCredential,
  signHolderQuery,
  verifyLicenseOffline,
} from '@govchain/sdk'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { seedLicenseDemo } from '../src/demo/license.ts'
import { runCli, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const suite = getSuite('intl')
// jsqr is CommonJS: Node's ESM interop may hand over a namespace rather than the function.
type JsQr = typeof import('jsqr').default
const jsQR: JsQr = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr

const cli = runCli

describe('electronic licences on a 4-validator network (intl)', { timeout: 240_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('issue → verify valid → revoke → verify revoked, through the API; offline afterwards', async () => {
    const nodes = net.net.nodes
    const client = net.clients[nodes[0]!.name]!
    const otherUrl = nodes[2]!.apiUrl
    await waitUntil('first block', async () => (await client.status()).height >= 1)
    const status = await client.status()
    const chainId = status.chainId
    const api = licenseClient({ url: nodes[0]!.apiUrl })
    const api2 = licenseClient({ url: otherUrl })

    // The demo seed makes the portal alive: DIDs, licences, a suspended and a revoked one.
    const seeded = await seedLicenseDemo({ dir: net.dir })
    assert.ok(seeded.licenses.length >= 8, `seeded ${seeded.licenses.length}`)
    const again = await seedLicenseDemo({ dir: net.dir })
    assert.equal(again.skipped, true)
    const revokedDemo = seeded.licenses.find((l) => l.status === 'revoked')!
    const wallet = JSON.parse(
      readFileSync(seeded.wallets.find((w) => w.holder === revokedDemo.holder)!.file, 'utf8'),
    ) as {
      credentials: { id: string; credential: string }[]
    }
    const demoVerdict = await api2.verify({
      credential: wallet.credentials.find((c) => c.id === revokedDemo.id)!.credential,
    })
    assert.equal(demoVerdict.verdict, 'revoked')

    // The CLI: types, show, verify, print (a PDF whose QR payload verifies offline).
    const url = nodes[1]!.apiUrl
    const validDemo = seeded.licenses.find((l) => l.alias === 'jzqyzz' && l.status === 'active')!
    const demoWallet = JSON.parse(
      readFileSync(seeded.wallets.find((w) => w.holder === validDemo.holder)!.file, 'utf8'),
    ) as {
      credentials: { id: string; credential: string }[]
    }
    const tmp = mkdtempSync(join(tmpdir(), 'govchain-lic-'))
    const credFile = join(tmp, 'cred.txt')
    writeFileSync(credFile, demoWallet.credentials.find((c) => c.id === validDemo.id)!.credential)
    const types = await cli(url, ['license', 'types'])
    assert.equal(types.code, 0, types.stderr)
    assert.match(types.stdout, /建筑业企业资质证书/)
    const show = await cli(url, ['license', 'show', validDemo.id])
    assert.equal(show.code, 0, show.stderr)
    assert.match(show.stdout, /status +active/)
    const ver = await cli(url, ['license', 'verify', '--credential', credFile])
    assert.equal(ver.code, 0, ver.stderr + ver.stdout)
    assert.match(ver.stdout, /✔ valid/)
    // Issue 15, no single node: a list of nodes whose first is down still verifies, and says so.
    const dead = 'http://127.0.0.1:9' // the discard port: nothing listens
    const failover = await cli(`${dead},${url}`, ['license', 'verify', '--credential', credFile])
    assert.equal(failover.code, 0, failover.stderr + failover.stdout)
    assert.match(failover.stdout, /✔ valid/)
    assert.match(failover.stderr, new RegExp(`${dead} did not answer \\(SDK_NETWORK_ERROR\\); trying ${url}`))
    // Issue 15 item 5: offline without proof material is undecided, never invalid: exit code 5.
    const genesisFile = join(nodes[0]!.home, 'genesis.json')
    const undecided = await cli(url, [
      'license',
      'verify',
      '--offline',
      '--genesis',
      genesisFile,
      '--credential',
      credFile,
    ])
    assert.equal(undecided.code, 5, undecided.stderr + undecided.stdout)
    assert.match(undecided.stdout, /^\? undecided/)
    assert.doesNotMatch(undecided.stdout, /invalid/)
    const statusCli = await cli(`${dead},${url}`, ['status', '--json'])
    assert.equal(statusCli.code, 0, statusCli.stderr)
    assert.equal(JSON.parse(statusCli.stdout).chainId, chainId)
    const pdfFile = join(tmp, 'licence.pdf')
    const pr = await cli(url, [
      'license',
      'print',
      '--credential',
      credFile,
      '--out',
      pdfFile,
      '--verify-url',
      'http://127.0.0.1:5173/verify',
    ])
    assert.equal(pr.code, 0, pr.stderr)
    // The face names the holder, so the printed code carries the disclosed name too; with the
    // record's proof that no longer fits a printable QR for this type, and the code falls back to
    // the credential alone (verified online; the wallet's QR keeps the offline proof).
    assert.match(pr.stdout, /QR full(\+proof)? \(\d+ chars\)/)
    assert.equal(readFileSync(pdfFile).subarray(0, 5).toString(), '%PDF-')
    const printed = await printLicensePdf({
      suite,
      chainId,
      credential: presentCredential(suite, demoWallet.credentials.find((c) => c.id === validDemo.id)!.credential, [
        'enterpriseName',
        'qualificationCategory',
      ]),
      typeName: '建筑业企业资质证书',
      issuerName: '住房和城乡建设委员会',
      proof: await fetchLicenseProof(client, validDemo.id),
    })
    assert.equal(printed.qrKind, 'full+proof')
    // Issue 15 item 2: validity from the credential's nbf/exp (not 长期 for a term licence), the
    // issue date, and a QR that fits the page and decodes from the rendered page.
    const demoPdf = join(tmp, 'demo-licence.pdf')
    writeFileSync(demoPdf, printed.pdf)
    const claims = JSON.parse(
      Buffer.from(
        demoWallet.credentials.find((c) => c.id === validDemo.id)!.credential.split('.')[1]!,
        'base64url',
      ).toString(),
    ) as { nbf: number; exp?: number }
    const day = (sec: number) => new Date(sec * 1000 + 8 * 3600_000).toISOString().slice(0, 10)
    const text = execFileSync('pdftotext', [demoPdf, '-']).toString()
    assert.match(text, /证照编号/)
    assert.ok(
      text.includes(`${day(claims.nbf)} 至 ${claims.exp === undefined ? '长期' : day(claims.exp)}`),
      `validity printed from nbf/exp:\n${text}`,
    )
    execFileSync('pdftoppm', ['-png', '-r', '300', '-singlefile', demoPdf, join(tmp, 'demo-licence')])
    const png = PNG.sync.read(readFileSync(join(tmp, 'demo-licence.png')))
    const scanned = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
    assert.equal(scanned?.data, printed.qrPayload, 'the QR decodes from the rendered page')
    const trustedEarly = (await client.validators()).validatorSet
    assert.equal(
      verifyLicenseOffline({ suite, chainId, qr: printed.qrPayload, trustedValidatorSet: trustedEarly }).verdict,
      'valid',
    )
    const suspendedDemo = seeded.licenses.find((l) => l.status === 'suspended')!
    const sv = await cli(url, ['license', 'show', suspendedDemo.id, '--json'])
    assert.equal(
      (JSON.parse(sv.stdout) as { license: { effectiveStatus: string } }).license.effectiveStatus,
      'suspended',
    )

    // A new holder DID and a licence issued by the housing department's issuer officer.
    const holderKey = suite.generateKeyPair()
    const holder = deriveDid(suite, holderKey.publicKey)
    const h0 = (await client.status()).height
    const didTx = buildTx({
      suite,
      chainId,
      privateKey: holderKey.privateKey,
      module: 'identity',
      method: 'createDid',
      args: encode(CreateDidArgs, {}),
      validUntilHeight: h0 + 100,
    })
    await client.submitTx(didTx.bytes)
    assert.equal((await client.waitForTx(didTx.hashHex, { timeoutMs: 30_000 })).status, 'committed')
    const type = (await api.type('jzqyzz')) as unknown as LicenseTypeRecord
    const genesis = JSON.parse(readFileSync(join(nodes[0]!.home, 'genesis.json'), 'utf8')) as {
      organisations: { id: string; code: string }[]
    }
    const housing = net.keys.housing!
    const lic = issueLicense({
      suite,
      chainId,
      privateKey: housing.privateKey,
      type,
      issuer: { orgId: 'housing', code: genesis.organisations.find((o) => o.id === 'housing')!.code },
      holder,
      validFromMs: Date.now() - 1000,
      validUntilMs: Date.now() + 365 * 24 * 3600 * 1000,
      fields: {
        enterpriseName: '北京测试建设集团有限公司',
        creditCode: '91110108MA01TEST0X',
        legalRepresentative: '周测试',
        address: '北京市海淀区',
        qualificationCategory: '建筑工程施工总承包壹级',
        certificateNo: 'D211000001',
      },
      validUntilHeight: h0 + 100,
    })
    // An unauthorised issuer (market is not on this type's list) is refused on chain.
    const rogue = issueLicense({
      suite,
      chainId,
      privateKey: net.keys.market!.privateKey,
      type,
      issuer: { orgId: 'market', code: genesis.organisations.find((o) => o.id === 'market')!.code },
      holder,
      validFromMs: Date.now() - 1000,
      validUntilMs: Date.now() + 365 * 24 * 3600 * 1000,
      fields: {
        enterpriseName: 'x',
        creditCode: 'x',
        legalRepresentative: 'x',
        address: 'x',
        qualificationCategory: 'x',
        certificateNo: 'x',
      },
      validUntilHeight: h0 + 100,
    })
    await client.submitTx(lic.tx.bytes)
    await client.submitTx(rogue.tx.bytes)
    assert.equal((await client.waitForTx(lic.tx.hashHex, { timeoutMs: 30_000 })).status, 'committed')
    const rr = await client.waitForTx(rogue.tx.hashHex, { timeoutMs: 30_000 })
    assert.equal(rr.status, 'failed')
    assert.equal(rr.code, 'LICENSE_ISSUER_NOT_AUTHORISED')

    // Verify through another node's API: valid, with every check and proof material.
    const shown = presentCredential(suite, lic.credential, ['enterpriseName', 'qualificationCategory'])
    await waitUntil(
      'licence on node 3',
      async () =>
        await api2.get(lic.id).then(
          () => true,
          () => false,
        ),
    )
    const v1 = await api2.verify({ credential: shown })
    assert.equal(v1.verdict, 'valid', JSON.stringify(v1.checks))
    assert.equal(v1.valid, true)
    assert.ok(v1.proof !== null)
    assert.deepEqual(
      (v1.disclosed as { name: string }[]).map((d) => d.name),
      ['enterpriseName', 'qualificationCategory'],
    )
    const rogueVerdict = await api2.verify({ credential: rogue.credential })
    assert.deepEqual(rogueVerdict.reasons, ['LICENSE_NOT_FOUND', 'LICENSE_ISSUER_NOT_AUTHORISED'])
    const tampered = await api2.verify({
      credential: shown.replace(/~([^~]+)~/, (_m, d: string) => `~${d.slice(0, -3)}AAA~`),
    })
    assert.equal(tampered.verdict, 'invalid')

    // Holder-consented use: grant to tax, tax records a use, only the holder can list it.
    const h1 = (await client.status()).height
    const grant = licenseTx.grantUse({
      suite,
      chainId,
      privateKey: holderKey.privateKey,
      validUntilHeight: h1 + 100,
      licenseId: lic.id,
      grantee: 'tax',
      service: 'tax-registration',
      purpose: '办理税务登记',
      untilMs: Date.now() + 86_400_000,
    })
    await client.submitTx(grant.bytes)
    assert.equal((await client.waitForTx(grant.hashHex, { timeoutMs: 30_000 })).status, 'committed')
    const use = licenseTx.recordUse({
      suite,
      chainId,
      privateKey: net.keys.tax!.privateKey,
      validUntilHeight: h1 + 100,
      licenseId: lic.id,
      grantId: grant.hash,
    })
    await client.submitTx(use.bytes)
    assert.equal((await client.waitForTx(use.hashHex, { timeoutMs: 30_000 })).status, 'committed')
    const path = `/v1/licenses/${lic.id}/uses`
    const uses = await api.uses(
      lic.id,
      signHolderQuery({ suite, chainId, path, did: holder, privateKey: holderKey.privateKey }),
    )
    assert.equal(uses.uses.length, 1)
    assert.equal(uses.uses[0]!.org, 'tax')
    assert.equal(uses.grants[0]!.service, 'tax-registration')
    const stranger = suite.generateKeyPair()
    await assert.rejects(
      api.uses(lic.id, signHolderQuery({ suite, chainId, path, did: holder, privateKey: stranger.privateKey })),
      (e) => errorCode(e) === 'LICENSE_AUTH_INVALID',
    )
    const grants = await api.grants(
      signHolderQuery({ suite, chainId, path: '/v1/license-grants', did: holder, privateKey: holderKey.privateKey }),
    )
    assert.equal(grants.items.length, 1)

    // The holder's wallet QR with proof material, fetched while online.
    const validQr = licenseQr({ chainId, credential: shown, proof: await fetchLicenseProof(client, lic.id) })

    // Revoke; every node then says revoked, with the reason.
    const h2 = (await client.status()).height
    const revoke = licenseTx.revoke({
      suite,
      chainId,
      privateKey: housing.privateKey,
      validUntilHeight: h2 + 100,
      id: lic.id,
      reasonCode: 'fraud',
      reason: '资质申报材料造假',
    })
    await client.submitTx(revoke.bytes)
    assert.equal((await client.waitForTx(revoke.hashHex, { timeoutMs: 30_000 })).status, 'committed')
    await waitUntil(
      'revocation on node 3',
      async () => (await api2.verify({ credential: shown })).verdict === 'revoked',
    )
    const v2 = await api2.verify({ qr: licenseQr({ chainId, credential: shown }) })
    assert.equal(v2.verdict, 'revoked')
    assert.equal(v2.valid, false)
    assert.deepEqual(v2.reasons, ['LICENSE_REVOKED'])
    const history = await api.history(lic.id)
    assert.deepEqual(
      history.items.map((e) => e.action),
      ['issue', 'revoke'],
    )
    const listed = await api.list({ holder })
    assert.equal(listed.items.length, 1)
    assert.equal(listed.items[0]!.effectiveStatus, 'revoked')
    const revokedQr = licenseQr({ chainId, credential: shown, proof: await fetchLicenseProof(client, lic.id) })

    // Offline: the validator set cached while online, then no node at all.
    const trusted = (await client.validators()).validatorSet
    await net.stopAll()
    await assert.rejects(api.types(), (e) => errorCode(e) === 'SDK_NETWORK_ERROR')
    const off1 = verifyLicenseOffline({ suite, chainId, qr: revokedQr, trustedValidatorSet: trusted })
    assert.equal(off1.verdict, 'revoked')
    // The earlier QR still proves "valid as of its height": what offline cannot know, it says.
    const off2 = verifyLicenseOffline({ suite, chainId, qr: validQr, trustedValidatorSet: trusted })
    assert.equal(off2.verdict, 'valid')
    assert.ok(off2.provenHeight! < off1.provenHeight!)
    assert.match(off2.caveat, /after that height cannot be known offline/)
  })
})
