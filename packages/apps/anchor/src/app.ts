/**
 * The anchor application as a distribution lists it: its module (handlers, queries, keeper) with
 * its version, the keepers it requires, its routes.
 */
import { defineModule } from '@govchain/app'
import { governanceRef } from '@govchain/governance/schema'
import { identityRef } from '@govchain/identity/schema'
import { type AnchorKeeper, anchorModule } from './module.ts'
import { ANCHOR_ERRORS } from './schema.ts'

export const anchorApp = defineModule<'anchor', AnchorKeeper>({
  ...anchorModule,
  name: 'anchor',
  errors: ANCHOR_ERRORS,
  version: '1.0.0',
  requires: [identityRef, governanceRef],
})
