/**
 * @govchain/gateway is an optional dependency of the CLI (it brings the database drivers): a
 * validator installed without it (`npm install --omit=optional`) runs every other command, and
 * the gateway commands say what is missing with a code. The missing install is made real with
 * a module resolve hook that finds no @govchain/gateway, as npm would leave it.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const bin = join(root, 'packages/cli/bin/govchain.js')
const dir = mkdtempSync(join(tmpdir(), 'govchain-nogateway-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const hooks = join(dir, 'hooks.mjs')
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  if (specifier === '@govchain/gateway' || specifier.startsWith('@govchain/gateway/')) {
    const e = new Error("Cannot find package '@govchain/gateway'")
    e.code = 'ERR_MODULE_NOT_FOUND'
    throw e
  }
  if (/(^|\\/)(pg|better-sqlite3)$/.test(specifier)) throw new Error('a database driver was loaded: ' + specifier)
  return next(specifier, context)
}
`,
)
const register = join(dir, 'register.mjs')
writeFileSync(register, `import { register } from 'node:module'\nregister(${JSON.stringify(`file://${hooks}`)})\n`)

const env: NodeJS.ProcessEnv = { ...process.env }
delete env.NODE_TEST_CONTEXT
const govchain = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', register, bin, ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  })

describe('the CLI without the optional data gateway', () => {
  it('runs --help, version and init, loading no database driver', () => {
    const help = govchain('--help')
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /\bgateway\b/)
    const version = govchain('version')
    assert.equal(version.status, 0, version.stderr)
    const init = govchain('init', '--dev', '--dir', join(dir, 'net'), '--orgs', '1')
    assert.equal(init.status, 0, init.stderr)
  })

  it('gateway init says the gateway is not installed, with a code', () => {
    const r = govchain('gateway', 'init', '--home', join(dir, 'net', 'nodes', 'x'))
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /COMPONENT_NOT_INSTALLED/)
    assert.match(r.stderr, /@govchain\/gateway/)
  })
})
