#!/usr/bin/env node
// The packages run from their TypeScript sources (docs/adr/0001): register tsx, then run the CLI.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exitCode = await main(process.argv)
