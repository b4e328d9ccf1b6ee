/**
 * A provider gateway's refusals: every one logged locally with its detail (refusals.jsonl, 0600,
 * rotated), and those of an identified, registered requester counted for the chain, one
 * `sharing.refusal` transaction per interval with a count per requester and code. The record
 * holds only what the chain holds already (organisations, a grant, the code, a count): never
 * anything the requester sent, nor a hash of it (issue 13, items 5 and 6).
 */
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { codec, type ErrorCode, toHex } from '@govchain/core'
import { REFUSAL_CODES, SHARING_LIMITS, SharingRefusalArgs } from '@govchain/sharing/schema'
import type { GatewayLogger } from './config.ts'

/** The gateway's local log of refusals, with their detail (never on chain). */
export const REFUSAL_LOG = 'refusals.jsonl'

/** Refusals of one requester with one code in the current interval. */
interface RefusalGroup {
  consumerOrg: string
  code: ErrorCode
  grantId?: Uint8Array
  count: number
  firstMs: number
  lastMs: number
}

/** A refused request, as the provider knows it when it refuses. */
export interface Refusal {
  code: ErrorCode
  /** For the requester and the local log only; never on chain. */
  message: string
  consumerOrg?: string
  grantId?: Uint8Array
  resourceId?: string
  /** The local log's: the department can match a requester's complaint to its line. Never on chain. */
  requestHash?: Uint8Array
}

/**
 * Refusals recorded on chain: the sharing module's list. The others (no identified requester,
 * spam controls, oversize, internal faults) stay in the local log.
 */
const RECORDED_REFUSALS: ReadonlySet<string> = new Set(REFUSAL_CODES)

export interface RefusalLogOptions {
  /** The gateway folder (the log's home). */
  dir: string
  /** This provider's organisation (the record's providerOrg). */
  orgId: string
  /** Submits the interval's record (`sharing.refusal`); resolves with the transaction hash. */
  submit(args: Uint8Array): Promise<string>
  logger: GatewayLogger
  intervalMs: number
  logBytesMax: number
  /** Runs a background task the gateway waits for when it stops. */
  track(p: Promise<unknown>): void
}

export class RefusalLog {
  /** Refusals counted for the chain, per requester and code, until the interval ends. */
  private readonly groups = new Map<string, RefusalGroup>()
  /** Bytes in the local log (rotated at logBytesMax); -1 until read. */
  private logBytes = -1
  private timer: NodeJS.Timeout | undefined
  private stopping = false

  constructor(private readonly o: RefusalLogOptions) {}

  /** Logs a refusal locally and, when its requester is identified and its code recorded, counts it for the chain. */
  refuse(r: Refusal): void {
    const line = {
      timeMs: Date.now(),
      code: r.code,
      message: r.message,
      consumerOrg: r.consumerOrg ?? null,
      grantId: r.grantId === undefined ? null : toHex(r.grantId),
      resourceId: r.resourceId ?? null,
      requestHash: r.requestHash === undefined ? null : toHex(r.requestHash),
    }
    this.append(`${JSON.stringify(line)}\n`)
    this.o.logger.warn(line, 'refused')
    if (r.consumerOrg === undefined || !RECORDED_REFUSALS.has(r.code)) return
    this.count({
      consumerOrg: r.consumerOrg,
      code: r.code,
      ...(r.grantId === undefined ? {} : { grantId: r.grantId }),
      count: 1,
      firstMs: line.timeMs,
      lastMs: line.timeMs,
    })
    this.timer ??= setTimeout(() => this.o.track(this.flush()), this.o.intervalMs)
  }

  /** Adds to the interval's count of a requester and code (bounded: beyond, the local log only). */
  private count(g: RefusalGroup): void {
    const key = `${g.consumerOrg}\n${g.code}`
    const group = this.groups.get(key)
    if (group === undefined) {
      if (this.groups.size >= SHARING_LIMITS.refusalCounts) return
      this.groups.set(key, { ...g })
      return
    }
    group.count += g.count
    group.firstMs = Math.min(group.firstMs, g.firstMs)
    group.lastMs = Math.max(group.lastMs, g.lastMs)
    // A group mixing grants names none of them.
    if (group.grantId !== undefined && (g.grantId === undefined || toHex(g.grantId) !== toHex(group.grantId))) {
      delete group.grantId
    }
  }

  /**
   * Appends to the local refusal log, rotating it to refusals.jsonl.1 (the one before is
   * dropped) at refusalLogBytesMax: junk from anyone who reaches the port fills no disk.
   */
  private append(text: string): void {
    const path = join(this.o.dir, REFUSAL_LOG)
    try {
      if (this.logBytes < 0) this.logBytes = existsSync(path) ? statSync(path).size : 0
      const bytes = Buffer.byteLength(text)
      if (this.logBytes > 0 && this.logBytes + bytes > this.o.logBytesMax) {
        renameSync(path, `${path}.1`)
        this.logBytes = 0
      }
      appendFileSync(path, text, { mode: 0o600 })
      this.logBytes += bytes
    } catch (e) {
      this.o.logger.warn({ err: String(e) }, 'cannot append to refusals.jsonl')
    }
  }

  /**
   * Records the interval's counted refusals on chain now, in one transaction (the timer calls it
   * once per refusalIntervalMs at most). Counts that cannot be submitted (node unreachable) are
   * kept for the next interval. Returns the transaction hash, if anything was counted.
   */
  async flush(): Promise<string | undefined> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const groups = [...this.groups.values()]
    this.groups.clear()
    if (groups.length === 0) return undefined
    try {
      const args = codec.encode(SharingRefusalArgs, {
        providerOrg: this.o.orgId,
        fromMs: Math.min(...groups.map((g) => g.firstMs)),
        toMs: Math.max(...groups.map((g) => g.lastMs)),
        counts: groups.map((g) => ({
          consumerOrg: g.consumerOrg,
          code: g.code,
          ...(g.grantId === undefined ? {} : { grantId: g.grantId }),
          count: g.count,
        })),
      })
      return await this.o.submit(args)
    } catch (e) {
      const total = groups.reduce((n, g) => n + g.count, 0)
      this.o.logger.warn(
        { err: String(e), refusals: total },
        'cannot record refusals on chain: kept for the next interval',
      )
      for (const g of groups) this.count(g)
      if (!this.stopping) this.timer ??= setTimeout(() => this.o.track(this.flush()), this.o.intervalMs)
      return undefined
    }
  }

  /** Stops arming the timer; the gateway flushes once more as it stops. */
  stop(): void {
    this.stopping = true
  }
}
