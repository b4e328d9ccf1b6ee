#!/usr/bin/env node
// First-load weight of the built portal (packages/portal/dist, `npm run build:portal`): what a
// browser fetches before a page shows, gzipped (level 9, as the portal server sends it) and
// brotli, from Vite's build manifest. The home page loads index.html, the entry chunk, the
// chunks it imports statically and their CSS; every other page adds its lazily loaded chunk
// (React.lazy) and that chunk's static imports. Target (issue 15): the home page <= 150 KB gzipped.
// Usage: npm run size:portal [-- --json]
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) {
  console.error(`no ${manifestPath}: build the portal first (npm run build:portal)`)
  process.exit(1)
}
/** @type {Record<string, {file: string, src?: string, isEntry?: boolean, isDynamicEntry?: boolean, imports?: string[], dynamicImports?: string[], css?: string[]}>} */
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const BUDGET_HOME_GZIP = 150 * 1024

const sizes = new Map()
function size(file) {
  let s = sizes.get(file)
  if (s === undefined) {
    const raw = readFileSync(join(dist, file))
    s = {
      raw: raw.length,
      gzip: gzipSync(raw, { level: 9 }).length,
      br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    }
    sizes.set(file, s)
  }
  return s
}

/** The files a chunk needs before it runs: itself, its static imports (transitively), their CSS. */
function closure(key, files = new Set()) {
  const c = manifest[key]
  if (c === undefined || files.has(c.file)) return files
  files.add(c.file)
  for (const css of c.css ?? []) files.add(css)
  for (const i of c.imports ?? []) closure(i, files)
  return files
}

function total(files) {
  const t = { raw: 0, gzip: 0, br: 0, files: [...files] }
  for (const f of files) {
    const s = size(f)
    t.raw += s.raw
    t.gzip += s.gzip
    t.br += s.br
  }
  return t
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
if (entryKey === undefined) {
  console.error('the manifest has no entry chunk')
  process.exit(1)
}
const home = closure(entryKey, new Set(['index.html']))
const rows = [{ name: '/ (home: index.html + entry)', ...total(home) }]
// Each lazily loaded chunk is one page (or a part a page loads on demand, such as the scanner).
const dynamic = Object.keys(manifest)
  .filter((k) => manifest[k].isDynamicEntry)
  .sort()
for (const k of dynamic) {
  const files = closure(k, new Set(home))
  rows.push({ name: `+ ${manifest[k].src ?? k}`, ...total(files) })
}
const all = total(new Set(Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? [])])))

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ budgetHomeGzip: BUDGET_HOME_GZIP, home: rows[0], pages: rows.slice(1), all }, null, 2))
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10)
  console.log(`${'first load of'.padEnd(64)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`)
  for (const r of rows) console.log(`${r.name.padEnd(64)}${kb(r.raw)}${kb(r.gzip)}${kb(r.br)}`)
  console.log(`${'every chunk and stylesheet together'.padEnd(64)}${kb(all.raw)}${kb(all.gzip)}${kb(all.br)}`)
  console.log(
    `home page: ${(rows[0].gzip / 1024).toFixed(1)} KB gzipped, budget ${BUDGET_HOME_GZIP / 1024} KB: ${rows[0].gzip <= BUDGET_HOME_GZIP ? 'within' : 'OVER'}`,
  )
}
if (rows[0].gzip > BUDGET_HOME_GZIP) process.exitCode = 1
