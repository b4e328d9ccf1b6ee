/**
 * The service hall's portal page (`@govchain/service/portal`, ADR 0020; docs/service.md):
 *
 *   办事大厅   items with search; each item's guide marks what the citizen need not submit
 *   申请       the consent screen: every pull with its source department and purpose; the
 *              applicant signs with their own key
 *   我的办件   the applicant's cases (a signed query), each with its timeline
 *   办件审批   the officer's queue: 受理 / 退回, the case's pulls through the department's own
 *              gateway (for the accepting officer only), 批准 (issuing the item's licence) or
 *              不予批准 after a confirmation, 办结; an approval's licence is handed to the
 *              applicant (the portal's credential mailbox, as the issuer console does)
 *   (result)   the applicant's case card shows the issued licence and puts it into the wallet
 *              on this device (放入卡包), read from the mailbox with the holder's signed query
 */
import type { PortalPage } from '@govchain/portal-kit'
import { lazy } from 'react'
import { SERVICE_MESSAGES } from './portal/messages.ts'
import { PUBLISH_MESSAGES } from './portal/publish-messages.ts'

export { SERVICE_MESSAGES }

// Its own chunk (issue 15, page weight): loaded when the page is first visited.
const ServicePage = lazy(() => import('./portal/ServicePage.tsx').then((m) => ({ default: m.ServicePage })))

export const servicePages: readonly PortalPage[] = [
  {
    path: '/service',
    nav: {
      label: { zh: '一网通办', en: 'Service hall' },
      description: {
        zh: '办事大厅：申请一次，材料部门间调取，办件进度与数据调取全程可查',
        en: 'Apply once; materials pulled between departments; follow your case and every pull',
      },
      icon: '办',
    },
    component: () => <ServicePage />,
    messages: { ...SERVICE_MESSAGES, ...PUBLISH_MESSAGES },
  },
]
