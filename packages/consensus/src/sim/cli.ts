/**
 * npm run sim -- --seeds 2000 --validators 4..10 --byzantine 1 --heights 20
 *
 * Runs seeded simulations (simulator.ts) and prints one final line
 *   seeds=<S> heights=<H> safety_violations=<n> liveness_failures=<n> double_signs=<n>
 * exiting 1 on any violation, after printing each failing seed and the command that replays it.
 */
import { simCommand } from './command.ts'

process.exit(
  simCommand(
    process.argv.slice(2),
    (line) => console.log(line),
    (line) => console.error(line),
  ),
)
