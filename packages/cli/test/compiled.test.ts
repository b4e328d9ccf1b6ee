/**
 * govchain ships compiled (issue 14, ADR 0014): with dist/ built, plain Node runs the SDK and the
 * govchain command — `--help`, `init` and `up` — without loading a single TypeScript file or
 * the tsx loader. A resolve hook (fixtures/no-typescript.mjs) makes any such load fail, which is
 * what an install pruned with `npm prune --omit=dev` would do; NODE_OPTIONS (the test runner's
 * development condition) is cleared so packages resolve to dist/ as they would for a user.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const hook = join(root, 'packages/cli/test/fixtures/no-typescript.mjs')
const bin = join(root, 'packages/cli/bin/govchain.js')
const dir = mkdtempSync(join(tmpdir(), 'govchain-compiled-'))
// Not a development network: init writes encrypted keys and the nodes open them with this.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  GOVCHAIN_RUN: 'dist',
  NODE_OPTIONS: '',
  GOVCHAIN_PASSPHRASE: 'compiled build test',
}
delete env.NODE_TEST_CONTEXT
const children: ChildProcess[] = []
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const govchain = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', hook, bin, ...args], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })

describe('compiled mode: no TypeScript loader', () => {
  before(() => {
    // dist/ as npm install's postinstall leaves it; incremental, so fast when up to date.
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    })
  })

  it('the hook refuses TypeScript: the same import from sources fails', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', hook, '--conditions=development', '--input-type=module', '-e', "await import('@govchain/sdk')"],
      { cwd: root, env, encoding: 'utf8' },
    )
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /compiled mode loaded .*\.ts/)
  })

  it('plain Node imports @govchain/sdk from dist (node -e "import(\'@govchain/sdk\')")', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        hook,
        '--input-type=module',
        '-e',
        "const m = await import('@govchain/sdk'); console.log([typeof m.createClient, typeof m.issueLicense, typeof m.LightClient].join(' '))",
      ],
      { cwd: root, env, encoding: 'utf8' },
    )
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'function function function')
  })

  it('govchain --help and version', () => {
    const help = govchain('--help')
    assert.equal(help.status, 0, help.stderr)
    for (const cmd of ['init', 'up', 'node', 'license', 'version'])
      assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`))
    const version = govchain('version', '--json')
    assert.equal(version.status, 0, version.stderr)
    const v = JSON.parse(version.stdout) as { version: string }
    assert.match(v.version, /^\d+\.\d+\.\d+/)
  })

  it('govchain init, then govchain up (nodes only) commits blocks', async () => {
    // Below the ephemeral range (32768-60999), and apart from the test networks' 20000-29999.
    const base = 10_000 + Math.floor(Math.random() * 90) * 100
    const net = join(dir, 'net')
    const init = govchain(
      'init',
      '--dir',
      net,
      '--orgs',
      '1',
      '--api-port',
      String(base),
      '--p2p-port',
      String(base + 100),
    )
    assert.equal(init.status, 0, init.stderr)
    // Without --dev every key is encrypted: a keystore and an encrypted PKCS#8 PEM.
    assert.equal(
      JSON.parse(readFileSync(join(net, 'nodes', 'market', 'keys', 'validator.json'), 'utf8')).kind,
      'govchain-keystore',
    )
    assert.match(readFileSync(join(net, 'nodes', 'market', 'keys', 'tls.key'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/)
    const genesis = JSON.parse(readFileSync(join(net, 'genesis.json'), 'utf8')) as {
      modules: { name: string }[]
      sections: { license: { types: unknown[] } }
    }
    assert.ok(genesis.modules.some((m) => m.name === 'license'))
    assert.ok(genesis.sections.license.types.length > 0)

    const up = spawn(process.execPath, ['--import', hook, bin, 'up', '--dir', net, '--no-demo'], {
      cwd: root,
      env: { ...env, NODE_OPTIONS: `--import ${hook}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(up)
    let stderr = ''
    up.stderr.on('data', (b: Buffer) => {
      stderr += b.toString()
    })
    const deadline = Date.now() + 60_000
    let height = 0
    while (Date.now() < deadline && height < 2) {
      await new Promise((r) => setTimeout(r, 500))
      assert.equal(up.exitCode, null, `govchain up exited: ${stderr}`)
      try {
        const res = await fetch(`http://127.0.0.1:${base}/v1/status`)
        if (res.ok) height = ((await res.json()) as { height: number }).height
      } catch {}
    }
    assert.ok(height >= 2, `no block committed within 60 s: ${stderr}`)
    up.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => up.once('exit', (c) => resolve(c)))
    assert.equal(code, 0, stderr)
    assert.doesNotMatch(stderr, /compiled mode loaded/)
  })
})
