/** The evidence application as a distribution lists it: its module with version, requires and routes. */
import { defineModule } from '@govchain/app'
import { governanceRef } from '@govchain/governance/schema'
import { identityRef } from '@govchain/identity/schema'
import { type EvidenceKeeper, evidenceModule } from './module.ts'
import { evidenceApi } from './routes.ts'

export const evidenceApp = defineModule<'evidence', EvidenceKeeper>({
  ...evidenceModule,
  name: 'evidence',
  version: '0.2.0',
  requires: [identityRef, governanceRef],
  routes: evidenceApi,
})
