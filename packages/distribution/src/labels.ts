/**
 * The names people read for the chain's codes (ADR 0042): each built-in application's event and
 * error labels (`@govchain/<name>/labels`) and the core catalogue's, by module. The explorer's
 * transaction page and the operations console import this entry, so the tables load with those
 * pages (their own chunk), never with the portal's home page. Browser code.
 */
import { ANCHOR_LABELS } from '@govchain/anchor/labels'
import type { Label, ModuleLabels } from '@govchain/app/ref'
import { CATALOG_LABELS } from '@govchain/catalog/labels'
import { CORE_ERROR_LABELS } from '@govchain/core/error-labels'
import { EVIDENCE_LABELS } from '@govchain/evidence/labels'
import { GOVERNANCE_LABELS } from '@govchain/governance/labels'
import { IDENTITY_LABELS } from '@govchain/identity/labels'
import { INVOICE_LABELS } from '@govchain/invoice/labels'
import { LICENSE_LABELS } from '@govchain/license/labels'
import { SERVICE_LABELS } from '@govchain/service/labels'
import { SHARING_LABELS } from '@govchain/sharing/labels'

/** The built-in modules' labels, by module name (the distribution's BUILTIN_MODULES). */
export const BUILTIN_LABELS: Readonly<Record<string, ModuleLabels>> = {
  identity: IDENTITY_LABELS,
  governance: GOVERNANCE_LABELS,
  anchor: ANCHOR_LABELS,
  catalog: CATALOG_LABELS,
  sharing: SHARING_LABELS,
  license: LICENSE_LABELS,
  invoice: INVOICE_LABELS,
  evidence: EVIDENCE_LABELS,
  service: SERVICE_LABELS,
}

const ERRORS: Readonly<Record<string, Label>> = Object.assign(
  {},
  CORE_ERROR_LABELS,
  ...Object.values(BUILTIN_LABELS).map((l) => l.errors),
)

const pick = (l: Label | undefined, lang: 'zh' | 'en'): string | undefined => l?.[lang === 'zh' ? 0 : 1]

/** The name of event `<module>.<type>` in `lang`, or undefined for an event no label names. */
export function eventLabel(lang: 'zh' | 'en', module: string, type: string): string | undefined {
  const events = BUILTIN_LABELS[module]?.events
  return events !== undefined && Object.hasOwn(events, type) ? pick(events[type], lang) : undefined
}

/** The name of an error code (core's or an application's) in `lang`, or undefined for an unknown code. */
export function errorLabel(lang: 'zh' | 'en', code: string): string | undefined {
  return Object.hasOwn(ERRORS, code) ? pick(ERRORS[code], lang) : undefined
}
