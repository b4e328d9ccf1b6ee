/**
 * Errors are data: every error that crosses a package boundary is a GovchainError with a
 * stable `code` from the catalogue below. Codes never change meaning once released; the
 * HTTP status is what the API answers, the exit code what the CLI returns.
 */
export const ERROR_CATALOGUE = {
  // encoding (core)
  DECODE_TRUNCATED: { http: 400, message: 'input ended before the value was complete' },
  DECODE_TRAILING_BYTES: { http: 400, message: 'input has bytes after the value' },
  DECODE_NON_CANONICAL: { http: 400, message: 'input is not in canonical form' },
  DECODE_OVERSIZE: { http: 413, message: 'a field or the input exceeds its size limit' },
  DECODE_INVALID_TAG: { http: 400, message: 'unknown variant tag' },
  DECODE_INVALID_UTF8: { http: 400, message: 'string is not valid UTF-8' },
  ENCODE_INVALID_VALUE: { http: 400, message: 'value does not fit its schema' },
  // crypto (core)
  CRYPTO_INVALID_KEY: { http: 400, message: 'key is malformed or not on the curve' },
  CRYPTO_INVALID_CIPHERTEXT: { http: 400, message: 'ciphertext is malformed' },
  CRYPTO_DECRYPT_FAILED: { http: 400, message: 'decryption or authentication failed' },
  CRYPTO_UNKNOWN_SUITE: { http: 400, message: 'unknown crypto suite' },
  // proofs (core)
  PROOF_INVALID: { http: 400, message: 'proof does not verify' },
  CERTIFICATE_INVALID: { http: 400, message: 'commit certificate does not verify against the validator set' },
  // generic input
  INVALID_ARGUMENT: { http: 400, message: 'invalid argument' },
} as const satisfies Record<string, { http: number; message: string }>

export type ErrorCode = keyof typeof ERROR_CATALOGUE

export class GovchainError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CATALOGUE[code].message)
    this.name = 'GovchainError'
    this.code = code
    this.details = details
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

export function isGovchainError(e: unknown): e is GovchainError {
  return e instanceof GovchainError
}
