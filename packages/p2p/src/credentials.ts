/**
 * The TLS material the transport presents and trusts: our certificate and key, the organisation
 * CAs and the revoked node certificates, each replaceable at runtime (a renewal, a governance
 * change). Connections already open are the transport's to recheck.
 */
import tls from 'node:tls'
import { GovchainError } from '@govchain/core'
import {
  type EngineKey,
  loadTrustedCAs,
  type OwnTls,
  type PeerIdentity,
  parsePeerIdentity,
  type RevocationIndex,
  type RevokedCertificate,
  revocationIndex,
  type TrustedCA,
  tlsKeyOptions,
  verifyCertificateChain,
} from './pki.ts'
import type { Logger, P2POptions } from './types.ts'

// Our certificate and key as node:tls takes them: a PEM key, or an engine's key (a PKCS#11 token).
const tlsOf = (own: OwnTls) => ({
  ...tlsKeyOptions(own),
  cert: own.certPem,
  minVersion: 'TLSv1.3' as const,
  maxVersion: 'TLSv1.3' as const,
})

/** A context's options: our certificate and key, and the CAs we trust. */
const optionsOf = (base: ReturnType<typeof tlsOf>, cas: readonly TrustedCA[]) => ({
  ...base,
  ca: cas.map((c) => c.pem),
})

function secureContext(options: tls.SecureContextOptions): tls.SecureContext {
  try {
    // Fails when the key is not the certificate's (OpenSSL checks the pair).
    return tls.createSecureContext(options)
  } catch (e) {
    throw new GovchainError('PKI_INVALID_KEY', `TLS key or certificate rejected: ${(e as Error).message}`)
  }
}

export class Credentials {
  private trustedCAs: TrustedCA[]
  private revokedIndex: RevocationIndex
  private tlsBase: ReturnType<typeof tlsOf>
  private client: tls.SecureContext
  private readonly own: PeerIdentity
  private readonly nodeId: string
  private readonly log: Logger

  constructor(opts: P2POptions, own: PeerIdentity, revoked: RevocationIndex, log: Logger) {
    this.own = own
    this.nodeId = opts.nodeId
    this.log = log
    this.revokedIndex = revoked
    this.trustedCAs = loadTrustedCAs(opts.tls.trustedCAPems)
    this.tlsBase = tlsOf(opts.tls)
    this.client = secureContext(this.contextOptions())
  }

  get trusted(): readonly TrustedCA[] {
    return this.trustedCAs
  }

  get revoked(): RevocationIndex {
    return this.revokedIndex
  }

  /** What dials present and trust. */
  get clientContext(): tls.SecureContext {
    return this.client
  }

  /** Our certificate and key with the trusted CAs: the TLS server's options. */
  contextOptions() {
    return optionsOf(this.tlsBase, this.trustedCAs)
  }

  /** setOwnCertificate: checks the new certificate and key, then presents them on new connections. */
  replaceOwn(certPem: string, key: string | EngineKey, tlsServer: tls.Server | undefined): void {
    const own = this.own
    const id = parsePeerIdentity(certPem)
    if (id.role !== 'node' || id.nodeId !== this.nodeId || id.orgId !== own.orgId) {
      throw new GovchainError(
        'PKI_INVALID_CERTIFICATE',
        `the new certificate is for ${id.role} ${id.orgId}/${id.nodeId}, not node ${own.orgId}/${this.nodeId}`,
      )
    }
    verifyCertificateChain(certPem, this.trustedCAs)
    const nextBase = tlsOf(typeof key === 'string' ? { certPem, keyPem: key } : { certPem, engineKey: key })
    const opt = optionsOf(nextBase, this.trustedCAs)
    const nextClient = secureContext(opt)
    tlsServer?.setSecureContext(opt)
    this.client = nextClient
    this.tlsBase = nextBase
    this.log.info({ nodeId: id.nodeId }, 'p2p TLS certificate replaced')
  }

  /** setTrustedCAs: new connections are checked against `pems` from here on. */
  replaceTrusted(pems: readonly string[], tlsServer: tls.Server | undefined): void {
    const next = loadTrustedCAs(pems)
    const opt = optionsOf(this.tlsBase, next)
    const nextClient = tls.createSecureContext(opt)
    tlsServer?.setSecureContext(opt)
    this.client = nextClient
    this.trustedCAs = next
    this.log.info({ orgs: next.map((c) => c.orgId) }, 'p2p trusted organisation CAs replaced')
  }

  replaceRevoked(list: readonly RevokedCertificate[]): void {
    this.revokedIndex = revocationIndex(list)
    this.log.info({ revoked: this.revokedIndex.size }, 'p2p revoked certificates replaced')
  }
}
