/**
 * The package boundaries of the application platform (issue 14), checked on the sources:
 *
 *  - an application imports another application only if its module declares that one in
 *    `requires` (its keeper is then reachable as `ctx.keeper(ref)`, and nothing else is);
 *  - applications sit below the node, the distribution, the SDK and the CLI, never above;
 *  - an application's schema, views (its answers' schemas) and client are browser-safe: they
 *    import only core, the client base, module references, the route kit and other
 *    applications' schemas, views and clients;
 *  - the node names no application (the distribution passes the modules in);
 *  - every package declares in package.json the workspace packages its sources import.
 *
 * Import cycles are refused by the linter (biome noImportCycles).
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BUILTIN_MODULES } from '../src/index.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const APPS = join(root, 'packages/apps')
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](@govchain\/[^'"]+)['"]|import\(\s*['"](@govchain\/[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](@govchain\/[^'"]+)['"]/g

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sources(path))
    else if (/\.tsx?$/.test(name)) out.push(path)
  }
  return out
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3]) as string)
}

/** `@govchain/identity/schema` → `@govchain/identity`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, 2).join('/')

const appDirs = readdirSync(APPS).filter((d) => !d.startsWith('.') && statSync(join(APPS, d)).isDirectory())
const appPackages = new Map(
  appDirs.map((d) => [(JSON.parse(readFileSync(join(APPS, d, 'package.json'), 'utf8')) as { name: string }).name, d]),
)

describe('package boundaries', () => {
  it('every application package is in the distribution, under its own name', () => {
    const listed = BUILTIN_MODULES.map((m) => m.name).sort()
    assert.deepEqual(listed, [...appDirs].sort())
    for (const [name, dir] of appPackages) assert.equal(name, `@govchain/${dir}`)
  })

  it("an application imports another only when its module requires that one's keeper", () => {
    const offences: string[] = []
    for (const module of BUILTIN_MODULES) {
      const required = new Set((module.requires ?? []).map((r) => `@govchain/${typeof r === 'string' ? r : r.name}`))
      for (const file of sources(join(APPS, module.name, 'src'))) {
        for (const spec of imports(file)) {
          const pkg = packageOf(spec)
          if (!appPackages.has(pkg) || pkg === `@govchain/${module.name}`) continue
          if (!required.has(pkg)) offences.push(`${relative(root, file)} imports ${spec} (not in requires)`)
        }
      }
    }
    assert.deepEqual(offences, [])
  })

  it('applications never import the node, the distribution, the SDK, the CLI or the portal', () => {
    const above = new Set([
      '@govchain/node',
      '@govchain/distribution',
      '@govchain/sdk',
      '@govchain/cli',
      '@govchain/portal',
    ])
    const offences = appDirs.flatMap((d) =>
      sources(join(APPS, d, 'src')).flatMap((file) =>
        imports(file)
          .filter((spec) => above.has(packageOf(spec)))
          .map((spec) => `${relative(root, file)} imports ${spec}`),
      ),
    )
    assert.deepEqual(offences, [])
  })

  it("an application's schema, views and client are browser-safe", () => {
    const safe = (spec: string): boolean =>
      spec === '@govchain/core' ||
      spec === '@govchain/client' ||
      spec === '@govchain/app/ref' ||
      spec === '@govchain/app/route-kit' ||
      (appPackages.has(packageOf(spec)) && /\/(schema|views|client)$/.test(spec))
    const offences: string[] = []
    for (const d of appDirs) {
      for (const entry of ['schema.ts', 'views.ts', 'client.ts']) {
        const file = join(APPS, d, 'src', entry)
        try {
          statSync(file)
        } catch {
          continue
        }
        for (const spec of imports(file)) if (!safe(spec)) offences.push(`${relative(root, file)} imports ${spec}`)
        const text = readFileSync(file, 'utf8')
        for (const m of text.matchAll(
          /from\s*['"](node:[^'"]+|\.\/(?!schema\.ts|views\.ts|client\.ts|credential\.ts|catalogue\.ts)[^'"]+)['"]/g,
        )) {
          // a type-only import of the module's keeper (for its typed reference) loads nothing
          const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index)
          if (!/^import type\b/.test(line.trim())) offences.push(`${relative(root, file)} imports ${m[1]}`)
        }
      }
    }
    // The route kit the views are built from: core and TypeBox only.
    const kit = join(root, 'packages/app/src/route-kit.ts')
    for (const spec of imports(kit)) if (spec !== '@govchain/core') offences.push(`route-kit.ts imports ${spec}`)
    for (const m of readFileSync(kit, 'utf8').matchAll(/from\s*['"]((?:node:|\.)[^'"]+)['"]/g))
      offences.push(`route-kit.ts imports ${m[1]}`)
    assert.deepEqual(offences, [])
  })

  it('the node names no application: its modules come from the distribution, passed in', () => {
    const offences = sources(join(root, 'packages/node/src')).flatMap((file) =>
      imports(file)
        .filter((spec) => appPackages.has(packageOf(spec)) || packageOf(spec) === '@govchain/distribution')
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    )
    // The data gateway still lives in the node and speaks the sharing application's protocol;
    // it is the one exception until it becomes its own package (issue 14).
    const remaining = offences.filter((o) => !o.startsWith('packages/node/src/gateway/'))
    assert.deepEqual(remaining, [])
  })

  it('every package declares the workspace packages its sources import', () => {
    const dirs = [
      ...readdirSync(join(root, 'packages'))
        .filter((d) => d !== 'apps' && !d.startsWith('.'))
        .map((d) => join(root, 'packages', d)),
      ...appDirs.map((d) => join(APPS, d)),
    ]
    const offences: string[] = []
    for (const dir of dirs) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string
        dependencies?: Record<string, string>
      }
      const declared = new Set(Object.keys(pkg.dependencies ?? {}))
      for (const file of sources(join(dir, 'src'))) {
        for (const spec of imports(file)) {
          const dep = packageOf(spec)
          if (dep !== pkg.name && !declared.has(dep))
            offences.push(`${pkg.name}: ${relative(root, file)} imports ${dep}`)
        }
      }
    }
    assert.deepEqual(offences, [])
  })
})

describe('habits', () => {
  it('identifiers spell license one way (prose and recorded data may say licence)', async () => {
    const ts = (await import('typescript')).default
    const dirs = readdirSync(join(root, 'packages'))
      .filter((d) => d !== 'apps' && !d.startsWith('.'))
      .map((d) => join(root, 'packages', d))
      .concat(appDirs.map((d) => join(APPS, d)))
    const offences: string[] = []
    for (const dir of dirs) {
      for (const sub of ['src', 'test']) {
        let files: string[]
        try {
          files = sources(join(dir, sub))
        } catch {
          continue
        }
        for (const file of files) {
          const text = readFileSync(file, 'utf8')
          if (!/licence/i.test(text)) continue
          const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
          const visit = (n: import('typescript').Node): void => {
            if ((ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) && /licence/i.test(n.text))
              offences.push(`${relative(root, file)}: ${n.text}`)
            ts.forEachChild(n, visit)
          }
          visit(sf)
        }
      }
    }
    assert.deepEqual(offences, [])
  })
})
