/**
 * The consortium's vocabulary, shared by the genesis document (@govchain/app) and the identity
 * application: administrative levels, officer roles and the identifier formats departments use.
 * It lives in core because both the chain's genesis and the browser-side clients need it and
 * neither may depend on the other.
 */

/** Officer roles. admin manages its organisation's officers; the others act for modules. */
export const ROLES = ['admin', 'issuer', 'approver', 'auditor', 'registrar'] as const
export type Role = (typeof ROLES)[number]

/** Administrative level (跨层级): the consortium spans national, provincial, city and district bodies. */
export const ADMIN_LEVELS = ['national', 'province', 'city', 'district'] as const
export type AdminLevel = (typeof ADMIN_LEVELS)[number]

/** Organisation and officer ids: lowercase, short, safe in URLs and state keys. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** GB/T 2260 administrative division code: six digits. */
export const REGION_CODE_PATTERN = /^[1-9][0-9]{5}$/
/** Unified social credit code (GB 32100-2015): 18 characters of the code alphabet. */
export const CREDIT_CODE_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** The check character of a credit code's first 17 characters (GB 32100-2015 §4.5, mod 31). */
function creditCodeCheck(body: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(body[i]!) * USCC_WEIGHTS[i]!
  return USCC_CHARS[(31 - (sum % 31)) % 31]!
}

/** A unified social credit code (GB 32100-2015) with a correct check character, for demo departments. */
export function demoCreditCode(index: number, regionCode = '110108'): string {
  // 1 = registration authority: organisation establishment (机关), 1 = organ; then the region (GB/T 2260).
  const body = `11${regionCode}${String(10_000_000 + index * 7919).slice(-8)}0`
  return body + creditCodeCheck(body)
}

/** A unified social credit code of the right form whose check character is right (GB 32100-2015). */
export function isCreditCode(code: string): boolean {
  return CREDIT_CODE_PATTERN.test(code) && creditCodeCheck(code) === code[17]
}
