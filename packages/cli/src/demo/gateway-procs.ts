/**
 * Gateway child processes (`govchain gateway start --home …`) for tests, benchmarks and `govchain up`.
 *
 * Node.js flags for the children (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the
 * gateways) come from the environment variable GOVCHAIN_GATEWAY_NODE_ARGS (split on spaces), as
 * GOVCHAIN_NODE_ARGS does for the nodes (testnet.ts). A profile is written when a gateway exits
 * cleanly (stop(): SIGTERM).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GovchainError } from '@govchain/core'

const BIN = fileURLToPath(new URL('../../bin/govchain.js', import.meta.url))
/** How long a gateway may take to say it is ready; GOVCHAIN_TESTNET_START_MS raises it on a loaded machine. */
const START_TIMEOUT_MS = Math.max(30_000, Number(process.env.GOVCHAIN_TESTNET_START_MS ?? 0))

export interface GatewayProcess {
  orgId: string
  child: ChildProcess
  url: string
  localUrl: string
  log(): string
  stop(): Promise<void>
}

/** Starts `govchain gateway start --home nodeHome`; resolves when it prints "gateway ready". */
export function startGatewayProcess(orgId: string, nodeHome: string, logDir?: string): Promise<GatewayProcess> {
  const nodeArgs = (process.env.GOVCHAIN_GATEWAY_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0)
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'gateway', 'start', '--home', nodeHome], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const chunks: string[] = []
  const keep = (c: Buffer) => {
    chunks.push(c.toString('utf8'))
    if (chunks.length > 5000) chunks.splice(0, 1000)
    if (logDir !== undefined) appendFileSync(join(logDir, `gateway-${orgId}.log`), c)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    // A gateway records its pending receipts before it exits; past that, it is stuck.
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(killer)
  }
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      void stop()
      fail(new GovchainError('GATEWAY_UNREACHABLE', `${orgId} gateway did not start: ${chunks.join('').slice(-2000)}`))
    }, START_TIMEOUT_MS)
    const onData = () => {
      const text = chunks.join('')
      const line = text.split('\n').find((l) => l.includes('"gateway ready"'))
      if (line === undefined) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      const j = JSON.parse(line) as { url: string; localUrl: string }
      ok({ orgId, child, url: j.url, localUrl: j.localUrl, log: () => chunks.join(''), stop })
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(
        new GovchainError('GATEWAY_UNREACHABLE', `${orgId} gateway exited (${code}): ${chunks.join('').slice(-2000)}`),
      )
    })
  })
}
