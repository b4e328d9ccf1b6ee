/**
 * The consortium PKI: one CA per organisation (department), node and client certificates for
 * mutual TLS between nodes (docs/adr/0005-p2p-transport.md).
 *
 * Certificates are ECDSA P-256 / SHA-256 in both crypto suites: Node's TLS cannot use SM2
 * certificates (that needs TLCP / Tongsuo), so SM2 protects the messages themselves (HELLO,
 * votes, transactions) and TLS protects the channel.
 *
 * The certificate bytes are built with the @peculiar/asn1-x509 schemas (no hand-rolled DER) and
 * signed with node:crypto. Identity lives in the subject and in a URI SAN:
 *   CA:     O=<orgName>, OU=<orgId>, CN=<orgId> CA           basicConstraints CA:true pathlen 0
 *   node:   O=<orgName>, OU=<orgId>, CN=<nodeId>             SAN URI urn:govchain:node:<orgId>:<nodeId>
 *   client: O=<orgName>, OU=<orgId>, CN=<clientId>           SAN URI urn:govchain:client:<orgId>:<clientId>
 * The URI marks the role, so a gateway's client certificate can never join the p2p network as a
 * node. The organisation of a leaf is checked against the CA that issued it
 * (`verifyCertificateChain`), so one organisation's CA cannot mint another organisation's nodes.
 *
 * Key generation and serial numbers use the OS CSPRNG: this is an I/O edge, not a state machine.
 */

import type { KeyObject } from 'node:crypto'
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto'
import { isIP } from 'node:net'
import { GovchainError } from '@govchain/core'
import { AsnConvert, OctetString } from '@peculiar/asn1-schema'
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509'

export interface CertAndKey {
  /** PEM "CERTIFICATE". */
  certPem: string
  /** PEM "PRIVATE KEY" (PKCS#8, ECDSA P-256). Secret: written 0600 by the caller. */
  keyPem: string
}

export type CertRole = 'ca' | 'node' | 'client'

/**
 * A TLS private key an OpenSSL engine holds, e.g. a P-256 key on a PKCS#11 token reached through
 * libp11's engine (docs/adr/0039-tls-keys-on-pkcs11.md): the process never has its bytes.
 * `identifier` is what the engine loads (an RFC 7512 pkcs11: URI); it holds no PIN.
 */
export interface EngineKey {
  engine: string
  identifier: string
}

/** A process's own TLS certificate with its private key: PEM (PKCS#8) in memory, or held by an engine. */
export type OwnTls = { certPem: string; keyPem: string } | { certPem: string; engineKey: EngineKey }

/** The private key of an OwnTls as node:tls takes it (createSecureContext, createServer, connect). */
export function tlsKeyOptions(
  own: OwnTls,
): { key: string } | { privateKeyEngine: string; privateKeyIdentifier: string } {
  return 'engineKey' in own
    ? { privateKeyEngine: own.engineKey.engine, privateKeyIdentifier: own.engineKey.identifier }
    : { key: own.keyPem }
}

export interface PeerIdentity {
  /** The node id (role 'node') or the client id (role 'client'); the certificate CN. */
  nodeId: string
  orgId: string
  role: 'node' | 'client'
}

export interface CreateOrgCAParams {
  orgId: string
  /** Human name, e.g. 市场监督管理局; UTF-8 in the subject O. */
  orgName: string
  validityDays: number
  /** Start of validity; default now. Passed in by tests. */
  now?: Date
}

export interface IssueCertParams {
  /** Node id (CN) of the certificate holder. */
  nodeId: string
  /** Must equal the CA's organisation. */
  orgId: string
  /** DNS names and IP addresses for the SAN (informational: peers authenticate the node id, not the host). */
  hosts?: readonly string[]
  validityDays: number
  now?: Date
}

/** Identifiers are short and boring so they are safe in subjects, URIs, logs and file names. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const ORG_NAME_BYTES_MAX = 128
const VALIDITY_DAYS_MAX = 36_500
/** Certificates start slightly in the past so that peers with a small clock skew accept them. */
const BACKDATE_MS = 5 * 60 * 1000
const DAY_MS = 86_400_000

const OID_CN = '2.5.4.3'
const OID_O = '2.5.4.10'
const OID_OU = '2.5.4.11'
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2'
const URI_PREFIX = 'urn:govchain:'

// ------------------------------------------------------------------------------ issuing

export function createOrgCA(params: CreateOrgCAParams): CertAndKey {
  checkId(params.orgId, 'orgId')
  checkOrgName(params.orgName)
  checkValidity(params.validityDays)
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const spki = spkiOf(publicKey)
  const ski = keyIdentifier(spki)
  const subject = buildName(params.orgName, params.orgId, `${params.orgId} CA`)
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
    extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)),
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(ski) }),
    ),
  ]
  const certPem = signCertificate({
    subject,
    issuer: subject,
    spki,
    extensions,
    validityDays: params.validityDays,
    now: params.now ?? new Date(),
    signingKey: privateKey,
  })
  return { certPem, keyPem: exportKey(privateKey) }
}

/** A node certificate: serverAuth and clientAuth, CN = nodeId. */
export function issueNodeCert(ca: CertAndKey, params: IssueCertParams): CertAndKey {
  return issueLeaf(ca, params, 'node')
}

/** A gateway or client certificate: clientAuth only; refused as a p2p node. */
export function issueClientCert(ca: CertAndKey, params: IssueCertParams): CertAndKey {
  return issueLeaf(ca, params, 'client')
}

/**
 * A node certificate for a key the caller holds elsewhere (a P-256 key on a PKCS#11 token): the
 * CA certifies `publicKeyPem` (SPKI PEM). Returns the certificate PEM.
 */
export function certifyNodeKey(ca: CertAndKey, params: IssueCertParams, publicKeyPem: string): string {
  return issueLeaf(ca, params, 'node', publicKeyPem).certPem
}

function holderKey(publicKeyPem: string | undefined): { publicKey: KeyObject; keyPem: string } {
  if (publicKeyPem === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    return { publicKey, keyPem: exportKey(privateKey) }
  }
  let publicKey: KeyObject
  try {
    publicKey = createPublicKey(publicKeyPem)
  } catch (e) {
    throw new GovchainError('PKI_INVALID_KEY', `not a public key: ${(e as Error).message}`)
  }
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new GovchainError('PKI_INVALID_KEY', 'a node or client key must be ECDSA P-256')
  }
  return { publicKey, keyPem: '' }
}

function issueLeaf(
  ca: CertAndKey,
  params: IssueCertParams,
  role: 'node' | 'client',
  publicKeyPem?: string,
): CertAndKey {
  checkId(params.nodeId, 'nodeId')
  checkId(params.orgId, 'orgId')
  checkValidity(params.validityDays)
  const hosts = params.hosts ?? []
  if (!Array.isArray(hosts) || hosts.length > 32) throw invalidArg('hosts must be an array of at most 32 names')
  const caCert = parseCertificateAsn(ca.certPem)
  const caInfo = certificateInfo(caCert)
  if (caInfo.role !== 'ca') throw new GovchainError('PKI_INVALID_CERTIFICATE', 'issuer certificate is not a CA')
  if (caInfo.orgId !== params.orgId) {
    throw new GovchainError('PKI_INVALID_CERTIFICATE', `CA belongs to ${caInfo.orgId}, not ${params.orgId}`)
  }
  const caKey = importKey(ca.keyPem)
  const caSpki = spkiOf(createPublicKey(caKey))
  const caSpkiDer = Buffer.from(AsnConvert.serialize(caCert.tbsCertificate.subjectPublicKeyInfo))
  if (!caSpkiDer.equals(Buffer.from(AsnConvert.serialize(caSpki)))) {
    throw new GovchainError('PKI_INVALID_KEY', 'CA private key does not match the CA certificate')
  }

  const { publicKey, keyPem } = holderKey(publicKeyPem)
  const spki = spkiOf(publicKey)
  const names = new SubjectAlternativeName([
    new GeneralName({ uniformResourceIdentifier: `${URI_PREFIX}${role}:${params.orgId}:${params.nodeId}` }),
    ...hosts.map(sanEntry),
  ])
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
    extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
    extension(
      id_ce_extKeyUsage,
      false,
      new ExtendedKeyUsage(role === 'node' ? [id_kp_serverAuth, id_kp_clientAuth] : [id_kp_clientAuth]),
    ),
    extension(id_ce_subjectAltName, false, names),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(spki))),
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(caSpki)) }),
    ),
  ]
  const certPem = signCertificate({
    subject: buildName(caInfo.orgName, params.orgId, params.nodeId),
    issuer: caCert.tbsCertificate.subject,
    spki,
    extensions,
    validityDays: params.validityDays,
    now: params.now ?? new Date(),
    signingKey: caKey,
  })
  return { certPem, keyPem }
}

// ------------------------------------------------------------------------------ reading

/** What a peer certificate can be given as: PEM, DER, a node:crypto X509Certificate or tls's PeerCertificate. */
export type CertificateInput = string | Uint8Array | X509Certificate | { raw: Uint8Array }

export interface CertificateInfo {
  role: CertRole
  /** CN: node id, client id, or "<orgId> CA". */
  commonName: string
  orgId: string
  orgName: string
}

/**
 * The govchain identity of a node or client certificate, read from its subject and its URI SAN
 * (which must agree). This does not check the signature: trust comes from the TLS handshake or
 * from `verifyCertificateChain`.
 */
export function parsePeerIdentity(peerCertificate: CertificateInput): PeerIdentity {
  const info = certificateInfo(parseCertificateAsn(peerCertificate))
  if (info.role === 'ca') throw new GovchainError('PKI_INVALID_CERTIFICATE', 'a CA certificate is not a peer identity')
  return { nodeId: info.commonName, orgId: info.orgId, role: info.role }
}

/** Role, CN and organisation of any govchain certificate (CA or leaf). */
export function readCertificateInfo(cert: CertificateInput): CertificateInfo {
  return certificateInfo(parseCertificateAsn(cert))
}

export interface TrustedCA {
  orgId: string
  orgName: string
  pem: string
  /** SHA-256 fingerprint, "AB:CD:…" as node:crypto prints it. */
  fingerprint256: string
  x509: X509Certificate
}

/** Parses organisation CA certificates; throws PKI_INVALID_CERTIFICATE if one is not a govchain CA. */
export function loadTrustedCAs(pems: readonly string[]): TrustedCA[] {
  if (!Array.isArray(pems) || pems.length > 1024) throw invalidArg('expected an array of at most 1024 CA PEMs')
  return pems.map((pem) => {
    const info = readCertificateInfo(pem)
    if (info.role !== 'ca') throw new GovchainError('PKI_INVALID_CERTIFICATE', `${info.commonName} is not a CA`)
    const x509 = new X509Certificate(pem)
    return { orgId: info.orgId, orgName: info.orgName, pem, fingerprint256: x509.fingerprint256, x509 }
  })
}

/**
 * Finds the trusted CA that signed `leaf` and checks that the leaf's organisation is that CA's
 * organisation. Validity dates are checked against `now` (default: now). Throws
 * PKI_UNTRUSTED_ISSUER or PKI_INVALID_CERTIFICATE.
 */
export function verifyCertificateChain(
  leaf: CertificateInput,
  trusted: readonly TrustedCA[],
  now: Date = new Date(),
): PeerIdentity & { ca: TrustedCA } {
  const identity = parsePeerIdentity(leaf)
  const x509 = toX509(leaf)
  const t = now.getTime()
  if (t < Date.parse(x509.validFrom) || t > Date.parse(x509.validTo)) {
    throw new GovchainError('PKI_INVALID_CERTIFICATE', 'certificate is outside its validity period')
  }
  for (const ca of trusted) {
    if (x509.checkIssued(ca.x509) && x509.verify(ca.x509.publicKey)) {
      if (ca.orgId !== identity.orgId) {
        throw new GovchainError(
          'PKI_INVALID_CERTIFICATE',
          `certificate claims ${identity.orgId}, issued by ${ca.orgId}`,
        )
      }
      return { ...identity, ca }
    }
  }
  throw new GovchainError('PKI_UNTRUSTED_ISSUER')
}

/**
 * A revoked certificate as a CRL entry names it (RFC 5280 section 5.3): the organisation whose
 * CA issued it, and its serial number (big-endian magnitude) and/or the SHA-256 of its DER.
 */
export interface RevokedCertificate {
  orgId: string
  serial?: Uint8Array
  sha256?: Uint8Array
}

/** A revocation list prepared for lookups: keys `orgId/serialHex` and `sha256Hex`. */
export interface RevocationIndex {
  readonly size: number
  has(cert: { orgId: string; x509: X509Certificate }): boolean
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')
/** A serial as its magnitude in lowercase hex: even length, no leading zero byte. */
function serialKey(hex: string): string {
  let h = hex.toLowerCase().replace(/^(00)+/, '')
  if (h.length % 2 === 1) h = `0${h}`
  return h
}

/**
 * Indexes revoked certificates. A certificate matches when its issuing organisation and serial
 * match an entry (RFC 5280: a serial is unique per issuer), or its SHA-256 does.
 */
export function revocationIndex(list: readonly RevokedCertificate[]): RevocationIndex {
  const serials = new Set<string>()
  const digests = new Set<string>()
  for (const r of list) {
    if (r.serial !== undefined) serials.add(`${r.orgId}/${serialKey(hexOf(r.serial))}`)
    if (r.sha256 !== undefined) digests.add(hexOf(r.sha256))
  }
  return {
    size: list.length,
    has({ orgId, x509 }) {
      if (serials.has(`${orgId}/${serialKey(x509.serialNumber)}`)) return true
      return digests.size > 0 && digests.has(createHash('sha256').update(x509.raw).digest('hex'))
    },
  }
}

// ------------------------------------------------------------------------------ internals

function checkId(v: unknown, what: string): asserts v is string {
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) {
    throw invalidArg(`${what} must be 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit`)
  }
}

function checkOrgName(v: unknown): asserts v is string {
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) > ORG_NAME_BYTES_MAX || hasControlCharacters(v)) {
    throw invalidArg(`orgName must be 1-${ORG_NAME_BYTES_MAX} bytes of printable text`)
  }
}

function checkValidity(days: unknown): asserts days is number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > VALIDITY_DAYS_MAX) {
    throw invalidArg(`validityDays must be an integer in 1..${VALIDITY_DAYS_MAX}`)
  }
}

function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20 || s.charCodeAt(i) === 0x7f) return true
  return false
}

function invalidArg(message: string): GovchainError {
  return new GovchainError('INVALID_ARGUMENT', message)
}

function buildName(orgName: string, orgId: string, cn: string): Name {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ])
  return new Name([rdn(OID_O, orgName), rdn(OID_OU, orgId), rdn(OID_CN, cn)])
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })
}

function spkiOf(publicKey: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo)
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (an identifier, not a security property). */
function keyIdentifier(spki: SubjectPublicKeyInfo): Uint8Array {
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest())
}

function sanEntry(host: string): GeneralName {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) throw invalidArg(`bad host ${String(host)}`)
  if (/^[\d.]+$/.test(host) || host.includes(':')) {
    if (isIP(host) === 0) throw invalidArg(`bad IP address ${host}`)
    return new GeneralName({ iPAddress: host })
  }
  if (!/^[A-Za-z0-9*]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    throw invalidArg(`bad DNS name ${host}`)
  }
  return new GeneralName({ dNSName: host })
}

function serialNumber(): ArrayBuffer {
  // 16 random bytes, positive and without a leading zero byte so the DER INTEGER is exactly this.
  const s = randomBytes(16)
  s[0] = (s[0]! & 0x7f) | 0x40
  return s.buffer.slice(s.byteOffset, s.byteOffset + s.length)
}

function signCertificate(p: {
  subject: Name
  issuer: Name
  spki: SubjectPublicKeyInfo
  extensions: Extension[]
  validityDays: number
  now: Date
  signingKey: KeyObject
}): string {
  if (!(p.now instanceof Date) || Number.isNaN(p.now.getTime())) throw invalidArg('now must be a valid Date')
  const algorithm = new AlgorithmIdentifier({ algorithm: OID_ECDSA_SHA256 })
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(),
    signature: algorithm,
    issuer: p.issuer,
    validity: new Validity({
      notBefore: new Date(p.now.getTime() - BACKDATE_MS),
      notAfter: new Date(p.now.getTime() + p.validityDays * DAY_MS),
    }),
    subject: p.subject,
    subjectPublicKeyInfo: p.spki,
    extensions: new Extensions(p.extensions),
  })
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs))
  // dsaEncoding 'der' gives the Ecdsa-Sig-Value SEQUENCE that X.509 carries in the BIT STRING.
  const signature = sign('sha256', tbsDer, { key: p.signingKey, dsaEncoding: 'der' })
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.length),
  })
  return toPem(new Uint8Array(AsnConvert.serialize(cert)))
}

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`
}

function exportKey(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString()
}

function importKey(pem: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    throw new GovchainError('PKI_INVALID_KEY', 'CA key is not a PEM private key')
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new GovchainError('PKI_INVALID_KEY', 'CA key is not ECDSA P-256')
  }
  return key
}

function toX509(input: CertificateInput): X509Certificate {
  if (input instanceof X509Certificate) return input
  try {
    if (typeof input === 'string') return new X509Certificate(input)
    if (input instanceof Uint8Array) return new X509Certificate(input)
    return new X509Certificate(input.raw)
  } catch {
    throw new GovchainError('PKI_INVALID_CERTIFICATE', 'not an X.509 certificate')
  }
}

function parseCertificateAsn(input: CertificateInput): Certificate {
  // node:crypto parses PEM and rejects garbage first; the schema parser then reads the fields we need.
  const x509 = toX509(input)
  try {
    return AsnConvert.parse(x509.raw, Certificate)
  } catch {
    throw new GovchainError('PKI_INVALID_CERTIFICATE', 'certificate does not parse as X.509')
  }
}

/** Any failure while reading the fields (the schema parser throws plain Errors) becomes a coded error. */
function certificateInfo(cert: Certificate): CertificateInfo {
  try {
    return readInfo(cert)
  } catch (e) {
    if (e instanceof GovchainError) throw e
    throw new GovchainError('PKI_INVALID_CERTIFICATE', `certificate fields do not parse: ${(e as Error).message}`)
  }
}

function readInfo(cert: Certificate): CertificateInfo {
  const tbs = cert.tbsCertificate
  const cn = singleAttribute(tbs.subject, OID_CN)
  const orgId = singleAttribute(tbs.subject, OID_OU)
  const orgName = singleAttribute(tbs.subject, OID_O)
  if (!ID_PATTERN.test(orgId)) throw new GovchainError('PKI_INVALID_CERTIFICATE', 'subject OU is not an orgId')
  const exts = tbs.extensions ?? []
  const bcExt = exts.find((e) => e.extnID === id_ce_basicConstraints)
  const isCA = bcExt !== undefined && AsnConvert.parse(bcExt.extnValue, BasicConstraints).cA
  if (isCA) {
    if (cn !== `${orgId} CA`) throw new GovchainError('PKI_INVALID_CERTIFICATE', 'CA CN must be "<orgId> CA"')
    return { role: 'ca', commonName: cn, orgId, orgName }
  }
  if (!ID_PATTERN.test(cn)) throw new GovchainError('PKI_INVALID_CERTIFICATE', 'subject CN is not an id')
  const sanExt = exts.find((e) => e.extnID === id_ce_subjectAltName)
  const uris = sanExt
    ? AsnConvert.parse(sanExt.extnValue, SubjectAlternativeName)
        .map((n) => n.uniformResourceIdentifier)
        .filter((u): u is string => u?.startsWith(URI_PREFIX) === true)
    : []
  if (uris.length !== 1) throw new GovchainError('PKI_INVALID_CERTIFICATE', 'expected exactly one govchain URI SAN')
  const [role, uriOrg, uriId, ...rest] = uris[0]!.slice(URI_PREFIX.length).split(':')
  if ((role !== 'node' && role !== 'client') || rest.length > 0 || uriOrg !== orgId || uriId !== cn) {
    throw new GovchainError('PKI_INVALID_CERTIFICATE', 'URI SAN does not match the subject')
  }
  return { role, commonName: cn, orgId, orgName }
}

function singleAttribute(name: Name, oid: string): string {
  const values: string[] = []
  for (const rdn of name) for (const atv of rdn) if (atv.type === oid) values.push(atv.value.toString())
  if (values.length !== 1) {
    throw new GovchainError('PKI_INVALID_CERTIFICATE', `expected exactly one subject attribute ${oid}`)
  }
  return values[0]!
}
