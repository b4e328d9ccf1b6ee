/**
 * The data-sharing transactions the portal sends (docs/sharing-api.md), in one place: each
 * takes the signer the app provides and the method's arguments, and returns the SDK's BuiltTx.
 */
import type { BuiltTx } from '@govchain/client'
import type { Signer } from '@govchain/portal-kit'
import { sharingDecide, sharingRequest, sharingRevoke } from '../client.ts'

export function requestTx(
  s: Signer,
  a: {
    resourceId: string
    consumerOrg: string
    fields: string[]
    purpose: string
    legalBasis: string
    durationMs: number
    rowsMax: number
  },
): BuiltTx {
  return sharingRequest({ ...s, ...a })
}

export function decideTx(s: Signer, a: { requestId: string; approve: boolean; reason: string }): BuiltTx {
  return sharingDecide({ ...s, ...a })
}

export function revokeGrantTx(s: Signer, a: { requestId: string; reason: string }): BuiltTx {
  return sharingRevoke({ ...s, ...a })
}
