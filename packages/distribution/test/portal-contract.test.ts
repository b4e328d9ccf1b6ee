/**
 * The portal contract (ADR 0020): the built-in applications' pages compose into one portal —
 * one page per path, none on the portal's own, every text in both languages — and the kit's
 * routing and navigation rules pick the page a path shows and the entries a visitor sees.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SENSITIVITIES, SHARE_TYPES } from '@govchain/catalog/schema'
import { EVIDENCE_KINDS } from '@govchain/evidence/schema'
import { HISTORY_ACTIONS, REVOKE_REASONS } from '@govchain/license/schema'
import { EFFECTIVE_STATUSES } from '@govchain/license/views'
import { checkPages, type DemoIdentity, KIT_MESSAGES, matchPage, navPages, type PortalPage } from '@govchain/portal-kit'
import { CASE_ACTIONS, CASE_STATUSES } from '@govchain/service/schema'
import { REQUEST_STATUSES } from '@govchain/sharing/schema'
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
