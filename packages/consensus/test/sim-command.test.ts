/**
 * The sim command in process (simCommand, which cli.ts wraps): the checks of sim-cli.slow.test.ts
 * without a process start each.
 */
import { simCommand } from '../src/sim/command.ts'
import { simCommandChecks } from './sim-command-checks.ts'

simCommandChecks('in process', (args) => {
  const out: string[] = []
  const err: string[] = []
  const status = simCommand(
    args,
    (line) => out.push(line),
    (line) => err.push(line),
  )
  return { status, stdout: out.join('\n'), stderr: err.join('\n') }
})
