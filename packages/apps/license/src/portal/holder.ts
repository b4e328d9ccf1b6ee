/**
 * Licence helpers of the portal pages (docs/license-api.md): holder presentations, QR payloads
 * and the holder's signed queries. Issuance and lifecycle transactions use the client's
 * issueLicense / reissueLicense / licenseTx directly.
 */
import type { AsyncSigner, CryptoSuite } from '@govchain/core'
import { credentialFields, licenseQr, type ProofMaterial, presentCredential, signHolderQueryWith } from '../client.ts'

/** The holder's presentation with only the chosen fields (no new signature: SD-JWT). */
export function present(suite: CryptoSuite, credential: string, names: readonly string[]): string {
  return presentCredential(suite, credential, names)
}

/** The QR text of a presentation; with the record's proof it verifies offline (no node needed). */
export function qrPayload(chainId: string, credential: string, proof?: ProofMaterial): string {
  return licenseQr({ chainId, credential, ...(proof === undefined ? {} : { proof }) })
}

/** The disclosable fields a credential carries (name → value), read without verifying. */
export function fieldsOf(suite: CryptoSuite, credential: string): Record<string, unknown> {
  try {
    return credentialFields(suite, credential)
  } catch {
    return {}
  }
}

/** Query parameters of a holder-authenticated read (uses, grants, the mailbox) of `path`, signed by the page's signer. */
export async function holderAuth(
  signer: AsyncSigner,
  suite: CryptoSuite,
  chainId: string,
  path: string,
  did: string,
): Promise<Record<string, string>> {
  return { ...(await signHolderQueryWith(signer, { suite, chainId, path, did })) }
}
