/**
 * A business licence type and one credential of it, shared by the credential tests and the
 * SD-JWT and presentation fuzz targets (scripts/fuzz/targets.ts): a credential with one public
 * and one personal field, valid from 2023-11-14 with no end.
 */
import type { CryptoSuite } from '@govchain/core'
import { issueLicenseCredential } from '../src/credential.ts'
import { licenseId } from '../src/schema.ts'

export const BUSINESS_TYPE = {
  code: '111101080000791900001',
  name: '营业执照',
  nameEn: 'Business Licence',
  fields: [
    { name: 'enterpriseName', label: '名称', labelEn: 'Name', personal: false, required: true },
    {
      name: 'legalRepresentative',
      label: '法定代表人',
      labelEn: 'Legal representative',
      personal: true,
      required: false,
    },
  ],
}

const SAMPLE_HOLDER = 'did:govchain:abc'
const SAMPLE_ISSUED_MS = 1_700_000_000_000

/** The sample credential (licence serial 0000000042 of `market`) signed with `privateKey`. */
export function sampleCredential(suite: CryptoSuite, chainId: string, privateKey: Uint8Array) {
  const id = licenseId({
    typeCode: BUSINESS_TYPE.code,
    issuerCode: '11110108MB0143028X',
    serial: '0000000042',
    version: 1,
  })
  const cred = issueLicenseCredential({
    suite,
    chainId,
    privateKey,
    id,
    type: BUSINESS_TYPE,
    issuer: { orgId: 'market' },
    holder: SAMPLE_HOLDER,
    validFromMs: SAMPLE_ISSUED_MS,
    validUntilMs: 0,
    issuedAtMs: SAMPLE_ISSUED_MS,
    fields: { enterpriseName: '示例有限公司', legalRepresentative: '王五' },
  })
  return { id, cred }
}
