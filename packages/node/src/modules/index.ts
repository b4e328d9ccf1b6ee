/**
 * The built-in modules, each defined through the module contract (defineModule): its version,
 * the keepers it requires, its routes and what it provides to the node. A chain's set is fixed
 * at genesis; the node runs the modules its genesis names, from the list it is given.
 */
import { defineModule, type Module, ModuleRegistry, moduleRef } from '@govchain/app'
import { codec, EvidenceArgs, GOVERNANCE_METHODS, GOVERNANCE_MODULE } from '@govchain/core'
import { anchorModule } from './anchor/index.ts'
import { catalogApi } from './catalog/api.ts'
import { type CatalogKeeper, catalogModule } from './catalog/index.ts'
import { governanceApi } from './governance/api.ts'
import { type GovernanceKeeper, governanceModule } from './governance/index.ts'
import { identityApi } from './identity/api.ts'
import { identityModule } from './identity/index.ts'
import type { IdentityKeeper } from './identity/keeper.ts'
import { licenseApi } from './license/api.ts'
import { licenseModule } from './license/index.ts'
import { sharingApi } from './sharing/api.ts'
import { sharingModule } from './sharing/index.ts'

export * from './anchor/index.ts'
export * from './catalog/index.ts'
export * from './governance/index.ts'
export * from './identity/index.ts'
export { LICENSE_ROUTES, licenseApi } from './license/api.ts'
export * from './license/index.ts'
export * from './sharing/index.ts'

export const identityRef = moduleRef<IdentityKeeper>()('identity')
export const catalogRef = moduleRef<CatalogKeeper>()('catalog')

/** Every built-in module, in registration order. */
export const BUILTIN_MODULES: readonly Module[] = [
  defineModule({ ...anchorModule, name: 'anchor', version: '1.0.0', requires: [identityRef] }),
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
