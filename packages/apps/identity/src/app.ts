/**
 * The identity application as a distribution lists it: its module (handlers, queries, keeper) with
 * its version, the keepers it requires, its routes and the peer trust it provides (the consortium's CA certificates).
 */
import { defineModule } from '@govchain/app'
import type { IdentityKeeper } from './keeper.ts'
import { identityModule } from './module.ts'
import { identityApi } from './routes.ts'
import { IDENTITY_ERRORS } from './schema.ts'

export const identityApp = defineModule<'identity', IdentityKeeper>({
  ...identityModule,
  name: 'identity',
  errors: IDENTITY_ERRORS,
  version: '1.0.0',
  routes: identityApi,
  provides: {
    peerTrust: (k: IdentityKeeper) => ({ trustedCaPems: () => k.trustedCaPems() }),
    // None of this module's events changes an organisation's CA: organisations are added and
    // removed only by governance's proposals (keeper.addOrganisation / removeOrganisation), whose
    // events the node follows as the consensus provider's. A citizen's DID is not a reason to
    // read every organisation again after each block.
    peerTrustEvents: [],
  },
})
