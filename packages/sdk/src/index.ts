/**
 * @govchain/sdk: everything a govchain client needs in one import — the base client
 * (@govchain/client: one HTTP transport, transaction building and signing, the light client)
 * and every application's client actions, re-exported from the application packages.
 * Browser-safe.
 */

export {
  type AnchorPutOptions,
  anchorKeyHex,
  anchorPut,
  decodeAnchorRecord,
} from '@govchain/anchor/client'
export * from '@govchain/client'
// From core, so an app needs only the SDK: the suites to sign and verify with, and the error class
// of offline checks. Everything else of the protocol is in @govchain/core.
export {
  type BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  decode,
  fromBase64,
  fromHex,
  GovchainError,
  getSuite,
  isGovchainError,
  type SuiteName,
  suites,
  toBase64,
  toHex,
  ValidatorSet,
} from '@govchain/core'
// Identity (officers, DIDs, pseudonyms) and governance (proposals, votes, evidence): builders and typed reads.
export * as governance from '@govchain/governance/client'
export * as identity from '@govchain/identity/client'
export {
  credentialFields,
  decodeLicenseQr,
  decodeLicenseRecord,
  fetchLicenseProof,
  type HolderAuth,
  holderUsesPath,
  type IssuedLicense,
  type IssueLicenseInput,
  type IssueLicenseWithInput,
  issueLicense,
  issueLicenseWith,
  type LicenseApiClient,
  type LicenseListFilter,
  type LicenseTxCommon,
  licenseClient,
  licenseKeyHex,
  licenseQr,
  licenseRefQr,
  licenseTx,
  type OfflineVerdict,
  type OfflineVerifyInput,
  type ProofMaterial,
  presentCredential,
  randomSerial,
  reissueLicense,
  reissueLicenseWith,
  signHolderQuery,
  signHolderQueryWith,
  signPresentationWith,
  verifyLicenseOffline,
} from '@govchain/license/client'
export type { LicenseVerdict } from '@govchain/license/credential'
export {
  type EffectiveStatus,
  effectiveStatus,
  LICENSE_METHODS,
  LICENSE_MODULE,
  type LicenseRecord,
  type LicenseTypeRecord,
  licenseId,
  parseLicenseId,
  REVOKE_REASONS,
  type RevokeReason,
} from '@govchain/license/schema'
export * from '@govchain/sharing/client'
