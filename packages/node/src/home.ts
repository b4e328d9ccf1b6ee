/**
 * Node home folders and network initialisation (`govchain init`).
 *
 *   DIR/network.json                  the network: every node's name, home, API URL, p2p address
 *   DIR/genesis.json                  the genesis document (also copied into each home)
 *   DIR/keys/<org>.operator.json      each organisation's operator key (chain suite)
 *   DIR/orgs/<org>/ca.{crt,key}       each organisation's CA (ECDSA P-256; issues TLS certificates)
 *   DIR/nodes/<name>/config.json      one node's configuration
 *   DIR/nodes/<name>/genesis.json
 *   DIR/nodes/<name>/keys/validator.json   the node's consensus key (chain suite)
 *   DIR/nodes/<name>/keys/tls.{crt,key}    the node's TLS certificate from its organisation's CA
 *                                          (no tls.key when config.json's tlsKey puts it on a token)
 *   DIR/nodes/<name>/data/            LMDB and other stores
 *
 * Private key files are written with mode 0600 and, unless the network is a development one
 * (`--dev`), encrypted: suite keys as keystores, PEM keys as PKCS#8 EncryptedPrivateKeyInfo
 * (key-file.ts in @govchain/app; docs/adr/0023-key-custody.md).
 */
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  DEFAULT_PARAMS,
  type Genesis,
  type GenesisOrganisation,
  generatePkcs11TlsKey,
  importPkcs11TlsKey,
  type KeyCustody,
  type KeyFile,
  keyCustody,
  loadKeyFile,
  type Module,
  newKeyFile,
  openKeySigner,
  openPkcs11TlsKey,
  type Pkcs11Target,
  parseGenesis,
  parseTlsKeySource,
  passphraseFromEnvironment,
  readJson,
  readPemKey,
  type TlsKeySource,
  writePemKey,
  writeSuiteKey,
} from '@govchain/app'
import { demoCreditCode, GovchainError, type KeySigner, type SuiteName, toHex } from '@govchain/core'
import { certifyNodeKey, createOrgCA, issueNodeCert, type OwnTls, type PeerAddress } from '@govchain/p2p'

export type { PeerAddress }
// Key files and JSON files of a home are the app platform's (the gateway and the CLI read them too).
export {
  type KeyCustody,
  type KeyFile,
  keyCustody,
  loadKeyFile,
  newKeyFile,
  passphraseFromEnvironment,
  readJson,
  readPemKey,
}

export interface NodeConfig {
  nodeId: string
  orgId: string
  api: { host: string; port: number }
  p2p: {
    host: string
    port: number
    /** Optional inbound limits (docs/operations.md, p2p); the transport's defaults otherwise. */
    maxPendingInbound?: number
    maxConnectionsPerAddress?: number
    maxInboundConnections?: number
  }
  peers: PeerAddress[]
  logLevel: 'error' | 'warn' | 'info' | 'debug'
  /**
   * A development network's node (`govchain init --dev`): it accepts plain key files. Absent = a
   * real network: its keys are encrypted and a plain key file stops it (KEY_PLAINTEXT_REFUSED).
   */
  dev?: true
  /**
   * Keep only the last `keepHeights` heights of blocks and state versions; older blocks go to
   * `archive/` first (docs/adr/0033-pruning-and-archive.md). Absent: keep everything.
   */
  pruning?: { keepHeights: number }
  /**
   * Where the TLS key is (docs/adr/0039-tls-keys-on-pkcs11.md): absent or `{"source": "file"}`,
   * keys/tls.key; `{"source": "pkcs11", module, token, label, engine?}`, a P-256 key on a token,
   * used through OpenSSL's PKCS#11 engine (PIN from GOVCHAIN_PKCS11_PIN / _FILE).
   */
  tlsKey?: TlsKeySource
}

export interface NetworkNode {
  name: string
  orgId: string
  home: string
  apiUrl: string
  p2pAddress: string
}

export interface NetworkFile {
  chainId: string
  suite: SuiteName
  nodes: NetworkNode[]
  operatorKeys: Record<string, string>
  /**
   * A development network (`govchain init --dev`, `govchain up --dev`): only such a network's
   * portal may hand demo identities' private keys to the page. Absent = a real network.
   */
  dev?: boolean
}

/**
 * Demo departments, in the order `init --orgs N` takes them: Beijing municipal bodies (city
 * level, region 110000) and one Haidian district body (110108). 公安局 is the identity
 * authority: its registrars may attach keyed pseudonyms to DIDs (docs/adr/0006).
 */
export const DEMO_DEPARTMENTS: readonly Omit<
  GenesisOrganisation,
  'caCertPem' | 'operatorPublicKey' | 'code' | 'officers'
>[] = [
  {
    id: 'market',
    name: '北京市市场监督管理局',
    nameEn: 'Beijing Administration for Market Regulation',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'housing',
    name: '北京市住房和城乡建设委员会',
    nameEn: 'Beijing Commission of Housing and Urban-Rural Development',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'police',
    name: '北京市公安局',
    nameEn: 'Beijing Public Security Bureau',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
    identityAuthority: true,
  },
  {
    id: 'tax',
    name: '国家税务总局北京市税务局',
    nameEn: 'Beijing Tax Service, STA',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'hrss',
    name: '北京市人力资源和社会保障局',
    nameEn: 'Beijing Human Resources and Social Security Bureau',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'natres',
    name: '北京市规划和自然资源委员会',
    nameEn: 'Beijing Planning and Natural Resources Commission',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'health',
    name: '北京市卫生健康委员会',
    nameEn: 'Beijing Health Commission',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'civil',
    name: '北京市海淀区民政局',
    nameEn: 'Haidian District Civil Affairs Bureau',
    level: 'district',
    regionCode: '110108',
    region: '北京市海淀区',
  },
  {
    id: 'edu',
    name: '北京市教育委员会',
    nameEn: 'Beijing Education Commission',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'transport',
    name: '北京市交通委员会',
    nameEn: 'Beijing Transport Commission',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
  {
    id: 'medins',
    name: '北京市医疗保障局',
    nameEn: 'Beijing Healthcare Security Administration',
    level: 'city',
    regionCode: '110000',
    region: '北京市',
  },
]

/** A department of a consortium being initialised: the genesis organisation without its keys. */
export type DepartmentSpec = Omit<GenesisOrganisation, 'caCertPem' | 'operatorPublicKey' | 'code' | 'officers'> & {
  /** Unified social credit code (GB 32100-2015); absent: a demo code with a valid check character. */
  code?: string
}

/** Departments one `init` creates (each runs a validator; the p2p mesh is full). */
export const GENESIS_DEPARTMENTS_MAX = 64

export interface InitOptions {
  dir: string
  /** How many of the demo departments (DEMO_DEPARTMENTS, in order); ignored when `departments` is given. */
  orgs: number
  /** The consortium's departments (`govchain init --config`); default: the first `orgs` demo ones. */
  departments?: readonly DepartmentSpec[]
  suite: SuiteName
  /** The modules the chain runs (pinned in the genesis by name and version): the distribution's list. */
  modules: readonly Module[]
  /**
   * The modules' genesis sections (JSON per module name), computed from the genesis document
   * without them (its organisations, e.g. to name a licence type's owner): the distribution's
   * default consortium supplies the demo licence catalogue this way.
   */
  sections?: (genesis: Genesis) => Record<string, unknown>
  /**
   * A development network: plain key files, and its portal may serve demo keys (NetworkFile.dev).
   * Default false: every private key is written encrypted under `passphrase`.
   */
  dev?: boolean
  /** The passphrase of the keys (default: GOVCHAIN_PASSPHRASE / _FILE); required unless `dev`. */
  passphrase?: string
  chainId?: string
  host?: string
  /**
   * One address per node for a network spread over machines (node i is reached at hosts[i]).
   * Nodes then listen on all interfaces for p2p and on loopback for the API (edit config.json
   * to expose the API); ports need not differ between machines but are kept distinct anyway.
   */
  hosts?: readonly string[]
  apiBasePort?: number
  p2pBasePort?: number
  genesisTimeMs?: number
  params?: Partial<Genesis['params']>
  onProgress?: (line: string) => void
}

function writeJson(path: string, value: unknown, secret = false): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: secret ? 0o600 : 0o644 })
}

/** Creates a complete local network under `dir`. Refuses a folder that already holds one. */
export async function initNetwork(opts: InitOptions): Promise<NetworkFile> {
  const dir = resolve(opts.dir)
  const log = opts.onProgress ?? (() => {})
  if (
    opts.departments === undefined &&
    (!Number.isInteger(opts.orgs) || opts.orgs < 1 || opts.orgs > DEMO_DEPARTMENTS.length)
  ) {
    throw new GovchainError('INVALID_ARGUMENT', `--orgs must be 1..${DEMO_DEPARTMENTS.length}`)
  }
  const departments: readonly DepartmentSpec[] = opts.departments ?? DEMO_DEPARTMENTS.slice(0, opts.orgs)
  if (departments.length < 1 || departments.length > GENESIS_DEPARTMENTS_MAX) {
    throw new GovchainError('INVALID_ARGUMENT', `a consortium has 1..${GENESIS_DEPARTMENTS_MAX} departments`)
  }
  if (new Set(departments.map((d) => d.id)).size !== departments.length) {
    throw new GovchainError('INVALID_ARGUMENT', 'department ids must be unique')
  }
  if (opts.suite !== 'gm' && opts.suite !== 'intl') throw new GovchainError('INVALID_ARGUMENT', '--suite gm|intl')
  if (opts.hosts !== undefined && opts.hosts.length !== departments.length) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `--hosts lists ${opts.hosts.length} addresses for ${departments.length} nodes`,
    )
  }
  if (existsSync(join(dir, 'network.json'))) {
    throw new GovchainError('HOME_NOT_EMPTY', `${dir} already holds a network (network.json exists)`)
  }
  // Before anything is written: a real network's keys need their passphrase.
  const custody = keyCustody(opts.dev === true, opts.passphrase)
  const sealing = custody.dev
    ? ''
    : ` (encrypting: ${opts.suite === 'gm' ? 'PBKDF2-HMAC-SM3, SM4-GCM' : 'scrypt, AES-256-GCM'})`
  const host = opts.host ?? '127.0.0.1'
  const apiBase = opts.apiBasePort ?? 7701
  const p2pBase = opts.p2pBasePort ?? 7801
  const chainId = opts.chainId ?? `govchain-local-${opts.suite}`
  // Nothing half-made is left behind: a failure (e.g. a module refusing its genesis section)
  // removes what this call created.
  const existed = existsSync(dir)
  const create = async (): Promise<NetworkFile> => {
    mkdirSync(join(dir, 'keys'), { recursive: true })

    const organisations: GenesisOrganisation[] = []
    const validators: Genesis['validators'] = []
    const operatorKeys: Record<string, string> = {}
    const nodes: NetworkNode[] = []
    const cas: Awaited<ReturnType<typeof createOrgCA>>[] = []

    for (const [i, d] of departments.entries()) {
      log(`organisation ${d.id} (${d.name}): CA, operator key, validator key, TLS certificate${sealing}`)
      const orgDir = join(dir, 'orgs', d.id)
      mkdirSync(orgDir, { recursive: true })
      const ca = await createOrgCA({ orgId: d.id, orgName: d.nameEn, validityDays: 3650 })
      cas.push(ca)
      writeFileSync(join(orgDir, 'ca.crt'), ca.certPem)
      writePemKey(join(orgDir, 'ca.key'), ca.keyPem, custody)
      const operator = newKeyFile(opts.suite)
      const operatorPath = join(dir, 'keys', `${d.id}.operator.json`)
      writeSuiteKey(operatorPath, operator, custody, `operator key of ${d.id}`)
      operatorKeys[d.id] = operatorPath
      organisations.push({
        ...d,
        code: d.code ?? demoCreditCode(i, d.regionCode),
        caCertPem: ca.certPem,
        operatorPublicKey: operator.publicKey,
      })

      const name = d.id
      const home = join(dir, 'nodes', name)
      mkdirSync(join(home, 'keys'), { recursive: true })
      mkdirSync(join(home, 'data'), { recursive: true })
      const validatorKey = newKeyFile(opts.suite)
      writeSuiteKey(join(home, 'keys', 'validator.json'), validatorKey, custody, `validator key of ${name}`)
      const nodeHost = opts.hosts?.[i] ?? host
      const tls = await issueNodeCert(ca, {
        nodeId: name,
        orgId: d.id,
        hosts: [...new Set([nodeHost, 'localhost', '127.0.0.1'])],
        validityDays: 825,
      })
      writeFileSync(join(home, 'keys', 'tls.crt'), tls.certPem)
      writePemKey(join(home, 'keys', 'tls.key'), tls.keyPem, custody)
      validators.push({ id: name, orgId: d.id, publicKey: validatorKey.publicKey, votingPower: 10 })
      nodes.push({
        name,
        orgId: d.id,
        home,
        apiUrl: `http://${nodeHost}:${apiBase + i}`,
        p2pAddress: `${nodeHost}:${p2pBase + i}`,
      })
    }

    const document = {
      chainId,
      suite: opts.suite,
      genesisTimeMs: opts.genesisTimeMs ?? Date.now(),
      organisations,
      validators,
      params: { ...DEFAULT_PARAMS, ...opts.params },
      // The chain pins every module it runs, by name and version (the module contract).
      modules: opts.modules.map((m) => ({ name: m.name, version: m.version ?? '0.0.0' })),
    }
    const withoutSections = parseGenesis(document)
    const sections = opts.sections?.(withoutSections)
    const genesis = sections === undefined ? withoutSections : parseGenesis({ ...document, sections })
    // Each module checks its own section now, so a bad one stops init rather than block 1.
    for (const m of opts.modules) {
      const json = genesis.sections?.[m.name]
      if (json !== undefined && m.genesis !== undefined) m.genesis.parse(json, genesis)
    }
    writeJson(join(dir, 'genesis.json'), genesis)

    for (const [i, n] of nodes.entries()) {
      const config: NodeConfig = {
        nodeId: n.name,
        orgId: n.orgId,
        api: { host: opts.hosts === undefined ? host : '127.0.0.1', port: apiBase + i },
        p2p: { host: opts.hosts === undefined ? host : '0.0.0.0', port: p2pBase + i },
        peers: nodes.filter((m) => m.name !== n.name).map((m) => peerOf(m)),
        logLevel: 'info',
        ...(custody.dev ? { dev: true as const } : {}),
      }
      writeJson(join(n.home, 'config.json'), config)
      writeJson(join(n.home, 'genesis.json'), genesis)
    }
    const network: NetworkFile = {
      chainId,
      suite: opts.suite,
      nodes,
      operatorKeys,
      ...(opts.dev === true ? { dev: true } : {}),
    }
    writeJson(join(dir, 'network.json'), network)
    log(`network ${chainId} written to ${dir}`)
    return network
  }
  try {
    return await create()
  } catch (e) {
    if (!existed) rmSync(dir, { recursive: true, force: true })
    else
      for (const p of ['keys', 'orgs', 'nodes', 'genesis.json']) rmSync(join(dir, p), { recursive: true, force: true })
    throw e
  }
}

function peerOf(n: NetworkNode): PeerAddress {
  const [host, port] = n.p2pAddress.split(':') as [string, string]
  return { nodeId: n.name, host, port: Number(port) }
}

export interface NodeHome {
  home: string
  config: NodeConfig
  genesis: Genesis
  /** The node's consensus key (docs/adr/0023-key-custody.md). */
  validatorKey: KeySigner
  /** The TLS certificate and key: a PEM key, or a key on a token (an OpenSSL engine's). */
  tls: OwnTls
  trustedCaPems: string[]
  dataDir: string
  /**
   * Reads keys/tls.crt and the key again (a renewal, `govchain certs renew`), opening the key as
   * at start, from where config.json says it is now. Absent for homes built in memory (tests).
   */
  readTls?: () => OwnTls
}

/** A node home without its keys: what tools that only read it need (no passphrase asked). */
export type NodeHomeInfo = Omit<NodeHome, 'validatorKey' | 'tls'> & { tls: { certPem: string } }

/** Reads and checks a node home's configuration, genesis and certificates, not its keys. Throws HOME_NOT_FOUND / CONFIG_INVALID / GENESIS_INVALID. */
export function readHomeInfo(homeDir: string): NodeHomeInfo {
  const home = resolve(homeDir)
  if (!existsSync(join(home, 'config.json'))) {
    throw new GovchainError('HOME_NOT_FOUND', `${home} is not a node home (no config.json); run govchain init first`)
  }
  const config = readJson<NodeConfig>(join(home, 'config.json'), 'CONFIG_INVALID')
  if (typeof config.nodeId !== 'string' || !config.api || !config.p2p || !Array.isArray(config.peers)) {
    throw new GovchainError('CONFIG_INVALID', `${home}/config.json lacks nodeId, api, p2p or peers`)
  }
  const genesis = parseGenesis(readJson<unknown>(join(home, 'genesis.json'), 'GENESIS_INVALID'))
  let certPem: string
  try {
    certPem = readFileSync(join(home, 'keys', 'tls.crt'), 'utf8')
  } catch {
    throw new GovchainError('HOME_NOT_FOUND', `cannot read ${join(home, 'keys', 'tls.crt')}`)
  }
  return {
    home,
    config,
    genesis,
    tls: { certPem },
    trustedCaPems: genesis.organisations.map((o) => o.caCertPem),
    dataDir: join(home, 'data'),
  }
}

/**
 * Loads and checks a node home folder, opening its keys (encrypted ones with `passphrase`, else
 * GOVCHAIN_PASSPHRASE / _FILE; plain ones only on a development network). Throws HOME_NOT_FOUND,
 * CONFIG_INVALID, GENESIS_INVALID, KEY_PLAINTEXT_REFUSED, KEY_PASSPHRASE_MISSING,
 * KEYSTORE_WRONG_PASSPHRASE or KEYSTORE_INVALID.
 */
export function loadHome(homeDir: string, opts: { passphrase?: string } = {}): NodeHome {
  const info = readHomeInfo(homeDir)
  const { home, config, genesis } = info
  const keyOpts = { allowPlain: config.dev === true, ...opts }
  // A keystore, a key on a PKCS#11 token, or (development networks only) a plain file.
  const validatorKey = openKeySigner(join(home, 'keys', 'validator.json'), keyOpts)
  if (validatorKey.suite !== genesis.suite) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `validator key suite ${validatorKey.suite} differs from the chain's ${genesis.suite}`,
    )
  }
  const readTls = (): OwnTls => {
    const now = readJson<NodeConfig>(join(home, 'config.json'), 'CONFIG_INVALID')
    return openHomeTls(home, now, readFileSync(join(home, 'keys', 'tls.crt'), 'utf8'), keyOpts)
  }
  return { ...info, validatorKey, tls: openHomeTls(home, config, info.tls.certPem, keyOpts), readTls }
}

/** The home's TLS key where config.json says it is: keys/tls.key, or a key on a PKCS#11 token. */
function openHomeTls(
  home: string,
  config: NodeConfig,
  certPem: string,
  keyOpts: { passphrase?: string; allowPlain?: boolean },
): OwnTls {
  const source = parseTlsKeySource(config.tlsKey, `${home}/config.json`)
  if (source.source === 'file') return { certPem, keyPem: readPemKey(join(home, 'keys', 'tls.key'), keyOpts) }
  return { certPem, engineKey: openPkcs11TlsKey(source, { certPem }).engineKey }
}

export function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0
}

export interface AddNodeHomeOptions {
  /** The network folder written by initNetwork (network.json, genesis.json). */
  dir: string
  /** The new organisation (department) id; its CA and operator key are created unless they exist. */
  orgId: string
  /** Node name (default: orgId). */
  name?: string
  host?: string
  apiPort: number
  p2pPort: number
  /** The passphrase of the new keys (default: the environment's); unused on a development network. */
  passphrase?: string
  onProgress?: (line: string) => void
}

export interface AddedNodeHome {
  node: NetworkNode
  /** For the add-organisation proposal: the new CA (PEM) and the operator's public key (hex). */
  caCertPem: string
  operatorPublicKey: string
  operatorKeyPath: string
  /** For the add-validator proposal: the node's consensus key (hex). */
  validatorPublicKey: string
}

/**
 * Prepares a node for a department that joins a running network by governance (`govchain
 * init-node`): the organisation's CA and operator key (created if absent), the node's consensus
 * key and TLS certificate from that CA, its config (peers: every node of network.json) and the
 * network's genesis. Adds the node to network.json. The node can sync once the organisation is
 * admitted (peers then trust its CA) and signs once its validator is in the set.
 */
export async function addNodeHome(opts: AddNodeHomeOptions): Promise<AddedNodeHome> {
  const dir = resolve(opts.dir)
  const log = opts.onProgress ?? (() => {})
  const network = readJson<NetworkFile>(join(dir, 'network.json'), 'HOME_NOT_FOUND')
  const genesis = parseGenesis(readJson<unknown>(join(dir, 'genesis.json'), 'GENESIS_INVALID'))
  const name = opts.name ?? opts.orgId
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(opts.orgId) || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw new GovchainError('INVALID_ARGUMENT', 'orgId and name: 1-64 characters of [a-z0-9._-]')
  }
  if (network.nodes.some((n) => n.name === name)) {
    throw new GovchainError('HOME_NOT_EMPTY', `a node named ${name} already exists in ${dir}/network.json`)
  }
  // The new department's keys are kept as the network keeps its own.
  const custody: KeyCustody = keyCustody(network.dev === true, opts.passphrase)
  const keyOpts = custody.dev ? {} : { passphrase: custody.passphrase, allowPlain: false }
  const host = opts.host ?? '127.0.0.1'
  const orgDir = join(dir, 'orgs', opts.orgId)
  let caCertPem: string
  let caKeyPem: string
  if (existsSync(join(orgDir, 'ca.crt'))) {
    caCertPem = readFileSync(join(orgDir, 'ca.crt'), 'utf8')
    caKeyPem = readPemKey(join(orgDir, 'ca.key'), keyOpts)
  } else {
    log(`organisation ${opts.orgId}: CA and operator key`)
    mkdirSync(orgDir, { recursive: true })
    const ca = await createOrgCA({ orgId: opts.orgId, orgName: opts.orgId, validityDays: 3650 })
    writeFileSync(join(orgDir, 'ca.crt'), ca.certPem)
    writePemKey(join(orgDir, 'ca.key'), ca.keyPem, custody)
    caCertPem = ca.certPem
    caKeyPem = ca.keyPem
  }
  const operatorKeyPath = join(dir, 'keys', `${opts.orgId}.operator.json`)
  if (!existsSync(operatorKeyPath)) {
    mkdirSync(join(dir, 'keys'), { recursive: true })
    writeSuiteKey(operatorKeyPath, newKeyFile(genesis.suite), custody, `operator key of ${opts.orgId}`)
  }
  const operator = loadKeyFile(operatorKeyPath, keyOpts)

  log(`node ${name}: validator key, TLS certificate, config`)
  const home = join(dir, 'nodes', name)
  if (!isEmptyDir(home)) throw new GovchainError('HOME_NOT_EMPTY', `${home} is not empty`)
  mkdirSync(join(home, 'keys'), { recursive: true })
  mkdirSync(join(home, 'data'), { recursive: true })
  const validatorKey = newKeyFile(genesis.suite)
  writeSuiteKey(join(home, 'keys', 'validator.json'), validatorKey, custody, `validator key of ${name}`)
  const tls = await issueNodeCert(
    { certPem: caCertPem, keyPem: caKeyPem },
    { nodeId: name, orgId: opts.orgId, hosts: [host, 'localhost'], validityDays: 825 },
  )
  writeFileSync(join(home, 'keys', 'tls.crt'), tls.certPem)
  writePemKey(join(home, 'keys', 'tls.key'), tls.keyPem, custody)
  const node: NetworkNode = {
    name,
    orgId: opts.orgId,
    home,
    apiUrl: `http://${host}:${opts.apiPort}`,
    p2pAddress: `${host}:${opts.p2pPort}`,
  }
  const config: NodeConfig = {
    nodeId: name,
    orgId: opts.orgId,
    api: { host, port: opts.apiPort },
    p2p: { host, port: opts.p2pPort },
    peers: network.nodes.map((m) => peerOf(m)),
    logLevel: 'info',
    ...(custody.dev ? { dev: true as const } : {}),
  }
  writeJson(join(home, 'config.json'), config)
  writeJson(join(home, 'genesis.json'), genesis)
  network.nodes.push(node)
  network.operatorKeys[opts.orgId] = operatorKeyPath
  writeJson(join(dir, 'network.json'), network)
  return {
    node,
    caCertPem,
    operatorPublicKey: toHex(operator.publicKey),
    operatorKeyPath,
    validatorPublicKey: validatorKey.publicKey,
  }
}

export interface RenewedCertificate {
  path: string
  serial: string
  notAfter: string
  /** Where the certified key is: keys/tls.key, or the token and key label. */
  key: string
}

/**
 * `govchain certs renew`: a new TLS certificate for the node from its organisation's CA, with the
 * node id, organisation and host names of the current one.
 *   - TLS key in a file: a new key too, written first, then the certificate, each through a
 *     temporary file and a rename, so that a running node (which reloads on a change of tls.crt)
 *     never reads half a file; the key is encrypted as the home keeps keys.
 *   - TLS key on a token (config.json tlsKey): the token's public key is certified again; the key
 *     does not change (a new one is `toPkcs11` with a new label).
 *   - `toPkcs11`: a new P-256 key pair is generated on that token, certified, recorded in
 *     config.json, and keys/tls.key is deleted.
 * Throws HOME_NOT_FOUND, KEY_PASSPHRASE_MISSING, KEYSTORE_WRONG_PASSPHRASE, PKI_* and PKCS11_* codes.
 */
export function renewNodeCertificate(
  info: NodeHomeInfo,
  opts: { validityDays: number; caDir?: string; passphrase?: string; now?: Date; toPkcs11?: Pkcs11Target },
): RenewedCertificate {
  const custody: KeyCustody = keyCustody(info.config.dev === true, opts.passphrase)
  const keyOpts = custody.dev ? {} : { passphrase: custody.passphrase, allowPlain: false }
  const caDir = opts.caDir ?? resolve(info.home, '..', '..', 'orgs', info.config.orgId)
  let caCertPem: string
  try {
    caCertPem = readFileSync(join(caDir, 'ca.crt'), 'utf8')
  } catch {
    throw new GovchainError('HOME_NOT_FOUND', `no ca.crt in ${caDir}: give --ca-dir (the organisation's CA folder)`)
  }
  const ca = { certPem: caCertPem, keyPem: readPemKey(join(caDir, 'ca.key'), keyOpts) }
  const current = new X509Certificate(info.tls.certPem)
  const hosts = (current.subjectAltName ?? '')
    .split(', ')
    .flatMap((e) => (e.startsWith('DNS:') ? [e.slice(4)] : e.startsWith('IP Address:') ? [e.slice(11)] : []))
  const params = {
    nodeId: info.config.nodeId,
    orgId: info.config.orgId,
    hosts,
    validityDays: opts.validityDays,
    ...(opts.now === undefined ? {} : { now: opts.now }),
  }
  const keys = join(info.home, 'keys')
  const certTmp = join(keys, '.tls.crt.new')
  rmSync(certTmp, { force: true })
  const source = parseTlsKeySource(info.config.tlsKey, `${info.home}/config.json`)
  let certPem: string
  let key: string
  if (opts.toPkcs11 !== undefined) {
    const generated = generatePkcs11TlsKey(opts.toPkcs11)
    certPem = certifyNodeKey(ca, params, generated.publicKeyPem)
    writeFileSync(certTmp, certPem)
    setTlsKeySource(info.home, generated.ref)
    renameSync(certTmp, join(keys, 'tls.crt'))
    rmSync(join(keys, 'tls.key'), { force: true })
    key = `key "${generated.ref.label}" on token "${generated.ref.token}"`
  } else if (source.source === 'pkcs11') {
    certPem = certifyNodeKey(ca, params, openPkcs11TlsKey(source).publicKeyPem)
    writeFileSync(certTmp, certPem)
    renameSync(certTmp, join(keys, 'tls.crt'))
    key = `key "${source.label}" on token "${source.token}"`
  } else {
    const next = issueNodeCert(ca, params)
    certPem = next.certPem
    const keyTmp = join(keys, '.tls.key.new')
    rmSync(keyTmp, { force: true })
    writePemKey(keyTmp, next.keyPem, custody)
    writeFileSync(certTmp, next.certPem)
    renameSync(keyTmp, join(keys, 'tls.key'))
    renameSync(certTmp, join(keys, 'tls.crt'))
    key = join(keys, 'tls.key')
  }
  const x = new X509Certificate(certPem)
  return { path: join(keys, 'tls.crt'), serial: x.serialNumber, notAfter: new Date(x.validTo).toISOString(), key }
}

/** Records where the TLS key is in config.json (through a temporary file and a rename). */
function setTlsKeySource(home: string, source: TlsKeySource): void {
  const config = readJson<NodeConfig>(join(home, 'config.json'), 'CONFIG_INVALID')
  const tmp = join(home, '.config.json.new')
  writeJson(tmp, { ...config, tlsKey: source })
  renameSync(tmp, join(home, 'config.json'))
}

/**
 * `govchain certs pkcs11-import`: moves the node's TLS key (keys/tls.key) onto a PKCS#11 token as
 * a sensitive, non-extractable key; its certificate stays valid (no CA needed). Records the token
 * in config.json, then deletes keys/tls.key. A running node keeps its key in memory until it
 * restarts. Throws KEY_PASSPHRASE_MISSING, KEYSTORE_WRONG_PASSPHRASE, PKI_INVALID_KEY, PKCS11_* codes.
 */
export function importNodeTlsKeyToPkcs11(
  info: NodeHomeInfo,
  target: Pkcs11Target,
  opts: { passphrase?: string } = {},
): { key: string } {
  const source = parseTlsKeySource(info.config.tlsKey, `${info.home}/config.json`)
  if (source.source !== 'file') {
    throw new GovchainError('INVALID_ARGUMENT', `the TLS key is already on token "${source.token}" (${source.label})`)
  }
  const custody: KeyCustody = keyCustody(info.config.dev === true, opts.passphrase)
  const keyOpts = custody.dev ? {} : { passphrase: custody.passphrase, allowPlain: false }
  const path = join(info.home, 'keys', 'tls.key')
  const imported = importPkcs11TlsKey(target, readPemKey(path, keyOpts))
  setTlsKeySource(info.home, imported.ref)
  rmSync(path)
  return { key: `key "${imported.ref.label}" on token "${imported.ref.token}"` }
}
