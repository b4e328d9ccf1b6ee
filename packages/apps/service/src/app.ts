/** The service application as a distribution lists it: its module with version, requires and routes. */
import { defineModule } from '@govchain/app'
import { catalogRef } from '@govchain/catalog/schema'
import { governanceRef } from '@govchain/governance/schema'
import { identityRef } from '@govchain/identity/schema'
import { licenseRef } from '@govchain/license/schema'
import { sharingRef } from '@govchain/sharing/schema'
import { type ServiceKeeper, serviceModule } from './module.ts'
import { serviceApi } from './routes.ts'

export const serviceApp = defineModule<'service', ServiceKeeper>({
  ...serviceModule,
  name: 'service',
  version: '0.2.0',
  requires: [identityRef, catalogRef, licenseRef, sharingRef, governanceRef],
  routes: serviceApi,
})
