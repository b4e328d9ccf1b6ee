/**
 * Recorded-chain extension for the evidence module (issue 17): an officer's item and its next
 * version, a fork refused, an unverified DID refused, a batch of documents and an empty one
 * refused.
 */
import { merkleRoot } from '@govchain/core'
import { EvidenceBatchArgs, EvidenceSubmitArgs } from '@govchain/evidence/schema'
import { CreateDidArgs } from '@govchain/identity/schema'
import type { Extension } from './extension.ts'

export const evidenceExtension: Extension = {
  name: 'evidence',
  record(ctx) {
    const { rec, suite, key, admin, h } = ctx
    const t = rec.tx.bind(rec)
    const unverified = key('evidence-unverified-citizen')
    rec.block(60_000, [t(unverified, 'identity.createDid', CreateDidArgs, {}, 'OK', 'a DID nobody verified')])
    const v1 = t(
      admin.market,
      'evidence.submit',
      EvidenceSubmitArgs,
      { kind: 'penalty-file', contentHash: h('penalty file v1'), caseRef: '京市监罚〔2026〕12号' },
      'OK',
      'an officer records a penalty file',
    )
    rec.block(60_000, [
      v1,
      t(
        unverified,
        'evidence.submit',
        EvidenceSubmitArgs,
        { kind: 'screenshot', contentHash: h('screenshot') },
        'EVIDENCE_SUBMITTER_UNVERIFIED',
        'an unverified DID cannot submit',
      ),
    ])
    const docs = Array.from({ length: 5 }, (_, i) => h(`batch document ${i}`))
    rec.block(60_000, [
      t(
        admin.market,
        'evidence.submit',
        EvidenceSubmitArgs,
        { kind: 'penalty-file', contentHash: h('penalty file v2'), previous: v1.hash },
        'OK',
        'its second version',
      ),
      t(
        admin.market,
        'evidence.submit',
        EvidenceSubmitArgs,
        { kind: 'penalty-file', contentHash: h('penalty file v2b'), previous: v1.hash },
        'EVIDENCE_VERSION_FORK',
        'a second successor of v1: a fork',
      ),
      t(
        admin.tax,
        'evidence.batch',
        EvidenceBatchArgs,
        { kind: 'document', root: merkleRoot((d) => suite.hash(d), docs), count: docs.length },
        'OK',
        'a batch of five documents',
      ),
      t(
        admin.tax,
        'evidence.batch',
        EvidenceBatchArgs,
        { kind: 'document', root: h('empty'), count: 0 },
        'EVIDENCE_BAD_BATCH',
        'an empty batch',
      ),
    ])
  },
}
