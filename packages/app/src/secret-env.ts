import { readFileSync } from 'node:fs'
import { type ErrorCode, GovchainError } from '@govchain/core'

/**
 * A secret given to this process: the environment variable `name`, or the first line of the file
 * `${name}_FILE` names (a secrets mount, a /dev/fd/N path). Undefined when neither is set; `code`
 * when the file cannot be read.
 */
export function secretFromEnvironment(name: string, code: ErrorCode): string | undefined {
  const direct = process.env[name]
  if (direct !== undefined && direct !== '') return direct
  const file = process.env[`${name}_FILE`]
  if (file === undefined || file === '') return undefined
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0]
  } catch {
    throw new GovchainError(code, `cannot read ${name}_FILE ${file}`)
  }
}
