/**
 * The catalog application as a distribution lists it: its module (handlers, queries, keeper) with
 * its version, the keepers it requires, its routes.
 */
import { defineModule } from '@govchain/app'
import { identityRef } from '@govchain/identity/schema'
import { type CatalogKeeper, catalogModule } from './module.ts'
import { catalogApi } from './routes.ts'
import { CATALOG_ERRORS } from './schema.ts'

export const catalogApp = defineModule<'catalog', CatalogKeeper>({
  ...catalogModule,
  name: 'catalog',
  errors: CATALOG_ERRORS,
  version: '1.0.0',
  requires: [identityRef],
  routes: catalogApi,
})
