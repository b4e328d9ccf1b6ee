/**
 * `govchain up` (issue 13, Low): two networks run side by side on the ports they are given, and a
 * node that dies is restarted with backoff while the rest of its network keeps running.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'govchain-up-'))
const ups: ChildProcess[] = []
after(async () => {
  for (const p of ups) if (p.exitCode === null) p.kill('SIGINT')
  await Promise.all(ups.map((p) => new Promise((r) => (p.exitCode !== null ? r(0) : p.once('exit', r)))))
  rmSync(root, { recursive: true, force: true })
})

async function height(apiPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${apiPort}/v1/status`, { signal: AbortSignal.timeout(2000) })
    return res.ok ? ((await res.json()) as { height: number }).height : -1
  } catch {
    return -1
  }
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn()) return
    await new Promise((r) => setTimeout(r, 300))
  }
  assert.fail(`timed out: ${what}`)
}

function startUp(dir: string, apiPort: number, p2pPort: number): { proc: ChildProcess; output: () => string } {
  const proc = spawn(
    process.execPath,
    [
      BIN,
      'up',
      '--dir',
      dir,
      '--nodes',
      '2',
      '--suite',
      'intl',
      '--no-demo',
      '--api-port',
      String(apiPort),
      '--p2p-port',
      String(p2pPort),
    ],
    // Not a development network: up initialises it with encrypted keys under this passphrase and
    // hands it to the nodes it starts (and restarts).
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOVCHAIN_PASSPHRASE: 'up test passphrase' } },
  )
  ups.push(proc)
  let text = ''
  proc.stdout!.on('data', (b: Buffer) => {
    text += b.toString()
  })
  proc.stderr!.on('data', (b: Buffer) => {
    text += b.toString()
  })
  return { proc, output: () => text }
}

describe('govchain up', { timeout: 240_000 }, () => {
  // Below the ephemeral range (32768-60999) and apart from the test networks' 20000-29999.
  const base = 10_000 + Math.floor(Math.random() * 90) * 100
  const a = { dir: join(root, 'a'), api: base, p2p: base + 20 }
  const b = { dir: join(root, 'b'), api: base + 40, p2p: base + 60 }
  let upA: ReturnType<typeof startUp>

  it('two networks side by side on the API and p2p ports they are given', async () => {
    upA = startUp(a.dir, a.api, a.p2p)
    const upB = startUp(b.dir, b.api, b.p2p)
    await until('both networks commit blocks on their own ports', async () => {
      const hs = await Promise.all([a.api, a.api + 1, b.api, b.api + 1].map(height))
      return hs.every((h) => h >= 2)
    })
    const netA = JSON.parse(readFileSync(join(a.dir, 'network.json'), 'utf8')) as {
      chainId: string
      nodes: { apiUrl: string; p2pAddress: string }[]
    }
    assert.deepEqual(
      netA.nodes.map((n) => [n.apiUrl, n.p2pAddress]),
      [
        [`http://127.0.0.1:${a.api}`, `127.0.0.1:${a.p2p}`],
        [`http://127.0.0.1:${a.api + 1}`, `127.0.0.1:${a.p2p + 1}`],
      ],
    )
    assert.equal(upB.proc.exitCode, null, upB.output())
  })

  it('a killed node is restarted with backoff; the rest of its network keeps running', async () => {
    const netA = JSON.parse(readFileSync(join(a.dir, 'network.json'), 'utf8')) as { nodes: { home: string }[] }
    const home = netA.nodes[1]!.home
    const pid = Number(
      execFileSync('pgrep', ['-f', `node start --home ${home}`], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    )
    assert.ok(pid > 0)
    process.kill(pid, 'SIGKILL')
    await until('the killed node is down', async () => (await height(a.api + 1)) === -1, 10_000)
    assert.ok((await height(a.api)) >= 2, 'the other node still answers')
    const before = await height(a.api)
    await until('the killed node is back and the network commits again', async () => {
      return (await height(a.api + 1)) > before
    })
    assert.equal(upA.proc.exitCode, null, 'up kept running')
    assert.match(upA.output(), /restarting it in 1 s/)
  })
})
