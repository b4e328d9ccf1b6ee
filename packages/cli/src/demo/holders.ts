/**
 * Seeds the departments' holder registers (issue 15, item 3; packages/gateway/src/holders.ts):
 * each department's gateway database gets the demo holders it serves, so the licence issue form
 * can look them up by credit code or identity number. Personal data: only in the departments'
 * own databases (0600), never on chain. Idempotent.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { HolderRecord } from '@govchain/license/client'
import type { NetworkFile } from '@govchain/node'
import { loadGatewayPackage } from '../gateway-home.ts'

export async function seedHolderRegisters(opts: {
  net: NetworkFile
  records: readonly HolderRecord[]
  log?: (line: string) => void
}): Promise<void> {
  const { addHolderRecords, gatewayDir, loadGatewayHome, openConnector } = await loadGatewayPackage()
  let added = 0
  for (const n of opts.net.nodes) {
    if (!existsSync(join(gatewayDir(n.home), 'gateway.json'))) continue
    const connector = openConnector(loadGatewayHome(gatewayDir(n.home)))
    try {
      added += await addHolderRecords(connector, opts.records)
    } catch (e) {
      // The demo still starts; the issue form then says the holder is not in the register.
      opts.log?.(`${n.orgId}: holder register not seeded: ${(e as Error).message}`)
    } finally {
      await connector.close()
    }
  }
  if (added > 0) opts.log?.(`holder registers: ${opts.records.map((r) => r.name).join('、')}`)
}
