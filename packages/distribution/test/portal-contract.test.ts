/**
 * The portal contract (ADR 0020): the built-in applications' pages compose into one portal —
 * one page per path, none on the portal's own, every text in both languages — and the kit's
 * routing and navigation rules pick the page a path shows and the entries a visitor sees.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { SENSITIVITIES, SHARE_TYPES } from '@govchain/catalog/schema'
import { errorCodes, errorInfo } from '@govchain/core'
import { EVIDENCE_KINDS } from '@govchain/evidence/schema'
import { HISTORY_ACTIONS, REVOKE_REASONS } from '@govchain/license/schema'
import { EFFECTIVE_STATUSES } from '@govchain/license/views'
import {
  checkPages,
  type DemoIdentity,
  errorText,
  KIT_MESSAGES,
  matchPage,
  navPages,
  type PortalPage,
} from '@govchain/portal-kit'
import { CASE_ACTIONS, CASE_STATUSES } from '@govchain/service/schema'
import { REQUEST_STATUSES } from '@govchain/sharing/schema'
import { BUILTIN_MODULES } from '../src/index.ts'
import { BUILTIN_LABELS, errorLabel, eventLabel } from '../src/labels.ts'
import { BUILTIN_PAGES } from '../src/portal.ts'

const PORTAL_PATHS = ['/', '/login', '/explorer']
const pages = BUILTIN_PAGES.flatMap((a) => a.pages)

const page = (path: `/${string}`, extra: Partial<PortalPage> = {}): PortalPage => ({
  path,
  nav: { label: { zh: '页', en: 'Page' }, description: { zh: '说明', en: 'About' }, icon: '页' },
  component: () => null,
  messages: {},
  ...extra,
})

const officer: DemoIdentity = { id: 'o', kind: 'officer', name: '员', nameEn: 'O', publicKey: '00' }

describe('portal contract: application pages', () => {
  it('the built-in pages compose: unique paths, none of the portal own, both languages', () => {
    assert.deepEqual(checkPages(pages, PORTAL_PATHS), [])
    // the built-in ones, in the distribution's order (a new application adds its own after them)
    assert.deepEqual(
      pages.map((p) => p.path).filter((p) => ['/verify', '/wallet', '/issuer', '/sharing'].includes(p)),
      ['/verify', '/wallet', '/issuer', '/sharing'],
    )
  })

  it('plain language: every status, action, reason and kind a module defines has a zh and an en text', () => {
    // What the pages show for a code the chain returns (tMaybe falls back to the raw code, which
    // citizens must never see): one message per code, in both languages, neither the code itself.
    const all: Record<string, readonly [string, string]> = { ...KIT_MESSAGES }
    for (const p of pages) Object.assign(all, p.messages)
    const codes: [prefix: string, codes: readonly string[]][] = [
      ['lic.status.', EFFECTIVE_STATUSES],
      ['lic.action.', HISTORY_ACTIONS],
      ['lic.reason.', REVOKE_REASONS],
      ['wallet.grant.status.', ['active', 'withdrawn', 'expired', 'license_inactive']],
      ['sharing.state.', [...REQUEST_STATUSES, 'active', 'expired', 'exhausted']],
      ['sharing.shareType.', SHARE_TYPES],
      ['sharing.sensitivity.', SENSITIVITIES],
      ['service.status.', CASE_STATUSES],
      ['service.step.', CASE_ACTIONS],
      ['evidence.kind.', EVIDENCE_KINDS],
      ['invoice.status.', ['issued', 'reversed']],
      ['tx.status.', ['pending', 'committed', 'failed']],
    ]
    const missing: string[] = []
    for (const [prefix, list] of codes) {
      for (const code of list) {
        const m = all[`${prefix}${code}`]
        if (m === undefined || m[0].trim() === '' || m[1].trim() === '' || m[0] === code || m[1] === code)
          missing.push(`${prefix}${code}`)
      }
    }
    assert.deepEqual(missing, [])
  })

  it('plain language: every event a module can emit and every catalogued error code has a zh and an en name', () => {
    // The explorer names a transaction's events and result, and the operations console its
    // refusals, by these labels (ADR 0042); the raw code sits behind 详情. A module that adds an
    // event or an error code without a label fails here (and its error labels fail to type-check).
    const apps = join(dirname(fileURLToPath(import.meta.url)), '../../apps')
    const named = (text: string | undefined, code: string, zh: boolean): boolean =>
      text !== undefined && text.trim() !== '' && text !== code && (!zh || /\p{Script=Han}/u.test(text))
    const missing: string[] = []
    for (const module of BUILTIN_MODULES) {
      // What the module can emit: its declared events, and every name its sources pass to emit()
      // (directly, or through the licence module's one helper that emits a named licence event).
      const emitted = new Set(Object.keys(module.events ?? {}))
      const src = join(apps, module.name, 'src')
      for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(join(src, file), 'utf8')
        for (const m of text.matchAll(/\b(?:emit|newLicenseEvent)\(\s*(?:ctx\s*,\s*)?'([A-Za-z_]+)'/g))
          emitted.add(m[1]!)
        // An emit() of a computed name would escape this list: only the helper above may do it.
        for (const m of text.matchAll(/\bemit\(\s*([^'\s)][^,)]*)/g))
          if (!(file === 'module.ts' && module.name === 'license' && m[1] === 'type'))
            missing.push(`${module.name}/${file}: emit(${m[1]}) names its event at run time`)
      }
      assert.ok(emitted.size > 0, `${module.name} emits events`)
      for (const type of emitted) {
        if (
          !named(eventLabel('zh', module.name, type), type, true) ||
          !named(eventLabel('en', module.name, type), type, false)
        )
          missing.push(`event ${module.name}.${type}`)
      }
      // No label for an event the module never emits (a renamed event leaves none behind).
      for (const type of Object.keys(BUILTIN_LABELS[module.name]?.events ?? {}))
        if (!emitted.has(type)) missing.push(`label of ${module.name}.${type}, which is never emitted`)
    }
    assert.deepEqual(Object.keys(BUILTIN_LABELS).sort(), BUILTIN_MODULES.map((m) => m.name).sort())
    // Every code of the catalogue: core's and each built-in application's (registered by importing
    // them above; the sharing package registers the data gateways' as the area `gateway`). Codes a
    // test module registered in the same process are not the distribution's.
    const areas = new Set([...BUILTIN_MODULES.map((m) => m.name), 'gateway'])
    const codes = errorCodes().filter((code) => {
      const area = (errorInfo(code) as { area?: string } | undefined)?.area
      return area === undefined || areas.has(area)
    })
    assert.ok(codes.length >= 300, `${codes.length} codes`)
    for (const code of codes) {
      if (!named(errorLabel('zh', code), code, true) || !named(errorLabel('en', code), code, false))
        missing.push(`error ${code}`)
      // The portal's error boxes say these same names (the shell's errorText over the labels the
      // portal loads, packages/portal/src/main.tsx), in both languages: no second table of texts.
      for (const lang of ['zh', 'en'] as const)
        if (errorText(lang, code, 'msg', errorLabel) !== `${errorLabel(lang, code)}：msg (${code})`)
          missing.push(`error box text of ${code} (${lang})`)
    }
    assert.deepEqual(missing, [])
    // The kit keeps no texts of its own for codes: without the labels a box says message and code.
    assert.equal(errorText('zh', 'SDK_NETWORK_ERROR', 'fetch failed'), 'fetch failed (SDK_NETWORK_ERROR)')
    assert.equal(
      errorText('zh', 'SDK_NETWORK_ERROR', 'fetch failed', errorLabel),
      '无法连接节点：fetch failed (SDK_NETWORK_ERROR)',
    )
    assert.equal(errorText('en', 'NO_SUCH_CODE', 'm', errorLabel), 'm (NO_SUCH_CODE)')
    assert.equal(errorText('en', undefined, 'm', errorLabel), 'm')
    const main = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../portal/src/main.tsx'), 'utf8')
    assert.match(main, /import\('@govchain\/distribution\/labels'\)\.then\(\(m\) => m\.errorLabel\)/)
    // The names people read, in both languages.
    assert.equal(eventLabel('zh', 'license', 'issued'), '签发证照')
    assert.equal(eventLabel('en', 'anchor', 'put'), 'Document hash anchored')
    assert.equal(errorLabel('zh', 'LICENSE_HOLDER_MISMATCH'), '证照持证主体或字段与本部门登记信息不符')
    assert.equal(errorLabel('zh', 'TX_WRONG_CHAIN'), '交易属于另一条链')
    assert.equal(eventLabel('zh', 'license', 'toString'), undefined)
    assert.equal(errorLabel('zh', 'NO_SUCH_CODE'), undefined)
  })

  it('refuses a second page on a path, a portal path and a text missing a language', () => {
    const problems = checkPages(
      [
        page('/a'),
        page('/a'),
        page('/explorer/x'),
        page('/b', { messages: { 'b.title': ['标题', ''] } }),
        page('/c', { nav: { label: { zh: '', en: 'C' }, description: { zh: '说明', en: 'About' }, icon: 'C' } }),
      ],
      PORTAL_PATHS,
    )
    assert.deepEqual(problems, [
      '/a: two pages answer it',
      "/explorer/x: the portal's own path",
      '/b: message b.title lacks a language',
      '/c: nav label lacks a language',
    ])
  })

  it('a path shows the page on it; only a page with subpaths answers below it', () => {
    assert.equal(matchPage(pages, '/verify')?.page.path, '/verify')
    assert.equal(matchPage(pages, '/verify/')?.page.path, '/verify')
    assert.equal(matchPage(pages, '/verify/x'), undefined)
    assert.deepEqual(
      { path: matchPage(pages, '/sharing/my-data')?.page.path, subpath: matchPage(pages, '/sharing/my-data')?.subpath },
      { path: '/sharing', subpath: 'my-data' },
    )
    assert.equal(matchPage(pages, '/sharing')?.subpath, '')
    assert.equal(matchPage(pages, '/sharingx'), undefined)
  })

  it('the navigation lists pages with an entry, and those for some identities only to them', () => {
    const { nav: _unlisted, ...unlisted } = page('/b')
    const list = [page('/a'), unlisted, page('/c', { visibleTo: ['officer'] })]
    assert.deepEqual(
      navPages(list, undefined).map((p) => p.path),
      ['/a'],
    )
    assert.deepEqual(
      navPages(list, officer).map((p) => p.path),
      ['/a', '/c'],
    )
    assert.deepEqual(
      navPages(list, { ...officer, kind: 'citizen' }).map((p) => p.path),
      ['/a'],
    )
  })
})
