#!/usr/bin/env node
// Builds the SM2 N-API addon (govchain_sm2.node) with the node-gyp that ships inside npm, against
// the headers of the running Node (nodedir: npm config, else the install prefix, e.g. /usr), fully
// offline. Run by the root package.json "postinstall" so `npm ci` builds it with no manual step.
// A failed build is not fatal: @govchain/core then falls back to pure-JS SM2 and reports
// cryptoBackend() === 'js'; set GOVCHAIN_REQUIRE_NATIVE=1 to make it fatal (CI that wants native).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const prefix = dirname(dirname(process.execPath)) // /usr for /usr/bin/node

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp, // set by npm for lifecycle scripts
    join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(dirname(process.execPath), 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'), // Windows layout
  ]
  return candidates.find((p) => p && existsSync(p))
}

function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir
  // Headers that the Node install itself ships: no download needed.
  if (existsSync(join(prefix, 'include/node/node_api.h'))) return prefix
  return undefined
}

const required = process.env.GOVCHAIN_REQUIRE_NATIVE === '1'
function give_up(reason) {
  const msg = `@govchain/core: SM2 native addon not built (${reason}); pure-JS SM2 will be used`
  if (required) {
    console.error(msg)
    process.exit(1)
  }
  console.warn(msg)
  process.exit(0)
}

const gyp = findNodeGyp()
if (!gyp) give_up('node-gyp not found inside npm')
const nodedir = findNodeDir()
if (!nodedir) give_up('no Node headers found (set npm config nodedir)')
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn'], {
  cwd: here,
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
})
if (r.status !== 0) give_up(`node-gyp exited with ${r.status}`)
console.log('@govchain/core: SM2 native addon built')
