/**
 * The CliContext the govchain command hands every application's command registrar
 * (`@govchain/app/cli`, ADR 0020): the node-side pieces applications may not import themselves
 * (key files, genesis files, the demo) and the CLI's conventions (default node URL, output,
 * the commit wait and its coded error).
 */
import { existsSync, readFileSync } from 'node:fs'
import type { CliContext, CliKey } from '@govchain/app/cli'
import { fromHex, GovchainError, getSuite, isErrorCode, memorySigner, type SuiteName } from '@govchain/core'
import { genesisValidatorSet, loadKeyFile, parseGenesis } from '@govchain/node'
import { type Client, createClient } from '@govchain/sdk'
import { seedLicenseDemo } from './demo/license.ts'

/** Transactions a command builds stay valid this many blocks past the node's height. */
const TX_VALIDITY_BLOCKS = 100
const COMMIT_WAIT_MS = 30_000

/**
 * The nodes a command talks to, in order of preference: `--node` (one URL or several,
 * comma-separated), else $GOVCHAIN_NODES, else $GOVCHAIN_NODE, else the local default. With
 * several, requests fail over to the next node when one does not answer (issue 15).
 */
function nodeUrls(o: { node?: string }): string[] {
  const raw = o.node ?? process.env.GOVCHAIN_NODES ?? process.env.GOVCHAIN_NODE ?? 'http://127.0.0.1:7701'
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0)
  if (urls.length === 0) throw new GovchainError('INVALID_ARGUMENT', '--node names no node URL')
  return urls
}

function nodeUrl(o: { node?: string }): string {
  return nodeUrls(o)[0]!
}

/** A client over the command's nodes; each fail-over is reported on standard error. */
export function cliClient(o: { node?: string }): Client {
  return createClient({
    urls: nodeUrls(o),
    onFailover: (e) => process.stderr.write(`govchain: ${e.from} did not answer (${e.error.code}); trying ${e.to}\n`),
  })
}

function cliKey(k: { suite: SuiteName; privateKey: Uint8Array }): CliKey {
  const signer = memorySigner(getSuite(k.suite), k.privateKey, 'file')
  return { suite: k.suite, publicKey: signer.publicKey, signer }
}

export function cliContext(out: (line: string) => void): CliContext {
  const ctx: CliContext = {
    out,
    nodeUrl,
    client: cliClient,
    loadKey: (path) => cliKey(loadKeyFile(path)),
    publicKey: (v) => {
      if (/^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0) return fromHex(v)
      if (existsSync(v)) return loadKeyFile(v).publicKey
      throw new GovchainError('INVALID_ARGUMENT', `${v} is neither a hex public key nor a key file`)
    },
    readGenesis: (path) => {
      const g = parseGenesis(JSON.parse(readFileSync(path, 'utf8')))
      return { chainId: g.chainId, suite: g.suite, validatorSet: genesisValidatorSet(g) }
    },
    signer: async (o) => {
      const client = ctx.client(o)
      const key = cliKey(loadKeyFile(o.key))
      const status = await client.status()
      if (status.suite !== key.suite) {
        throw new GovchainError('INVALID_ARGUMENT', `key is ${key.suite} but the chain uses ${status.suite}`)
      }
      return {
        client,
        key,
        common: {
          suite: getSuite(key.suite),
          chainId: status.chainId,
          privateKey: key.signer,
          validUntilHeight: status.height + TX_VALIDITY_BLOCKS,
        },
      }
    },
    submitAndWait: async (client, tx, timeoutMs = COMMIT_WAIT_MS) => {
      const { hash } = await client.submitTx(tx.bytes)
      const r = await client.waitForTx(hash, { timeoutMs })
      if (r.status !== 'committed') {
        const code = r.code !== undefined && isErrorCode(r.code) ? r.code : 'INTERNAL'
        throw new GovchainError(code, `transaction ${hash} failed: ${r.code}`)
      }
      out(`committed ${hash} at height ${r.height}`)
      return r.height ?? 0
    },
    setExitCode: (code) => {
      process.exitCode = code
    },
    seedDemo: async (app, dir) => {
      if (app !== 'license') throw new GovchainError('INVALID_ARGUMENT', `the demo seeds nothing for ${app}`)
      const r = await seedLicenseDemo({ dir, log: out })
      return { skipped: r.skipped, licenses: r.licenses.length, file: r.file }
    },
  }
  return ctx
}
