/**
 * The identity application's portal page (`@govchain/identity/portal`, ADR 0020, ADR 0032):
 *
 *   登记工作人员  a department administrator (admin role), signed in with their own key, registers
 *                an officer's public key (identity.addOfficer). The officer made the key in their
 *                own browser (sign-in page) and handed over its public key as text or QR; the
 *                private key never leaves that browser.
 */
import type { PortalPage } from '@govchain/portal-kit'
import { lazy } from 'react'
import { IDENTITY_MESSAGES } from './portal/messages.ts'

export { IDENTITY_MESSAGES }

// Its own chunk (issue 15, page weight): loaded when the page is first visited.
const EnrolPage = lazy(() => import('./portal/EnrolPage.tsx').then((m) => ({ default: m.EnrolPage })))

export const identityPages: readonly PortalPage[] = [
  {
    path: '/officers/enrol',
    nav: {
      label: { zh: '登记工作人员', en: 'Enrol officer' },
      description: {
        zh: '管理员把工作人员浏览器生成的公钥登记到链上',
        en: 'An administrator registers the public key an officer made in their browser',
      },
      icon: '登',
    },
    visibleTo: ['officer'],
    component: () => <EnrolPage />,
    messages: IDENTITY_MESSAGES,
  },
]
