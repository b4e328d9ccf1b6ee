/** Option parsers several commands share. */
import { InvalidArgumentError, Option } from 'commander'

export function parseIntArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be ${min}..${max}`)
    return n
  }
}

export const suiteOption = () =>
  new Option('--suite <suite>', 'crypto suite: gm (SM2/SM3/SM4) or intl (Ed25519/SHA-256/AES-GCM)')
    .choices(['gm', 'intl'])
    .default('gm')
