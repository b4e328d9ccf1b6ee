/**
 * `govchain init`: a local consortium (organisation CAs and keys, node homes, genesis,
 * network.json) from flags or a consortium file (docs/operations.md).
 */
import type { SuiteName } from '@govchain/core'
import { defaultModules, demoSections } from '@govchain/distribution'
import { initNetwork, type NetworkFile } from '@govchain/node'
import type { Command } from 'commander'
import { loadConsortiumConfig } from '../consortium-config.ts'
import { passphraseForNewKeys } from '../passphrase.ts'
import { parseIntArg, suiteOption } from './options.ts'

export function registerInitCommand(program: Command, out: (line: string) => void): void {
  program
    .command('init')
    .description('create a local consortium: organisation CAs and keys, node homes, genesis, network.json')
    .option('--orgs <n>', 'number of departments (validators)', parseIntArg('--orgs', 1, 11), 4)
    .addOption(suiteOption())
    .option('--dir <dir>', 'target folder', '.govchain')
    .option('--chain-id <id>', 'chain id (default govchain-local-<suite>)')
    .option('--host <host>', 'address nodes listen on and advertise', '127.0.0.1')
    .option('--hosts <list>', 'comma-separated address of each node, for a network over several machines')
    .option('--api-port <port>', 'first API port', parseIntArg('--api-port', 1, 65535), 7701)
    .option('--p2p-port <port>', 'first p2p port', parseIntArg('--p2p-port', 1, 65535), 7801)
    .option(
      '--dev',
      'a development network: plain key files, and its demo portal may serve demo keys (never for production); ' +
        'without it every private key is written encrypted under GOVCHAIN_PASSPHRASE (or one typed at the prompt)',
    )
    .option(
      '--config <file>',
      'a consortium file (YAML: departments, regions, levels, suite, chain id, ports, licence types); ' +
        'it replaces --orgs, --suite, --chain-id, --host(s) and the ports (docs/operations.md)',
    )
    .action(async (o) => {
      const passphrase = o.dev === true ? undefined : await passphraseForNewKeys()
      const custody = passphrase === undefined ? {} : { passphrase }
      if (o.config !== undefined) {
        const c = loadConsortiumConfig(o.config, demoSections)
        out(`consortium from ${o.config}: ${c.departments.length} departments, suite ${c.suite}`)
        const net = await initNetwork({
          dev: o.dev === true,
          ...custody,
          modules: defaultModules(),
          sections: c.sections,
          dir: o.dir,
          orgs: c.departments.length,
          departments: c.departments,
          suite: c.suite,
          ...(c.chainId === undefined ? {} : { chainId: c.chainId }),
          ...(c.host === undefined ? {} : { host: c.host }),
          ...(c.hosts === undefined ? {} : { hosts: c.hosts }),
          ...(c.apiPort === undefined ? {} : { apiBasePort: c.apiPort }),
          ...(c.p2pPort === undefined ? {} : { p2pBasePort: c.p2pPort }),
          ...(c.params === undefined ? {} : { params: c.params }),
          onProgress: out,
        })
        printNetwork(net, out)
        return
      }
      const net = await initNetwork({
        dev: o.dev === true,
        ...custody,
        modules: defaultModules(),
        sections: demoSections,
        dir: o.dir,
        orgs: o.orgs,
        suite: o.suite as SuiteName,
        host: o.host,
        apiBasePort: o.apiPort,
        p2pBasePort: o.p2pPort,
        ...(o.chainId ? { chainId: o.chainId } : {}),
        ...(o.hosts
          ? {
              hosts: String(o.hosts)
                .split(',')
                .map((h: string) => h.trim()),
            }
          : {}),
        onProgress: out,
      })
      printNetwork(net, out)
    })
}

function printNetwork(net: NetworkFile, out: (line: string) => void): void {
  out(`chain ${net.chainId} (${net.suite})`)
  for (const n of net.nodes) out(`  ${n.name.padEnd(10)} api ${n.apiUrl}  p2p ${n.p2pAddress}  home ${n.home}`)
  if (net.dev === true) out('development network: plain key files (never for production)')
  else out('every private key is encrypted; nodes and commands open them with GOVCHAIN_PASSPHRASE (or _FILE)')
}
