/**
 * `govchain evidence …` (docs/evidence.md): submit a file's hash, anchor a batch of files with a
 * proof for each, attach an RFC 3161 trusted timestamp (from a TSA over HTTP, or a token file),
 * check a file (the court's check), show a record and its version history. Key files, the signer
 * and the commit wait come through `ctx` (@govchain/app/cli, ADR 0020).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { eachPage, getAnswer, requestAnswer } from '@govchain/app/answer'
import type { CliContext } from '@govchain/app/cli'
import { SEQUENCE_PAGE_MAX } from '@govchain/app/route-kit'
import { fromHex, GovchainError, getSuite, toHex } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'
import { Check } from '@sinclair/typebox/value'
import type { Command } from 'commander'
import { type CertificateVerdict, parseEvidenceCertificate, verifyEvidenceCertificate } from './certificate.ts'
import { type BatchProof, evidenceAttest, evidenceBatch, evidenceSubmit, evidenceTimestamp } from './client.ts'
import { printEvidenceCertificate } from './pdf.ts'
import { ATTESTATION_STATEMENTS, type AttestationStatement, EVIDENCE_KINDS, STATEMENT_ROLE } from './schema.ts'
import { type ImprintHash, readTimestampToken, timestampRequest, tokenOf } from './tsp.ts'
import {
  EvidenceAnswer,
  EvidenceCertificateAnswer,
  EvidenceHistoryAnswer,
  EvidenceVerifyAnswer,
  type EvidenceView,
} from './views.ts'

const NODE = 'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or local)'

function kindOf(v: string): (typeof EVIDENCE_KINDS)[number] {
  if (!(EVIDENCE_KINDS as readonly string[]).includes(v)) {
    throw new GovchainError('INVALID_ARGUMENT', `--kind must be one of ${EVIDENCE_KINDS.join(', ')}`)
  }
  return v as (typeof EVIDENCE_KINDS)[number]
}

const TSA_TIMEOUT_MS = 30_000

/**
 * A token over `digest` from a TSA over HTTP (RFC 3161 §3.4: POST application/timestamp-query),
 * checked to answer our request (imprint and nonce) before anything is sent to the chain.
 */
async function fetchToken(url: string, digest: Uint8Array, hash: ImprintHash): Promise<Uint8Array> {
  const nonce = randomBytes(8)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: Buffer.from(timestampRequest(digest, hash, nonce)),
      signal: AbortSignal.timeout(TSA_TIMEOUT_MS),
    })
  } catch (e) {
    throw new GovchainError('NODE_UNREACHABLE', `the TSA at ${url} did not answer: ${(e as Error).message}`)
  }
  if (!res.ok) throw new GovchainError('EVIDENCE_TSA_BAD_TOKEN', `the TSA at ${url} answered HTTP ${res.status}`)
  const token = tokenOf(new Uint8Array(await res.arrayBuffer()))
  const read = readTimestampToken(token)
  const sent = toHex(Uint8Array.of(nonce[0]! & 0x7f, ...nonce.subarray(1))).replace(/^0+/, '')
  if (read.imprint !== toHex(digest) || read.nonce?.replace(/^0+/, '') !== sent) {
    throw new GovchainError('EVIDENCE_TSA_BAD_TOKEN', 'the TSA answered another request (imprint or nonce differ)')
  }
  return token
}

function printTimestamp(out: (l: string) => void, e: EvidenceView): void {
  const t = e.timestamp
  if (t === null) return
  out(`  timestamp  ${new Date(t.genTimeMs).toISOString()} by TSA ${t.authority} (RFC 3161, serial ${t.serial})`)
}

function print(out: (l: string) => void, e: EvidenceView): void {
  out(`${e.type} ${e.id}`)
  out(`  kind       ${e.kind}${e.caseRef === null ? '' : `  case ${e.caseRef}`}`)
  out(`  digest     ${e.digest}${e.type === 'batch' ? `  (${e.count} documents)` : ''}`)
  out(`  submitter  ${e.submitter.kind} ${e.submitter.id} (verified by ${e.submitter.verifiedBy})`)
  out(`  recorded   height ${e.height}, ${new Date(e.timeMs).toISOString()}`)
  if (e.type === 'item') out(`  version    ${e.version}${e.next === null ? ' (latest)' : ` (superseded by ${e.next})`}`)
  printTimestamp(out, e)
  for (const a of e.attestations)
    out(
      `  attested   ${a.statement} by ${a.orgId} (${a.role}, officer ${a.officerId}) at height ${a.height}${a.report === null ? '' : `, report ${a.report}`}`,
    )
}

function printChecks(
  out: (l: string) => void,
  checks: readonly { check: string; ok: boolean; message: string; code?: string }[],
) {
  for (const c of checks) out(`  ${c.ok ? '✔' : '✘'} ${c.check.padEnd(10)} ${c.message}${c.code ? ` [${c.code}]` : ''}`)
}

/**
 * `evidence verify --certificate|--qr`: offline against a pinned genesis, or by the node's check
 * interface. With --file, the file's content is checked too. Exit 1 unless the certificate holds.
 */
/** `evidence verify`'s options. */
interface VerifyOptions {
  file?: string
  proofs?: string
  certificate?: string
  qr?: string
  offline?: boolean
  genesis?: string
  json?: boolean
  node?: string
}

async function verifyCertificate(ctx: CliContext, o: VerifyOptions): Promise<void> {
  if (o.certificate !== undefined && o.qr !== undefined)
    throw new GovchainError('INVALID_ARGUMENT', 'give --certificate or --qr')
  const cert = o.certificate === undefined ? undefined : parseEvidenceCertificate(readFileSync(o.certificate, 'utf8'))
  const qr = o.qr === undefined ? undefined : o.qr.startsWith('GCE1:') ? o.qr : readFileSync(o.qr, 'utf8').trim()
  if (o.offline) {
    if (o.genesis === undefined)
      throw new GovchainError('INVALID_ARGUMENT', '--offline needs --genesis (the validator set you trust)')
    const g = ctx.readGenesis(o.genesis)
    const suite = getSuite(g.suite)
    const v: CertificateVerdict = verifyEvidenceCertificate({
      suite,
      chainId: g.chainId,
      trustedValidatorSet: g.validatorSet,
      ...(cert === undefined ? {} : { certificate: cert }),
      ...(qr === undefined ? {} : { qr }),
      ...(o.file === undefined ? {} : { contentHash: suite.hash(readFileSync(o.file)) }),
    })
    if (o.json)
      ctx.out(JSON.stringify({ ...v, record: v.record === undefined ? undefined : toHex(v.record.id) }, null, 2))
    else {
      ctx.out(
        `${v.verdict === 'valid' ? '✔' : '✘'} certificate ${v.verdict}${v.provenHeight === undefined ? '' : `, proven at height ${v.provenHeight}`} (checked offline)`,
      )
      printChecks(ctx.out, v.checks)
    }
    if (v.verdict !== 'valid') ctx.setExitCode(1)
    return
  }
  const client = ctx.client(o)
  const suite = getSuite((await client.status()).suite)
  const answer = await requestAnswer(client.transport, 'POST', '/v1/evidence/verify', EvidenceVerifyAnswer, {
    ...(cert === undefined ? {} : { certificate: cert }),
    ...(qr === undefined ? {} : { qr }),
    ...(o.file === undefined ? {} : { contentHash: toHex(suite.hash(readFileSync(o.file))) }),
  })
  if (o.json) ctx.out(JSON.stringify(answer, null, 2))
  else {
    ctx.out(
      `${answer.verdict === 'recorded' ? '✔' : '✘'} ${answer.verdict} (checked by the node at height ${answer.height})`,
    )
    printChecks(ctx.out, answer.checks ?? [])
    for (const r of answer.records) print(ctx.out, r)
  }
  if (answer.verdict !== 'recorded') ctx.setExitCode(1)
}

/** What `evidence batch --out` writes: the batch, its root and one inclusion proof per file. */
const BatchProofsFile = Type.Object({
  batch: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  proofs: Type.Array(
    Type.Object({
      file: Type.Optional(Type.String()),
      contentHash: Type.String(),
      proof: Type.Object({
        leafIndex: Type.Integer({ minimum: 0 }),
        treeSize: Type.Integer({ minimum: 1 }),
        path: Type.Array(Type.String()),
      }),
    }),
  ),
})

/** Reads a batch proofs file; one that is not JSON or not of that shape is INVALID_ARGUMENT. */
export function readBatchProofs(path: string): Static<typeof BatchProofsFile> {
  let j: unknown
  try {
    j = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new GovchainError('INVALID_ARGUMENT', `--proofs ${path}: not a JSON file (${(e as Error).message})`)
  }
  if (!Check(BatchProofsFile, j)) {
    throw new GovchainError('INVALID_ARGUMENT', `--proofs ${path}: not a batch proofs file from \`evidence batch\``)
  }
  return j
}

function imprintHash(suite: string): ImprintHash {
  return suite === 'gm' ? 'sm3' : 'sha256'
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const cmd = program.command('evidence').description('e-evidence: record, batch, trusted time, verify, history')
  registerSubmit(cmd, ctx)
  registerTimestamp(cmd, ctx)
  registerBatch(cmd, ctx)
  registerVerify(cmd, ctx)
  registerAttest(cmd, ctx)
  registerCertificate(cmd, ctx)
  registerHistory(cmd, ctx)
  registerShow(cmd, ctx)
}

function registerSubmit(cmd: Command, ctx: CliContext): void {
  cmd
    .command('submit')
    .description("record a file's hash (the file stays here); prints the item id")
    .requiredOption('--key <file>', "an officer's key, or a key of a verified DID")
    .requiredOption('--file <file>', 'the evidence file')
    .option('--kind <kind>', EVIDENCE_KINDS.join(' | '), 'document')
    .option('--case <ref>', 'case or docket reference (no personal data)')
    .option('--previous <id>', 'the item this file is a new version of')
    .option('--tsa <url>', 'also get an RFC 3161 trusted timestamp from this TSA and attach it')
    .option('--node <urls>', NODE)
    .action(
      async (o: {
        key: string
        file: string
        kind: string
        case?: string
        previous?: string
        tsa?: string
        node?: string
      }) => {
        const { client, common } = await ctx.signer(o)
        const contentHash = common.suite.hash(readFileSync(o.file))
        // The token first: a TSA that fails leaves nothing half-done on chain.
        const token =
          o.tsa === undefined ? undefined : await fetchToken(o.tsa, contentHash, imprintHash(common.suite.name))
        const tx = evidenceSubmit({
          ...common,
          kind: kindOf(o.kind),
          contentHash,
          ...(o.case === undefined ? {} : { caseRef: o.case }),
          ...(o.previous === undefined ? {} : { previous: fromHex(o.previous) }),
        })
        await ctx.submitAndWait(client, tx)
        ctx.out(`item ${tx.hashHex}`)
        if (token !== undefined) {
          const again = await ctx.signer(o)
          await ctx.submitAndWait(again.client, evidenceTimestamp({ ...again.common, id: fromHex(tx.hashHex), token }))
          ctx.out(`timestamp ${new Date(readTimestampToken(token).genTimeMs).toISOString()} from ${o.tsa}`)
        }
      },
    )
}

function registerTimestamp(cmd: Command, ctx: CliContext): void {
  cmd
    .command('timestamp')
    .description('attach an RFC 3161 trusted timestamp to an item or batch of yours (from a TSA, or a token file)')
    .argument('<id>', 'the item or batch id')
    .requiredOption('--key <file>', 'the key that submitted the item')
    .option('--tsa <url>', 'ask this TSA (RFC 3161 over HTTP) for a token over the item’s digest')
    .option('--token <file>', 'a token or TSA response (DER) you already hold')
    .option('--node <urls>', NODE)
    .action(async (id: string, o: { key: string; tsa?: string; token?: string; node?: string }) => {
      if ((o.tsa === undefined) === (o.token === undefined)) {
        throw new GovchainError('INVALID_ARGUMENT', 'give one of --tsa <url> or --token <file>')
      }
      const { client, common } = await ctx.signer(o)
      const rec = await getAnswer(client, `/v1/evidence/${encodeURIComponent(id)}`, EvidenceAnswer)
      const digest = fromHex(rec.evidence.digest)
      const token =
        o.token !== undefined
          ? tokenOf(new Uint8Array(readFileSync(o.token)))
          : await fetchToken(o.tsa!, digest, imprintHash(common.suite.name))
      await ctx.submitAndWait(client, evidenceTimestamp({ ...common, id: fromHex(id), token }))
      ctx.out(`timestamp ${new Date(readTimestampToken(token).genTimeMs).toISOString()} attached to ${id}`)
    })
}

function registerBatch(cmd: Command, ctx: CliContext): void {
  cmd
    .command('batch')
    .description('anchor the hashes of many files in one transaction; writes each file’s inclusion proof')
    .requiredOption('--key <file>', "an officer's key, or a key of a verified DID")
    .requiredOption('--out <file>', 'where to write the proofs (JSON: batch id, root, one proof per file)')
    .option('--kind <kind>', EVIDENCE_KINDS.join(' | '), 'document')
    .option('--case <ref>', 'case or docket reference')
    .option('--node <urls>', NODE)
    .argument('<files...>', 'the files (1-10,000)')
    .action(async (files: string[], o: { key: string; out: string; kind: string; case?: string; node?: string }) => {
      const { client, common } = await ctx.signer(o)
      const hashes = files.map((f) => common.suite.hash(readFileSync(f)))
      const b = evidenceBatch({
        ...common,
        kind: kindOf(o.kind),
        contentHashes: hashes,
        ...(o.case === undefined ? {} : { caseRef: o.case }),
      })
      await ctx.submitAndWait(client, b.tx)
      const proofs = files.map((f, i) => ({ file: f, contentHash: toHex(hashes[i]!), proof: b.proofOf(i) }))
      writeFileSync(o.out, `${JSON.stringify({ batch: b.tx.hashHex, root: toHex(b.root), proofs }, null, 2)}\n`)
      ctx.out(`batch ${b.tx.hashHex}: ${files.length} documents, proofs in ${o.out}`)
    })
}

function registerVerify(cmd: Command, ctx: CliContext): void {
  cmd
    .command('verify')
    .description(
      "the court's check: a file, or a certificate (with its file), recorded by whom and when (exit 1 if not)",
    )
    .option('--file <file>', 'the file to check')
    .option('--proofs <file>', 'a batch proofs file (from `evidence batch`) that lists this file')
    .option('--certificate <file>', 'check this certificate (JSON from `evidence certificate --json`)')
    .option('--qr <text|file>', "check a certificate's QR payload (GCE1:…), given as text or a file holding it")
    .option('--offline', 'check the certificate here against --genesis, without any node')
    .option('--genesis <file>', 'the trusted genesis (chain id and validator set) for --offline')
    .option('--json', 'print JSON')
    .option('--node <urls>', NODE)
    .action(async (o: VerifyOptions) => {
      if (o.certificate !== undefined || o.qr !== undefined) return verifyCertificate(ctx, o)
      if (o.file === undefined) throw new GovchainError('INVALID_ARGUMENT', 'give --file, --certificate or --qr')
      const file = o.file
      const client = ctx.client(o)
      const suite = getSuite((await client.status()).suite)
      const contentHash = toHex(suite.hash(readFileSync(file)))
      let batch: ({ id: string } & BatchProof) | undefined
      if (o.proofs !== undefined) {
        const p = readBatchProofs(o.proofs)
        const mine = p.proofs.find((x) => x.contentHash === contentHash)
        // A file changed since the batch has no proof of its own: check it with the proof listed
        // under its name, which then fails (proof-invalid), rather than not checking at all.
        const byName = p.proofs.find((x) => basename(x.file ?? '') === basename(file))
        const proof = (mine ?? byName)?.proof
        if (proof !== undefined) batch = { id: p.batch, ...proof }
      }
      const answer = await requestAnswer(client.transport, 'POST', '/v1/evidence/verify', EvidenceVerifyAnswer, {
        contentHash,
        ...(batch === undefined ? {} : { batch }),
      })
      if (o.json) ctx.out(JSON.stringify(answer, null, 2))
      else {
        ctx.out(
          `${answer.verdict === 'recorded' ? '✔' : '✘'} ${answer.verdict} (sha/sm3 ${contentHash}, height ${answer.height})`,
        )
        for (const r of answer.records) print(ctx.out, r)
      }
      if (answer.verdict !== 'recorded') ctx.setExitCode(1)
    })
}

function registerAttest(cmd: Command, ctx: CliContext): void {
  cmd
    .command('attest')
    .description('attest an item as a notary, forensic or court organisation (its role registered by governance)')
    .argument('<id>', 'the item or batch id')
    .requiredOption('--key <file>', "an officer's key of the attesting organisation")
    .requiredOption('--statement <s>', ATTESTATION_STATEMENTS.map((s) => `${s} (${STATEMENT_ROLE[s]})`).join(' | '))
    .option('--report <file>', 'your own document (notarial certificate, examination report): its hash is recorded')
    .option('--node <urls>', NODE)
    .action(async (id: string, o: { key: string; statement: string; report?: string; node?: string }) => {
      if (!(ATTESTATION_STATEMENTS as readonly string[]).includes(o.statement)) {
        throw new GovchainError('INVALID_ARGUMENT', `--statement must be one of ${ATTESTATION_STATEMENTS.join(', ')}`)
      }
      const { client, common } = await ctx.signer(o)
      await ctx.submitAndWait(
        client,
        evidenceAttest({
          ...common,
          id: fromHex(id),
          statement: o.statement as AttestationStatement,
          ...(o.report === undefined ? {} : { report: common.suite.hash(readFileSync(o.report)) }),
        }),
      )
      ctx.out(`${o.statement}: ${id}`)
    })
}

function registerCertificate(cmd: Command, ctx: CliContext): void {
  cmd
    .command('certificate')
    .description('the evidence certificate (存证证书) of an item or batch: a PDF with a QR, and its JSON')
    .argument('<id>', 'the item or batch id')
    .requiredOption('--out <file>', 'the PDF to write')
    .option('--json <file>', 'also write the certificate as JSON (proves the RFC 3161 timestamp too)')
    .option('--verify-url <url>', 'printed under the QR, e.g. https://portal.example/evidence')
    .option('--node <urls>', NODE)
    .action(async (id: string, o: { out: string; json?: string; verifyUrl?: string; node?: string }) => {
      const answer = await getAnswer(
        ctx.client(o),
        `/v1/evidence/${encodeURIComponent(id)}/certificate`,
        EvidenceCertificateAnswer,
      )
      const cert = parseEvidenceCertificate(JSON.stringify(answer))
      const printed = await printEvidenceCertificate(cert, o.verifyUrl === undefined ? {} : { verifyUrl: o.verifyUrl })
      writeFileSync(o.out, printed.pdf)
      if (o.json !== undefined) writeFileSync(o.json, `${JSON.stringify(cert, null, 2)}\n`)
      ctx.out(
        `${o.out}: ${printed.pdf.length} bytes, QR ${printed.qrPayload.length} chars, proven at height ${cert.record.height}` +
          `${o.json === undefined ? '' : `; ${o.json}`}${printed.cjkFont ? '' : ' (no CJK font found: English labels)'}`,
      )
    })
}

function registerHistory(cmd: Command, ctx: CliContext): void {
  cmd
    .command('history')
    .description("an item's version chain, first version first")
    .argument('<id>', 'an item id')
    .option('--node <urls>', NODE)
    .action(async (id: string, o: { node?: string }) => {
      const client = ctx.client(o)
      // Printed a page at a time: a long chain is never held whole.
      const pages = eachPage((after) => {
        const q = new URLSearchParams({ limit: String(SEQUENCE_PAGE_MAX), ...(after === undefined ? {} : { after }) })
        return getAnswer(client, `/v1/evidence/${encodeURIComponent(id)}/history?${q}`, EvidenceHistoryAnswer)
      })
      for await (const page of pages) for (const e of page) print(ctx.out, e)
    })
}

function registerShow(cmd: Command, ctx: CliContext): void {
  cmd
    .command('show')
    .description('an item or batch')
    .argument('<id>', 'the id')
    .option('--node <urls>', NODE)
    .action(async (id: string, o: { node?: string }) => {
      const j = await getAnswer(ctx.client(o), `/v1/evidence/${encodeURIComponent(id)}`, EvidenceAnswer)
      print(ctx.out, j.evidence)
    })
}
