/**
 * Fuzz targets (issue 19): every decoder an attacker reaches, fed arbitrary input and
 * structure-aware mutations of valid input (scripts/fuzz/mutate.ts). The property is the same
 * for all: the decoder returns, or throws a GovchainError whose code is in the error catalogue
 * (core's and the modules' registered codes). Anything else — a TypeError, a RangeError, an
 * uncatalogued code, a verdict function that throws — is a finding. A target's `run` returns the
 * outcome (`ok` or the error code) so the runner can count the distinct outcomes it reached.
 */
import { deflateRawSync } from 'node:zlib'
import { validateTx } from '@govchain/app'
import { base45Encode, codec, encode, GovchainError, isErrorCode, signerOf, utf8 } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import {
  decodeEvidenceQr,
  QR_PREFIX as EVIDENCE_QR_PREFIX,
  EvidenceQr,
  verifyEvidenceCertificate,
} from '@govchain/evidence/certificate'
import { openPayload, openRequest, sealPayload, signRequest } from '@govchain/gateway'
import {
  checkInvoiceFile,
  decodeInvoiceQr,
  INVOICE_FILE_FORMAT,
  type InvoiceRecordView,
} from '@govchain/invoice/client'
import {
  base64urlDecode,
  base64urlEncode,
  decodeLicenseQr,
  encodeLicenseQr,
  evaluateLicense,
  LicenseQr,
  type LicenseRecord,
  parseSdJwt,
  verifySdJwtSignature,
} from '@govchain/license'
import { parsePresentationUrl, presentationUrl, signPresentation } from '@govchain/license/client'
import type { DataRequest } from '@govchain/sharing/schema'
import fc from 'fast-check'
import { evaluatePresentation } from '../../packages/apps/license/src/presentation.ts'
import { sampleCredential, BUSINESS_TYPE as TYPE } from '../../packages/apps/license/test/credential-fixture.ts'
import { parseAckBody, parseHolderRequest, parseLocalFetch, parseQueryBody } from '../../packages/gateway/src/bodies.ts'
import { encodeFrame, FrameDecoder } from '../../packages/p2p/src/frame.ts'
import { createHello, P2P_PROTOCOL_VERSION, verifyHello } from '../../packages/p2p/src/hello.ts'
import { CORE_CODECS, corpus } from './corpus.ts'
import { bytesInput, type Json, jsonInput, mutatedBytes, textInput } from './mutate.ts'

/** A broken property: the message says what the decoder did instead of a coded error. */
export class FuzzFinding extends Error {
  override name = 'FuzzFinding'
}

/** `ok`, or the catalogued code of the GovchainError `f` threw; anything else is a finding. */
function outcome(f: () => unknown): string {
  try {
    f()
    return 'ok'
  } catch (e) {
    return codeOf(e)
  }
}

function codeOf(e: unknown): string {
  if (e instanceof FuzzFinding) throw e
  if (e instanceof GovchainError) {
    if (!isErrorCode(e.code)) throw new FuzzFinding(`uncatalogued error code ${e.code}: ${e.message}`)
    return e.code
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)
  throw new FuzzFinding(`uncoded error (not a GovchainError): ${what}`)
}

/** A checked value that is not one: the verdict functions must never throw, only report. */
function verdict(f: () => { reasons?: readonly string[]; checks?: readonly { code?: string }[] }): string {
  let v: ReturnType<typeof f>
  try {
    v = f()
  } catch (e) {
    throw new FuzzFinding(`verdict threw instead of reporting: ${e instanceof Error ? e.stack : String(e)}`)
  }
  for (const code of [
    ...(v.reasons ?? []),
    ...(v.checks ?? []).flatMap((c) => (c.code === undefined ? [] : [c.code])),
  ]) {
    if (!isErrorCode(code)) throw new FuzzFinding(`verdict reports an uncatalogued code ${code}`)
  }
  return 'verdict'
}

export interface FuzzTarget {
  readonly name: string
  readonly description: string
  /** Builds the inputs and the run (setup is outside the timed cases). */
  setup(): Promise<TargetRun> | TargetRun
}

interface TargetRun {
  input: fc.Arbitrary<unknown>
  run(input: never): string | Promise<string>
  /** The run returns a promise (and each case gets a time limit). */
  async?: boolean
  close?(): Promise<void>
}

const canonical = (c: codec.Codec<unknown>, input: Uint8Array): string => {
  const o = outcome(() => codec.decode(c, input))
  if (o === 'ok') {
    const again = encode(c, codec.decode(c, input))
    if (again.length !== input.length || again.some((b, i) => b !== input[i])) {
      throw new FuzzFinding('accepted a non-canonical encoding: it re-encodes to other bytes')
    }
  }
  return o
}

/** Which seeds a keyed input mutates: its own, or (1 in 5) another kind's, to confuse types. */
function keyedBytes(seeds: ReadonlyMap<string, readonly Uint8Array[]>, names: readonly string[]) {
  const all = [...seeds.values()].flat()
  return fc
    .constantFrom(...names)
    .chain((name) =>
      fc.tuple(
        fc.constant(name),
        fc.oneof(
          { arbitrary: bytesInput(seeds.get(name) ?? []), weight: 4 },
          { arbitrary: bytesInput(all), weight: 1 },
        ),
      ),
    )
}

// ---------------------------------------------------------------- core codec

const codecTarget: FuzzTarget = {
  name: 'codec',
  description: 'core codec: decode of every protocol type and p2p message, canonical on success',
  setup() {
    const c = corpus()
    return {
      input: keyedBytes(c.encodings, Object.keys(CORE_CODECS)),
      run: ([name, bytes]: [string, Uint8Array]) => canonical(CORE_CODECS[name]!, bytes),
    }
  },
}

// ---------------------------------------------------------------- transactions

const txTarget: FuzzTarget = {
  name: 'tx',
  description: 'transaction envelope and admission: decode, chain, signers, module, method, arguments, signatures',
  setup() {
    const c = corpus()
    const { SignedTx, TxBody } = CORE_CODECS as Record<string, codec.Codec<never>>
    const envelope = (t: Uint8Array) => codec.decode(SignedTx!, t) as { body: Uint8Array; signatures: unknown[] }
    // Mutations inside the envelope: of the body bytes, and of the arguments inside the body.
    const innerBody = fc
      .tuple(fc.constantFrom(...c.txs), fc.integer({ min: 0, max: 1000 }))
      .chain(([t]) =>
        mutatedBytes([envelope(t).body]).map((body) => codec.encode(SignedTx!, { ...envelope(t), body } as never)),
      )
    const innerArgs = fc.constantFrom(...c.txs).chain((t) => {
      const e = envelope(t)
      const body = codec.decode(TxBody!, e.body) as { args: Uint8Array }
      return mutatedBytes([body.args]).map((args) =>
        codec.encode(SignedTx!, { ...e, body: codec.encode(TxBody!, { ...body, args } as never) } as never),
      )
    })
    const input = fc.oneof(bytesInput(c.txs, 1024), innerBody, innerArgs)
    return {
      input: fc.tuple(input, fc.integer({ min: 1, max: c.height + 2 })),
      run: ([bytes, height]: [Uint8Array, number]) =>
        outcome(() => validateTx(c.suite, c.chainId, bytes, height, { modules: c.chain.modules })),
    }
  },
}

const argsTarget: FuzzTarget = {
  name: 'args',
  description: "every module's method and query arguments (the codec each declares)",
  setup() {
    const c = corpus()
    const decoders = new Map<string, { args: codec.Codec<unknown>; key?: (a: unknown) => Uint8Array }>()
    for (const m of defaultModules()) {
      for (const [method, h] of Object.entries(m.handlers)) decoders.set(`${m.name}.${method}`, { args: h.args })
      for (const [query, q] of Object.entries(m.queries ?? {}))
        decoders.set(`${m.name}?${query}`, { args: q.args, key: (a) => q.key(a) })
    }
    return {
      input: keyedBytes(c.args, [...decoders.keys()]),
      run: ([name, bytes]: [string, Uint8Array]) => {
        const d = decoders.get(name)!
        const o = canonical(d.args, bytes)
        if (o === 'ok' && d.key !== undefined) return outcome(() => d.key!(codec.decode(d.args, bytes)))
        return o
      },
    }
  },
}

// ---------------------------------------------------------------- p2p

const frameTarget: FuzzTarget = {
  name: 'p2p-frame',
  description: 'p2p frame decoder over a byte stream split into arbitrary chunks',
  setup() {
    const c = corpus()
    const stream = [...c.encodings.values()]
      .flat()
      .slice(0, 40)
      .map((p, i) => encodeFrame(i % 7, p.subarray(0, 3000)))
    const seeds = [Buffer.concat(stream.slice(0, 3)), ...stream.slice(0, 20)].map((b) => new Uint8Array(b))
    return {
      input: fc.tuple(bytesInput(seeds, 1024), fc.array(fc.nat({ max: 4096 }), { maxLength: 8 })),
      run: ([bytes, cuts]: [Uint8Array, number[]]) =>
        outcome(() => {
          const d = new FrameDecoder(4096)
          let at = 0
          for (const cut of [...cuts.map((n) => n % (bytes.length + 1))].sort((a, b) => a - b)) {
            d.push(Buffer.from(bytes.subarray(at, Math.max(at, cut))))
            at = Math.max(at, cut)
          }
          for (const f of d.push(Buffer.from(bytes.subarray(at)))) {
            if (!Number.isInteger(f.channel) || f.channel < 0 || f.channel > 255) throw new FuzzFinding('bad channel')
          }
        }),
    }
  },
}

const helloTarget: FuzzTarget = {
  name: 'p2p-hello',
  description: 'p2p HELLO: decode, consistency with the certificate, signature over the exporter',
  setup() {
    const c = corpus()
    const exporter = new Uint8Array(32).fill(7)
    const signer = signerOf(c.suite, c.key.privateKey)
    const body = (role: 'dialer' | 'listener', latestHeight: number) => ({
      version: P2P_PROTOCOL_VERSION,
      chainId: c.chainId,
      nodeId: 'node-1',
      suite: c.suite.name,
      publicKey: c.key.publicKey,
      latestHeight,
      role,
    })
    const seeds = [
      createHello(signer, exporter, body('dialer', 0)),
      createHello(signer, exporter, body('listener', 99)),
    ]
    return {
      input: fc.tuple(bytesInput(seeds), fc.constantFrom<'dialer' | 'listener'>('dialer', 'listener')),
      run: ([bytes, peerRole]: [Uint8Array, 'dialer' | 'listener']) =>
        outcome(() =>
          verifyHello(bytes, {
            suite: c.suite,
            exporter,
            chainId: c.chainId,
            version: P2P_PROTOCOL_VERSION,
            certNodeId: 'node-1',
            peerRole,
          }),
        ),
    }
  },
}

// ---------------------------------------------------------------- QR payloads, credentials, presentations

/** `prefix` + base45(deflate(bytes)) of mutated inner bytes: valid QR framing around a bad value. */
function qrOf(prefix: string, inner: fc.Arbitrary<Uint8Array>): fc.Arbitrary<string> {
  return inner.map((b) => prefix + base45Encode(deflateRawSync(b)))
}

function credentialSeeds() {
  const c = corpus()
  const { id, cred } = sampleCredential(c.suite, c.chainId, c.key.privateKey)
  const record: LicenseRecord = {
    id,
    typeCode: TYPE.code,
    issuerOrg: 'market',
    issuerKey: c.key.publicKey,
    officerId: 'officer-1',
    holder: 'did:govchain:abc',
    credentialHash: cred.hash,
    status: 'active',
    validFromMs: 1_700_000_000_000,
    validUntilMs: 0,
    version: 1,
    issuedHeight: 1,
    issuedTimeMs: 1_700_000_000_000,
    issuedTxHash: new Uint8Array(32),
    updatedHeight: 1,
    updatedTimeMs: 1_700_000_000_000,
    historyCount: 0,
  }
  return { c, id, cred, record }
}

/** JSON-level mutations of an SD-JWT: of its header, payload or a disclosure, re-encoded as base64url. */
function sdJwtMutations(compact: string): fc.Arbitrary<string> {
  const [jwt, ...rest] = compact.split('~')
  const [h, p, s] = jwt!.split('.') as [string, string, string]
  const json = (b64: string) => JSON.parse(new TextDecoder().decode(base64urlDecode(b64))) as Json
  const b64 = (v: Json) => base64urlEncode(utf8(JSON.stringify(v)))
  const discs = rest.filter((d) => d !== '')
  return fc.oneof(
    jsonInput([json(h)]).map((v) => `${b64(v)}.${p}.${s}~${discs.map((d) => `${d}~`).join('')}`),
    jsonInput([json(p)]).map((v) => `${h}.${b64(v)}.${s}~${discs.map((d) => `${d}~`).join('')}`),
    jsonInput(discs.map(json)).map((v) => `${jwt}~${b64(v)}~`),
  )
}

const sdJwtTarget: FuzzTarget = {
  name: 'sd-jwt',
  description: 'SD-JWT credentials: parse, JWS signature, and the full licence verdict',
  setup() {
    const { c, cred, record } = credentialSeeds()
    const seeds = [cred.credential, `${cred.jwt}~`, `${cred.jwt}~${cred.disclosures[0]}~`]
    return {
      input: fc.tuple(fc.oneof(textInput(seeds, 2048), sdJwtMutations(cred.credential)), fc.boolean()),
      run: ([text, withRecord]: [string, boolean]) => {
        const o = outcome(() => verifySdJwtSignature(c.suite, c.key.publicKey, parseSdJwt(c.suite, text)))
        verdict(() =>
          evaluateLicense({
            suite: c.suite,
            chainId: c.chainId,
            credential: text,
            record: withRecord ? record : undefined,
            type: undefined,
            atHeight: 5,
            atTimeMs: 1_800_000_000_000,
          }),
        )
        return o
      },
    }
  },
}

const licenseQrTarget: FuzzTarget = {
  name: 'qr-license',
  description: 'licence QR payloads (GCL1:): base45, bounded inflate, codec',
  setup() {
    const { c, id, cred } = credentialSeeds()
    const values: LicenseQr[] = [
      { type: 'ref', value: { chainId: c.chainId, licenseId: id, credentialHash: cred.hash } },
      {
        type: 'full',
        value: {
          chainId: c.chainId,
          credential: {
            header: base64urlDecode(cred.jwt.split('.')[0]!),
            payload: base64urlDecode(cred.jwt.split('.')[1]!),
            signature: base64urlDecode(cred.jwt.split('.')[2]!),
            disclosures: cred.disclosures.map(base64urlDecode),
          },
        },
      },
    ]
    const texts = values.map(encodeLicenseQr)
    const inner = values.map((v) => encode(LicenseQr, v))
    return {
      input: fc.oneof(textInput(texts, 2048), qrOf('GCL1:', bytesInput(inner))),
      run: (text: string) => outcome(() => decodeLicenseQr(text)),
    }
  },
}

const evidenceQrTarget: FuzzTarget = {
  name: 'qr-evidence',
  description: 'evidence QR payloads (GCE1:) and the offline certificate check over them',
  setup() {
    const c = corpus()
    const block = c.chain.store.getHeader(2)!
    const { BlockHeader } = CORE_CODECS
    const inner = [
      encode(EvidenceQr, {
        chainId: c.chainId,
        id: new Uint8Array(32).fill(1),
        record: {
          height: 2,
          value: new Uint8Array(40),
          proof: c.encodings.get('SmtProof')![0]!,
          headerBytes: encode(BlockHeader!, block),
          certificate: c.encodings.get('CommitCertificate')![0]!,
        },
      }),
    ]
    const texts = inner.map((b) => EVIDENCE_QR_PREFIX + base45Encode(deflateRawSync(b)))
    const validatorSet = c.encodings.get('ValidatorSet')![0]!
    return {
      input: fc.oneof(textInput(texts, 2048), qrOf(EVIDENCE_QR_PREFIX, bytesInput(inner))),
      run: (text: string) => {
        const o = outcome(() => decodeEvidenceQr(text))
        verdict(() =>
          verifyEvidenceCertificate({
            suite: c.suite,
            chainId: c.chainId,
            trustedValidatorSet: validatorSet,
            qr: text,
          }),
        )
        return o
      },
    }
  },
}

const invoiceQrTarget: FuzzTarget = {
  name: 'qr-invoice',
  description: 'invoice QR payloads (GCI1:) and the 查验 check of the file they carry',
  setup() {
    const c = corpus()
    const file = {
      format: INVOICE_FILE_FORMAT,
      chainId: c.chainId,
      kind: 'invoice',
      code: '011001900111',
      number: '00000001',
      seller: { code: '91110108MA01234567', name: '卖方' },
      buyer: { kind: 'enterprise', code: '91110108MA07654321', name: '买方' },
      date: '2026-01-02',
      lines: [{ item: '服务', quantity: '1', unitPriceFen: 10000, amountFen: 10000, taxRate: '6%', taxFen: 600 }],
      amountFen: 10000,
      taxFen: 600,
      salt: '00'.repeat(32),
    } satisfies Json
    const record: InvoiceRecordView = {
      code: file.code,
      number: file.number,
      kind: 'invoice',
      sellerCode: file.seller.code,
      buyer: { kind: 'enterprise', code: file.buyer.code, did: null },
      amountCommitment: '00'.repeat(32),
      linesHash: '00'.repeat(32),
      status: 'issued',
      reverseReason: null,
      claim: null,
    }
    const jsonText = (v: Json) => `GCI1:${base45Encode(deflateRawSync(utf8(JSON.stringify(v))))}`
    return {
      input: fc.oneof(textInput([jsonText(file)], 2048), jsonInput([file]).map(jsonText)),
      run: (text: string) => {
        let decoded: ReturnType<typeof decodeInvoiceQr> | undefined
        const o = outcome(() => {
          decoded = decodeInvoiceQr(text)
        })
        if (decoded !== undefined) {
          const f = decoded
          verdict(() => checkInvoiceFile(c.suite, f, record))
        }
        return o
      },
    }
  },
}

const presentationTarget: FuzzTarget = {
  name: 'presentation-url',
  description: 'short presentation (亮证) verify URLs: parse, then the verdict',
  setup() {
    const { c, id, record } = credentialSeeds()
    const audience = 'https://zwfw.example.cn/verify'
    const p = signPresentation({
      suite: c.suite,
      privateKey: c.key.privateKey,
      holder: 'did:govchain:abc',
      licenseId: id,
      audience,
      nowMs: 1_800_000_000_000,
    })
    const seeds = [presentationUrl(audience, p), `${presentationUrl(audience, p)}#x`]
    return {
      input: fc.tuple(textInput(seeds, 1100), fc.boolean()),
      run: ([url, withRecord]: [string, boolean]) =>
        outcome(() => {
          const parsed = parsePresentationUrl(url)
          verdict(() =>
            evaluatePresentation({
              suite: c.suite,
              audience,
              presentation: parsed.presentation,
              record: withRecord ? record : undefined,
              holderKeys: [c.key.publicKey],
              nowMs: 1_800_000_001_000,
              atHeight: 5,
              atTimeMs: 1_800_000_000_000,
            }),
          )
        }),
    }
  },
}

// ---------------------------------------------------------------- gateway

const gatewayTarget: FuzzTarget = {
  name: 'gateway',
  description: 'data gateway: signed requests (decode + signature) and sealed answers (decode + decrypt + JSON)',
  setup() {
    const c = corpus()
    const req: DataRequest = {
      chainId: c.chainId,
      grantId: new Uint8Array(32).fill(3),
      resourceId: 'res-1',
      consumerOrg: 'org-a',
      providerOrg: 'org-b',
      fields: ['name', 'code'],
      filter: { field: 'code', values: ['1', '2'] },
      nonce: new Uint8Array(16).fill(4),
      timeMs: 1_800_000_000_000,
      consumerKey: c.key.publicKey,
    }
    const signed = signRequest(c.suite, c.key.privateKey, req)
    const requestHash = c.suite.hash(signed.bytes)
    const envelope = sealPayload(c.suite, c.key.publicKey, requestHash, { fields: ['name'], rows: [{ name: 'x' }] })
    return {
      input: fc.oneof(
        fc.tuple(fc.constant('request' as const), bytesInput([signed.bytes]), bytesInput([signed.signature], 80)),
        fc.tuple(fc.constant('answer' as const), bytesInput([envelope], 1024), fc.constant(new Uint8Array(0))),
      ),
      run: ([kind, a, b]: ['request' | 'answer', Uint8Array, Uint8Array]) =>
        kind === 'request'
          ? outcome(() => openRequest(c.suite, a, b))
          : outcome(() => openPayload(c.suite, c.key.privateKey, requestHash, a)),
    }
  },
}

/** The gateway listeners' JSON bodies (packages/gateway/src/bodies.ts), parsed before anything is checked. */
const gatewayBodiesTarget: FuzzTarget = {
  name: 'gateway-bodies',
  description: 'data gateway: JSON bodies of the query, ack, local fetch and holder-register routes',
  setup() {
    const sig = 'ab'.repeat(64)
    const payload: Json = {
      kind: 'person',
      id: '110101199003071234',
      timeMs: 1_800_000_000_000,
      nonce: 'cd'.repeat(16),
    }
    const checkPayload: Json = { ...payload, holder: 'did:govchain:abc', fields: { name: '张三', 'id-number': 'x' } }
    const seeds: Record<BodyKind, Json[]> = {
      query: [{ request: 'AAEC', signature: sig }],
      ack: [{ receiptId: 'ef'.repeat(32), consumerSignature: sig }],
      local: [
        {
          grantId: '12'.repeat(32),
          fields: ['name'],
          filter: { field: 'id_number', values: ['1', '2'] },
          timeMs: 1_800_000_000_000,
          nonce: 'cd'.repeat(16),
          publicKey: '04'.repeat(33),
          signature: sig,
        },
      ],
      holder: [{ payload: JSON.stringify(payload), publicKey: '04'.repeat(33), signature: sig }],
      'holder-check': [{ payload: JSON.stringify(checkPayload), publicKey: '04'.repeat(33), signature: sig }],
    }
    const kinds = Object.keys(seeds) as BodyKind[]
    const asBytes = (j: Json) => utf8(JSON.stringify(j))
    const parse = (kind: BodyKind, raw: Uint8Array): unknown => {
      if (kind === 'query') return parseQueryBody(raw)
      if (kind === 'ack') return parseAckBody(raw)
      if (kind === 'local') return parseLocalFetch(raw)
      return parseHolderRequest(raw, kind === 'holder-check')
    }
    return {
      input: fc.oneof(
        // Mutated JSON of each route's body, and the holder payloads inside a well-formed body.
        fc.constantFrom(...kinds).chain((k) => fc.tuple(fc.constant(k), jsonInput(seeds[k]).map(asBytes))),
        fc
          .tuple(fc.constantFrom<BodyKind>('holder', 'holder-check'), jsonInput([payload, checkPayload]))
          .map(([k, inner]) => [
            k,
            asBytes({ payload: JSON.stringify(inner), publicKey: '04'.repeat(33), signature: sig }),
          ]),
        // Bytes that may not be JSON, nor UTF-8.
        fc.tuple(fc.constantFrom(...kinds), bytesInput(kinds.flatMap((k) => seeds[k]!.map(asBytes)))),
      ),
      run: ([kind, raw]: [BodyKind, Uint8Array]) => outcome(() => parse(kind, raw)),
    }
  },
}

type BodyKind = 'query' | 'ack' | 'local' | 'holder' | 'holder-check'

export const TARGETS: readonly FuzzTarget[] = [
  codecTarget,
  txTarget,
  argsTarget,
  frameTarget,
  helloTarget,
  sdJwtTarget,
  licenseQrTarget,
  evidenceQrTarget,
  invoiceQrTarget,
  presentationTarget,
  gatewayTarget,
  gatewayBodiesTarget,
]
