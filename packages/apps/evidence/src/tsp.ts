/**
 * RFC 3161 time-stamp tokens (trusted time, 可信时间戳), checked deterministically inside the
 * `evidence.timestamp` handler and by the SDK (docs/adr/0024-trusted-timestamps.md).
 *
 * A token is a CMS SignedData (RFC 5652) whose content is a TSTInfo (RFC 3161 §2.4.2). It proves
 * that a TSA saw `messageImprint` at `genTime`. We accept it when:
 *   1. it parses as ContentInfo(signedData) with eContentType id-ct-TSTInfo and one SignerInfo;
 *   2. the signer (issuer + serial, or subject key identifier) is a TSA certificate the consortium
 *      registered through governance, in force at the block's height;
 *   3. the signed attributes hold contentType = id-ct-TSTInfo, messageDigest = hash(TSTInfo), and
 *      an ESS signing-certificate attribute (RFC 2634 ESSCertID, or RFC 5035 ESSCertIDv2) whose
 *      hash is that certificate's (RFC 3161 §2.4.1 requires one);
 *   4. the signature over the DER SET OF signed attributes verifies with the certificate's key
 *      (ECDSA P-256/P-384 or RSA PKCS #1 v1.5, SHA-256/384/512);
 *   5. the imprint is the item's digest under the chain's hash (SM3 for gm, SHA-256 for intl);
 *   6. genTime lies within the certificate's validity and not after the block's time plus the
 *      allowed clock drift.
 *
 * Everything here is a pure function of its inputs (no wall clock, no I/O): node:crypto's
 * verify and digest are deterministic. SM2-signed tokens (GM/T 0033) are not accepted yet: the
 * OpenSSL 3.0 `ts` responder cannot produce them, so no independent implementation could test
 * them here.
 */
import { createHash, verify, X509Certificate } from 'node:crypto'
import { equalBytes, GovchainError, toHex } from '@govchain/core'
import { Attribute, ContentInfo, id_signedData, SignedData } from '@peculiar/asn1-cms'
import { AsnArray, AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from '@peculiar/asn1-schema'
import { id_ct_tstInfo, MessageImprint, TimeStampReq, TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp'
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509'

/** A TSA certificate registered through governance (DER). */
export interface TrustedAuthority {
  id: string
  certificate: Uint8Array
}

/** What a verified token says. */
export interface TimestampFacts {
  authority: string
  genTimeMs: number
  /** The TSA's serial number of the token (hex, up to 160 bits). */
  serial: string
  policy: string
  hashAlgorithm: ImprintHash
}

export type ImprintHash = 'sm3' | 'sha256'

const TSP_LIMITS = {
  /** A token with its certificate is 1-4 KiB; more is refused before parsing. */
  tokenBytesMax: 8192,
  certificateBytesMax: 4096,
} as const

const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sm3: '1.2.156.10197.1.401',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaSha384: '1.2.840.113549.1.1.12',
  rsaSha512: '1.2.840.113549.1.1.13',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const

const IMPRINT_OID: Record<ImprintHash, string> = { sm3: OID.sm3, sha256: OID.sha256 }
const DIGEST_NAME: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sm3]: 'sm3',
}
/** Signature algorithms: the hash they fix (undefined: the SignerInfo's digestAlgorithm). */
const SIGNATURE_HASH: Record<string, string | undefined> = {
  [OID.ecPublicKey]: undefined,
  [OID.rsaEncryption]: undefined,
  [OID.ecdsaSha256]: 'sha256',
  [OID.ecdsaSha384]: 'sha384',
  [OID.ecdsaSha512]: 'sha512',
  [OID.rsaSha256]: 'sha256',
  [OID.rsaSha384]: 'sha384',
  [OID.rsaSha512]: 'sha512',
}

// ESS signing-certificate attributes (RFC 2634 §5.4, RFC 5035 §3): only the first certificate
// identifier matters, the signer's. Schemas declared with asn1-schema's decorators applied as
// functions (the project compiles without decorator syntax).
class EssCertId {
  certHash = new OctetString()
  issuerSerial?: ArrayBuffer
}
AsnProp({ type: OctetString })(EssCertId.prototype, 'certHash')
AsnProp({ type: AsnPropTypes.Any, optional: true })(EssCertId.prototype, 'issuerSerial')
class EssCertIdV2 {
  hashAlgorithm = new AlgorithmIdentifier({ algorithm: OID.sha256 })
  certHash = new OctetString()
  issuerSerial?: ArrayBuffer
}
AsnProp({
  type: AlgorithmIdentifier,
  optional: true,
  defaultValue: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
})(EssCertIdV2.prototype, 'hashAlgorithm')
AsnProp({ type: OctetString })(EssCertIdV2.prototype, 'certHash')
AsnProp({ type: AsnPropTypes.Any, optional: true })(EssCertIdV2.prototype, 'issuerSerial')
/** SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies ... OPTIONAL } */
class SigningCertificate {
  certs: EssCertId[] = []
  policies?: ArrayBuffer
}
AsnProp({ type: EssCertId, repeated: 'sequence' })(SigningCertificate.prototype, 'certs')
AsnProp({ type: AsnPropTypes.Any, optional: true })(SigningCertificate.prototype, 'policies')
class SigningCertificateV2 {
  certs: EssCertIdV2[] = []
  policies?: ArrayBuffer
}
AsnProp({ type: EssCertIdV2, repeated: 'sequence' })(SigningCertificateV2.prototype, 'certs')
AsnProp({ type: AsnPropTypes.Any, optional: true })(SigningCertificateV2.prototype, 'policies')

/** SET OF Attribute: the signed attributes as they are signed (RFC 5652 §5.4). */
class AttributeSet extends AsnArray<Attribute> {}
AsnType({ type: AsnTypeTypes.Set, itemType: Attribute })(AttributeSet)

function bad(reason: string): never {
  throw new GovchainError('EVIDENCE_TSA_BAD_TOKEN', `the time-stamp token does not verify: ${reason}`, { reason })
}

function bytes(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

function digest(name: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(name).update(data).digest())
}

function parse<T>(der: Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(der, type)
  } catch {
    return bad(`${what} is not valid DER`)
  }
}

interface ParsedCertificate {
  der: Uint8Array
  cert: Certificate
  issuer: Uint8Array
  serial: Uint8Array
  subjectKeyId: Uint8Array | undefined
}

const SKI_OID = '2.5.29.14'

function parseCertificate(der: Uint8Array): ParsedCertificate | undefined {
  try {
    const cert = AsnConvert.parse(der, Certificate)
    const ski = cert.tbsCertificate.extensions?.find((e) => e.extnID === SKI_OID)
    return {
      der,
      cert,
      issuer: bytes(AsnConvert.serialize(cert.tbsCertificate.issuer)),
      serial: stripZeros(bytes(cert.tbsCertificate.serialNumber)),
      // extnValue wraps the SubjectKeyIdentifier OCTET STRING: skip its tag and length.
      subjectKeyId: ski === undefined ? undefined : innerOctets(bytes(ski.extnValue.buffer)),
    }
  } catch {
    return undefined
  }
}

function innerOctets(der: Uint8Array): Uint8Array | undefined {
  if (der[0] !== 0x04 || der.length < 2) return undefined
  const len = der[1]!
  return len < 0x80 && der.length === 2 + len ? der.subarray(2) : undefined
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

function attribute(attrs: readonly { attrType: string; attrValues: ArrayBuffer[] }[], oid: string) {
  const found = attrs.filter((a) => a.attrType === oid)
  if (found.length > 1 || (found.length === 1 && found[0]!.attrValues.length !== 1))
    bad(`signed attribute ${oid} appears more than once`)
  return found[0]?.attrValues[0]
}

/**
 * Verifies `token` (DER TimeStampToken) against the registered authorities and the item's digest.
 * Throws EVIDENCE_TSA_BAD_TOKEN (malformed, altered or badly signed), EVIDENCE_TSA_UNREGISTERED
 * (signed by no registered TSA) or EVIDENCE_TSA_IMPRINT_MISMATCH (a token for other content).
 * The caller checks the time against its block (checkTimestampTime).
 */
export function verifyTimestampToken(
  token: Uint8Array,
  expected: { digest: Uint8Array; hash: ImprintHash },
  authorities: readonly TrustedAuthority[],
): TimestampFacts & { notBeforeMs: number; notAfterMs: number } {
  if (token.length > TSP_LIMITS.tokenBytesMax) bad(`over ${TSP_LIMITS.tokenBytesMax} bytes`)
  const info = parse(token, ContentInfo, 'the token')
  if (info.contentType !== id_signedData) bad('not a CMS SignedData')
  const signed = parse(bytes(info.content), SignedData, 'the SignedData')
  if (signed.encapContentInfo.eContentType !== id_ct_tstInfo) bad('the content is not a TSTInfo')
  const eContent = signed.encapContentInfo.eContent?.single
  if (eContent === undefined) bad('the TSTInfo is missing')
  const tstDer = bytes(eContent.buffer)
  const tst = parse(tstDer, TSTInfo, 'the TSTInfo')
  if (tst.version !== 1) bad(`TSTInfo version ${tst.version}`)
  if (signed.signerInfos.length !== 1) bad('a token has exactly one signer')
  const signer = signed.signerInfos[0]!
  const attrs = signer.signedAttrs
  if (attrs === undefined || attrs.length === 0) bad('signed attributes are missing')

  // 2. The signer among the registered authorities.
  const sid = signer.sid
  let match: { authority: TrustedAuthority; cert: ParsedCertificate } | undefined
  for (const authority of authorities) {
    const cert = parseCertificate(authority.certificate)
    if (cert === undefined) continue
    const ias = sid.issuerAndSerialNumber
    const hit =
      ias !== undefined
        ? equalBytes(bytes(AsnConvert.serialize(ias.issuer)), cert.issuer) &&
          equalBytes(stripZeros(bytes(ias.serialNumber)), cert.serial)
        : sid.subjectKeyIdentifier !== undefined &&
          cert.subjectKeyId !== undefined &&
          equalBytes(bytes(sid.subjectKeyIdentifier.buffer), cert.subjectKeyId)
    if (hit) {
      match = { authority, cert }
      break
    }
  }
  if (match === undefined) {
    throw new GovchainError('EVIDENCE_TSA_UNREGISTERED', undefined, {
      signer:
        sid.issuerAndSerialNumber !== undefined
          ? { serial: toHex(stripZeros(bytes(sid.issuerAndSerialNumber.serialNumber))) }
          : { subjectKeyId: toHex(bytes(sid.subjectKeyIdentifier?.buffer ?? new ArrayBuffer(0))) },
    })
  }

  // 3. Signed attributes.
  const contentType = attribute(attrs, OID.contentType)
  if (contentType === undefined) bad('no contentType attribute')
  // DER of OBJECT IDENTIFIER 1.2.840.113549.1.9.16.1.4
  const tstInfoOid = Uint8Array.of(0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04)
  if (!equalBytes(bytes(contentType), tstInfoOid)) bad('the contentType attribute is not id-ct-TSTInfo')
  const digestName = DIGEST_NAME[signer.digestAlgorithm.algorithm]
  if (digestName === undefined || digestName === 'sha1') bad(`digest algorithm ${signer.digestAlgorithm.algorithm}`)
  const md = attribute(attrs, OID.messageDigest)
  if (md === undefined) bad('no messageDigest attribute')
  const mdValue = innerOctets(bytes(md))
  if (mdValue === undefined || !equalBytes(mdValue, digest(digestName, tstDer)))
    bad('the TSTInfo does not match its messageDigest (altered)')
  checkSigningCertificate(attrs, match.cert.der)

  // 4. The signature.
  const sigOid = signer.signatureAlgorithm.algorithm
  if (!(sigOid in SIGNATURE_HASH)) bad(`signature algorithm ${sigOid}`)
  const sigHash = SIGNATURE_HASH[sigOid] ?? digestName
  if (sigHash === 'sm3') bad('SM2 signatures are not accepted yet')
  // The DER SET OF the attributes, as signed: re-encoded from the parsed ones, whose values are
  // kept as raw bytes in their order (a DER token re-encodes to its own bytes).
  const toSign = bytes(AsnConvert.serialize(new AttributeSet(attrs)))
  let ok = false
  try {
    ok = verify(sigHash, toSign, new X509Certificate(match.cert.der).publicKey, bytes(signer.signature.buffer))
  } catch {
    ok = false
  }
  if (!ok) bad('the signature does not verify with the registered certificate')

  // 5. The imprint.
  const imprint: MessageImprint = tst.messageImprint
  if (
    imprint.hashAlgorithm.algorithm !== IMPRINT_OID[expected.hash] ||
    !equalBytes(bytes(imprint.hashedMessage.buffer), expected.digest)
  ) {
    throw new GovchainError('EVIDENCE_TSA_IMPRINT_MISMATCH', undefined, {
      imprint: toHex(bytes(imprint.hashedMessage.buffer)),
      algorithm: imprint.hashAlgorithm.algorithm,
      expectedAlgorithm: IMPRINT_OID[expected.hash],
    })
  }
  const validity = match.cert.cert.tbsCertificate.validity
  return {
    authority: match.authority.id,
    genTimeMs: tst.genTime.getTime(),
    serial: toHex(stripZeros(bytes(tst.serialNumber))),
    policy: tst.policy,
    hashAlgorithm: expected.hash,
    notBeforeMs: validity.notBefore.getTime().getTime(),
    notAfterMs: validity.notAfter.getTime().getTime(),
  }
}

function checkSigningCertificate(attrs: readonly { attrType: string; attrValues: ArrayBuffer[] }[], der: Uint8Array) {
  const v2 = attribute(attrs, OID.signingCertificateV2)
  const v1 = attribute(attrs, OID.signingCertificate)
  if (v2 !== undefined) {
    const sc = parse(bytes(v2), SigningCertificateV2, 'the signingCertificateV2 attribute')
    const first = sc.certs[0]
    if (first === undefined) bad('signingCertificateV2 names no certificate')
    const name = DIGEST_NAME[first.hashAlgorithm.algorithm]
    if (name === undefined) bad(`ESSCertIDv2 hash ${first.hashAlgorithm.algorithm}`)
    if (!equalBytes(bytes(first.certHash.buffer), digest(name, der))) bad('the signing certificate is not the TSA’s')
    return
  }
  if (v1 !== undefined) {
    const sc = parse(bytes(v1), SigningCertificate, 'the signingCertificate attribute')
    const first = sc.certs[0]
    if (first === undefined) bad('signingCertificate names no certificate')
    if (!equalBytes(bytes(first.certHash.buffer), digest('sha1', der))) bad('the signing certificate is not the TSA’s')
    return
  }
  bad('no ESS signing-certificate attribute (RFC 3161 §2.4.1)')
}

/**
 * The block-time rule: a token cannot come from the future of the block that records it (beyond
 * the consortium's clock drift) and must fall within its certificate's validity. Throws
 * EVIDENCE_TSA_BAD_TIME.
 */
export function checkTimestampTime(
  facts: { genTimeMs: number; notBeforeMs: number; notAfterMs: number },
  blockTimeMs: number,
  maxDriftMs: number,
): void {
  const { genTimeMs, notBeforeMs, notAfterMs } = facts
  if (genTimeMs > blockTimeMs + maxDriftMs || genTimeMs < notBeforeMs || genTimeMs > notAfterMs) {
    throw new GovchainError('EVIDENCE_TSA_BAD_TIME', undefined, {
      genTime: new Date(genTimeMs).toISOString(),
      blockTime: new Date(blockTimeMs).toISOString(),
      certificateValidity: [new Date(notBeforeMs).toISOString(), new Date(notAfterMs).toISOString()],
    })
  }
}

/** An RFC 3161 TimeStampReq (DER) for a digest: certReq set, with the caller's nonce. */
export function timestampRequest(digestBytes: Uint8Array, hash: ImprintHash, nonce: Uint8Array): Uint8Array {
  const req = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: IMPRINT_OID[hash] }),
      hashedMessage: new OctetString(digestBytes),
    }),
    // A positive INTEGER: clear the top bit.
    nonce: Uint8Array.of(nonce[0]! & 0x7f, ...nonce.subarray(1)).buffer,
    certReq: true,
  })
  return bytes(AsnConvert.serialize(req))
}

/**
 * The token out of a TSA's answer: a TimeStampResp (RFC 3161 §2.4.2; status granted or
 * grantedWithMods) or a bare TimeStampToken. Throws EVIDENCE_TSA_BAD_TOKEN with the TSA's
 * status text when it refused.
 */
export function tokenOf(der: Uint8Array): Uint8Array {
  try {
    const info = AsnConvert.parse(der, ContentInfo)
    if (info.contentType === id_signedData) return der
  } catch {
    // not a bare token: a response
  }
  const resp = parse(der, TimeStampResp, 'the TSA response')
  if (resp.status.status > 1 || resp.timeStampToken === undefined) {
    bad(
      `the TSA refused (status ${resp.status.status}${resp.status.statusString ? `: ${[...resp.status.statusString].join(' ')}` : ''})`,
    )
  }
  return bytes(AsnConvert.serialize(resp.timeStampToken))
}

/** A token's TSTInfo without checking anything (for display: genTime, serial, policy, nonce). */
export function readTimestampToken(token: Uint8Array): {
  genTimeMs: number
  serial: string
  policy: string
  nonce?: string
  imprint: string
} {
  const info = parse(token, ContentInfo, 'the token')
  const signed = parse(bytes(info.content), SignedData, 'the SignedData')
  const e = signed.encapContentInfo.eContent?.single
  if (e === undefined) bad('the TSTInfo is missing')
  const tst = parse(bytes(e.buffer), TSTInfo, 'the TSTInfo')
  return {
    genTimeMs: tst.genTime.getTime(),
    serial: toHex(stripZeros(bytes(tst.serialNumber))),
    policy: tst.policy,
    ...(tst.nonce === undefined ? {} : { nonce: toHex(stripZeros(bytes(tst.nonce))) }),
    imprint: toHex(bytes(tst.messageImprint.hashedMessage.buffer)),
  }
}
