/**
 * The command registrars of the built-in applications, beside BUILTIN_MODULES (index.ts): the
 * govchain CLI registers each with its CliContext (`@govchain/app/cli`, ADR 0020). A separate
 * entry point, so a node that imports the distribution's modules never loads commander.
 */
import { registerCommands as anchorCommands } from '@govchain/anchor/cli'
import type { CliApp } from '@govchain/app/cli'
import { registerCommands as evidenceCommands } from '@govchain/evidence/cli'
import { registerCommands as governanceCommands } from '@govchain/governance/cli'
import { registerCommands as identityCommands } from '@govchain/identity/cli'
import { registerCommands as invoiceCommands } from '@govchain/invoice/cli'
import { registerCommands as licenseCommands } from '@govchain/license/cli'
import { registerCommands as serviceCommands } from '@govchain/service/cli'

/** Applications with commands, in the order `govchain --help` lists them. */
export const BUILTIN_CLI: readonly CliApp[] = [
  { name: 'anchor', registerCommands: anchorCommands },
  { name: 'identity', registerCommands: identityCommands },
  { name: 'governance', registerCommands: governanceCommands },
  { name: 'license', registerCommands: licenseCommands },
  { name: 'invoice', registerCommands: invoiceCommands },
  { name: 'evidence', registerCommands: evidenceCommands },
  { name: 'service', registerCommands: serviceCommands },
]
