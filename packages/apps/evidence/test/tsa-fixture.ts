/**
 * A real RFC 3161 time-stamping authority for tests: OpenSSL's `ts` responder with its own CA
 * (issue 17: "Tests run a real TSA"). Each TSA gets a directory with a CA, a TSA certificate
 * (critical timeStamping EKU) and a config; `stamp` asks it for a token over a digest exactly as
 * a client would (`openssl ts -query`, then `-reply`), and `serve` puts it behind the RFC 3161
 * §3.4 HTTP transport (POST application/timestamp-query) for the CLI.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '@govchain/core'

export interface TestTsa {
  dir: string
  /** The TSA's certificate, DER (what governance registers). */
  certificate: Uint8Array
  /** A TimeStampToken (DER) over `digest` from this TSA. */
  stamp(digest: Uint8Array, hash: 'sm3' | 'sha256'): Uint8Array
  /** The TSA's TimeStampResp (DER) to a TimeStampReq (DER). */
  reply(query: Uint8Array): Uint8Array
  close(): void
}

function openssl(args: string[], cwd: string): Buffer {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
}

/**
 * A TSA with an ECDSA P-256 (default) or RSA-2048 key. `eku: 'none'` leaves the timeStamping
 * usage out, for the certificate checks governance makes.
 */
export function makeOpensslTsa(opts: { name: string; key?: 'ec' | 'rsa'; eku?: 'critical' | 'none' }): TestTsa {
  const dir = mkdtempSync(join(tmpdir(), `govchain-tsa-${opts.name}-`))
  const eku = opts.eku === 'none' ? '' : 'extendedKeyUsage = critical,timeStamping'
  writeFileSync(
    join(dir, 'tsa.cnf'),
    `[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = ${dir}
serial = ${dir}/serial
crypto_device = builtin
signer_cert = ${dir}/tsa.crt
certs = ${dir}/ca.crt
signer_key = ${dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.156.112233.1.1
digests = sha256, sm3
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ ext ]
${eku}
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
`,
  )
  writeFileSync(join(dir, 'serial'), '01\n')
  const genKey = (out: string) =>
    opts.key === 'rsa'
      ? openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', out], dir)
      : openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out], dir)
  genKey('ca.key')
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${opts.name} CA`, '-days', '3650', '-out', 'ca.crt'],
    dir,
  )
  genKey('tsa.key')
  openssl(['req', '-new', '-key', 'tsa.key', '-subj', `/O=govchain test/CN=${opts.name}`, '-out', 'tsa.csr'], dir)
  openssl(
    ['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365'].concat([
      '-extfile',
      'tsa.cnf',
      '-extensions',
      'ext',
      '-out',
      'tsa.crt',
    ]),
    dir,
  )
  const certificate = new Uint8Array(openssl(['x509', '-in', 'tsa.crt', '-outform', 'DER'], dir))
  let n = 0
  const reply = (query: Uint8Array): Uint8Array => {
    const q = join(dir, `q${++n}.tsq`)
    writeFileSync(q, query)
    return new Uint8Array(openssl(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q], dir))
  }
  return {
    dir,
    certificate,
    reply,
    stamp(digest, hash) {
      const q = join(dir, `q${++n}.tsq`)
      openssl(['ts', '-query', '-digest', toHex(digest), `-${hash}`, '-cert', '-out', q], dir)
      const r = join(dir, `r${n}.tsr`)
      openssl(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, '-out', r], dir)
      const t = join(dir, `t${n}.der`)
      openssl(['ts', '-reply', '-in', r, '-token_out', '-out', t], dir)
      return new Uint8Array(readFileSync(t))
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The TSA over HTTP (RFC 3161 §3.4): POST a TimeStampReq, get a TimeStampResp. */
export async function serveTsa(tsa: TestTsa): Promise<{ url: string; server: Server; requests: () => number }> {
  let count = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(415).end()
        return
      }
      count++
      try {
        const answer = tsa.reply(new Uint8Array(Buffer.concat(chunks)))
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.from(answer))
      } catch (e) {
        res.writeHead(500).end(String(e))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return { url: `http://127.0.0.1:${address.port}/tsa`, server, requests: () => count }
}
