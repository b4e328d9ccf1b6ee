/**
 * The portal pages of the built-in applications, beside BUILTIN_MODULES (index.ts) and
 * BUILTIN_CLI (cli.ts): the portal routes to them and builds its navigation and home page from
 * this list, in this order (ADR 0020). Browser code: this entry imports only the pages.
 */

import { evidencePages } from '@govchain/evidence/portal'
import { identityPages } from '@govchain/identity/portal'
import { invoicePages } from '@govchain/invoice/portal'
import { licensePages } from '@govchain/license/portal'
import type { PortalPage } from '@govchain/portal-kit'
import { servicePages } from '@govchain/service/portal'
import { sharingPages } from '@govchain/sharing/portal'

/** Applications with pages, each with its pages in navigation order. */
export const BUILTIN_PAGES: readonly { name: string; pages: readonly PortalPage[] }[] = [
  { name: 'license', pages: licensePages },
  { name: 'sharing', pages: sharingPages },
  { name: 'invoice', pages: invoicePages },
  { name: 'evidence', pages: evidencePages },
  { name: 'service', pages: servicePages },
  { name: 'identity', pages: identityPages },
]
