/**
 * The evidence application's portal page (`@govchain/evidence/portal`, ADR 0020):
 *
 *   存证     an officer or a verified DID records a file (hashed here, never uploaded) and gets
 *            its certificate: the QR with the proof, and the JSON to download
 *   核验文件  anyone checks a file against the chain: who recorded it, when, which version
 *   核验证书  anyone checks a certificate (and the file it is for): in this browser against the
 *            trusted validator set when the portal has one, and by the node's check interface
 */
import type { PortalPage } from '@govchain/portal-kit'
import { lazy } from 'react'
import { EVIDENCE_MESSAGES } from './portal/messages.ts'

export { EVIDENCE_MESSAGES }

// Its own chunk (issue 15, page weight): loaded when the page is first visited.
const EvidencePortalPage = lazy(() =>
  import('./portal/EvidencePage.tsx').then((m) => ({ default: m.EvidencePortalPage })),
)

export const evidencePages: readonly PortalPage[] = [
  {
    path: '/evidence',
    nav: {
      label: { zh: '电子存证', en: 'Evidence' },
      description: {
        zh: '存证取证书；核验文件与存证证书',
        en: 'Record a file and get its certificate; check files and certificates',
      },
      icon: '存',
    },
    component: () => <EvidencePortalPage />,
    messages: EVIDENCE_MESSAGES,
  },
]
