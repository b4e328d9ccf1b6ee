/**
 * `govchain version`: what is running — the package version, the source commit (from the
 * build-info file `npm run build` writes next to dist/, else from git in a checkout), whether it
 * runs compiled or from source, and the crypto backends this process actually loaded.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cryptoBackend, cryptoNativeLoadError, digestBackend, ed25519Backend } from '@govchain/core'
import type { Command } from 'commander'

interface VersionInfo {
  version: string
  commit: string
  /** "dist" when this process runs the compiled JavaScript, "source" when it runs src/ through tsx. */
  runs: 'dist' | 'source'
  node: string
  crypto: { sm2: 'native' | 'js'; ed25519: string; hash: string; nativeError?: string }
}

const PACKAGE_JSON = new URL('../../package.json', import.meta.url)
const BUILD_INFO = new URL('../../dist/build-info.json', import.meta.url)

function commitOf(): string {
  if (existsSync(BUILD_INFO)) {
    const info = JSON.parse(readFileSync(BUILD_INFO, 'utf8')) as { commit?: unknown }
    if (typeof info.commit === 'string') return info.commit
  }
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: new URL('.', import.meta.url),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim()
  } catch {
    return 'unknown'
  }
}

function versionInfo(): VersionInfo {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }
  const ed = ed25519Backend()
  const nativeError = cryptoNativeLoadError()
  return {
    version: pkg.version,
    commit: commitOf(),
    runs: import.meta.url.endsWith('.ts') ? 'source' : 'dist',
    node: process.version,
    crypto: {
      sm2: cryptoBackend(),
      ed25519: ed.backend,
      hash: digestBackend(),
      ...(nativeError === undefined ? {} : { nativeError }),
    },
  }
}

export function registerVersionCommand(program: Command, out: (line: string) => void): void {
  program
    .command('version')
    .description('print the version, the commit and the crypto backends in use')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const v = versionInfo()
      if (opts.json === true) return out(JSON.stringify(v))
      out(
        `govchain ${v.version} (commit ${v.commit}, ${v.runs === 'dist' ? 'compiled' : 'from source'}, node ${v.node})`,
      )
      out(
        `crypto: sm2 ${v.crypto.sm2 === 'native' ? 'native (OpenSSL addon)' : 'pure JS'}, ed25519 ${v.crypto.ed25519}, hash ${v.crypto.hash}`,
      )
      if (v.crypto.nativeError !== undefined) out(`native addon not in use: ${v.crypto.nativeError}`)
    })
}
