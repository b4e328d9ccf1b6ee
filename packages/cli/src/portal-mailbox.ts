/**
 * The portal server's demo credential mailbox (`/demo/credentials`, described in
 * portal-server.ts): DIR/demo/credentials.json (0600), every request signed with the licence
 * module's holder-query bytes, and the credentials the licence demo seeded into holders' wallets.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { SignInRoutes } from '@govchain/app'
import type { MailboxAnswer, MailboxEntry, OkAnswer } from '@govchain/app/portal-views'
import { type CryptoSuite, codec, fromHex, GovchainError, isGovchainError } from '@govchain/core'
import { credentialLicenseId } from '@govchain/license/credential'
import {
  HOLDER_QUERY_SKEW_MS,
  holderQueryMessage,
  LICENSE_KEYS,
  LICENSE_MODULE,
  LicenseRecord,
} from '@govchain/license/schema'
import { json, readBody } from './portal-http.ts'
import { IDENTITIES_FILE_BYTES_MAX, readJsonFile } from './portal-network.ts'
import { activeOfficerOf, didOfKey, type ReadState } from './portal-signin.ts'

/** Mailbox limits: the demo mailbox is bounded like everything else. */
const MAILBOX_ENTRIES_MAX = 10_000

/** A holder wallet written by seedLicenseDemo (DIR/demo/wallets/<holder>.json). */
interface SeededWallet {
  holder: string
  name: string
  kind: 'enterprise' | 'person'
  did: string
  publicKey: string
  privateKey: string
  credentials: { id: string; credential: string }[]
}

const WALLETS_MAX = 200

function seededWallets(dir: string): SeededWallet[] {
  const walletDir = join(dir, 'demo', 'wallets')
  if (!existsSync(walletDir)) return []
  const out: SeededWallet[] = []
  for (const name of readdirSync(walletDir)
    .filter((n) => n.endsWith('.json'))
    .slice(0, WALLETS_MAX)) {
    try {
      const w = readJsonFile<SeededWallet>(join(walletDir, name), IDENTITIES_FILE_BYTES_MAX)
      if (typeof w?.did === 'string' && typeof w.publicKey === 'string') out.push(w)
    } catch {
      // A half-written or foreign file is skipped; the others still serve.
    }
  }
  return out
}

// The answers' schemas are shared with the pages that check them (@govchain/app/portal-views).
type Mail = MailboxEntry
type Auth = { did?: unknown; key?: unknown; ts?: unknown; sig?: unknown }

const DID = /^did:govchain:[1-9A-HJ-NP-Za-km-z]{1,32}$/

/** The mailbox's entries as DIR/demo/credentials.json holds them (none outside demo mode). */
export function storedMailbox(dir: string, demo: boolean): Mail[] {
  return demo ? (readJsonFile<Mail[]>(join(dir, 'demo', 'credentials.json'), 64 * 1024 * 1024) ?? []) : []
}

/** The holder a signed read names (`did`). */
function holderOf(q: Auth): string {
  const holder = typeof q.did === 'string' && DID.test(q.did) ? q.did : undefined
  if (holder === undefined) throw new GovchainError('INVALID_ARGUMENT', 'did (the holder) is required')
  return holder
}

/**
 * The mailbox: its entries in memory, written through to DIR/demo/credentials.json at each
 * hand-over; it answers 404 outside demo mode.
 */
export class DemoMailbox {
  private readonly path: string

  constructor(
    private mailbox: Mail[],
    private readonly o: {
      dir: string
      demo: boolean
      chainId: string
      suite: CryptoSuite
      readState: ReadState
      signIn: SignInRoutes
    },
  ) {
    this.path = join(o.dir, 'demo', 'credentials.json')
  }

  /** Answers /demo/credentials and /demo/credentials/*. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!this.o.demo) return json(res, 404, { code: 'NOT_FOUND', message: 'demo mode is off' })
    const issued = /^\/demo\/credentials\/issued\/([A-Za-z0-9:._-]{1,128})$/.exec(url.pathname)
    const q = Object.fromEntries(url.searchParams) as Auth
    if (req.method === 'GET' && issued !== null) return this.readIssued(res, url.pathname, issued[1]!, q)
    if (url.pathname !== '/demo/credentials') return json(res, 404, { code: 'NOT_FOUND', message: url.pathname })
    if (req.method === 'GET') return this.readHeld(res, url.pathname, q)
    if (req.method === 'POST') return this.handOver(req, res)
    return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET or POST' })
  }

  /** GET /demo/credentials/issued/<licenceId>: an officer of the issuing organisation, for renewals. */
  private async readIssued(res: ServerResponse, pathname: string, licenseId: string, q: Auth): Promise<void> {
    const holder = holderOf(q)
    const key = this.verifySigned(pathname, holder, q)
    const officer = await this.officerOf(key)
    const rec = await this.o.readState(LICENSE_MODULE, LICENSE_KEYS.license(licenseId))
    const license = rec === undefined ? undefined : codec.decode(LicenseRecord, rec)
    if (
      officer === undefined ||
      license === undefined ||
      license.issuerOrg !== officer.orgId ||
      license.holder !== holder
    ) {
      throw new GovchainError(
        'MAILBOX_AUTH_INVALID',
        'only an officer of the issuing organisation reads an issued credential',
      )
    }
    const answer: MailboxAnswer = {
      items: this.mailbox.filter((m) => m.holder === holder && m.licenseId === licenseId),
    }
    return json(res, 200, answer)
  }

  /** GET /demo/credentials: the holder, with a current key of the DID. */
  private async readHeld(res: ServerResponse, pathname: string, q: Auth): Promise<void> {
    const holder = holderOf(q)
    const key = this.verifySigned(pathname, holder, q)
    if (!(await this.isDidKey(holder, key)))
      throw new GovchainError('MAILBOX_AUTH_INVALID', 'key is not a current key of the DID')
    const items = this.mailbox.filter((m) => m.holder === holder)
    // Credentials the licence demo seeded into the holder's wallet file.
    for (const w of seededWallets(this.o.dir).filter((x) => x.did === holder)) {
      for (const c of w.credentials) {
        if (!items.some((m) => m.licenseId === c.id)) {
          items.push({ holder, licenseId: c.id, credential: c.credential, timeMs: 0 })
        }
      }
    }
    const answer: MailboxAnswer = { items }
    return json(res, 200, answer)
  }

  /** POST /demo/credentials: an active officer hands a holder their credential. */
  private async handOver(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.o.signIn.requireChange(req.headers)
    let body: Partial<Mail> & { auth?: Auth }
    try {
      body = JSON.parse(await readBody(req)) as Partial<Mail> & { auth?: Auth }
    } catch (e) {
      if (isGovchainError(e)) throw e
      return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'body must be JSON within 256 KiB' })
    }
    if (
      typeof body !== 'object' ||
      body === null ||
      typeof body.holder !== 'string' ||
      !DID.test(body.holder) ||
      typeof body.licenseId !== 'string' ||
      !/^[A-Za-z0-9:._-]{1,128}$/.test(body.licenseId) ||
      typeof body.credential !== 'string' ||
      typeof body.auth !== 'object' ||
      body.auth === null
    ) {
      return json(res, 400, {
        code: 'INVALID_ARGUMENT',
        message: 'holder (a DID), licenceId, credential and auth are required',
      })
    }
    const key = this.verifySigned(`/demo/credentials/${body.holder}/${body.licenseId}`, body.holder, body.auth)
    if ((await this.officerOf(key)) === undefined) {
      throw new GovchainError('MAILBOX_AUTH_INVALID', 'only an active officer hands over a credential')
    }
    if (credentialLicenseId(this.o.suite, body.credential) !== body.licenseId) {
      return json(res, 400, { code: 'INVALID_ARGUMENT', message: 'the credential is not that licence' })
    }
    // Keyed by holder and licence together: one holder's entry never replaces another's.
    const { holder, licenseId, credential } = body
    this.mailbox = this.mailbox.filter((m) => !(m.holder === holder && m.licenseId === licenseId))
    this.mailbox.push({ holder, licenseId, credential, timeMs: Date.now() })
    if (this.mailbox.length > MAILBOX_ENTRIES_MAX) this.mailbox = this.mailbox.slice(-MAILBOX_ENTRIES_MAX)
    this.save()
    const ok: OkAnswer = { ok: true }
    return json(res, 201, ok)
  }

  private save(): void {
    mkdirSync(join(this.o.dir, 'demo'), { recursive: true, mode: 0o700 })
    // Personal data: readable by this user only, like the keys.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.mailbox), { mode: 0o600 })
    renameSync(`${this.path}.tmp`, this.path)
  }

  /** Checks a signed mailbox request over `path` for `did`; returns the signer's key. */
  private verifySigned(path: string, did: string, a: Auth): Uint8Array {
    const bad = (why: string) => new GovchainError('MAILBOX_AUTH_INVALID', why)
    if (typeof a.key !== 'string' || typeof a.ts !== 'string' || typeof a.sig !== 'string')
      throw bad('key, ts and sig are required')
    if (!/^[0-9a-f]{2,256}$/.test(a.key) || !/^[0-9a-f]{2,512}$/.test(a.sig) || !/^[0-9]{1,15}$/.test(a.ts))
      throw bad('key, ts or sig malformed')
    // The edge of a local server may read the wall clock: it bounds how long a signed read replays.
    if (Math.abs(Date.now() - Number(a.ts)) > HOLDER_QUERY_SKEW_MS) throw bad('ts is outside the accepted window')
    const key = fromHex(a.key)
    let ok = false
    try {
      ok = this.o.suite.verify(
        key,
        holderQueryMessage({ chainId: this.o.chainId, path, did, timeMs: Number(a.ts) }),
        fromHex(a.sig),
      )
    } catch {
      ok = false
    }
    if (!ok) throw bad('signature does not verify')
    return key
  }

  /** The key is a current key of the active DID (identity's did-key index). */
  private async isDidKey(did: string, key: Uint8Array): Promise<boolean> {
    return (await didOfKey(this.o.readState, key)) === did
  }

  private officerOf(key: Uint8Array) {
    return activeOfficerOf(this.o.readState, key)
  }
}
