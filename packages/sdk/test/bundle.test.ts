import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

// The SDK must bundle for browsers without any node: module (see scripts/size.mjs, `npm run size:sdk`).
test('the SDK bundles for the browser with no node: imports', () => {
  const script = fileURLToPath(new URL('../scripts/size.mjs', import.meta.url))
  const r = spawnSync(process.execPath, [script, '--json'], { encoding: 'utf8' })
  assert.equal(r.status, 0, `size check failed:\n${r.stdout}\n${r.stderr}`)
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    minBytes: number
    minGzipBytes: number
    txOnlyMinBytes: number
    problems: string[]
  }
  assert.deepEqual(report.problems, [])
  assert.ok(report.minBytes > 0)
  // Tree-shaking works: buildTx alone is smaller than the whole SDK (the client and light client drop out).
  assert.ok(report.txOnlyMinBytes < report.minBytes, JSON.stringify(report))
  console.log(`sdk bundle: ${report.minBytes} B minified, ${report.minGzipBytes} B min+gzip`)
})
