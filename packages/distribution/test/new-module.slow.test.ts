/**
 * `npm run new:module NAME` (scripts/new-module.mjs): the package it writes type-checks, passes
 * the linter and its own tests, and keeps to the package boundaries. It is generated into a
 * scratch folder beside packages/apps (so the distribution is left alone while other tests run)
 * and removed afterwards.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const into = join(root, 'packages', `.new-module-check-${process.pid}`)
const name = 'tmpl_check'
const dir = join(into, name)
after(() => rmSync(into, { recursive: true, force: true }))

describe('npm run new:module', () => {
  it('refuses a bad name with usage and writes nothing', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts/new-module.mjs'), 'Bad-Name', '--into', into], {
      encoding: 'utf8',
    })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /bad NAME "Bad-Name"[\s\S]*usage: npm run new:module NAME/)
    assert.equal(existsSync(join(into, 'Bad-Name')), false)
  })

  it('writes a package that type-checks, lints clean and passes its own tests', () => {
    mkdirSync(into, { recursive: true })
    execFileSync(
      process.execPath,
      [join(root, 'scripts/new-module.mjs'), name, '--into', into, '--no-install', '--no-distribution'],
      { cwd: root, stdio: 'pipe' },
    )
    for (const f of [
      'package.json',
      'README.md',
      'src/schema.ts',
      'src/labels.ts',
      'src/module.ts',
      'src/routes.ts',
      'src/client.ts',
      'src/cli.ts',
      'src/portal.tsx',
    ]) {
      assert.ok(existsSync(join(dir, f)), f)
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }
    assert.equal(pkg.name, `@govchain/${name}`)

    const tsconfig = join(into, 'tsconfig.json')
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { jsx: 'react-jsx' },
        include: [`${name}/src/**/*.ts`, `${name}/src/**/*.tsx`, `${name}/test/**/*.ts`],
      }),
    )
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--noEmit'],
      {
        encoding: 'utf8',
      },
    )
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr)

    const lint = spawnSync(join(root, 'node_modules/.bin/biome'), ['check', dir], { encoding: 'utf8', cwd: root })
    assert.equal(lint.status, 0, lint.stdout + lint.stderr)

    const test = spawnSync(
      process.execPath,
      ['-C', 'development', '--import', 'tsx', '--test', '--test-reporter=tap', join(dir, 'test', `${name}.test.ts`)],
      // NODE_TEST_CONTEXT would make the child report to this runner instead of printing TAP.
      { encoding: 'utf8', cwd: root, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    )
    assert.equal(test.status, 0, test.stdout + test.stderr)
    assert.match(test.stdout, /# pass 6\b/)
    assert.match(test.stdout, /# fail 0\b/)
  })
})
