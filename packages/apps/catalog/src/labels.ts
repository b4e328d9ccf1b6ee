/**
 * What people read for the `catalog` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/catalog/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { CATALOG_ERRORS } from './schema.ts'

const events = {
  publish: ['发布数据资源', 'Data resource published'],
  gateway: ['登记数据网关', 'Data gateway registered'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof CATALOG_ERRORS, Label> = {
  CATALOG_NOT_FOUND: ['数据资源或版本不存在', 'No such catalogue resource or version'],
  CATALOG_GATEWAY_NOT_FOUND: ['该机构未登记数据网关', 'The organisation has no registered data gateway'],
  CATALOG_BAD_RESOURCE: ['数据资源描述不正确', 'Resource description is invalid'],
  CATALOG_OWNER_MISMATCH: ['该资源属于其他机构', 'The resource belongs to another organisation'],
}

export const CATALOG_LABELS: ModuleLabels = { events, errors }
