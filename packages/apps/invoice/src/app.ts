/** The invoice application as a distribution lists it: its module with version, requires and routes. */
import { defineModule } from '@govchain/app'
import { identityRef } from '@govchain/identity/schema'
import { type InvoiceKeeper, invoiceModule } from './module.ts'
import { invoiceApi } from './routes.ts'

export const invoiceApp = defineModule<'invoice', InvoiceKeeper>({
  ...invoiceModule,
  name: 'invoice',
  version: '0.1.0',
  requires: [identityRef],
  routes: invoiceApi,
})
