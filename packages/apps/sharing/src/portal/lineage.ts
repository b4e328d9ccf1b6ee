/**
 * The walk over a resource's lineage (POST /v1/sharing/lineage, one page per call): the node pages
 * each kind (grants, receipts, refusals) by its own cursor, so the walk asks again for the kinds
 * not complete yet, keeps each item once, and gives up after LINEAGE_PAGES_MAX pages with the
 * coded SHARING_LINEAGE_TOO_LONG. Browser code.
 */
import { GovchainError } from '@govchain/core'
import type { WithProofs } from '@govchain/portal-kit'
import type { LineageAnswer } from '../views.ts'

/** Bound on the pages one lineage fetch walks (each kind pages by cursor on the node). */
export const LINEAGE_PAGES_MAX = 200

export type Lineage = WithProofs<LineageAnswer>
/** The cursors of the kinds not complete yet: the next page's `after`. */
export type LineageAfter = { grants?: string; receipts?: string; refusals?: string }

/**
 * Every page of a lineage, `page(after)` fetching one (the first with `after` undefined); a
 * lineage longer than LINEAGE_PAGES_MAX pages is refused with `tooLong` as the message.
 */
export async function walkLineage(
  page: (after: LineageAfter | undefined) => Promise<Lineage>,
  tooLong: string,
): Promise<Lineage[]> {
  const pages: Lineage[] = []
  let after: LineageAfter | undefined
  for (let n = 0; n < LINEAGE_PAGES_MAX; n++) {
    const p = await page(after)
    // Versions come whole on every page, and a kind already complete starts again from its
    // beginning when it is not in `after`: keep each item once.
    pages.push(
      after === undefined
        ? p
        : {
            ...p,
            versions: [],
            grants: after.grants === undefined ? [] : p.grants,
            receipts: after.receipts === undefined ? [] : p.receipts,
            refusals: after.refusals === undefined ? [] : p.refusals,
          },
    )
    const open = (k: 'grants' | 'receipts' | 'refusals') =>
      (after === undefined || after[k] !== undefined) && p.next[k] !== null
    const next: LineageAfter = {}
    for (const k of ['grants', 'receipts', 'refusals'] as const) if (open(k)) next[k] = p.next[k]!
    if (Object.keys(next).length === 0) return pages
    after = next
  }
  throw new GovchainError('SHARING_LINEAGE_TOO_LONG', tooLong, { pagesMax: LINEAGE_PAGES_MAX })
}
