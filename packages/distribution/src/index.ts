/**
 * The composition root: which applications a govchain consortium runs. Each application is a
 * package under packages/apps defining its module (defineModule: version, requires, routes,
 * what it provides); adding one to a consortium is one line here. A chain's set is fixed at
 * genesis; the node runs the modules its genesis names, from the list it is given.
 */
import { anchorApp } from '@govchain/anchor'
import { type Genesis, type Module, ModuleRegistry } from '@govchain/app'
import { catalogApp } from '@govchain/catalog'
import { evidenceApp } from '@govchain/evidence'
import { governanceApp } from '@govchain/governance'
import { identityApp } from '@govchain/identity'
import { invoiceApp } from '@govchain/invoice'
import { demoLicenseSection, licenseApp } from '@govchain/license'
import { serviceApp } from '@govchain/service'
import { sharingApp } from '@govchain/sharing'

export * from '@govchain/anchor'
export * from '@govchain/catalog'
export * from '@govchain/evidence'
export * from '@govchain/governance'
export * from '@govchain/identity'
export * from '@govchain/invoice'
export * from '@govchain/license'
export * from '@govchain/service'
export * from '@govchain/sharing'

/** Every built-in module, in registration order. */
export const BUILTIN_MODULES: readonly Module[] = [
  anchorApp,
  identityApp,
  governanceApp,
  catalogApp,
  sharingApp,
  licenseApp,
  invoiceApp,
  evidenceApp,
  serviceApp,
]

/** The modules a node offers unless told otherwise (the distribution's list). */
export function defaultModules(): readonly Module[] {
  return BUILTIN_MODULES
}

export function defaultModuleRegistry(): ModuleRegistry {
  return new ModuleRegistry(BUILTIN_MODULES)
}

/**
 * The default consortium's genesis sections: the demo licence catalogue for the demo
 * departments that are present. Configuration, not module code: `govchain init` writes it into
 * genesis.json, where a consortium edits or replaces it.
 */
export function demoSections(genesis: Genesis): Record<string, unknown> {
  return { license: demoLicenseSection(genesis.organisations) }
}
