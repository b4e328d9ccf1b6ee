/**
 * Errors the SDK raises for API calls. Same shape as core's GovchainError ({code, message,
 * details}, toJSON) plus the HTTP `status`. `code` is a string, not core's ErrorCode union:
 * a node newer than this SDK may answer codes this SDK does not know yet, and they must
 * reach the caller unchanged.
 *
 * Offline checks (the light client, transaction decoding) throw core's GovchainError, whose
 * codes (PROOF_INVALID, CERTIFICATE_INVALID, DECODE_*, INVALID_ARGUMENT) are all known.
 * Use `errorCode(e)` to read the code of either.
 */
import { type ErrorCode, GovchainError } from '@govchain/core'

export class SdkError extends Error {
  /** A code of core's ERROR_CATALOGUE, or one a newer node introduced. */
  readonly code: ErrorCode | (string & {})
  /** HTTP status of the node's answer; undefined when there was none (network failure, timeout). */
  readonly status: number | undefined
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: string, message: string, options: { status?: number; details?: Record<string, unknown> } = {}) {
    super(message)
    this.name = 'SdkError'
    this.code = code
    this.status = options.status
    this.details = options.details
  }

  toJSON(): { code: string; message: string; status?: number; details?: Readonly<Record<string, unknown>> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.details === undefined ? {} : { details: this.details }),
    }
  }
}

/** The node answered with a coded error (`{code, message}` and a 4xx/5xx status). */
export class ApiError extends SdkError {
  declare readonly status: number
  constructor(code: string, message: string, status: number, details?: Record<string, unknown>) {
    super(code, message, details === undefined ? { status } : { status, details })
    this.name = 'ApiError'
  }
}

export function isSdkError(e: unknown): e is SdkError {
  return e instanceof SdkError
}

/** The stable code of an SDK or core error; undefined for anything else. */
export function errorCode(e: unknown): string | undefined {
  if (e instanceof SdkError || e instanceof GovchainError) return e.code
  return undefined
}
