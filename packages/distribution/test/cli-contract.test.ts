/**
 * The CLI contract (ADR 0020): every built-in application's commands register on a bare
 * commander program with nothing but a CliContext, and reach the node, key files and the exit
 * code only through it — so a context of the test's own stands in for the CLI here.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { CliContext } from '@govchain/app/cli'
import type { Client, StateAnswer } from '@govchain/client'
import { isGovchainError } from '@govchain/core'
import { Command } from 'commander'
import { BUILTIN_CLI } from '../src/cli.ts'

function refuse(what: string): never {
  throw new Error(`the command used ctx.${what}`)
}

function fakeContext(client: Partial<Client> = {}) {
  const lines: string[] = []
  const exitCodes: number[] = []
  const nodes: (string | undefined)[] = []
  const ctx: CliContext = {
    out: (line) => lines.push(line),
    nodeUrl: (o) => o.node ?? 'http://fake.invalid',
    client: (o) => {
      nodes.push(o.node)
      return client as Client
    },
    loadKey: () => refuse('loadKey'),
    publicKey: () => refuse('publicKey'),
    readGenesis: () => refuse('readGenesis'),
    signer: () => refuse('signer'),
    submitAndWait: () => refuse('submitAndWait'),
    setExitCode: (code) => exitCodes.push(code),
    seedDemo: () => refuse('seedDemo'),
  }
  return { ctx, lines, exitCodes, nodes }
}

function program(ctx: CliContext): Command {
  const p = new Command().name('govchain').exitOverride()
  for (const app of BUILTIN_CLI) app.registerCommands(p, ctx)
  return p
}

describe('CLI contract: application commands over a CliContext', () => {
  it('every registrar adds described commands, and no two add the same name', () => {
    const names = program(fakeContext().ctx).commands.map((c) => c.name())
    assert.deepEqual(names, [...new Set(names)])
    for (const expected of ['anchor', 'org', 'officer', 'did', 'keys-did', 'gov', 'license']) {
      assert.ok(names.includes(expected), expected)
    }
    for (const c of program(fakeContext().ctx).commands) assert.notEqual(c.description(), '', c.name())
  })

  it('anchor get reads through ctx.client and ends with exit code 4 when nothing is anchored', async () => {
    const answer: StateAnswer = { module: 'anchor', key: 'ab', value: undefined, height: 7 }
    const keys: string[] = []
    const f = fakeContext({
      state: async (_module: string, keyHex: string) => {
        keys.push(keyHex)
        return answer
      },
    })
    const hash = 'aa'.repeat(32)
    await program(f.ctx).parseAsync(['anchor', 'get', '--node', 'http://n1.invalid', '--hash', hash], {
      from: 'user',
    })
    assert.deepEqual(f.nodes, ['http://n1.invalid'])
    assert.equal(keys.length, 1)
    assert.deepEqual(f.lines, ['not anchored (as of height 7)'])
    assert.deepEqual(f.exitCodes, [4])
  })

  it('bad input is a coded error before the node is asked anything', async () => {
    const f = fakeContext()
    await assert.rejects(
      program(f.ctx).parseAsync(['anchor', 'get', '--hash', 'zz'], { from: 'user' }),
      (e) => isGovchainError(e) && e.code === 'INVALID_ARGUMENT',
    )
    await assert.rejects(
      program(f.ctx).parseAsync(['license', 'verify'], { from: 'user' }),
      (e) => isGovchainError(e) && e.code === 'INVALID_ARGUMENT' && /--credential or --qr/.test(e.message),
    )
    // the fake client has no methods: a call to the node would have been a TypeError
    assert.deepEqual(f.lines, [])
    assert.deepEqual(f.exitCodes, [])
  })
})
