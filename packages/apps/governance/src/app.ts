/**
 * The governance application as a distribution lists it: its module (handlers, queries, keeper) with
 * its version, the keepers it requires, its routes and what it provides to consensus (validator sets, parameters, evidence).
 */
import { defineModule } from '@govchain/app'
import { codec } from '@govchain/core'
import { identityRef } from '@govchain/identity/schema'
import { type GovernanceKeeper, governanceModule } from './module.ts'
import { governanceApi } from './routes.ts'
import {
  EvidenceArgs,
  GOVERNANCE_ERRORS,
  GOVERNANCE_METHODS,
  GOVERNANCE_MODULE,
  ProposalEvidenceArgs,
} from './schema.ts'

export const governanceApp = defineModule<'governance', GovernanceKeeper>({
  ...governanceModule,
  name: 'governance',
  errors: GOVERNANCE_ERRORS,
  version: '1.4.0',
  requires: [identityRef],
  routes: governanceApi,
  provides: {
    consensus: (k: GovernanceKeeper) => ({
      validatorSetAt: (h: number) => k.validatorSetAt(h),
      paramsAt: (h: number) => k.paramsAt(h),
      observersAt: (h: number) => k.observersAt(h),
      revokedCertificatesAt: (h: number) => k.revokedCertificatesAt(h),
      evidenceTx: (e) =>
        e.kind === 'vote'
          ? {
              module: GOVERNANCE_MODULE,
              method: GOVERNANCE_METHODS.evidence,
              args: codec.encode(EvidenceArgs, e.evidence),
            }
          : {
              module: GOVERNANCE_MODULE,
              method: GOVERNANCE_METHODS.proposalEvidence,
              args: codec.encode(ProposalEvidenceArgs, e.evidence),
            },
    }),
  },
})
