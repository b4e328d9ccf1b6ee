/**
 * The module's portal pages (`@govchain/service/portal`, ADR 0020), listed by the distribution
 * (@govchain/distribution/portal): the portal routes `/service` here and lists it in its
 * navigation and on its home page. Strings come from the messages below, in zh and en.
 */
import { Card, type Messages, type PortalPage, withMessages } from '@govchain/portal-kit'

export const SERVICE_MESSAGES = {
  'service.title': ['service', 'service'],
  'service.lead': ['本应用的页面（由模板生成）。', "This application's page (from the template)."],
} as const satisfies Messages

const { useApp } = withMessages(SERVICE_MESSAGES)

export function ServicePage() {
  const { t } = useApp()
  return (
    <div className="page">
      <h1>{t('service.title')}</h1>
      <Card>
        <p>{t('service.lead')}</p>
      </Card>
    </div>
  )
}

export const servicePages: readonly PortalPage[] = [
  {
    path: '/service',
    nav: {
      label: { zh: 'service', en: 'service' },
      description: {
        zh: '一网通办: service items, cases with consent-scoped data pulls, one-thing bundles',
        en: '一网通办: service items, cases with consent-scoped data pulls, one-thing bundles',
      },
      icon: 'S',
    },
    component: () => <ServicePage />,
    messages: SERVICE_MESSAGES,
  },
]
