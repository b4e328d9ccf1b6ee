#!/usr/bin/env node
// Writes packages/cli/dist/build-info.json (the commit the build was made from), read by
// `govchain version` in a compiled install where there is no git checkout.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'

let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim()
} catch {}
const dir = new URL('../packages/cli/dist/', import.meta.url)
mkdirSync(dir, { recursive: true })
writeFileSync(new URL('build-info.json', dir), `${JSON.stringify({ commit, builtAt: new Date().toISOString() })}\n`)
