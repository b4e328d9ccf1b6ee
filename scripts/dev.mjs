// `node --import ./scripts/dev.mjs file.ts`: run govchain from its TypeScript sources (the
// "development" export condition, then tsx to load .ts). Tests, benchmarks and `npm start` use it.
import { register } from 'node:module'
import { register as registerTsx } from 'tsx/esm/api'

register('../packages/cli/bin/dev-conditions.mjs', import.meta.url)
registerTsx()
