/**
 * The licence application's portal pages (`@govchain/license/portal`, ADR 0020): verification
 * for anyone, the holder's wallet, the issuer console. The portal lists them from
 * `@govchain/distribution/portal` and builds its routes, navigation and home page from them.
 */
import type { PortalPage } from '@govchain/portal-kit'
import { lazy } from 'react'
import { LICENSE_MESSAGES } from './portal/messages.ts'

// Each page is its own chunk (issue 15, page weight): QR drawing, credential checks and PDF
// printing load with the page that uses them, not with the portal's home page.
const VerifyPage = lazy(() => import('./portal/Verify.tsx').then((m) => ({ default: m.VerifyPage })))
const WalletPage = lazy(() => import('./portal/Wallet.tsx').then((m) => ({ default: m.WalletPage })))
const IssuerPage = lazy(() => import('./portal/Issuer.tsx').then((m) => ({ default: m.IssuerPage })))

export { LICENSE_MESSAGES }

export const licensePages: readonly PortalPage[] = [
  {
    path: '/verify',
    nav: {
      label: { zh: '证照核验', en: 'Verify' },
      description: {
        zh: '粘贴、上传证照或二维码，秒级核验真伪与状态',
        en: 'Paste or upload a licence or QR code and check it in seconds',
      },
      icon: '验',
    },
    component: () => <VerifyPage />,
    messages: LICENSE_MESSAGES,
  },
  {
    path: '/wallet',
    nav: {
      label: { zh: '我的证照', en: 'My licences' },
      description: {
        zh: '查看本人证照，出示二维码，授权部门用证',
        en: 'Your licences, QR codes, and consent to their use',
      },
      icon: '证',
    },
    component: () => <WalletPage />,
    messages: LICENSE_MESSAGES,
  },
  {
    path: '/issuer',
    nav: {
      label: { zh: '发证管理', en: 'Issuer console' },
      description: {
        zh: '签发、变更、延续、暂停、注销电子证照',
        en: 'Issue, amend, renew, suspend and revoke e-licences',
      },
      icon: '发',
    },
    component: () => <IssuerPage />,
    messages: LICENSE_MESSAGES,
  },
]
