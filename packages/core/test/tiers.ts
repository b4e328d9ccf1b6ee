/** Which tier a shared property test runs in (scripts/test.mjs: the fast tier, or `npm test`). */
export type Tier = 'fast' | 'slow'

/**
 * A property's runs split between the tiers: the fast tier takes a fifth, the slow tier the rest,
 * so `npm test` still runs them all and `npm run test:unit` a smaller check of the same property.
 */
export function runsIn(tier: Tier, runs: number): number {
  const fast = Math.ceil(runs / 5)
  return tier === 'fast' ? fast : runs - fast
}
