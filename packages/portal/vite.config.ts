/**
 * Vite build of the portal. The SDK and core are TypeScript sources (their package.json
 * exports ./src/index.ts); Vite compiles them like our own files. Core picks its crypto
 * through the "#crypto-platform" import condition: a client build resolves without the
 * "node" condition, so the pure-JS suites are bundled and never node:crypto or the SM2
 * native addon (build fails loudly if a node: module sneaks in, see `external` below).
 */
import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  plugins: [react()],
  base: '/',
  resolve: { conditions: ['development', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
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
