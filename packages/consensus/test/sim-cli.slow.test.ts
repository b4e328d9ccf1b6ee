/**
 * The sim command as a process (slow tier: six process starts): exit statuses and output through
 * cli.ts. sim-command.test.ts runs the same checks in process, in the fast tier.
 */
import { spawnSync } from 'node:child_process'
import { simCommandChecks } from './sim-command-checks.ts'

const cli = new URL('../src/sim/cli.ts', import.meta.url).pathname

simCommandChecks('a process', (args) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 120_000 }),
)
