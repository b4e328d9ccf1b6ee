// Module resolution hook that adds the "development" export condition, so @govchain/* packages
// resolve to their TypeScript sources (package.json "exports": development → ./src/*.ts) in a
// checkout, without building dist/. Registered by packages/cli/bin/govchain.js in source mode and
// by scripts/dev.mjs; equivalent to `node --conditions=development`.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('development')
    ? context.conditions
    : [...context.conditions, 'development']
  return nextResolve(specifier, { ...context, conditions })
}
