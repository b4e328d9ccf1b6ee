/**
 * The portal contract (ADR 0020): the built-in applications' pages compose into one portal —
 * one page per path, none on the portal's own, every text in both languages — and the kit's
 * routing and navigation rules pick the page a path shows and the entries a visitor sees.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkPages, type DemoIdentity, matchPage, navPages, type PortalPage } from '@govchain/portal-kit'
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
