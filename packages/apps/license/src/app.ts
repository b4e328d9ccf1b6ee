/**
 * The license application as a distribution lists it: its module (handlers, queries, keeper) with
 * its version, the keepers it requires, its routes.
 */
import { defineModule } from '@govchain/app'
import { identityRef } from '@govchain/identity/schema'
import { type LicenseKeeper, licenseModule } from './module.ts'
import { licenseApi } from './routes.ts'
import { LICENSE_ERRORS } from './schema.ts'

export const licenseApp = defineModule<'license', LicenseKeeper>({
  ...licenseModule,
  name: 'license',
  errors: LICENSE_ERRORS,
  version: '1.0.0',
  requires: [identityRef],
  routes: licenseApi,
})
