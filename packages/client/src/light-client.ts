/**
 * Offline verification: a light client that trusts a validator set and nothing else.
 * No network, no clock: everything it checks arrives as bytes, so a verifier (a clerk, a
 * bank, another city's chain) can check an answer from any node, or one passed along on a
 * USB stick or in a QR code, without trusting whoever served it.
 *
 *   header      accepted when a CommitCertificate signed by more than 2/3 of the trusted
 *               set's voting power commits suite.hash(headerBytes), and the header names the
 *               expected chain and the trusted set (validatorSetHash).
 *   state       accepted when, in addition, the SMT proof leads from (key, value) — or from
 *               the key's absence — to header.stateRoot. The state key of a module's key is
 *               utf8(module + '/') || key (see stateKey).
 *   validators  the trusted set moves forward only through a verified header whose
 *               nextValidatorSetHash is the hash of the new set (advance()).
 *
 * Failures throw core's GovchainError: CERTIFICATE_INVALID (header, certificate, validator
 * set) or PROOF_INVALID (state proof), with `details.reason`.
 *
 * Limit of the model: trusting a set means trusting it stays honest; a set that has since
 * been replaced could still sign a fork. Advance as soon as the chain changes its set.
 */
import {
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  decode,
  equalBytes,
  fromHex,
  GovchainError,
  hashValidatorSet,
  SmtProofCodec,
  stateKey,
  toHex,
  ValidatorSet,
  validateValidatorSet,
  verifyCommitCertificate,
  verifySmtProof,
} from '@govchain/core'

export interface LightClientOptions {
  suite: CryptoSuite
  chainId: string
  /** The validator set you trust (from genesis, or from an operator you trust), decoded or encoded. */
  trustedValidatorSet: ValidatorSet | Uint8Array
}

/** What verifyState needs: the shape `client.state(module, key, {prove: true})` returns. */
export interface ProvenState {
  module: string
  /** The module-local key, hex or bytes. */
  key: string | Uint8Array
  value: Uint8Array | undefined
  height: number
  proof?: Uint8Array | undefined
  headerBytes?: Uint8Array | undefined
  certificate?: Uint8Array | undefined
}

export interface VerifiedState {
  value: Uint8Array | undefined
  height: number
  header: BlockHeader
}

function certInvalid(reason: string, details: Record<string, unknown> = {}): never {
  throw new GovchainError('CERTIFICATE_INVALID', reason, { reason, ...details })
}
function proofInvalid(reason: string, details: Record<string, unknown> = {}): never {
  throw new GovchainError('PROOF_INVALID', reason, { reason, ...details })
}

function toValidatorSet(set: ValidatorSet | Uint8Array): ValidatorSet {
  if (set instanceof Uint8Array) {
    try {
      return decode(ValidatorSet, set)
    } catch (e) {
      return certInvalid('the validator set does not decode', { cause: (e as GovchainError).code })
    }
  }
  if (typeof set !== 'object' || set === null || !Array.isArray(set.validators)) {
    throw new GovchainError('INVALID_ARGUMENT', 'trustedValidatorSet must be a ValidatorSet or its encoding')
  }
  return set
}

export class LightClient {
  readonly suite: CryptoSuite
  readonly chainId: string
  private trusted: ValidatorSet
  private trustedHash: Uint8Array

  constructor(options: LightClientOptions) {
    if (typeof options?.suite?.hash !== 'function') throw new GovchainError('INVALID_ARGUMENT', 'suite is required')
    if (typeof options.chainId !== 'string' || options.chainId === '') {
      throw new GovchainError('INVALID_ARGUMENT', 'chainId is required')
    }
    this.suite = options.suite
    this.chainId = options.chainId
    this.trusted = toValidatorSet(options.trustedValidatorSet)
    // VALIDATOR_SET_INVALID: empty, zero or oversize power, a key of the wrong length or twice.
    validateValidatorSet(this.suite, this.trusted)
    this.trustedHash = hashValidatorSet(this.suite, this.trusted)
  }

  /** The set currently trusted. */
  get validatorSet(): ValidatorSet {
    return this.trusted
  }
  /** hex of hashValidatorSet(trusted set): what header.validatorSetHash must be. */
  get validatorSetHashHex(): string {
    return toHex(this.trustedHash)
  }

  /**
   * Accepts a header when a certificate from more than 2/3 of the trusted voting power commits
   * exactly these bytes; returns the decoded header. Throws CERTIFICATE_INVALID otherwise.
   */
  verifyHeader(headerBytes: Uint8Array, certificateBytes: Uint8Array): BlockHeader {
    if (!(headerBytes instanceof Uint8Array) || !(certificateBytes instanceof Uint8Array)) {
      throw new GovchainError('INVALID_ARGUMENT', 'headerBytes and certificateBytes must be Uint8Array')
    }
    let header: BlockHeader
    let cert: CommitCertificate
    try {
      header = decode(BlockHeader, headerBytes)
    } catch (e) {
      return certInvalid('the header does not decode', { cause: (e as GovchainError).code })
    }
    try {
      cert = decode(CommitCertificate, certificateBytes)
    } catch (e) {
      return certInvalid('the certificate does not decode', { cause: (e as GovchainError).code })
    }
    if (header.chainId !== this.chainId) {
      certInvalid(`header is for chain ${header.chainId}, expected ${this.chainId}`, { chainId: header.chainId })
    }
    if (!equalBytes(header.validatorSetHash, this.trustedHash)) {
      certInvalid('the header names a validator set other than the trusted one', {
        height: header.height,
        validatorSetHash: toHex(header.validatorSetHash),
        trusted: toHex(this.trustedHash),
      })
    }
    const blockHash = this.suite.hash(headerBytes)
    if (cert.height !== header.height || !equalBytes(cert.blockHash, blockHash)) {
      certInvalid('the certificate commits another block', {
        height: header.height,
        certificateHeight: cert.height,
        blockHash: toHex(blockHash),
        certificateBlockHash: toHex(cert.blockHash),
      })
    }
    try {
      verifyCommitCertificate(this.suite, this.chainId, this.trusted, cert)
    } catch (e) {
      if (e instanceof GovchainError) {
        throw new GovchainError('CERTIFICATE_INVALID', e.message, { reason: e.message, ...(e.details ?? {}) })
      }
      throw e
    }
    return header
  }

  /**
   * Verifies a proven state answer: its header and certificate (verifyHeader), then the SMT
   * proof of `value` (or of absence) under stateKey(module, key) against header.stateRoot.
   */
  verifyState(answer: ProvenState): VerifiedState {
    if (typeof answer !== 'object' || answer === null) throw new GovchainError('INVALID_ARGUMENT', 'answer required')
    const { proof, headerBytes, certificate } = answer
    if (headerBytes === undefined || certificate === undefined) {
      certInvalid('the answer carries no header or certificate (ask with prove: true)')
    }
    if (proof === undefined) proofInvalid('the answer carries no proof (ask with prove: true)')
    let key: Uint8Array
    try {
      key = typeof answer.key === 'string' ? fromHex(answer.key) : answer.key
    } catch {
      return proofInvalid('key is not hex')
    }
    const fullKey = stateKey(answer.module, key)
    if (answer.value !== undefined && !(answer.value instanceof Uint8Array)) proofInvalid('value must be bytes')

    const header = this.verifyHeader(headerBytes, certificate)
    if (header.height !== answer.height) {
      proofInvalid(`the answer is for height ${answer.height}, its header for ${header.height}`)
    }
    let smtProof: ReturnType<typeof SmtProofCodec.read>
    try {
      smtProof = decode(SmtProofCodec, proof)
    } catch (e) {
      return proofInvalid('the proof does not decode', { cause: (e as GovchainError).code })
    }
    const hash = (data: Uint8Array): Uint8Array => this.suite.hash(data)
    if (!verifySmtProof(hash, header.stateRoot, fullKey, answer.value, smtProof)) {
      proofInvalid(
        answer.value === undefined
          ? 'the proof does not show the key absent under the state root'
          : 'the proof does not lead from this value to the state root',
        { module: answer.module, key: toHex(key), height: header.height },
      )
    }
    return { value: answer.value, height: header.height, header }
  }

  /**
   * Moves trust to the next validator set: verifies the header with the current set, checks
   * hash(nextValidatorSet) == header.nextValidatorSetHash, then trusts the new set from
   * height header.height + 1 on. Returns the verified header. Changes nothing on failure.
   */
  advance(
    headerBytes: Uint8Array,
    certificateBytes: Uint8Array,
    nextValidatorSet: ValidatorSet | Uint8Array,
  ): BlockHeader {
    const header = this.verifyHeader(headerBytes, certificateBytes)
    const next = toValidatorSet(nextValidatorSet)
    try {
      validateValidatorSet(this.suite, next)
    } catch (e) {
      certInvalid(`the next validator set is invalid: ${(e as Error).message}`)
    }
    const nextHash = hashValidatorSet(this.suite, next)
    if (!equalBytes(nextHash, header.nextValidatorSetHash)) {
      certInvalid('the next validator set does not match header.nextValidatorSetHash', {
        height: header.height,
        nextValidatorSetHash: toHex(header.nextValidatorSetHash),
        given: toHex(nextHash),
      })
    }
    this.trusted = next
    this.trustedHash = nextHash
    return header
  }
}
