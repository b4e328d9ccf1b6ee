/**
 * The portal's shared state: configuration, language, who is signed in, the API clients and the
 * light client that checks what they say.
 *
 * Signed in is either a demo identity (demo mode: its key came in /config.json; picking it also
 * opens a server session with it) or a person's own browser key (key-store.ts) that answered the
 * server's challenge (session.ts, ADR 0032); the identity is then the session's subject.
 *
 * No single node (issue 15): reads and submissions go through one client over every node of the
 * consortium, in order, failing over to the next when a node gives no answer within
 * NODE_TIMEOUT_MS (or says it cannot serve); the page shows which node stopped answering and
 * offers a retry that ranks the nodes by their health first. The per-node clients remain for
 * the explorer's view of each node.
 */
import {
  type BuiltTx,
  buildTxWith,
  type Client,
  createClient,
  errorCode,
  type FailoverEvent,
  LightClient,
  type TxResult,
} from '@govchain/client'
import { type AsyncSigner, type CryptoSuite, fromBase64, getSuite } from '@govchain/core'
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { routeNodesThrough } from './api.ts'
import type { DemoIdentity, PortalConfig } from './config.ts'
import {
  type ErrorLabel,
  errorText,
  type Lang,
  type MessageKey,
  type Messages,
  t as translate,
  translator,
} from './i18n.ts'
import type { BrowserSigner, StoredKey } from './key-store.ts'
import { type PortalSession, signInWith, signOut } from './session.ts'
import { demoSigner, identityOfSession, useRestoredSession } from './session-state.ts'
import type { Signer } from './signing.ts'

export type { Signer }

/** A transaction may wait this many blocks in the mempool before it expires. */
const TX_VALIDITY_BLOCKS = 100
const TX_WAIT_MS = 30_000
export interface FailoverNotice {
  from: string
  to: string
  /** `from` answered but was behind the height this tab has seen (SDK_NODE_BEHIND). */
  behind: boolean
}

/** sessionStorage: the highest committed height this tab has seen (its transactions' heights). */
const HEIGHT_SEEN_KEY = 'govchain.heightSeen'

/**
 * The chain a stored height belongs to: its id and its validator set, so that a development
 * network made anew under the same id (new keys, heights from 1 again) does not inherit a floor
 * no node of it will reach for a while. A change of the set only forgets the floor.
 */
const chainOf = (config: PortalConfig): string => `${config.chainId}/${config.trustedValidatorSet ?? ''}`

function heightSeen(config: PortalConfig): number {
  try {
    const kept = JSON.parse(globalThis.sessionStorage?.getItem(HEIGHT_SEEN_KEY) ?? 'null') as {
      chain?: unknown
      height?: unknown
    } | null
    return kept?.chain === chainOf(config) && typeof kept.height === 'number' ? kept.height : 0
  } catch {
    return 0 // not JSON: written by something else; no floor
  }
}

function keepHeightSeen(config: PortalConfig, height: number): void {
  globalThis.sessionStorage?.setItem(HEIGHT_SEEN_KEY, JSON.stringify({ chain: chainOf(config), height }))
}
/** A node that has not answered a request within this time is passed over for the next. */
const NODE_TIMEOUT_MS = 5_000

export interface App {
  config: PortalConfig
  lang: Lang
  setLang(lang: Lang): void
  t(key: MessageKey, vars?: Record<string, string | number>): string
  errText(e: unknown): string
  identity: DemoIdentity | undefined
  /** Picks a demo identity (and opens a session with its key), or signs out (undefined); resolves when done. */
  setIdentity(id: string | undefined): Promise<void>
  /** The session with the portal server, if signed in. */
  session: PortalSession | undefined
  /** The browser key signed in with (undefined for a demo identity). */
  browserSigner: BrowserSigner | undefined
  /**
   * What the page signs with, whoever is signed in: a demo identity's key or a signed-in browser
   * key, behind one asynchronous contract (transactions, credentials, signed queries, requests).
   */
  signer: AsyncSigner | undefined
  /** Whether the page can sign (`signer` is there). */
  canSign: boolean
  /** Signs in with a browser key (the server's challenge); throws the server's coded refusal. */
  signInWithKey(signer: BrowserSigner): Promise<PortalSession>
  /**
   * After a reload, a session whose key is kept under a passphrase (gm keystore) has no signer
   * until the person gives the passphrase again: true until then.
   */
  locked: boolean
  /** Opens the session's passphrase-kept key; throws (KEYSTORE_* code) on a wrong passphrase. */
  unlockSession(passphrase: string): Promise<void>
  suite: CryptoSuite
  /** Reads and submissions: every node of the consortium, failing over in order. */
  client: Client
  /** One client per node (the explorer's per-node view). */
  clients: Record<string, Client>
  /** The last fail-over (a node that stopped answering and the one that answered instead), until retried. */
  /** The last fail-over: from which node to which, and whether `from` was behind rather than silent. */
  failover: FailoverNotice | undefined
  /** Ranks the nodes by health, clears the fail-over notice and reloads the page's data. */
  retry(): Promise<void>
  /** Changes on retry(): the shell keys the page with it, so the page loads afresh. */
  reloadKey: number
  /** Light client over the trusted (genesis) validator set; undefined if the server sent none. */
  lightClient: LightClient | undefined
  /**
   * Signs with `signer`, submits and waits for the result; throws on failure. `build` signs the
   * transaction with the stand-in key it is given, or (asynchronous, signing a credential too)
   * with `signer` itself. While it waits the shell says so ("正在上链…"); a committed
   * transaction raises a toast and `committed`.
   */
  submit(build: (signer: Signer) => BuiltTx | Promise<BuiltTx>): Promise<TxResult>
  /** Transactions this page has submitted and not yet seen in a block. */
  pending: number
  /** Counts the transactions this page saw committed: useLoad reloads when it moves. */
  committed: number
  /** Short confirmations shown by the shell (a toast each), newest last. */
  toasts: readonly Toast[]
  dismissToast(id: number): void
  navigate(path: string): void
  path: string
  orgName(id: string): string
}

const Ctx = createContext<App | undefined>(undefined)

export function useApp(): App {
  const app = useContext(Ctx)
  if (app === undefined) throw new Error('useApp outside AppProvider')
  return app
}

/** The app as a page with messages of its own sees it: `t` knows the shared strings and its own. */
export type AppWith<K extends string> = Omit<App, 't'> & {
  t(key: K | MessageKey, vars?: Record<string, string | number>): string
}

/**
 * A page's `useApp` and `tMaybe` over its application's messages (PortalPage.messages):
 * `const { useApp, tMaybe } = withMessages(LICENSE_MESSAGES)` in the application's portal code.
 */
export function withMessages<M extends Messages>(
  messages: M,
): {
  useApp(): AppWith<keyof M & string>
  tMaybe(lang: Lang, key: string, fallback: string): string
} {
  const tr = translator(messages)
  return {
    useApp: () => {
      const app = useApp()
      return { ...app, t: (key, vars) => tr.t(app.lang, key, vars) }
    },
    tMaybe: tr.tMaybe,
  }
}

/** A confirmation the shell shows for a while (role=status), e.g. a committed transaction. */
export interface Toast {
  id: number
  text: string
}

/** How long a toast stays up. */
const TOAST_MS = 6_000

/** A failed transaction: its code is the module's error code. */
export class TxFailed extends Error {
  constructor(
    readonly code: string,
    readonly result: TxResult,
  ) {
    super(`transaction failed: ${code}`)
  }
}

function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem('govchain.lang')
  if (saved === 'en' || saved === 'zh') return saved
  return 'zh'
}

/** The page's path, kept in step with the history; `navigate` pushes a new entry. */
function usePath(): { path: string; navigate: (to: string) => void } {
  const [path, setPath] = useState(() => location.pathname)
  useEffect(() => {
    const onPop = () => setPath(location.pathname)
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  const navigate = useCallback((to: string) => {
    if (to === location.pathname + location.search) return
    history.pushState(null, '', to)
    setPath(location.pathname)
    scrollTo(0, 0)
  }, [])
  return { path, navigate }
}

/** The error labels (see AppProvider), loaded off the home page or once an error asks for them. */
function useErrorLabels(
  errorLabels: (() => Promise<ErrorLabel>) | undefined,
  path: string,
): { errorLabel: { get: ErrorLabel } | undefined; labelsWanted: boolean; wantLabels: () => void } {
  const [errorLabel, setErrorLabel] = useState<{ get: ErrorLabel } | undefined>(undefined)
  /** Set the first time an error with a code is written (errText), to load the labels then. */
  const [labelsWanted, setLabelsWanted] = useState(false)
  const onHome = path.replace(/\/+$/, '') === ''
  useEffect(() => {
    if (errorLabels === undefined || errorLabel !== undefined || (onHome && !labelsWanted)) return
    let live = true
    errorLabels().then(
      (get) => live && setErrorLabel({ get }),
      () => {}, // not loaded (offline): errors keep their message and code
    )
    return () => {
      live = false
    }
  }, [errorLabels, errorLabel, onHome, labelsWanted])
  const wantLabels = useCallback(() => setLabelsWanted(true), [])
  return { errorLabel, labelsWanted, wantLabels }
}

/**
 * One client per node, and one that fails over between them (its failover shown until `retry`
 * ranks the nodes again and reloads the pages' data).
 */
function useNodeClients(config: PortalConfig) {
  const [failover, setFailover] = useState<FailoverNotice | undefined>(undefined)
  const [reloadKey, setReloadKey] = useState(0)
  const { client, clients } = useMemo(() => {
    const clients: Record<string, Client> = {}
    for (const n of config.nodes) clients[n.name] = createClient({ url: n.apiUrl, timeoutMs: NODE_TIMEOUT_MS })
    const nameOf = (url: string) =>
      config.nodes.find((n) => n.apiUrl.replace(/\/+$/, '') === url.replace(/\/+$/, ''))?.name ?? url
    const urls = config.nodes.map((n) => n.apiUrl)
    const client = createClient({
      urls,
      timeoutMs: NODE_TIMEOUT_MS,
      onFailover: (e: FailoverEvent) =>
        setFailover({ from: nameOf(e.from), to: nameOf(e.to), behind: e.error.code === 'SDK_NODE_BEHIND' }),
    })
    // The height this tab has seen, kept across page loads: the first node asked, and a node
    // that takes over after a fail-over, answer only once they have reached it (read your
    // writes, HttpTransport).
    client.transport.noteHeight(heightSeen(config), { restored: true })
    routeNodesThrough(urls, client.transport)
    return { client, clients }
  }, [config])
  const retry = useCallback(async () => {
    try {
      await client.transport.rankByHealth()
    } finally {
      setFailover(undefined)
      setReloadKey((k) => k + 1)
    }
  }, [client])
  return { client, clients, failover, retry, reloadKey }
}

/** The toasts shown (at most three), each dismissed after TOAST_MS. */
function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([])
  const dismissToast = useCallback((id: number) => setToasts((ts) => ts.filter((x) => x.id !== id)), [])
  const addToast = useCallback(
    (text: string) => {
      const id = Date.now() + Math.random()
      setToasts((ts) => [...ts.slice(-2), { id, text }])
      setTimeout(() => dismissToast(id), TOAST_MS)
    },
    [dismissToast],
  )
  return { toasts, addToast, dismissToast }
}

/**
 * `errorLabels` loads the error codes' plain-language names (ADR 0042) for the error boxes, once:
 * when a page other than the home page is shown, or the first time an error with a code is
 * written, so the tables (a chunk of their own) never load with the home page. Until they
 * arrive an error shows its message and code; a box drawn from `errText` shows the label as
 * soon as they do.
 */
export function AppProvider({
  config,
  errorLabels,
  children,
}: {
  config: PortalConfig
  errorLabels?: () => Promise<ErrorLabel>
  children: ReactNode
}) {
  const [lang, setLangState] = useState<Lang>(initialLang)
  const [identityId, setIdentityId] = useState<string | undefined>(
    () => globalThis.sessionStorage?.getItem('govchain.identity') ?? undefined,
  )
  const { path, navigate } = usePath()
  const [session, setSession] = useState<PortalSession | undefined>(undefined)
  const [browserSigner, setBrowserSigner] = useState<BrowserSigner | undefined>(undefined)
  const [lockedKey, setLockedKey] = useState<StoredKey | undefined>(undefined)
  useRestoredSession(config, identityId, (s, signer, locked) => {
    setSession(s)
    setBrowserSigner(signer)
    setLockedKey(locked)
  })

  const { errorLabel, labelsWanted, wantLabels } = useErrorLabels(errorLabels, path)
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'
    document.title = `${translate(lang, 'app.title')} · govchain`
  }, [lang])

  const { client, clients, failover, retry, reloadKey } = useNodeClients(config)
  const [pending, setPending] = useState(0)
  const [committed, setCommitted] = useState(0)
  const { toasts, addToast, dismissToast } = useToasts()
  // One signer object per identity: pages key their loads on it.
  const demoKeySigner = useMemo(() => {
    const key = config.identities.find((i) => i.id === identityId)?.privateKey
    return key === undefined ? undefined : demoSigner(getSuite(config.suite), key)
  }, [config, identityId])
  const app = useMemo<App>(() => {
    const suite = getSuite(config.suite)
    let lightClient: LightClient | undefined
    if (config.trustedValidatorSet !== undefined) {
      lightClient = new LightClient({
        suite,
        chainId: config.chainId,
        trustedValidatorSet: fromBase64(config.trustedValidatorSet),
      })
    }
    const demoIdentity = config.identities.find((i) => i.id === identityId)
    const identity = demoIdentity ?? (session === undefined ? undefined : identityOfSession(session, config))
    const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(lang, key, vars)
    const errText = (e: unknown): string => {
      const label = errorLabel?.get
      // Called while rendering: ask for the labels after this render, not during it.
      if (label === undefined && !labelsWanted) queueMicrotask(wantLabels)
      if (e instanceof TxFailed) return errorText(lang, e.code, translate(lang, 'tx.status.failed'), label)
      const message = e instanceof Error ? e.message : String(e)
      return errorText(lang, errorCode(e) ?? (e as { code?: string })?.code, message, label)
    }
    const signer: AsyncSigner | undefined = demoKeySigner ?? browserSigner
    const submit = async (build: (s: Signer) => BuiltTx | Promise<BuiltTx>): Promise<TxResult> => {
      if (signer === undefined) throw new Error(t('common.loginRequired'))
      const status = await client.status()
      const validUntilHeight = status.height + TX_VALIDITY_BLOCKS
      const tx = await buildTxWith(signer, suite, (privateKey) =>
        build({ suite, chainId: config.chainId, privateKey, validUntilHeight, signer }),
      )
      setPending((n) => n + 1)
      try {
        await client.submitTx(tx.bytes)
        const result = await client.waitForTx(tx.hashHex, { timeoutMs: TX_WAIT_MS, pollMs: 250 })
        if (result.status === 'failed') throw new TxFailed(result.code ?? 'FAILED', result)
        addToast(t('common.txCommitted', { height: result.height ?? '—' }))
        keepHeightSeen(config, client.transport.heightFloor)
        setCommitted((n) => n + 1)
        return result
      } finally {
        setPending((n) => n - 1)
      }
    }
    const orgName = (id: string): string => {
      const o = config.organisations.find((x) => x.id === id)
      if (o === undefined) return id
      return lang === 'zh' ? o.name : o.nameEn
    }
    return {
      config,
      lang,
      setLang: (l: Lang) => {
        localStorage.setItem('govchain.lang', l)
        setLangState(l)
      },
      t,
      errText,
      identity,
      setIdentity: async (id: string | undefined) => {
        if (id === undefined) sessionStorage.removeItem('govchain.identity')
        else sessionStorage.setItem('govchain.identity', id)
        setBrowserSigner(undefined)
        setLockedKey(undefined)
        setSession(undefined)
        const demo = config.identities.find((i) => i.id === id)
        if (demo?.privateKey === undefined) {
          setIdentityId(id)
          await signOut().catch(() => {})
          return
        }
        // A demo identity opens a server session with its key, for the server's own changes (the
        // mailbox, the gateway proxy); the page shows it signed in once the session is open.
        await signInWith(demoSigner(suite, demo.privateKey), config.chainId)
          .then(setSession, () => setSession(undefined))
          .finally(() => setIdentityId(id))
      },
      session,
      browserSigner,
      signer,
      canSign: signer !== undefined,
      signInWithKey: async (signer: BrowserSigner) => {
        const s = await signInWith(signer, config.chainId)
        sessionStorage.removeItem('govchain.identity')
        setIdentityId(undefined)
        setBrowserSigner(signer)
        setLockedKey(undefined)
        setSession(s)
        return s
      },
      locked: lockedKey !== undefined && browserSigner === undefined && session !== undefined,
      unlockSession: async (passphrase: string) => {
        if (lockedKey === undefined) return
        const { unlockKey } = await import('./key-store.ts')
        setBrowserSigner(unlockKey(suite, lockedKey, passphrase))
        setLockedKey(undefined)
      },
      suite,
      client,
      clients,
      failover,
      retry,
      reloadKey,
      lightClient,
      submit,
      pending,
      committed,
      toasts,
      dismissToast,
      navigate,
      path,
      orgName,
    }
  }, [
    config,
    lang,
    identityId,
    session,
    browserSigner,
    lockedKey,
    demoKeySigner,
    navigate,
    path,
    client,
    clients,
    errorLabel,
    labelsWanted,
    wantLabels,
    failover,
    retry,
    reloadKey,
    pending,
    committed,
    toasts,
    addToast,
    dismissToast,
  ])

  return <Ctx.Provider value={app}>{children}</Ctx.Provider>
}
