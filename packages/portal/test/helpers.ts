/**
 * Browser-test fixture: a real local network (child processes on loopback), the built portal
 * served by servePortal, and Debian's Chromium driven by playwright-core.
 *
 * Chromium: `apt-get install -y chromium` (/usr/bin/chromium; GOVCHAIN_CHROMIUM overrides).
 * Screenshots: set GOVCHAIN_SCREENSHOTS=DIR to keep one PNG per step.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SuiteName } from '@govchain/core'
import type { HolderRecord } from '@govchain/license/client'
import axe from 'axe-core'
import jsQRModule from 'jsqr'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import QRCode from 'qrcode'
import { buildPortal, PORTAL_DIST, type PortalServer, servePortal } from '../../cli/src/portal-server.ts'
import { startNetwork, type TestNetwork } from '../../cli/src/testnet.ts'

export const CHROMIUM = process.env.GOVCHAIN_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export interface PortalFixture {
  net: TestNetwork
  portal: PortalServer
  context: BrowserContext
  page: Page
  /** Console errors and failed requests the page reported (checked by tests). */
  pageErrors: string[]
  shot(name: string): Promise<void>
  close(): Promise<void>
}

let built = false

/** Builds the portal once per test process, so tests always run the current sources. */
async function ensureBuilt(): Promise<void> {
  if (built) return
  await buildPortal()
  built = true
}

export async function startPortalFixture(
  opts: {
    suite?: SuiteName
    orgs?: number
    /** Seeds the network before the portal starts; `onClose` registers what close() stops (gateways). */
    seed?: (net: TestNetwork, onClose: (stop: () => Promise<void>) => void) => Promise<void>
    /** A real (not --dev) network, its keys encrypted under this passphrase: no demo mode. */
    passphrase?: string
  } = {},
): Promise<PortalFixture> {
  await ensureBuilt()
  const net = await startNetwork({
    orgs: opts.orgs ?? 4,
    suite: opts.suite ?? 'gm',
    ...(opts.passphrase === undefined ? {} : { passphrase: opts.passphrase }),
  })
  let portal: PortalServer | undefined
  let context: BrowserContext | undefined
  const userDataDir = mkdtempSync(join(tmpdir(), 'govchain-chromium-'))
  const stops: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const s of stops.splice(0)) await s().catch(() => {})
  }
  try {
    if (opts.seed !== undefined) await opts.seed(net, (s) => stops.push(s))
    portal = await servePortal({ dir: net.dir, port: 0, network: net.net, distDir: PORTAL_DIST })
    // A persistent context on a fresh temporary profile: nothing leaks between runs.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      locale: 'zh-CN',
    })
    const page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(20_000)
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
    })
    const shotsDir = process.env.GOVCHAIN_SCREENSHOTS
    if (shotsDir !== undefined) mkdirSync(shotsDir, { recursive: true })
    const p = portal
    const c = context
    return {
      net,
      portal: p,
      context: c,
      page,
      pageErrors,
      shot: async (name) => {
        if (shotsDir !== undefined) await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true })
      },
      close: async () => {
        await c.close().catch(() => {})
        await p.close()
        await stopAll()
        await net.stopAll()
        rmSync(userDataDir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await context?.close().catch(() => {})
    await portal?.close()
    await stopAll()
    await net.stopAll()
    rmSync(userDataDir, { recursive: true, force: true })
    throw e
  }
}

export interface SeededHolder {
  id: string
  kind: 'citizen' | 'enterprise'
  name: string
  nameEn: string
  did: string
  publicKey: string
  privateKey: string
  /** 统一社会信用代码 or 公民身份号码 (fake, with right check characters): off chain only. */
  registerId: string
}

/**
 * Creates self-signed DIDs for a demo enterprise and a demo citizen (identity.createDid) and
 * lists them in DIR/demo/identities.json, where servePortal offers them at login.
 */
export async function seedHolders(net: TestNetwork): Promise<SeededHolder[]> {
  const { getSuite, buildTx, toHex } = await import('@govchain/sdk')
  const { encode } = await import('@govchain/core')
  const { CreateDidArgs, IDENTITY_MODULE, IDENTITY_METHODS, deriveDid } = await import('@govchain/identity/schema')
  const suite = getSuite(net.net.suite)
  const client = net.clients[net.net.nodes[0]!.name]!
  const people = [
    {
      id: 'enterprise:demo',
      kind: 'enterprise' as const,
      name: '北京城建示范工程有限公司',
      nameEn: 'Beijing Demo Construction Co., Ltd.',
      registerId: '91110108MA01C8K5XE',
    },
    {
      id: 'citizen:demo',
      kind: 'citizen' as const,
      name: '张三（演示市民）',
      nameEn: 'Zhang San (demo citizen)',
      registerId: '11010519491231002X',
    },
  ]
  const out: SeededHolder[] = []
  const status = await client.status()
  for (const p of people) {
    const { privateKey, publicKey } = suite.generateKeyPair()
    const tx = buildTx({
      suite,
      chainId: status.chainId,
      privateKey,
      module: IDENTITY_MODULE,
      method: IDENTITY_METHODS.createDid,
      args: encode(CreateDidArgs, {}),
      validUntilHeight: status.height + 100,
    })
    await client.submitTx(tx.bytes)
    const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
    if (r.status !== 'committed') throw new Error(`createDid failed: ${r.code}`)
    out.push({ ...p, did: deriveDid(suite, publicKey), publicKey: toHex(publicKey), privateKey: toHex(privateKey) })
  }
  mkdirSync(join(net.dir, 'demo'), { recursive: true })
  writeFileSync(
    join(net.dir, 'demo', 'identities.json'),
    JSON.stringify(
      out.map(({ registerId: _offChain, ...i }) => i),
      null,
      2,
    ),
  )
  return out
}

/** The register record of a seeded holder: its name, identifier and the fields naming it. */
export function holderRecordOf(h: SeededHolder): HolderRecord {
  const name = h.name.replace(/（.*）$/, '')
  return h.kind === 'enterprise'
    ? {
        kind: 'enterprise',
        id: h.registerId,
        did: h.did,
        name,
        fields: { enterpriseName: name, creditCode: h.registerId, operatorName: name },
      }
    : { kind: 'person', id: h.registerId, did: h.did, name, fields: { name, idNumber: h.registerId } }
}

/**
 * Every department's data gateway (homes under the node homes, as `govchain up` makes them),
 * each with the seeded holders in its holder register, started in this process; the portal
 * server finds them through the node homes. Returns what stops them.
 */
export async function startHolderRegisters(
  net: TestNetwork,
  holders: readonly SeededHolder[],
): Promise<() => Promise<void>> {
  const { addHolderRecords, openConnector, startGatewayFromHome, gatewayDir } = await import('@govchain/gateway')
  const { initNodeGateway, loadGatewayPackage } = await import('../../cli/src/gateway-home.ts')
  const { reserveGatewayPorts } = await import('../../cli/src/testnet.ts')
  await loadGatewayPackage()
  const base = await reserveGatewayPorts()
  const started: { stop(): Promise<void> }[] = []
  for (const [i, n] of net.net.nodes.entries()) {
    const home = initNodeGateway(n.home, {
      caDir: join(net.dir, 'orgs', n.orgId),
      port: base + i,
      localPort: base + 50 + i,
    })
    const connector = openConnector(home)
    try {
      await addHolderRecords(connector, holders.map(holderRecordOf))
    } finally {
      await connector.close()
    }
    started.push(await startGatewayFromHome(gatewayDir(n.home)))
  }
  return async () => {
    for (const g of started) await g.stop().catch(() => {})
  }
}

/**
 * Fills the issue form for `holder` as an officer does: the credit code or identity number, 查询,
 * then every field the register did not pre-fill with `value(name)`.
 */
export async function fillIssueForm(page: Page, holder: SeededHolder, value: (name: string) => string): Promise<void> {
  await page.getByTestId('issue-holder-id').fill(holder.registerId)
  await page.getByTestId('holder-lookup').click()
  await page.getByTestId('holder-found').waitFor()
  for (const input of await page.locator('[data-testid^="issue-field-"]').all()) {
    if ((await input.inputValue()) !== '') continue
    const name = ((await input.getAttribute('data-testid')) ?? '').replace('issue-field-', '')
    await input.fill(value(name))
  }
}

/**
 * A licence of type `alias` (default: the first type `org` issues) issued with the SDK by the
 * operator of `org` (default housing) to `holder`, valid for a year; `fields` overrides the demo
 * values `演示-<name>`.
 */
export async function issueHolderLicense(
  f: PortalFixture,
  holder: SeededHolder,
  opts: { alias?: string; org?: string; fields?: Record<string, string> } = {},
): Promise<{ licenseId: string; credential: string }> {
  const orgId = opts.org ?? 'housing'
  const { getSuite, issueLicense } = await import('@govchain/sdk')
  const api = f.net.net.nodes[0]!.apiUrl
  const client = f.net.clients[f.net.net.nodes[0]!.name]!
  const types = (await (await fetch(`${api}/v1/license-types`)).json()) as {
    items: {
      alias: string
      code: string
      name: string
      nameEn: string
      fields: { name: string }[]
      issuers: string[]
    }[]
  }
  const type = types.items.find((x) => (opts.alias === undefined ? x.issuers.includes(orgId) : x.alias === opts.alias))!
  const org = (await (await fetch(`${api}/v1/organisations/${orgId}`)).json()) as { organisation: { code: string } }
  const status = await client.status()
  const issued = issueLicense({
    suite: getSuite(f.net.net.suite),
    chainId: status.chainId,
    privateKey: f.net.keys[orgId]!.privateKey,
    type: type as unknown as Parameters<typeof issueLicense>[0]['type'],
    issuer: { orgId, code: org.organisation.code },
    holder: holder.did,
    validFromMs: Date.now() - 60_000,
    validUntilMs: Date.now() + 86_400_000 * 365,
    fields: Object.fromEntries(type.fields.map((x) => [x.name, opts.fields?.[x.name] ?? `演示-${x.name}`])),
    validUntilHeight: status.height + 100,
  })
  await client.submitTx(issued.tx.bytes)
  const done = await client.waitForTx(issued.tx.hashHex, { timeoutMs: 30_000 })
  if (done.status !== 'committed') throw new Error(`licence not committed: ${done.status}`)
  return { licenseId: issued.id, credential: issued.credential }
}

/**
 * Logs `page` in as `holder`, with the licence's credential on the device: in the localStorage
 * place of an earlier version, which the wallet moves into its IndexedDB store on first read.
 */
export async function loginHolderWithCredential(
  f: PortalFixture,
  page: Page,
  holder: SeededHolder,
  license: { licenseId: string; credential: string },
): Promise<void> {
  await page.goto(`${f.portal.url}/login`)
  await page.getByTestId(`login-${holder.id}`).click()
  await page.getByTestId('current-identity').waitFor()
  await page.evaluate(
    ([did, id, cred]) => localStorage.setItem(`govchain.wallet.${did}`, JSON.stringify({ [id!]: cred })),
    [holder.did, license.licenseId, license.credential],
  )
}

/** A portal fixture whose network has the seeded holders; `holder` is the demo enterprise. */
export async function startEnterpriseHolderFixture(
  suite: SuiteName,
): Promise<{ fixture: PortalFixture; holder: SeededHolder }> {
  let holder: SeededHolder | undefined
  const fixture = await startPortalFixture({
    suite,
    seed: async (net) => {
      holder = (await seedHolders(net)).find((h) => h.kind === 'enterprise')
    },
  })
  return { fixture, holder: holder! }
}

type JsQr = typeof import('jsqr').default
/** jsqr is CommonJS: Node's ESM interop may hand over a namespace rather than the function. */
export const jsQR: JsQr = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr

/** The licence ids the wallet keeps on this device for `did` (its IndexedDB store, ADR 0038). */
export function keptLicenseIds(page: Page, did: string): Promise<string[]> {
  return page.evaluate(async (holder) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('govchain-wallet', 1)
      r.onupgradeneeded = () => r.result.createObjectStore('credentials', { keyPath: ['holder', 'licenseId'] })
      r.onsuccess = () => ok(r.result)
      r.onerror = () => fail(r.error)
    })
    try {
      const rows = await new Promise<Array<{ holder: string; licenseId: string }>>((ok, fail) => {
        const r = db.transaction('credentials').objectStore('credentials').getAll()
        r.onsuccess = () => ok(r.result as Array<{ holder: string; licenseId: string }>)
        r.onerror = () => fail(r.error)
      })
      return rows.filter((x) => x.holder === holder).map((x) => x.licenseId)
    } finally {
      db.close()
    }
  }, did)
}

type Violation = { id: string; impact: string; help: string; nodes: string[] }

/** axe-core's serious and critical violations on the page as it is now (injected by evaluation). */
export async function axeViolations(page: Page): Promise<Violation[]> {
  // Runtime evaluation is not subject to the page's CSP (script-src 'self'), unlike a script tag.
  await page.evaluate(axe.source)
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run(
          ctx: Document,
          opts: object,
        ): Promise<{
          violations: {
            id: string
            impact: string | null
            help: string
            nodes: { target: string[]; failureSummary?: string }[]
          }[]
        }>
      }
    }
    const r = await w.axe.run(document, { resultTypes: ['violations'] })
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact ?? '',
        help: v.help,
        nodes: v.nodes
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').split('\n')[1] ?? ''}`),
      }))
  })
}

/** One 640×480 Y4M (4:2:0) frame: the QR of `text`, dark on light, in the middle. */
export function y4mOf(text: string): Buffer {
  const w = 640
  const h = 480
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const n = qr.modules.size
  const scale = Math.floor(400 / (n + 8))
  const x0 = Math.floor((w - n * scale) / 2)
  const y0 = Math.floor((h - n * scale) / 2)
  const y = Buffer.alloc(w * h, 235)
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      if (qr.modules.get(r, c))
        for (let dy = 0; dy < scale; dy++)
          y.fill(16, (y0 + r * scale + dy) * w + x0 + c * scale, (y0 + r * scale + dy) * w + x0 + (c + 1) * scale)
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128)
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, chroma])
}
