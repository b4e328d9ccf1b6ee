/**
 * The built-in modules, each defined through the module contract (defineModule): its version,
 * the keepers it requires, its routes and what it provides to the node. A chain's set is fixed
 * at genesis; the node runs the modules its genesis names, from the list it is given.
 */

import { anchorModule } from '@govchain/anchor'
import { defineModule, type Module, ModuleRegistry, moduleRef } from '@govchain/app'
import { type CatalogKeeper, catalogApi, catalogModule } from '@govchain/catalog'
import { codec } from '@govchain/core'
import { type GovernanceKeeper, governanceApi, governanceModule } from '@govchain/governance'
import { EvidenceArgs, GOVERNANCE_METHODS, GOVERNANCE_MODULE } from '@govchain/governance/schema'
import type { IdentityKeeper } from '@govchain/identity'
import { identityApi, identityModule } from '@govchain/identity'
import { licenseApi, licenseModule } from '@govchain/license'
import { sharingApi, sharingModule } from '@govchain/sharing'

export * from '@govchain/anchor'
export * from '@govchain/catalog'
export * from '@govchain/governance'
export * from '@govchain/identity'
export * from '@govchain/license'
export { LICENSE_ROUTES, licenseApi } from '@govchain/license'
export * from '@govchain/sharing'

export const identityRef = moduleRef<IdentityKeeper>()('identity')
export const catalogRef = moduleRef<CatalogKeeper>()('catalog')
export const governanceRef = moduleRef<GovernanceKeeper>()('governance')

/** Every built-in module, in registration order. */
export const BUILTIN_MODULES: readonly Module[] = [
  defineModule({ ...anchorModule, name: 'anchor', version: '1.0.0', requires: [identityRef, governanceRef] }),
  defineModule({
    ...identityModule,
    name: 'identity',
    version: '1.0.0',
    routes: identityApi,
    provides: { peerTrust: (k: IdentityKeeper) => ({ trustedCaPems: () => k.trustedCaPems() }) },
  }),
  defineModule({
    ...governanceModule,
    name: 'governance',
    version: '1.0.0',
    requires: [identityRef],
    routes: governanceApi,
    provides: {
      consensus: (k: GovernanceKeeper) => ({
        validatorSetAt: (h: number) => k.validatorSetAt(h),
        paramsAt: (h: number) => k.paramsAt(h),
        evidenceTx: (evidence) => ({
          module: GOVERNANCE_MODULE,
          method: GOVERNANCE_METHODS.evidence,
          args: codec.encode(EvidenceArgs, evidence),
        }),
      }),
    },
  }),
  defineModule({ ...catalogModule, name: 'catalog', version: '1.0.0', requires: [identityRef], routes: catalogApi }),
  defineModule({
    ...sharingModule,
    name: 'sharing',
    version: '1.0.0',
    requires: [identityRef, catalogRef],
    routes: sharingApi,
  }),
  defineModule({ ...licenseModule, name: 'license', version: '1.0.0', requires: [identityRef], routes: licenseApi }),
]

/** The modules a node offers unless told otherwise (the distribution's list). */
export function defaultModules(): readonly Module[] {
  return BUILTIN_MODULES
}

export function defaultModuleRegistry(): ModuleRegistry {
  return new ModuleRegistry(BUILTIN_MODULES)
}
