/**
 * The invoice application's portal page (`@govchain/invoice/portal`, ADR 0020):
 *
 *   开具发票   an enterprise (or receipt unit) logged in with its DID issues an invoice: the lines
 *              are entered here, the amounts reach the chain only as a salted commitment, and the
 *              invoice file (JSON) is handed to the buyer
 *   发票查验   anyone holding an invoice file checks it (on the node against the chain's record, and
 *              again in the browser against the record it returned); a registered buyer's finance
 *              officer then claims it (报销入账) — a second claim is refused with the reason
 *   发票列表   the invoices of a seller or a buyer (defaulting to the logged-in enterprise), page by page
 */
import type { PortalPage } from '@govchain/portal-kit'
import { lazy } from 'react'
import { INVOICE_MESSAGES } from './portal/messages.ts'

export { INVOICE_MESSAGES }

// Its own chunk (issue 15, page weight): loaded when the page is first visited.
const InvoicePortalPage = lazy(() => import('./portal/InvoicePage.tsx').then((m) => ({ default: m.InvoicePortalPage })))

export const invoicePages: readonly PortalPage[] = [
  {
    path: '/invoice',
    nav: {
      label: { zh: '电子发票', en: 'Invoices' },
      description: {
        zh: '电子发票与财政票据：开具、查验、报销入账，一票不能多报',
        en: 'E-invoices and government receipts: issue, check, claim — never twice',
      },
      icon: '票',
    },
    component: () => <InvoicePortalPage />,
    messages: INVOICE_MESSAGES,
  },
]
