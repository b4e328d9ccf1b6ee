/**
 * The volume ledger's group commit (volume.ts, issue 19) keeps the guarantee that no answer
 * leaves before its reservation is durable: a child reserves rows and is killed (kill -9) right
 * after reservations resolve, and the reopened ledger holds at least every row it saw resolved.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { VolumeLedger } from '../src/volume.ts'

const root = mkdtempSync(join(tmpdir(), 'govchain-volume-crash-'))
after(() => rmSync(root, { recursive: true, force: true }))
const childPath = new URL('./volume-crash-child.ts', import.meta.url).pathname

/** Runs the child; kills it `killAfterReports` reports in (unless it kills itself); the last total it reported. */
function run(mode: 'self' | 'loop', path: string, grant: string, killAfterReports = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-C', 'development', '--import', 'tsx', childPath, mode, path, grant], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buf = ''
    let last = 0
    let reports = 0
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const m = /^resolved (\d+)$/.exec(buf.slice(0, nl))
        buf = buf.slice(nl + 1)
        nl = buf.indexOf('\n')
        if (m === null) continue
        last = Number(m[1])
        reports++
        if (mode === 'loop' && reports === killAfterReports) child.kill('SIGKILL')
      }
    })
    child.on('error', reject)
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended without kill -9 (${signal}): ${stderr}`))
      resolve(last)
    })
  })
}

const grantOf = (n: number) => n.toString(16).padStart(64, '0')

it('a reservation that resolved is on disk after kill -9, and the whole group with it', async () => {
  const path = join(root, 'self.sqlite')
  const reported = await run('self', path, grantOf(1))
  assert.equal(reported, 1)
  const ledger = new VolumeLedger(path)
  try {
    // The child killed itself on the first resolution: the ten of its one turn were one commit.
    assert.equal(ledger.used(grantOf(1), 0), 10)
  } finally {
    ledger.close()
  }
})

it('killed at random points between rounds of grouped reservations: every reported row is kept', async () => {
  const path = join(root, 'loop.sqlite')
  let floor = 0
  for (const [i, reports] of [3, 17].entries()) {
    const reported = await run('loop', path, grantOf(2), reports)
    const ledger = new VolumeLedger(path)
    try {
      const used = ledger.used(grantOf(2), 0)
      // Reported rows are durable (rounds committed after the last report may be there too).
      assert.ok(used >= floor + reported, `round ${i}: ${used} rows kept, ${floor + reported} reported`)
      floor = used
    } finally {
      ledger.close()
    }
  }
})
