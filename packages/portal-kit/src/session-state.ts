/**
 * How the app's sign-in state is made: a demo identity's signer, the identity a session stands
 * for, and the session restored after a reload (the cookie outlives the page; a non-extractable
 * key in IndexedDB signs again without asking, a passphrase-kept one once the passphrase is given).
 */
import { type AsyncSigner, asyncSignerOf, type CryptoSuite, fromHex, getSuite } from '@govchain/core'
import { useEffect } from 'react'
import type { DemoIdentity, PortalConfig } from './config.ts'
import type { BrowserSigner, StoredKey } from './key-store.ts'
import { currentSession, type PortalSession } from './session.ts'

/** A demo identity's key (from /config.json, demo mode only) as the page's signer. */
export function demoSigner(suite: CryptoSuite, privateKeyHex: string): AsyncSigner {
  return asyncSignerOf(suite, fromHex(privateKeyHex))
}

/** The identity a session stands for (an officer, or a DID holder), named as the chain names it. */
export function identityOfSession(s: PortalSession, config: PortalConfig): DemoIdentity {
  const known = config.identities.find((i) => i.publicKey === s.subject.publicKey)
  if (s.subject.kind === 'officer') {
    return {
      id: `officer:${s.subject.id}`,
      kind: 'officer',
      name: s.subject.id,
      nameEn: s.subject.id,
      ...(s.subject.orgId === undefined ? {} : { orgId: s.subject.orgId }),
      roles: s.subject.roles ?? [],
      publicKey: s.subject.publicKey,
    }
  }
  return {
    id: `did:${s.subject.id}`,
    kind: known?.kind === 'enterprise' ? 'enterprise' : 'citizen',
    name: known?.name ?? s.subject.id,
    nameEn: known?.nameEn ?? s.subject.id,
    did: s.subject.id,
    // The identity authority's binding of the DID (public, listed without keys outside demo mode).
    ...(known?.subjectCredential === undefined ? {} : { subjectCredential: known.subjectCredential }),
    publicKey: s.subject.publicKey,
  }
}

/** On load: the server's session, if the cookie still holds one, with the kept key that opened it. */
export function useRestoredSession(
  config: PortalConfig,
  demoId: string | undefined,
  set: (s: PortalSession, signer: BrowserSigner | undefined, locked?: StoredKey) => void,
): void {
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per page load, with the identity it started with
  useEffect(() => {
    let live = true
    void (async () => {
      const s = await currentSession().catch(() => undefined)
      if (s === undefined || !live) return
      const demo = config.identities.find((i) => i.id === demoId)
      if (demo !== undefined) return set(s, undefined)
      // The key store (and the keystore ciphers under it) loads only when a session is to be
      // restored, not with every first page (ADR 0034's weight budget).
      const { listKeys, unlockKey } = await import('./key-store.ts')
      const kept = (await listKeys().catch(() => [])).find((k) => k.publicKey === s.subject.publicKey)
      // A key kept under a passphrase (gm) signs again only once the person gives it (unlockSession).
      if (!live) return
      if (kept?.form === 'webcrypto') set(s, unlockKey(getSuite(config.suite), kept))
      else set(s, undefined, kept)
    })()
    return () => {
      live = false
    }
  }, [config])
}
