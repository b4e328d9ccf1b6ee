/**
 * Time-stamping authorities (RFC 3161) as the consortium registers them: the checks a TSA
 * certificate must pass before a proposal may name it. The evidence module verifies tokens
 * against the registered certificates (packages/apps/evidence/src/tsp.ts).
 */
import { X509Certificate } from 'node:crypto'
import { GovchainError } from '@govchain/core'
import { AsnConvert } from '@peculiar/asn1-schema'
import { Certificate } from '@peculiar/asn1-x509'
import { GOVERNANCE_LIMITS } from './schema.ts'

const TIME_STAMPING = '1.3.6.1.5.5.7.3.8'
const EXT_KEY_USAGE = '2.5.29.37'

interface TsaCertificateFacts {
  subject: string
  issuer: string
  serial: string
  notBeforeMs: number
  notAfterMs: number
  key: string
}

/**
 * What governance checks of a TSA certificate before a proposal registers it (RFC 3161 §2.3:
 * the extended key usage is timeStamping, critical; a key we can verify). Throws
 * EVIDENCE_TSA_BAD_CERTIFICATE with the reason.
 */
export function inspectTsaCertificate(der: Uint8Array): TsaCertificateFacts {
  const refuse = (reason: string): never => {
    throw new GovchainError('GOV_TSA_CERTIFICATE_INVALID', `TSA certificate: ${reason}`, { reason })
  }
  if (der.length > GOVERNANCE_LIMITS.tsaCertificateBytes) refuse(`over ${GOVERNANCE_LIMITS.tsaCertificateBytes} bytes`)
  let cert: Certificate
  let x: X509Certificate
  try {
    cert = AsnConvert.parse(der, Certificate)
    x = new X509Certificate(der)
  } catch {
    return refuse('not a DER X.509 certificate')
  }
  const eku = cert.tbsCertificate.extensions?.find((e) => e.extnID === EXT_KEY_USAGE)
  if (eku === undefined || !eku.critical || !(x.keyUsage ?? []).includes(TIME_STAMPING)) {
    refuse('its extended key usage must be timeStamping, marked critical (RFC 3161 §2.3)')
  }
  const k = x.publicKey
  let key: string
  if (k.asymmetricKeyType === 'ec') {
    const curve = k.asymmetricKeyDetails?.namedCurve
    if (curve !== 'prime256v1' && curve !== 'secp384r1')
      return refuse(`EC curve ${curve ?? 'unknown'} (P-256 or P-384)`)
    key = curve === 'prime256v1' ? 'ecdsa-p256' : 'ecdsa-p384'
  } else if (k.asymmetricKeyType === 'rsa') {
    const bits = k.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < 2048) return refuse(`RSA key of ${bits} bits (2048 or more)`)
    key = `rsa-${bits}`
  } else return refuse(`key type ${k.asymmetricKeyType ?? 'unknown'} (ECDSA P-256/P-384 or RSA; SM2 not yet)`)
  const validity = cert.tbsCertificate.validity
  return {
    // Node prints one RDN a line: one line, comma-separated.
    subject: x.subject.split('\n').join(', '),
    issuer: x.issuer.split('\n').join(', '),
    serial: x.serialNumber.toLowerCase(),
    notBeforeMs: validity.notBefore.getTime().getTime(),
    notAfterMs: validity.notAfter.getTime().getTime(),
    key,
  }
}
