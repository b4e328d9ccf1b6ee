/**
 * `govchain init-node`: prepares a joining department's node home in a network folder. A
 * chain-level command (node homes, keys, certificates), so it stays in the CLI; the governance
 * proposal that admits the department is `govchain gov propose add-org|add-validator`, or
 * `add-observer` for a node that only syncs and serves the API (docs/operations.md, "Observer nodes").
 */
import { addNodeHome } from '@govchain/node'
import { type Command, InvalidArgumentError } from 'commander'

function portArg(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('port: 1..65535')
  return n
}

export function registerInitNodeCommand(program: Command, out: (line: string) => void): void {
  program
    .command('init-node')
    .description(
      "prepare a joining department's node in a network folder: organisation CA and operator key, " +
        'validator key, TLS certificate, config; prints what the add-org/add-validator proposal needs',
    )
    .requiredOption('--dir <dir>', 'network folder (with network.json and genesis.json)')
    .requiredOption('--org <orgId>', 'the joining organisation id')
    .option('--name <name>', 'node name (default: the organisation id)')
    .option('--host <host>', 'address the node listens on and advertises', '127.0.0.1')
    .requiredOption('--api-port <port>', 'API port', portArg)
    .requiredOption('--p2p-port <port>', 'p2p port', portArg)
    .option('--json', 'print JSON')
    .action(async (o) => {
      const added = await addNodeHome({
        dir: o.dir,
        orgId: o.org,
        ...(o.name ? { name: o.name } : {}),
        host: o.host,
        apiPort: o.apiPort,
        p2pPort: o.p2pPort,
        ...(o.json ? {} : { onProgress: out }),
      })
      const caPath = `${o.dir}/orgs/${o.org}/ca.crt`
      if (o.json) return out(JSON.stringify({ ...added, caCertPath: caPath }, null, 2))
      out(`home          ${added.node.home}`)
      out(`operator key  ${added.operatorKeyPath} (${added.operatorPublicKey})`)
      out(`validator key ${added.validatorPublicKey}`)
      out(`CA            ${caPath}`)
      out('next: govchain gov propose add-org … then add-validator …; start the node once the proposal takes effect')
      out(
        `  or, for an observer (syncs and serves the API, never votes): govchain gov propose add-observer ` +
          `--id ${added.node.name} --org ${o.org} --public-key ${added.validatorPublicKey} --key <admin key file>`,
      )
    })
}
