/**
 * The data-sharing application's portal page (`@govchain/sharing/portal`, ADR 0020): the
 * catalogue, requests and approvals, "who used my data" and the audit trail, one tab per path
 * below /sharing. The portal lists it from `@govchain/distribution/portal`.
 */
import type { PortalPage } from '@govchain/portal-kit'
import { lazy } from 'react'
import { SHARING_MESSAGES } from './portal/messages.ts'

// Its own chunk (issue 15, page weight): loaded when the page is first visited.
const SharingPage = lazy(() => import('./portal/Sharing.tsx').then((m) => ({ default: m.SharingPage })))

export { SHARING_MESSAGES }

export const sharingPages: readonly PortalPage[] = [
  {
    path: '/sharing',
    subpaths: true,
    nav: {
      label: { zh: '数据共享', en: 'Data sharing' },
      description: {
        zh: '数据目录、共享申请与审批、数据使用记录',
        en: 'Data catalogue, requests and approvals, use records',
      },
      icon: '享',
    },
    component: ({ subpath }) => <SharingPage tab={subpath || 'catalog'} />,
    messages: SHARING_MESSAGES,
  },
]
