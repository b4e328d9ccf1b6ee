/**
 * The portal contract of an application (ADR 0020): the pages it adds, exported from its
 * `@govchain/<name>/portal` subpath and listed by the distribution (`@govchain/distribution/portal`).
 * The portal routes paths to them and builds its navigation and home page from them.
 */
import type { ComponentType } from 'react'
import type { DemoIdentity, IdentityKind } from './config.ts'
import type { Messages } from './i18n.ts'

/** A text in both portal languages. */
export interface Text {
  zh: string
  en: string
}

export interface PortalPage {
  /** The path the page answers, e.g. `/verify`. Unique across the portal. */
  path: `/${string}`
  /** The page also answers every path below `path`; its component gets the rest as `subpath`. */
  subpaths?: boolean
  /** Its entry in the main navigation and its card on the home page; absent: reachable, not listed. */
  nav?: { label: Text; description: Text; icon: string }
  /**
   * Which logged-in identities the navigation shows the entry to; absent: every visitor (the
   * page itself asks for the identity it needs, and the API decides what is allowed).
   */
  visibleTo?: readonly IdentityKind[]
  component: ComponentType<{ subpath: string }>
  /** The application's own strings, read by its pages through `withMessages`. */
  messages: Messages
}

/** The page a path shows, with the rest of the path below it; undefined when none answers it. */
export function matchPage(
  pages: readonly PortalPage[],
  path: string,
): { page: PortalPage; subpath: string } | undefined {
  const p = path.replace(/\/+$/, '') || '/'
  for (const page of pages) {
    if (p === page.path) return { page, subpath: '' }
    if (page.subpaths === true && p.startsWith(`${page.path}/`)) return { page, subpath: p.slice(page.path.length + 1) }
  }
  return undefined
}

/** The pages the navigation lists for this visitor, in the given order. */
export function navPages(pages: readonly PortalPage[], identity: DemoIdentity | undefined): PortalPage[] {
  return pages.filter(
    (p) =>
      p.nav !== undefined &&
      (p.visibleTo === undefined || (identity !== undefined && p.visibleTo.includes(identity.kind))),
  )
}

/**
 * What keeps the portal from composing these pages: two pages on one path (or on one of the
 * portal's own, `reserved`), a navigation text or a message missing a language. Empty: none.
 */
export function checkPages(pages: readonly PortalPage[], reserved: readonly string[] = []): string[] {
  const problems: string[] = []
  const paths = new Set<string>()
  for (const page of pages) {
    if (reserved.some((r) => r === page.path || (r !== '/' && page.path.startsWith(`${r}/`))))
      problems.push(`${page.path}: the portal's own path`)
    if (paths.has(page.path)) problems.push(`${page.path}: two pages answer it`)
    paths.add(page.path)
    if (page.nav !== undefined) {
      for (const [what, text] of [
        ['label', page.nav.label],
        ['description', page.nav.description],
      ] as const) {
        if (text.zh.trim() === '' || text.en.trim() === '') problems.push(`${page.path}: nav ${what} lacks a language`)
      }
    }
    for (const [key, [zh, en]] of Object.entries(page.messages)) {
      if (zh.trim() === '' || en.trim() === '') problems.push(`${page.path}: message ${key} lacks a language`)
    }
  }
  return problems
}
