/**
 * The sharing application as a distribution lists it: its module (handlers, queries, keeper) with
 * its version, the keepers it requires, its routes.
 */
import { defineModule } from '@govchain/app'
import { catalogRef } from '@govchain/catalog/schema'
import { identityRef } from '@govchain/identity/schema'
import { type SharingKeeper, sharingModule } from './module.ts'
import { sharingApi } from './routes.ts'
import { SHARING_ERRORS } from './schema.ts'

export const sharingApp = defineModule<'sharing', SharingKeeper>({
  ...sharingModule,
  name: 'sharing',
  errors: SHARING_ERRORS,
  version: '1.2.0',
  requires: [identityRef, catalogRef],
  routes: sharingApi,
})
