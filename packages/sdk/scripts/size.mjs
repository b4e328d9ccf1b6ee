#!/usr/bin/env node
import { fileURLToPath } from 'node:url'
// Bundle-size and browser-safety check of @govchain/sdk: bundles the SDK entry for the browser
// with esbuild (as an app bundler would), fails if the bundle imports any node: module, and
// prints the sizes (raw, minified, minified+gzip). Usage: npm run size:sdk [-- --json]
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url))

async function bundle(minify, stdin) {
  const r = await build({
    ...(stdin
      ? { stdin: { contents: stdin, resolveDir: fileURLToPath(new URL('..', import.meta.url)), loader: 'ts' } }
      : { entryPoints: [entry] }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify,
    write: false,
    logLevel: 'silent',
    metafile: true,
  })
  return { text: r.outputFiles[0].text, meta: r.metafile }
}

let full
let min
let txOnly
try {
  full = await bundle(false)
  min = await bundle(true)
  // Tree-shaking: an app that only builds and signs transactions should not carry the client.
  txOnly = await bundle(true, "export { buildTx } from './src/index.ts'")
} catch (e) {
  // esbuild reports unresolvable imports (a node: module on platform=browser among them) here.
  console.error('@govchain/sdk: the browser bundle does not build:')
  for (const err of e.errors ?? [{ text: String(e) }]) {
    const at = err.location ? `${err.location.file}:${err.location.line}: ` : ''
    console.error(`  ${at}${err.text}`)
  }
  process.exit(1)
}

const problems = []
// A static or dynamic import of a Node built-in, in either spelling.
const nodeImport = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["'](node:[\w/]+)["']/g
for (const m of full.text.matchAll(nodeImport)) problems.push(`imports ${m[1]}`)
for (const input of Object.keys(full.meta.inputs)) {
  if (input.startsWith('node:')) problems.push(`bundles ${input}`)
  if (/platform-node|\.node$/.test(input)) problems.push(`bundles Node-only file ${input}`)
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`
const sizes = {
  rawBytes: Buffer.byteLength(full.text),
  minBytes: Buffer.byteLength(min.text),
  minGzipBytes: gzipSync(min.text).length,
  txOnlyMinBytes: Buffer.byteLength(txOnly.text),
  txOnlyMinGzipBytes: gzipSync(txOnly.text).length,
  inputs: Object.keys(full.meta.inputs).length,
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ ...sizes, problems }))
else {
  console.log(`@govchain/sdk browser bundle (esbuild, esm, ${sizes.inputs} input files)`)
  console.log(
    `  full:      ${kib(sizes.rawBytes)} raw, ${kib(sizes.minBytes)} minified, ${kib(sizes.minGzipBytes)} min+gzip`,
  )
  console.log(`  buildTx only: ${kib(sizes.txOnlyMinBytes)} minified, ${kib(sizes.txOnlyMinGzipBytes)} min+gzip`)
  for (const p of problems) console.error(`  PROBLEM: ${p}`)
}
process.exit(problems.length === 0 ? 0 : 1)
