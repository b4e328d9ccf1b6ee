/**
 * A vector runner that cannot silently skip: each group declares how many vector checks it must
 * execute, and `done()` fails the test if fewer (or more) ran than declared.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fromHex } from '../../src/bytes.ts'

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as T
}

export const hx = (s: string): Uint8Array => fromHex(s)

export class VectorRun {
  private executed = 0
  constructor(
    readonly group: string,
    readonly expected: number,
  ) {}

  /** Runs one vector check; counts it only if it ran to the end. */
  check(name: string, f: () => void): void {
    try {
      f()
    } catch (e) {
      if (e instanceof Error) e.message = `[${this.group}] ${name}: ${e.message}`
      throw e
    }
    this.executed++
  }

  async checkAsync(name: string, f: () => Promise<void>): Promise<void> {
    try {
      await f()
    } catch (e) {
      if (e instanceof Error) e.message = `[${this.group}] ${name}: ${e.message}`
      throw e
    }
    this.executed++
  }

  done(): void {
    assert.equal(
      this.executed,
      this.expected,
      `${this.group}: executed ${this.executed} vector checks, expected ${this.expected}`,
    )
  }
}
