import { test } from 'node:test'
import { assertWithinBound } from './within-bound.ts'

test('within the fault bound: seeds 41..240 (1..40 in the fast tier), no violation of any kind', () => {
  assertWithinBound(41, 240)
})
