/**
 * `govchain init --config consortium.yaml` (issue 14): any departments, regions and levels, and
 * the consortium's own licence catalogue; bad files are refused with the key path and nothing
 * is written.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseGenesis } from '@govchain/node'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const EXAMPLE = fileURLToPath(new URL('../../../examples/consortium-zhejiang.yaml', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'govchain-init-config-'))
after(() => rmSync(root, { recursive: true, force: true }))

const govchain = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 })

describe('govchain init --config', () => {
  it('creates the Zhejiang example: three levels, its regions, its licence catalogue, no Beijing demo', () => {
    const dir = join(root, 'zj')
    const r = govchain('init', '--dev', '--config', EXAMPLE, '--dir', dir)
    assert.equal(r.status, 0, r.stderr)
    const g = parseGenesis(JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8')))
    assert.equal(g.chainId, 'govchain-zhejiang')
    assert.equal(g.suite, 'gm')
    assert.deepEqual(
      g.organisations.map((o) => [o.id, o.level, o.regionCode]),
      [
        ['zj-amr', 'province', '330000'],
        ['hz-housing', 'city', '330100'],
        ['hz-police', 'city', '330100'],
        ['xh-tax', 'district', '330106'],
      ],
    )
    assert.deepEqual(
      g.organisations.filter((o) => o.identityAuthority).map((o) => o.id),
      ['hz-police'],
    )
    const types = (g.sections as { license: { types: { alias: string; ownerOrg: string }[] } }).license.types
    assert.deepEqual(
      types.map((t) => [t.alias, t.ownerOrg]),
      [['hz-rental', 'hz-housing']],
    )
    const net = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as { nodes: { orgId: string }[] }
    assert.deepEqual(
      net.nodes.map((n) => n.orgId),
      ['zj-amr', 'hz-housing', 'hz-police', 'xh-tax'],
    )
  })

  it('refuses bad files with the key path, and writes nothing', () => {
    const cases: [string, RegExp][] = [
      ['departments: []\n', /departments: a non-empty list/],
      ['suite: rsa\ndepartments: [{id: a}]\n', /suite: gm or intl/],
      [
        'departments:\n  - {id: a, name: A, nameEn: A, level: county, regionCode: "330000", region: x}\n',
        /departments\[0\]\.level/,
      ],
      [
        'departments:\n  - {id: a, name: A, nameEn: A, level: city, regionCode: "330000", region: x, colour: red}\n',
        /departments\[0\]\.colour: unknown key/,
      ],
      ['flavour: 1\n', /flavour: unknown key/],
      ['departments: [\n', /not YAML/],
      [
        'departments:\n  - {id: a, name: A, nameEn: A, level: city, regionCode: "330000", region: x}\nlicenseTypes: [{ownerOrg: nobody}]\n',
        /sections\.license: types\[0\]\.ownerOrg/,
      ],
    ]
    for (const [i, [yaml, message]] of cases.entries()) {
      const file = join(root, `bad-${i}.yaml`)
      writeFileSync(file, yaml)
      const dir = join(root, `bad-${i}`)
      const r = govchain('init', '--dev', '--config', file, '--dir', dir)
      assert.notEqual(r.status, 0, yaml)
      assert.match(r.stderr, message, yaml)
      assert.equal(existsSync(dir), false, yaml) // not even a half-made folder
    }
  })
})
