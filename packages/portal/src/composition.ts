/**
 * The application pages this portal shows: those of the distribution's built-in applications
 * (`@govchain/distribution/portal`), in its order. Routes, navigation and the home page's
 * services come from here; the chain-level pages (home, login, explorer, operations) are the portal's own.
 */
import { BUILTIN_PAGES } from '@govchain/distribution/portal'
import { checkPages, type PortalPage } from '@govchain/portal-kit'

export const APP_PAGES: readonly PortalPage[] = BUILTIN_PAGES.flatMap((a) => a.pages)

/** The chain-level pages' paths (main.tsx), which no application page may take. */
const PORTAL_PATHS: readonly string[] = ['/', '/login', '/explorer', '/ops']

const problems = checkPages(APP_PAGES, PORTAL_PATHS)
if (problems.length > 0) throw new Error(`portal pages: ${problems.join('; ')}`)
