/**
 * Where a command gets the passphrase of encrypted keys (docs/adr/0023-key-custody.md):
 * GOVCHAIN_PASSPHRASE, the file GOVCHAIN_PASSPHRASE_FILE names (a secrets mount, /dev/fd/N), or,
 * at a terminal, a prompt that does not echo.
 */
import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { GovchainError } from '@govchain/core'
import { passphraseFromEnvironment } from '@govchain/node'

async function askHidden(question: string): Promise<string> {
  process.stderr.write(question)
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() })
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true })
  try {
    return await rl.question('')
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}

/** The passphrase of existing keys: the environment's, else asked at a terminal, else undefined. */
export async function passphraseToOpen(what: string): Promise<string | undefined> {
  const env = passphraseFromEnvironment()
  if (env !== undefined || !process.stdin.isTTY) return env
  return askHidden(`passphrase of ${what}: `)
}

/** The passphrase new keys are encrypted under: the environment's, else asked twice at a terminal. */
export async function passphraseForNewKeys(): Promise<string | undefined> {
  const env = passphraseFromEnvironment()
  if (env !== undefined || !process.stdin.isTTY) return env
  const first = await askHidden('passphrase for the new keys (at least 8 characters): ')
  const again = await askHidden('the same passphrase again: ')
  if (first !== again) throw new GovchainError('INVALID_ARGUMENT', 'the two passphrases differ; nothing was written')
  return first
}
