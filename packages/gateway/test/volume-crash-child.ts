/**
 * Child of gateway-volume-crash.test.ts: reserves rows of one grant in the volume ledger and
 * reports on stdout (synchronously) every reservation whose promise has resolved, then is killed.
 *   self  <path> <grant>: ten reservations in one turn; on the first resolution it reports 1 and
 *         kills itself (SIGKILL) before anything else can run.
 *   loop  <path> <grant>: rounds of 1..20 reservations in one turn each, reporting the running
 *         total after each round, until the parent kills it.
 */
import { writeSync } from 'node:fs'
import { VolumeLedger } from '../src/volume.ts'

const [mode, path, grant] = process.argv.slice(2) as [string, string, string]
const ledger = new VolumeLedger(path)
const expiresMs = Date.now() + 3_600_000

if (mode === 'self') {
  for (let i = 0; i < 10; i++) {
    void ledger.reserve(grant, 1_000_000, 0, 1, expiresMs).then(() => {
      writeSync(1, 'resolved 1\n')
      process.kill(process.pid, 'SIGKILL')
    })
  }
} else {
  let total = 0
  for (;;) {
    const k = 1 + Math.floor(Math.random() * 20)
    const rows = await Promise.all(
      Array.from({ length: k }, () => ledger.reserve(grant, 1_000_000_000, 0, 1, expiresMs)),
    )
    total += rows.reduce((a, b) => a + b, 0)
    writeSync(1, `resolved ${total}\n`)
  }
}
