/**
 * The PostgreSQL connector against a real server. The URL comes from GOVCHAIN_TEST_PG_URL; when it
 * is absent the test runs scripts/ci-postgres.sh itself (installs Debian's postgresql when root,
 * starts a throwaway server on loopback, prints the URL). If neither works the test FAILS with
 * the instructions: a connector that was never run against PostgreSQL must not pass silently.
 */
import { execFileSync } from 'node:child_process'
import { describe } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openPostgresConnector } from '../src/postgres.ts'
import { connectorCompliance } from './gateway-connector-compliance.ts'

const SCRIPT = fileURLToPath(new URL('../../../scripts/ci-postgres.sh', import.meta.url))

function pgUrl(): string {
  const given = process.env.GOVCHAIN_TEST_PG_URL
  if (given !== undefined && given !== '') return given
  try {
    const out = execFileSync('bash', [SCRIPT], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    })
    const url = out.trim().split('\n').pop() ?? ''
    if (url.startsWith('postgres://')) return url
    throw new Error(`unexpected output: ${out}`)
  } catch (e) {
    throw new Error(
      'PostgreSQL connector test needs a server: set GOVCHAIN_TEST_PG_URL=postgres://user:pass@host:port/db, ' +
        `or run scripts/ci-postgres.sh (as root it installs Debian's postgresql and starts one). Running it failed: ${String(e)}`,
    )
  }
}

describe('PostgreSQL connector (real server)', () => {
  const url = pgUrl()
  connectorCompliance('postgres', async () => openPostgresConnector({ url, poolMax: 2 }))
})
