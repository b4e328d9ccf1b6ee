/**
 * A gateway's home: its own folder, by default `gateway/` inside its department node's home
 * (gatewayDir). The gateway reads nothing else of the node's home: the chain id and suite are in
 * gateway.json, everything on chain comes through the node's API.
 *
 *   <node home>/gateway/gateway.json   configuration (GatewayConfig)
 *   <node home>/gateway/key.json       the gateway's chain-suite key (signs requests and receipts;
 *                                      answers are encrypted to it), mode 0600
 *   <node home>/gateway/tls.{crt,key}  its TLS certificate from the organisation's CA (issueClientCert)
 *   <node home>/gateway/data.sqlite    the department's database (embedded default connector)
 *   <node home>/gateway/pseudonym.key  identity authorities only: the HMAC key of data-subject pseudonyms
 *                                      (a secret keystore, ADR 0023; hex on a development network)
 *   <node home>/gateway/refusals.jsonl node-local log of every refused request
 *   <node home>/gateway/volume.sqlite  rows answered per grant, reserved before each answer (volume.ts)
 *   <node home>/gateway/receipts.sqlite receipts acknowledged and not yet committed (journal.ts)
 */
import { createHash, X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  importPkcs11TlsKey,
  type KeyCustody,
  keyCustody,
  loadKeyFile,
  newKeyFile,
  openPkcs11TlsKey,
  type Pkcs11Target,
  parseTlsKeySource,
  readJson,
  readPemKey,
  readSecretKey,
  type TlsKeySource,
  writePemKey,
  writeSecretKey,
  writeSuiteKey,
} from '@govchain/app'
import { GovchainError, getSuite, type KeySigner, memorySigner, type SuiteName } from '@govchain/core'
import { issueClientCert, type OwnTls } from '@govchain/p2p'
import { SHARING_LIMITS } from '@govchain/sharing/schema'

export interface ResourceBinding {
  /** Table (or view) holding the resource; catalogue field names are its column names. */
  table: string
  /** Column holding each row's data-subject pseudonym (hex), written by the authority's pseudonymisation. */
  subjectColumn: string
}

export interface GatewayConfig {
  orgId: string
  /** The chain this gateway serves (requests and receipts name it). */
  chainId: string
  /** The chain's crypto suite (the gateway's key, request and receipt signatures). */
  suite: SuiteName
  /** This department's node API (grants are checked there at request time). */
  nodeApiUrl: string
  /** mutual-TLS listener other gateways call. */
  listen: { host: string; port: number }
  /** Plain-HTTP listener for the department's own officers (portal console); loopback by default. */
  local: { host: string; port: number }
  /** The URL registered on chain (catalog.setGateway). */
  url: string
  connector: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; poolMax?: number }
  resources: Record<string, ResourceBinding>
  /** Accepted clock skew of signed requests. */
  requestSkewMs: number
  /** How long the provider waits for the consumer's countersignature before recording alone. */
  ackTimeoutMs: number
  /** Origins allowed to call the local API from a browser. */
  corsOrigins: string[]
  /**
   * Refusals go on chain aggregated: at most one transaction per interval, with a count per
   * requester and code (absent: GATEWAY_DEFAULTS; at most REFUSAL_INTERVAL_MS_MAX).
   */
  refusalIntervalMs?: number
  /** The local refusal log rotates (one older file kept) beyond this size (absent: default). */
  refusalLogBytesMax?: number
  /** Requests per second each requesting organisation may send (token bucket; absent: default). */
  requesterRatePerSecond?: number
  /** Burst of that bucket. */
  requesterBurst?: number
  /**
   * Receipts go on chain in batches (ADR 0036): one `sharing.receiptBatch` when this many are
   * queued (at most 1,000, and fewer when the transaction's size bound is reached first) ...
   */
  receiptBatchMax?: number
  /** ... or this long after the oldest queued receipt (absent: GATEWAY_DEFAULTS). */
  receiptBatchIntervalMs?: number
  /**
   * A batch that is not full goes no sooner than this after the previous one (absent:
   * GATEWAY_DEFAULTS): under load the batches grow instead of multiplying.
   */
  receiptBatchSpacingMs?: number
  /**
   * ... unless no receipt has joined the batch for this long (absent: GATEWAY_DEFAULTS): the
   * traffic paused, so the batch goes without waiting out the spacing.
   */
  receiptBatchIdleMs?: number
  /**
   * Receipts acknowledged but not yet seen committed, at most (back-pressure): beyond, new
   * queries are refused with GATEWAY_BUSY until the chain catches up.
   */
  receiptQueueMax?: number
  /**
   * The gateway follows its node's blocks and keeps what it reads of committed state until the
   * next block; with no block for this long (absent: GATEWAY_DEFAULTS) it takes the stream for
   * stuck and reads every lookup from the node until blocks come again.
   */
  nodeStreamSilentMs?: number
  /** A development network's gateway: plain key files accepted. Absent: its keys must be encrypted. */
  dev?: true
  /**
   * Where the TLS key is: absent or `{"source": "file"}`, tls.key; `{"source": "pkcs11", module,
   * token, label, engine?}`, a P-256 key on a token (docs/adr/0039-tls-keys-on-pkcs11.md).
   */
  tlsKey?: TlsKeySource
}

/** Where a gateway's log lines go (pino's shape; the CLI passes its logger). */
export interface GatewayLogger {
  info(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

export const GATEWAY_DEFAULTS = {
  requestSkewMs: 60_000,
  ackTimeoutMs: 10_000,
  refusalIntervalMs: 60_000,
  refusalLogBytesMax: 16 * 1024 * 1024,
  requesterRatePerSecond: 50,
  requesterBurst: 100,
  receiptBatchMax: 1000,
  receiptBatchIntervalMs: 200,
  receiptBatchSpacingMs: 1_000,
  receiptBatchIdleMs: 250,
  receiptQueueMax: 20_000,
  nodeStreamSilentMs: 3_000,
} as const

/** Counted refusals wait at most this long for the chain. */
export const REFUSAL_INTERVAL_MS_MAX = 3_600_000

export interface GatewayHome {
  dir: string
  config: GatewayConfig
  suite: SuiteName
  chainId: string
  /** The gateway's suite key: signs requests, receipts and transactions, and decrypts answers. */
  key: KeySigner
  /** The TLS certificate and key: a PEM key, or a key on a token (an OpenSSL engine's). */
  tls: OwnTls
  /** SHA-256 of the TLS certificate's DER (what catalog.setGateway registers). */
  certFingerprint: Uint8Array
  pseudonymKey?: Uint8Array
}

export function gatewayDir(nodeHome: string): string {
  return join(resolve(nodeHome), 'gateway')
}

export function certFingerprintOf(certPem: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(new X509Certificate(certPem).raw).digest())
}

export interface InitGatewayOptions {
  /** The gateway's folder (gatewayDir(nodeHome) by convention). */
  dir: string
  orgId: string
  /** This department's node API. */
  nodeApiUrl: string
  chainId: string
  suite: SuiteName
  /** The organisation's CA (DIR/orgs/<org>/ca.{crt,key} after `govchain init`): issues the gateway's TLS certificate. */
  ca: { certPem: string; keyPem: string }
  /** How the new keys are kept: encrypted under a passphrase, or plain on a development network. */
  keys: KeyCustody
  port: number
  localPort: number
  host?: string
  pseudonymKey?: Uint8Array
  connector?: GatewayConfig['connector']
  resources?: Record<string, ResourceBinding>
}

/** Creates the gateway's folder (idempotent: an existing gateway.json is kept and returned). */
export function initGatewayHome(opts: InitGatewayOptions): GatewayHome {
  const dir = resolve(opts.dir)
  if (!existsSync(join(dir, 'gateway.json'))) {
    // The gateway's folder holds its keys, its ledger and refusal log: this user only.
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const host = opts.host ?? '127.0.0.1'
    const tls = issueClientCert(opts.ca, {
      nodeId: `${opts.orgId}-gateway`,
      orgId: opts.orgId,
      hosts: [host, 'localhost'],
      validityDays: 825,
    })
    writeFileSync(join(dir, 'tls.crt'), tls.certPem)
    writePemKey(join(dir, 'tls.key'), tls.keyPem, opts.keys)
    writeSuiteKey(join(dir, 'key.json'), newKeyFile(opts.suite), opts.keys, `gateway key of ${opts.orgId}`)
    if (opts.pseudonymKey !== undefined) {
      writeSecretKey(
        join(dir, 'pseudonym.key'),
        opts.suite,
        opts.pseudonymKey,
        opts.keys,
        `pseudonym key of the ${opts.orgId} gateway`,
      )
    }
    const config: GatewayConfig = {
      orgId: opts.orgId,
      chainId: opts.chainId,
      suite: opts.suite,
      nodeApiUrl: opts.nodeApiUrl,
      listen: { host, port: opts.port },
      local: { host: '127.0.0.1', port: opts.localPort },
      url: `https://${host}:${opts.port}`,
      connector: opts.connector ?? { kind: 'sqlite', path: 'data.sqlite' },
      resources: opts.resources ?? {},
      requestSkewMs: GATEWAY_DEFAULTS.requestSkewMs,
      ackTimeoutMs: GATEWAY_DEFAULTS.ackTimeoutMs,
      corsOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
      ...(opts.keys.dev ? { dev: true as const } : {}),
    }
    writeFileSync(join(dir, 'gateway.json'), `${JSON.stringify(config, null, 2)}\n`)
  }
  return loadGatewayHome(dir, undefined, opts.keys.dev ? {} : { passphrase: opts.keys.passphrase })
}

export function saveGatewayConfig(dir: string, config: GatewayConfig): void {
  writeFileSync(join(resolve(dir), 'gateway.json'), `${JSON.stringify(config, null, 2)}\n`)
}

/**
 * Reads a gateway's folder. `upgrade` fills chainId and suite into a gateway.json written before
 * they were kept there (the CLI passes its node's), once; without it such a file is refused.
 * Encrypted keys open with `passphrase` (else GOVCHAIN_PASSPHRASE / _FILE); plain ones only on a
 * development network (KEY_PLAINTEXT_REFUSED).
 */
export function loadGatewayHome(
  dirArg: string,
  upgrade?: { chainId: string; suite: SuiteName },
  opts: { passphrase?: string } = {},
): GatewayHome {
  const dir = resolve(dirArg)
  if (!existsSync(join(dir, 'gateway.json'))) {
    throw new GovchainError('HOME_NOT_FOUND', `${dir} has no gateway.json; run govchain gateway init`)
  }
  const config = readJson<GatewayConfig>(join(dir, 'gateway.json'), 'CONFIG_INVALID')
  if (typeof config.orgId !== 'string' || !config.listen || !config.local) {
    throw new GovchainError('GATEWAY_CONFIG_INVALID', `${dir}/gateway.json: orgId, listen or local missing or wrong`)
  }
  if (config.chainId === undefined && config.suite === undefined && upgrade !== undefined) {
    config.chainId = upgrade.chainId
    config.suite = upgrade.suite
    saveGatewayConfig(dir, config)
  }
  if (
    typeof config.chainId !== 'string' ||
    config.chainId === '' ||
    (config.suite !== 'gm' && config.suite !== 'intl')
  ) {
    throw new GovchainError('GATEWAY_CONFIG_INVALID', `${dir}/gateway.json: chainId or suite missing or wrong`)
  }
  if (upgrade !== undefined && (config.chainId !== upgrade.chainId || config.suite !== upgrade.suite)) {
    throw new GovchainError(
      'GATEWAY_CONFIG_INVALID',
      `${dir}/gateway.json: chain ${config.chainId} (${config.suite}), but its node runs ${upgrade.chainId} (${upgrade.suite})`,
    )
  }
  for (const k of [
    'requestSkewMs',
    'ackTimeoutMs',
    'refusalIntervalMs',
    'refusalLogBytesMax',
    'requesterRatePerSecond',
    'requesterBurst',
    'receiptBatchMax',
    'receiptBatchIntervalMs',
    'receiptBatchSpacingMs',
    'receiptBatchIdleMs',
    'receiptQueueMax',
    'nodeStreamSilentMs',
  ] as const) {
    const v = config[k]
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw new GovchainError('GATEWAY_CONFIG_INVALID', `${dir}/gateway.json: ${k} must be a positive number`)
    }
  }
  if ((config.receiptBatchMax ?? 0) > SHARING_LIMITS.batchReceipts) {
    throw new GovchainError(
      'GATEWAY_CONFIG_INVALID',
      `${dir}/gateway.json: receiptBatchMax is at most ${SHARING_LIMITS.batchReceipts}`,
    )
  }
  if ((config.refusalIntervalMs ?? 0) > REFUSAL_INTERVAL_MS_MAX) {
    throw new GovchainError(
      'GATEWAY_CONFIG_INVALID',
      `${dir}/gateway.json: refusalIntervalMs is at most ${REFUSAL_INTERVAL_MS_MAX}`,
    )
  }
  const keyOpts = { allowPlain: config.dev === true, ...opts }
  const key = loadKeyFile(join(dir, 'key.json'), keyOpts)
  if (key.suite !== config.suite) {
    throw new GovchainError('GATEWAY_CONFIG_INVALID', `${dir}/key.json: a ${key.suite} key for a ${config.suite} chain`)
  }
  const certPem = readFileSync(join(dir, 'tls.crt'), 'utf8')
  const tlsKey = parseTlsKeySource(config.tlsKey, `${dir}/gateway.json`)
  const tls: OwnTls =
    tlsKey.source === 'file'
      ? { certPem, keyPem: readPemKey(join(dir, 'tls.key'), keyOpts) }
      : { certPem, engineKey: openPkcs11TlsKey(tlsKey, { certPem }).engineKey }
  const pk = join(dir, 'pseudonym.key')
  return {
    dir,
    config: {
      ...GATEWAY_DEFAULTS,
      ...config,
      corsOrigins: config.corsOrigins ?? [],
      resources: config.resources ?? {},
    },
    suite: config.suite,
    chainId: config.chainId,
    key: memorySigner(getSuite(key.suite), key.privateKey, 'file'),
    tls,
    certFingerprint: certFingerprintOf(tls.certPem),
    // Encrypted outside development, like the other keys (KEY_PLAINTEXT_REFUSED otherwise).
    ...(existsSync(pk) ? { pseudonymKey: readSecretKey(pk, keyOpts) } : {}),
  }
}

/**
 * `govchain gateway tls-pkcs11-import`: moves the gateway's TLS key (tls.key) onto a PKCS#11 token
 * as a sensitive, non-extractable P-256 key (docs/adr/0039-tls-keys-on-pkcs11.md). The
 * certificate, whose fingerprint the organisation registered on chain, stays. Records the token in
 * gateway.json (tlsKey), then deletes tls.key. Throws KEY_PASSPHRASE_MISSING,
 * KEYSTORE_WRONG_PASSPHRASE, PKI_INVALID_KEY, INVALID_ARGUMENT (already on a token), PKCS11_* codes.
 */
export function importGatewayTlsKeyToPkcs11(
  dirArg: string,
  target: Pkcs11Target,
  opts: { passphrase?: string } = {},
): { key: string } {
  const dir = resolve(dirArg)
  if (!existsSync(join(dir, 'gateway.json'))) {
    throw new GovchainError('HOME_NOT_FOUND', `${dir} has no gateway.json; run govchain gateway init`)
  }
  const config = readJson<GatewayConfig>(join(dir, 'gateway.json'), 'CONFIG_INVALID')
  const source = parseTlsKeySource(config.tlsKey, `${dir}/gateway.json`)
  if (source.source !== 'file') {
    throw new GovchainError('INVALID_ARGUMENT', `the TLS key is already on token "${source.token}" (${source.label})`)
  }
  const custody = keyCustody(config.dev === true, opts.passphrase)
  const keyOpts = custody.dev ? {} : { passphrase: custody.passphrase, allowPlain: false }
  const imported = importPkcs11TlsKey(target, readPemKey(join(dir, 'tls.key'), keyOpts))
  saveGatewayConfig(dir, { ...config, tlsKey: imported.ref })
  rmSync(join(dir, 'tls.key'))
  return { key: `key "${imported.ref.label}" on token "${imported.ref.token}"` }
}
