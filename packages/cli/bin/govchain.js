#!/usr/bin/env node
// The govchain command. Two ways to run (docs/adr/0014-compiled-distribution.md):
//  - compiled: dist/ built by `npm run build`; plain Node, no TypeScript loader needed. Used when
//    dist/main.js exists and the checkout has no tsx (an install pruned with --omit=dev), or when
//    GOVCHAIN_RUN=dist.
//  - source: a development checkout (tsx installed) runs src/ through the "development" export
//    condition, so a stale dist/ is never what runs. GOVCHAIN_RUN=source forces it.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const mode = process.env.GOVCHAIN_RUN
const distMain = new URL('../dist/main.js', import.meta.url)
let hasTsx = false
try {
  import.meta.resolve('tsx/esm/api')
  hasTsx = true
} catch {}
const useDist =
  mode === 'dist' || (mode !== 'source' && (!hasTsx || !existsSync(new URL('../src/main.ts', import.meta.url))))

let main
if (useDist) {
  if (!existsSync(distMain)) {
    process.stderr.write('govchain: not built (no packages/cli/dist/main.js): run `npm run build`\n')
    process.exit(70)
  }
  ;({ main } = await import(distMain.href))
} else {
  register(new URL('./dev-conditions.mjs', import.meta.url))
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
  ;({ main } = await import('../src/main.ts'))
}
process.exitCode = await main(process.argv)
