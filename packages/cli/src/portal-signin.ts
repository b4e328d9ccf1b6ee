/**
 * The portal server's sign-in (ADR 0032): challenges, sessions and CSRF tokens (SignInSessions
 * of @govchain/app, over the wall clock and node:crypto's CSPRNG), and who holds a key, read
 * from the chain through the node API: an active officer (identity's officer-key index) or a
 * DID whose current key it is (the did-key index).
 */
import { randomBytes } from 'node:crypto'
import { SIGNIN_LIMITS, type SignInRoutes, SignInSessions, type SignInSubject, signInRoutes } from '@govchain/app'
import { type CryptoSuite, codec } from '@govchain/core'
import { identityKeys, OfficerRecord } from '@govchain/identity/schema'

export type ReadState = (module: string, key: Uint8Array) => Promise<Uint8Array | undefined>

/** The active officer holding the key, if any. */
export async function activeOfficerOf(readState: ReadState, key: Uint8Array): Promise<OfficerRecord | undefined> {
  const id = await readState('identity', identityKeys.officerKey(key))
  if (id === undefined) return undefined
  const rec = await readState('identity', identityKeys.officer(new TextDecoder().decode(id)))
  const officer = rec === undefined ? undefined : codec.decode(OfficerRecord, rec)
  return officer?.status === 'active' ? officer : undefined
}

/** The DID whose current key `key` is, if any. */
export async function didOfKey(readState: ReadState, key: Uint8Array): Promise<string | undefined> {
  const v = await readState('identity', identityKeys.didKey(key))
  return v === undefined ? undefined : new TextDecoder().decode(v)
}

async function subjectOf(readState: ReadState, key: Uint8Array, hex: string): Promise<SignInSubject | undefined> {
  const officer = await activeOfficerOf(readState, key)
  if (officer !== undefined) {
    return { kind: 'officer', id: officer.officerId, publicKey: hex, orgId: officer.orgId, roles: [...officer.roles] }
  }
  const did = await didOfKey(readState, key)
  return did === undefined ? undefined : { kind: 'did', id: did, publicKey: hex }
}

export function portalSignIn(o: {
  suite: CryptoSuite
  chainId: string
  readState: ReadState
  secure: boolean
}): SignInRoutes {
  const sessions = new SignInSessions({
    // The edge of a local server may read the wall clock: it bounds challenges and sessions.
    now: () => Date.now(),
    random: (n) => new Uint8Array(randomBytes(n)),
  })
  return signInRoutes({
    sessions,
    suite: o.suite,
    chainId: o.chainId,
    secure: o.secure,
    idleMs: SIGNIN_LIMITS.sessionIdleMs,
    lookupKey: (key) => subjectOf(o.readState, key, Buffer.from(key).toString('hex')),
  })
}
