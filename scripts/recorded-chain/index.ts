/**
 * Recorded-chain extensions, in the order they are appended (docs/recorded-chain.md). A new
 * module adds one file here exporting an Extension and one line below, then runs
 * `npm run record:chain -- --extend`; the blocks already recorded stay byte-identical.
 */

import { approveAndCompleteExtension } from './approve-and-complete.ts'
import { attestationsExtension } from './attestations.ts'
import { evidenceExtension } from './evidence.ts'
import type { Extension } from './extension.ts'
import { invoiceExtension } from './invoice.ts'
import { observersExtension } from './observers.ts'
import { proposalEvidenceExtension } from './proposal-evidence.ts'
import { receiptBatchesExtension } from './receipt-batches.ts'
import { revokedCertificatesExtension } from './revoked-certificates.ts'
import { serviceExtension } from './service.ts'
import { timestampsExtension } from './timestamps.ts'

export const EXTENSIONS: readonly Extension[] = [
  invoiceExtension,
  evidenceExtension,
  serviceExtension,
  timestampsExtension,
  attestationsExtension,
  proposalEvidenceExtension,
  observersExtension,
  revokedCertificatesExtension,
  receiptBatchesExtension,
  approveAndCompleteExtension,
]
