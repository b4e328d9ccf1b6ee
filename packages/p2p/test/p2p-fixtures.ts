/**
 * Loopback fixtures for the p2p tests: organisations with real CAs, nodes with real TLS, and a
 * raw TLS client that speaks the framing by hand to misbehave on purpose.
 */
import tls from 'node:tls'
import { type CryptoSuite, type KeyPair, memorySigner, suites } from '@govchain/core'
import {
  CONTROL_CHANNEL,
  createHello,
  createP2P,
  EXPORTER_BYTES,
  EXPORTER_LABEL,
  encodeFrame,
  type HelloBody,
  type Logger,
  type P2P,
  P2P_PROTOCOL_VERSION,
  type P2PComponents,
  type P2POptions,
} from '../src/p2p.ts'
import { type CertAndKey, createOrgCA, issueNodeCert } from '../src/pki.ts'

const CHAIN_ID = 'govchain-p2p-test'

export interface Org {
  orgId: string
  ca: CertAndKey
}

export function makeOrg(orgId: string, orgName = `${orgId} department`): Org {
  return { orgId, ca: createOrgCA({ orgId, orgName, validityDays: 30 }) }
}

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  obj: Record<string, unknown>
  msg: string | undefined
}

function captureLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, obj: obj as Record<string, unknown>, msg })
  }
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries }
}

export interface TestNode {
  nodeId: string
  org: Org
  p2p: P2P
  port: number
  signingKey: KeyPair
  cert: CertAndKey
  logs: LogEntry[]
  received: { from: string; channel: number; payload: Uint8Array }[]
}

export interface NodeSpec {
  nodeId: string
  org: Org
  trusted: Org[]
  suite?: CryptoSuite
  chainId?: string
  port?: number
  cert?: CertAndKey
  signingKey?: KeyPair
  opts?: Partial<P2POptions>
  components?: Partial<P2PComponents>
}

/** Fast timers for loopback: reconnects in tens of ms, short handshake bounds. */
const FAST = { reconnectBaseMs: 20, reconnectCapMs: 200, handshakeTimeoutMs: 2_000, closeGraceMs: 200 }

export async function startNode(spec: NodeSpec): Promise<TestNode> {
  const suite = spec.suite ?? suites.intl
  const cert =
    spec.cert ??
    issueNodeCert(spec.org.ca, { nodeId: spec.nodeId, orgId: spec.org.orgId, hosts: ['127.0.0.1'], validityDays: 30 })
  const signingKey = spec.signingKey ?? suite.generateKeyPair()
  const { logger, entries } = captureLogger()
  const p2p = createP2P(
    {
      chainId: spec.chainId ?? CHAIN_ID,
      nodeId: spec.nodeId,
      listen: { host: '127.0.0.1', port: spec.port ?? 0 },
      tls: { certPem: cert.certPem, keyPem: cert.keyPem, trustedCAPems: spec.trusted.map((o) => o.ca.certPem) },
      signingKey,
      ...FAST,
      ...spec.opts,
    },
    { suite, logger, ...spec.components },
  )
  const received: TestNode['received'] = []
  p2p.onMessage((from, channel, payload) => received.push({ from, channel, payload: payload.slice() }))
  const { port } = await p2p.start()
  return { nodeId: spec.nodeId, org: spec.org, p2p, port, signingKey, cert, logs: entries, received }
}

export function addr(n: TestNode) {
  return { nodeId: n.nodeId, host: '127.0.0.1', port: n.port }
}

/** Every node dials every other. */
export function mesh(nodes: TestNode[]): void {
  for (const a of nodes) for (const b of nodes) if (a !== b) a.p2p.addPeer(addr(b))
}

export function peerIds(n: TestNode): string[] {
  return n.p2p
    .peers()
    .map((p) => p.nodeId)
    .sort()
}

/**
 * Waits for a condition of the system under test. The limit only stops a broken test from
 * hanging; nothing asserts on how long it took.
 */
export async function until(cond: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition never held: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export interface RawClient {
  socket: tls.TLSSocket
  exporter: Uint8Array
  closed: Promise<void>
  /** Sends our HELLO (or a tampered one). */
  sendHello(overrides?: Partial<HelloBody>, tamper?: (hello: Uint8Array) => Uint8Array): void
  write(bytes: Uint8Array): void
}

/** A hand-driven TLS client presenting `cert` to a node on `port`. */
export async function rawClient(p: {
  port: number
  nodeId: string
  cert: CertAndKey
  trusted: Org[]
  suite?: CryptoSuite
  signingKey?: KeyPair
}): Promise<RawClient> {
  const suite = p.suite ?? suites.intl
  const key = p.signingKey ?? suite.generateKeyPair()
  const socket = tls.connect({
    host: '127.0.0.1',
    port: p.port,
    key: p.cert.keyPem,
    cert: p.cert.certPem,
    ca: p.trusted.map((o) => o.ca.certPem),
    minVersion: 'TLSv1.3',
    checkServerIdentity: () => undefined,
  })
  socket.on('error', () => {})
  socket.on('data', () => {})
  const closed = new Promise<void>((r) => socket.once('close', () => r()))
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve())
    socket.once('close', () => reject(new Error('raw client: connection closed before TLS completed')))
  })
  const exporter = new Uint8Array(socket.exportKeyingMaterial(EXPORTER_BYTES, EXPORTER_LABEL, Buffer.alloc(0)))
  return {
    socket,
    exporter,
    closed,
    sendHello(overrides = {}, tamper = (h) => h) {
      const hello = createHello(memorySigner(suite, key.privateKey), exporter, {
        version: P2P_PROTOCOL_VERSION,
        chainId: CHAIN_ID,
        nodeId: p.nodeId,
        suite: suite.name,
        publicKey: key.publicKey,
        latestHeight: 0,
        role: 'dialer',
        ...overrides,
      })
      socket.write(encodeFrame(CONTROL_CHANNEL, Buffer.concat([Buffer.from([1]), tamper(hello)])))
    },
    write(bytes) {
      socket.write(bytes)
    },
  }
}

export async function closeAll(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.p2p.close()))
}
