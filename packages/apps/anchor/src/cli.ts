/**
 * `govchain anchor put|get`: document-hash anchoring (the seed of e-evidence). The CLI registers
 * them from the distribution's list (`@govchain/distribution/cli`) with
 * `registerCommands(program, ctx)`; key files and the trusted genesis come through `ctx`
 * (`@govchain/app/cli`, ADR 0020).
 */
import type { CliContext } from '@govchain/app/cli'
import { LightClient } from '@govchain/client'
import { codec, fromHex, GovchainError, getSuite, toHex, ValidatorSet } from '@govchain/core'
import { type Command, InvalidArgumentError } from 'commander'
import { anchorKeyHex, anchorPut, decodeAnchorRecord } from './client.ts'

function parseIntArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be ${min}..${max}`)
    return n
  }
}

function parseHash(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new GovchainError('INVALID_ARGUMENT', '--hash must be 32 bytes of hex')
  return fromHex(h)
}

export function registerCommands(program: Command, ctx: CliContext): void {
  const anchor = program.command('anchor').description('document-hash anchoring (e-evidence seed)')
  anchor
    .command('put')
    .description('anchor a document hash on chain')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .requiredOption('--key <file>', "signer key file: an officer's key, or a DID's (a daily quota per DID)")
    .requiredOption('--hash <hex>', '32-byte document hash, hex')
    .option('--kind <kind>', 'document kind', 'document')
    .option('--note <text>', 'non-personal note (at most 256 bytes)')
    .option('--wait', 'wait until committed')
    .option('--timeout <ms>', 'with --wait: how long', parseIntArg('--timeout', 100, 600_000), 30_000)
    .action(async (o) => {
      const client = ctx.client(o)
      const key = ctx.loadKey(o.key)
      const status = await client.status()
      if (status.suite !== key.suite) {
        throw new GovchainError('INVALID_ARGUMENT', `key is ${key.suite} but the chain uses ${status.suite}`)
      }
      const hash = parseHash(o.hash)
      const tx = anchorPut({
        suite: getSuite(key.suite),
        chainId: status.chainId,
        privateKey: key.signer,
        hash,
        kind: o.kind,
        ...(o.note !== undefined ? { note: o.note } : {}),
        validUntilHeight: status.height + 100,
      })
      const { hash: txHash } = await client.submitTx(tx.bytes)
      ctx.out(txHash)
      if (o.wait) {
        const r = await client.waitForTx(txHash, { timeoutMs: o.timeout })
        if (r.status !== 'committed') throw new GovchainError('INVALID_ARGUMENT', `transaction failed: ${r.code}`)
        ctx.out(`committed at height ${r.height}`)
      }
    })
  anchor
    .command('get')
    .description('read an anchored hash; --verify checks the proof and certificate offline')
    .option('--node <urls>', 'node API URL(s), comma-separated to fail over')
    .requiredOption('--hash <hex>', 'document hash, hex')
    .option('--verify', 'verify the state proof, header and commit certificate against a trusted validator set')
    .option(
      '--genesis <file>',
      'trusted genesis file for --verify (default: trust the set the node reports, and say so)',
    )
    .option('--json', 'print JSON')
    .action(async (o) => {
      const client = ctx.client(o)
      const hash = parseHash(o.hash)
      const answer = await client.state('anchor', anchorKeyHex(hash), { prove: Boolean(o.verify) })
      let verifiedNote = ''
      if (o.verify) {
        const status = await client.status()
        let trusted: ValidatorSet
        if (o.genesis) {
          const g = ctx.readGenesis(o.genesis)
          if (g.chainId !== status.chainId) throw new GovchainError('INVALID_ARGUMENT', 'genesis is for another chain')
          trusted = g.validatorSet
          verifiedNote = `against the validator set of ${o.genesis}`
        } else {
          trusted = codec.decode(ValidatorSet, answer.validatorSet ?? new Uint8Array())
          verifiedNote = 'against the validator set the node reported (pass --genesis to pin trust)'
        }
        const lc = new LightClient({
          suite: getSuite(status.suite),
          chainId: status.chainId,
          trustedValidatorSet: trusted,
        })
        lc.verifyState(answer)
      }
      if (answer.value === undefined) {
        if (o.json) ctx.out(JSON.stringify({ found: false, height: answer.height, verified: Boolean(o.verify) }))
        else ctx.out(`not anchored (as of height ${answer.height}${o.verify ? ', absence proven' : ''})`)
        ctx.setExitCode(4)
        return
      }
      const r = decodeAnchorRecord(answer.value)
      const view = {
        hash: toHex(r.hash),
        kind: r.kind,
        note: r.note ?? null,
        submitter: toHex(r.submitter),
        height: r.height,
        time: new Date(r.timeMs).toISOString(),
        txHash: toHex(r.txHash),
        verified: Boolean(o.verify),
      }
      if (o.json) return ctx.out(JSON.stringify(view, null, 2))
      for (const [k, v] of Object.entries(view)) ctx.out(`${k.padEnd(10)}${v}`)
      if (o.verify) ctx.out(`proof and commit certificate verified offline ${verifiedNote}`)
    })
}
