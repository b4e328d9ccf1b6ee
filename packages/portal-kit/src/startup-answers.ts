/**
 * The two answers the shell reads before any page is drawn, `/config.json` and `GET /session`,
 * checked without TypeBox. Every other answer is checked against its route's TypeBox schema
 * (callAnswer, ADR 0019), loading the checker with the first call; these two are read on every
 * first load, where the checker and the schemas (about 13 KB gzipped) would put the home page
 * over its 150 KB budget. So they are checked here against small shape descriptions of
 * PortalConfigAnswer and SessionStateAnswer (`@govchain/app/portal-views`, which the server types
 * its answers with); `test/startup-answers.test.ts` shows both checks give TypeBox's verdict on
 * valid answers and on every field of them replaced by values of the wrong kind or by strings
 * near its own (the subject credential's patterns and length).
 */
import type { PortalConfigAnswer, SessionStateAnswer } from '@govchain/app/portal-views'
import { SdkError } from '@govchain/client'
import { ID_PATTERN } from '@govchain/core'

/**
 * A value's expected shape: a kind, a string of a pattern or of at most a length, a set of allowed
 * strings, an array, an object or a record.
 */
type Shape =
  | 'string'
  | 'boolean'
  | 'uint'
  | { pattern: RegExp }
  | { maxLength: number }
  | { oneOf: readonly (string | boolean)[] }
  | { array: Shape; minItems?: number }
  | { object: Record<string, Shape>; optional?: readonly string[] }
  | { record: Shape }

/** The first place `value` departs from `shape`, as a JSON pointer; undefined when it matches. */
function mismatch(shape: Shape, value: unknown, path: string): string | undefined {
  if (shape === 'string') return typeof value === 'string' ? undefined : path
  if (shape === 'boolean') return typeof value === 'boolean' ? undefined : path
  if (shape === 'uint') {
    return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : path
  }
  if ('pattern' in shape) return typeof value === 'string' && shape.pattern.test(value) ? undefined : path
  if ('maxLength' in shape) return typeof value === 'string' && value.length <= shape.maxLength ? undefined : path
  if ('oneOf' in shape) return shape.oneOf.includes(value as string | boolean) ? undefined : path
  if ('array' in shape) {
    if (!Array.isArray(value) || value.length < (shape.minItems ?? 0)) return path
    for (let i = 0; i < value.length; i++) {
      const at = mismatch(shape.array, value[i], `${path}/${i}`)
      if (at !== undefined) return at
    }
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return path
  const o = value as Record<string, unknown>
  if ('record' in shape) {
    for (const [k, v] of Object.entries(o)) {
      const at = mismatch(shape.record, v, `${path}/${k}`)
      if (at !== undefined) return at
    }
    return undefined
  }
  for (const [k, s] of Object.entries(shape.object)) {
    // Properties a shape does not list are allowed, as in the routes' schemas.
    if (!(k in o) && shape.optional?.includes(k) === true) continue
    const at = mismatch(s, o[k], `${path}/${k}`)
    if (at !== undefined) return at
  }
  return undefined
}

/** SubjectCredentialView's shape, its patterns and length included. */
const SUBJECT_CREDENTIAL: Shape = {
  object: {
    did: { maxLength: 64 },
    subject: { pattern: /^[0-9a-f]{64}$/ },
    issuerOrg: { pattern: ID_PATTERN },
    issuerKey: { pattern: /^([0-9a-f]{2}){32,65}$/ },
    signature: { pattern: /^[0-9a-f]{128}$/ },
  },
}

/** PortalConfigAnswer's shape. */
const PORTAL_CONFIG_SHAPE: Shape = {
  object: {
    chainId: 'string',
    suite: { oneOf: ['gm', 'intl'] },
    nodes: { array: { object: { name: 'string', orgId: 'string', apiUrl: 'string' } }, minItems: 1 },
    organisations: { array: { object: { id: 'string', name: 'string', nameEn: 'string', code: 'string' } } },
    trustedValidatorSet: 'string',
    demo: 'boolean',
    identities: {
      array: {
        object: {
          id: 'string',
          kind: { oneOf: ['citizen', 'enterprise', 'officer'] },
          name: 'string',
          nameEn: 'string',
          orgId: 'string',
          roles: { array: 'string' },
          did: 'string',
          subjectCredential: SUBJECT_CREDENTIAL,
          publicKey: 'string',
          privateKey: 'string',
        },
        optional: ['orgId', 'roles', 'did', 'subjectCredential', 'privateKey'],
      },
    },
    gateways: { record: 'string' },
  },
  optional: ['trustedValidatorSet'],
}

const SESSION_SHAPE: Shape = {
  object: {
    signedIn: { oneOf: [true] },
    subject: {
      object: {
        kind: { oneOf: ['officer', 'did'] },
        id: 'string',
        publicKey: 'string',
        orgId: 'string',
        roles: { array: 'string' },
      },
      optional: ['orgId', 'roles'],
    },
    csrf: 'string',
    idleMs: 'uint',
  },
}
const SIGNED_OUT_SHAPE: Shape = { object: { signedIn: { oneOf: [false] } } }

/** `value` as `T`, or SdkError SDK_BAD_RESPONSE naming `what` and the first field that does not match. */
function checked<T>(shapes: readonly Shape[], value: unknown, what: string): T {
  let first: string | undefined
  for (const s of shapes) {
    const at = mismatch(s, value, '')
    if (at === undefined) return value as T
    first ??= at
  }
  throw new SdkError('SDK_BAD_RESPONSE', `unexpected response: ${what} at ${first === '' ? '/' : first}`, {
    details: { what, path: first },
  })
}

/** /config.json checked against PortalConfigAnswer's shape. */
export function checkPortalConfig(value: unknown): PortalConfigAnswer {
  return checked([PORTAL_CONFIG_SHAPE], value, 'GET /config.json')
}

/** GET /session checked against SessionStateAnswer's shape (a session, or `signedIn: false`). */
export function checkSessionState(value: unknown): SessionStateAnswer {
  // A signed-in answer first, so that a refusal names the field of a broken session.
  return checked([SESSION_SHAPE, SIGNED_OUT_SHAPE], value, 'GET /session')
}
