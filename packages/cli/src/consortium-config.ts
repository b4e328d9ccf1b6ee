/**
 * `govchain init --config consortium.yaml`: a consortium of any departments, regions and levels
 * (issue 14). The Beijing demo is only the default when no file is given.
 *
 *   chainId: govchain-zhejiang          # default govchain-local-<suite>
 *   suite: gm                           # gm | intl
 *   network: { host: 127.0.0.1, apiPort: 7701, p2pPort: 7801 }
 *   departments:
 *     - id: zj-amr                      # lowercase id, unique
 *       name: 浙江省市场监督管理局
 *       nameEn: Zhejiang Administration for Market Regulation
 *       level: province                 # national | province | city | district
 *       regionCode: "330000"            # GB/T 2260
 *       region: 浙江省
 *       code: 11330000MB0000000X        # unified social credit code (optional: a demo code)
 *       identityAuthority: false        # may attach keyed pseudonyms to DIDs
 *       host: 10.1.0.11                 # optional: this department's machine
 *   licenseTypes: demo                  # demo | none | a list (sections.license.types)
 *   params: { blockMaxTxs: 2000 }       # optional chain parameters
 *
 * Everything is checked before anything is written; an error names the key path.
 */
import { readFileSync } from 'node:fs'
import { ADMIN_LEVELS, GovchainError, type SuiteName } from '@govchain/core'
import type { DepartmentSpec, Genesis } from '@govchain/node'
import { parse as parseYaml } from 'yaml'

export interface ConsortiumConfig {
  chainId?: string
  suite: SuiteName
  host?: string
  apiPort?: number
  p2pPort?: number
  departments: DepartmentSpec[]
  /** Per-department machines, when any department names one. */
  hosts?: string[]
  /** The genesis sections this config asks for, computed once the organisations exist. */
  sections: (genesis: Genesis) => Record<string, unknown>
  params?: Record<string, number>
}

/** The largest config file read (a consortium of 64 departments with a licence catalogue fits easily). */
const CONFIG_BYTES_MAX = 1024 * 1024

const fail = (path: string, why: string): never => {
  throw new GovchainError('CONFIG_INVALID', `consortium config: ${path}: ${why}`)
}

function str(o: Record<string, unknown>, key: string, path: string, optional = false): string | undefined {
  const v = o[key]
  if (v === undefined && optional) return undefined
  if (typeof v !== 'string' || v.trim() === '') return fail(`${path}.${key}`, 'a non-empty string')
  return v
}

function port(v: unknown, path: string): number | undefined {
  if (v === undefined) return undefined
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65_000) return fail(path, 'a port 1..65000')
  return v as number
}

/**
 * Reads and checks a consortium file. `demoSections` gives the default licence catalogue
 * (`licenseTypes: demo`); a list is passed through as `sections.license.types`, checked by the
 * licence module at init.
 */
export function loadConsortiumConfig(
  file: string,
  demoSections: (genesis: Genesis) => Record<string, unknown>,
): ConsortiumConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    return fail(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
  if (Buffer.byteLength(text) > CONFIG_BYTES_MAX) fail(file, `larger than ${CONFIG_BYTES_MAX} bytes`)
  let doc: unknown
  try {
    doc = parseYaml(text, { maxAliasCount: 100 })
  } catch (e) {
    return fail(file, `not YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('(root)', 'a mapping')
  const root = doc as Record<string, unknown>
  const known = new Set(['chainId', 'suite', 'network', 'departments', 'licenseTypes', 'params'])
  for (const k of Object.keys(root)) if (!known.has(k)) fail(k, `unknown key (known: ${[...known].join(', ')})`)

  const suite = root.suite ?? 'gm'
  if (suite !== 'gm' && suite !== 'intl') fail('suite', 'gm or intl')
  const chainId = str(root, 'chainId', '(root)', true)

  const network = (root.network ?? {}) as Record<string, unknown>
  if (typeof network !== 'object' || Array.isArray(network)) fail('network', 'a mapping')
  const host = str(network, 'host', 'network', true)
  const apiPort = port(network.apiPort, 'network.apiPort')
  const p2pPort = port(network.p2pPort, 'network.p2pPort')

  if (!Array.isArray(root.departments) || root.departments.length === 0) {
    return fail('departments', 'a non-empty list')
  }
  const hosts: (string | undefined)[] = []
  const departments = root.departments.map((raw, i): DepartmentSpec => {
    const path = `departments[${i}]`
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(path, 'a mapping')
    const d = raw as Record<string, unknown>
    const allowed = new Set([
      'id',
      'name',
      'nameEn',
      'level',
      'regionCode',
      'region',
      'code',
      'identityAuthority',
      'host',
    ])
    for (const k of Object.keys(d)) if (!allowed.has(k)) fail(`${path}.${k}`, 'unknown key')
    const level = str(d, 'level', path) as string
    if (!(ADMIN_LEVELS as readonly string[]).includes(level)) fail(`${path}.level`, ADMIN_LEVELS.join(' | '))
    const regionCode = d.regionCode
    if (typeof regionCode !== 'string' && typeof regionCode !== 'number')
      fail(`${path}.regionCode`, 'six digits (quote it)')
    if (d.identityAuthority !== undefined && typeof d.identityAuthority !== 'boolean') {
      fail(`${path}.identityAuthority`, 'true or false')
    }
    hosts.push(str(d, 'host', path, true))
    const code = str(d, 'code', path, true)
    return {
      id: str(d, 'id', path) as string,
      name: str(d, 'name', path) as string,
      nameEn: str(d, 'nameEn', path) as string,
      level: level as DepartmentSpec['level'],
      regionCode: String(regionCode),
      region: str(d, 'region', path) as string,
      identityAuthority: d.identityAuthority === true,
      ...(code === undefined ? {} : { code }),
    }
  })
  const someHosts = hosts.some((h) => h !== undefined)
  if (someHosts && hosts.some((h) => h === undefined)) fail('departments', 'name a host for every department or none')

  const license = root.licenseTypes ?? 'demo'
  let sections: ConsortiumConfig['sections']
  if (license === 'demo') sections = demoSections
  else if (license === 'none') sections = () => ({ license: { types: [] } })
  else if (Array.isArray(license)) sections = () => ({ license: { types: license } })
  else return fail('licenseTypes', 'demo, none or a list of licence types')

  let params: Record<string, number> | undefined
  if (root.params !== undefined) {
    if (typeof root.params !== 'object' || root.params === null || Array.isArray(root.params))
      fail('params', 'a mapping')
    for (const [k, v] of Object.entries(root.params as Record<string, unknown>)) {
      if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`params.${k}`, 'a non-negative integer')
    }
    params = root.params as Record<string, number>
  }
  return {
    ...(chainId === undefined ? {} : { chainId }),
    suite: suite as SuiteName,
    ...(host === undefined ? {} : { host }),
    ...(apiPort === undefined ? {} : { apiPort }),
    ...(p2pPort === undefined ? {} : { p2pPort }),
    departments,
    ...(someHosts ? { hosts: hosts as string[] } : {}),
    sections,
    ...(params === undefined ? {} : { params }),
  }
}
