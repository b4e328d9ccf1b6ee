/**
 * The package boundaries of the application platform (issue 14), checked on the sources:
 *
 *  - an application imports another application only if its module declares that one in
 *    `requires` (its keeper is then reachable as `ctx.keeper(ref)`, and nothing else is);
 *  - applications sit below the node, the distribution, the SDK and the CLI, never above;
 *  - an application's schema, views (its answers' schemas) and client are browser-safe: they
 *    import only core, the client base, module references, the route kit, its checked
 *    answers (the client side of the route kit), the portal server's views (TypeBox over the
 *    route kit, as the portal reads them) and other
 *    applications' schemas, views and clients;
 *  - the node names no application (the distribution passes the modules in);
 *  - an application's commands are reached only through its `./cli` subpath, listed in the
 *    distribution's BUILTIN_CLI; the CLI names no application's command file (ADR 0020);
 *  - an application's pages likewise through `./portal`, listed in BUILTIN_PAGES; they are
 *    browser code over the portal kit; the portal names no application or page file;
 *  - every package declares in package.json the workspace packages its sources import.
 *
 * Import cycles are refused by the linter (biome noImportCycles).
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BUILTIN_CLI } from '../src/cli.ts'
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

/** The files a source loads through relative imports, itself included, transitively. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)\b([^'"]*?)from\s*['"](\.[^'"]+)['"]/g)) {
    // a type-only import loads nothing
    if (/^\s*type\b/.test(m[2] ?? '')) continue
    reachable(join(dirname(file), m[3] as string), seen)
  }
  // a page loaded lazily (React.lazy, import('./page.tsx')) is loaded all the same
  for (const m of text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g))
    reachable(join(dirname(file), m[1] as string), seen)
  return seen
}

/** Package specifiers (not only @govchain/*) a source imports at run time. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b([^'"]*?)from\s*['"]([^.'"][^'"]*)['"]/g)]
    .filter((m) => !/^\s*type\b/.test(m[1] ?? ''))
    .map((m) => m[2] as string)
}

interface Exports {
  [subpath: string]: { development: string }
}
const exportsOf = (dir: string): Exports =>
  (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Exports }).exports

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
      spec === '@govchain/app/answer' ||
      spec === '@govchain/app/portal-views' ||
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
          /from\s*['"](node:[^'"]+|\.\/(?!schema\.ts|views\.ts|client\.ts|credential\.ts|presentation\.ts|catalogue\.ts|holder-record\.ts)[^'"]+)['"]/g,
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
    assert.deepEqual(offences, [])
  })

  it('a validator installs no database driver: the node depends on none, even through workspace packages', () => {
    const manifests = new Map<string, { dependencies?: Record<string, string> }>()
    for (const d of readdirSync(join(root, 'packages')).filter((x) => x !== 'apps' && !x.startsWith('.')))
      manifests.set(`@govchain/${d}`, JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')))
    for (const d of appDirs) {
      const pkg = JSON.parse(readFileSync(join(APPS, d, 'package.json'), 'utf8'))
      manifests.set(pkg.name, pkg)
    }
    const closure = new Set<string>()
    const visit = (name: string): void => {
      if (closure.has(name)) return
      closure.add(name)
      for (const dep of Object.keys(manifests.get(name)?.dependencies ?? {})) visit(dep)
    }
    visit('@govchain/node')
    const drivers = [...closure].filter((d) => /^(pg|pg-.*|better-sqlite3|sqlite3|mysql2?|oracledb)$/.test(d))
    assert.deepEqual(drivers, [])
    assert.ok(!closure.has('@govchain/gateway'), 'the node does not depend on the gateway')
    // The gateway is the package that brings them.
    const gateway = Object.keys(manifests.get('@govchain/gateway')?.dependencies ?? {})
    assert.ok(gateway.includes('pg') && gateway.includes('better-sqlite3'))
  })

  it('the data gateway reaches the chain only through the API client, never the node', () => {
    const offences = sources(join(root, 'packages/gateway/src')).flatMap((file) =>
      imports(file)
        .filter((spec) => ['@govchain/node', '@govchain/store', '@govchain/consensus'].includes(packageOf(spec)))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    )
    assert.deepEqual(offences, [])
  })

  it("an application's commands are reached only through its ./cli subpath, listed in BUILTIN_CLI", () => {
    const offences: string[] = []
    const withCli: string[] = []
    for (const d of appDirs) {
      const dir = join(APPS, d)
      const exp = exportsOf(dir)
      const cli = join(dir, 'src/cli.ts')
      const hasCli = (() => {
        try {
          return statSync(cli).isFile()
        } catch {
          return false
        }
      })()
      if (hasCli) {
        withCli.push(d)
        if (exp['./cli']?.development !== './src/cli.ts') offences.push(`${d}: cli.ts is not exported as ./cli`)
      }
      // Every other entry point loads neither the commands nor commander.
      for (const [subpath, target] of Object.entries(exp)) {
        if (subpath === './cli' || subpath === './portal') continue
        for (const file of reachable(join(dir, target.development))) {
          if (file === cli) offences.push(`${d}: ${subpath} loads cli.ts`)
          if (runtimeImports(file).includes('commander')) offences.push(`${relative(root, file)} loads commander`)
        }
      }
    }
    assert.deepEqual(offences, [])
    assert.deepEqual(BUILTIN_CLI.map((a) => a.name).sort(), withCli.sort())
    for (const a of BUILTIN_CLI)
      assert.ok(
        BUILTIN_MODULES.some((m) => m.name === a.name),
        a.name,
      )
  })

  it("the CLI names no application's command file: they come from @govchain/distribution/cli", () => {
    const offences = sources(join(root, 'packages/cli/src')).flatMap((file) =>
      imports(file)
        .filter((spec) => appPackages.has(packageOf(spec)) && spec.endsWith('/cli'))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    )
    assert.deepEqual(offences, [])
    const main = readFileSync(join(root, 'packages/cli/src/main.ts'), 'utf8')
    assert.match(main, /from '@govchain\/distribution\/cli'/)
    assert.match(main, /for \(const app of BUILTIN_CLI\) app\.registerCommands\(program, ctx\)/)
    for (const d of appDirs) assert.equal(existsSync(join(root, 'packages/cli/src/commands', `${d}.ts`)), false, d)
  })

  it('the node loads no commander: the registrars are a separate entry of the distribution', () => {
    for (const file of reachable(join(root, 'packages/distribution/src/index.ts'))) {
      assert.ok(!runtimeImports(file).some((s) => s === 'commander' || s.endsWith('/cli')), relative(root, file))
    }
  })

  it("an application's pages are reached only through its ./portal subpath, listed in BUILTIN_PAGES", () => {
    const offences: string[] = []
    const withPages: string[] = []
    for (const d of appDirs) {
      const dir = join(APPS, d)
      const exp = exportsOf(dir)
      const portal = join(dir, 'src/portal.tsx')
      if (existsSync(portal)) {
        withPages.push(d)
        if (exp['./portal']?.development !== './src/portal.tsx')
          offences.push(`${d}: portal.tsx is not exported as ./portal`)
      }
      for (const [subpath, target] of Object.entries(exp)) {
        if (subpath === './portal') continue
        for (const file of reachable(join(dir, target.development))) {
          if (/\.tsx$/.test(file)) offences.push(`${d}: ${subpath} loads ${relative(dir, file)}`)
          if (runtimeImports(file).some((s) => s === 'react' || s.startsWith('react/') || s === '@govchain/portal-kit'))
            offences.push(`${d}: ${subpath} loads ${relative(dir, file)}, which loads React or the portal kit`)
        }
      }
    }
    assert.deepEqual(offences, [])
    const listed = readFileSync(join(root, 'packages/distribution/src/portal.ts'), 'utf8')
    const names = [...listed.matchAll(/\{ name: '([a-z_]+)', pages: /g)].map((m) => m[1])
    assert.deepEqual(names.sort(), withPages.sort())
  })

  it("an application's pages are browser code over the portal kit", () => {
    const safe = (spec: string, required: Set<string>): boolean =>
      spec === 'react' ||
      spec.startsWith('react/') ||
      spec === '@govchain/portal-kit' ||
      spec === '@govchain/core' ||
      spec === '@govchain/client' ||
      // another application's views: the schemas its answers are checked against (ADR 0019)
      (required.has(packageOf(spec)) && /\/(schema|views|client)$/.test(spec))
    const offences: string[] = []
    for (const module of BUILTIN_MODULES) {
      const portal = join(APPS, module.name, 'src/portal.tsx')
      if (!existsSync(portal)) continue
      const required = new Set((module.requires ?? []).map((r) => `@govchain/${typeof r === 'string' ? r : r.name}`))
      // its schema, client and credential are checked as browser-safe above; here, its page files
      const pageFiles = [...reachable(portal)].filter(
        (f) => f === portal || f.startsWith(join(APPS, module.name, 'src/portal/')),
      )
      for (const file of pageFiles) {
        for (const spec of runtimeImports(file)) {
          if (!safe(spec, required)) offences.push(`${relative(root, file)} imports ${spec}`)
        }
        if (/from\s*['"]\.\.?\/(?:\.\.\/)*(module|routes|app|cli|pdf)\.ts['"]/.test(readFileSync(file, 'utf8')))
          offences.push(`${relative(root, file)} loads the node side of its application`)
      }
    }
    assert.deepEqual(offences, [])
  })

  it('the portal names no application or page file: they come from @govchain/distribution/portal', () => {
    const portalSrc = join(root, 'packages/portal/src')
    const offences = sources(portalSrc).flatMap((file) =>
      imports(file)
        .filter((spec) => appPackages.has(packageOf(spec)))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    )
    assert.deepEqual(offences, [])
    const pageFiles = readdirSync(join(portalSrc, 'pages')).sort()
    // The chain-level pages only: blocks, explorer, home, login and the operations console.
    assert.deepEqual(pageFiles, ['Block.tsx', 'Explorer.tsx', 'Home.tsx', 'Login.tsx', 'Ops.tsx'])
    assert.match(readFileSync(join(portalSrc, 'composition.ts'), 'utf8'), /from '@govchain\/distribution\/portal'/)
    // The kit sits below the applications: it names none of them, nor the SDK that re-exports them.
    const kit = sources(join(root, 'packages/portal-kit/src')).flatMap((file) =>
      imports(file)
        .filter((spec) => appPackages.has(packageOf(spec)) || packageOf(spec) === '@govchain/sdk')
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    )
    assert.deepEqual(kit, [])
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
        optionalDependencies?: Record<string, string>
      }
      const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})])
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

  it('fast test files install no file-level per-test hooks or process handlers (they share a process)', () => {
    const offences: string[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (name === 'node_modules' || name === 'dist') continue
        if (statSync(path).isDirectory()) walk(path)
        else if (name.endsWith('.test.ts') && !name.endsWith('.slow.test.ts')) {
          const text = readFileSync(path, 'utf8')
          if (/^(beforeEach|afterEach)\(/m.test(text)) offences.push(`${relative(root, path)}: file-level hook`)
          if (/^process\.(on|once|exit)\(/m.test(text)) offences.push(`${relative(root, path)}: process handler`)
        }
      }
    }
    walk(join(root, 'packages'))
    assert.deepEqual(offences, [])
  })
})
