/**
 * Vite build of the portal. The SDK and core are TypeScript sources (their package.json
 * exports ./src/index.ts); Vite compiles them like our own files. Core picks its crypto
 * through the "#crypto-platform" import condition: a client build resolves without the
 * "node" condition, so the pure-JS suites are bundled and never node:crypto or the SM2
 * native addon (build fails loudly if a node: module sneaks in, see `external` below).
 *
 * Page weight (issue 15): each page is its own chunk (React.lazy in main.tsx and the
 * applications' portal entries), the manifest (.vite/manifest.json) lets `npm run size:portal`
 * add up what each page loads first, and every text file is written precompressed beside
 * itself (FILE.br, FILE.gz), which the portal server sends to browsers that accept them.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig, type Plugin } from 'vite'

/** Writes FILE.br (brotli, RFC 7932) and FILE.gz (gzip, RFC 1952) beside each text file of the build. */
function precompress(): Plugin {
  const text = /\.(js|css|html|svg|json|txt)$/
  return {
    name: 'govchain-precompress',
    apply: 'build',
    writeBundle(options) {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name)
          if (statSync(p).isDirectory()) {
            if (!name.startsWith('.')) walk(p)
            continue
          }
          if (!text.test(name)) continue
          const raw = readFileSync(p)
          if (raw.length < 1024) continue
          writeFileSync(`${p}.gz`, gzipSync(raw, { level: 9 }))
          writeFileSync(`${p}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
        }
      }
      if (options.dir !== undefined) walk(options.dir)
    },
  }
}

export default defineConfig({
  plugins: [react(), precompress()],
  base: '/',
  resolve: { conditions: ['development', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    // Everything is bundled: the portal runs on networks without internet access.
    assetsInlineLimit: 4096,
    chunkSizeWarningLimit: 2048,
    target: 'es2022',
    rollupOptions: {
      external: (id) => {
        if (id.startsWith('node:')) throw new Error(`node module ${id} must not reach the browser bundle`)
        return false
      },
    },
  },
  server: { port: 5173, strictPort: false },
})
