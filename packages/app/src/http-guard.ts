/**
 * Guards for the HTTP servers a browser can reach on this machine (the demo portal, a data
 * gateway's local API): they answer only for their own host names and refuse cross-site
 * requests. Without it, a malicious web page could reach them through DNS rebinding (a name
 * that resolves to 127.0.0.1, sent as the Host header) or a cross-site form POST.
 *
 * The rules, after the Fetch standard's request headers:
 *  - `Host` must be one of the server's names (by default the loopback names) with its port;
 *  - `Origin`, when present, must be the server's own origin (scheme, allowed name, port);
 *  - `Sec-Fetch-Site: cross-site` is refused even without an Origin;
 *  - a request with neither header is a non-browser client (curl, the CLI, tests) and passes.
 */
import type { IncomingMessage } from 'node:http'
import { GovchainError } from '@govchain/core'

/** The names a loopback-bound server answers for. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

export interface HostGuard {
  /** Lower-case host names without port (IPv6 in brackets). */
  readonly hosts: readonly string[]
  /** The port clients use in the Host header (the listening port). */
  readonly port: number
}

function splitHost(value: string): { name: string; port: string | undefined } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?$/i.exec(value.trim())
  return m === null ? undefined : { name: m[1]!.toLowerCase(), port: m[2] }
}

/**
 * Why the request must be refused (a coded error), or undefined when it may proceed. Pure: it
 * reads the request's headers only.
 */
export function guardBrowserRequest(req: IncomingMessage, guard: HostGuard): GovchainError | undefined {
  const allowed = new Set(guard.hosts.map((h) => h.toLowerCase()))
  const host = splitHost(req.headers.host ?? '')
  const portOk = (p: string | undefined) => (p === undefined ? guard.port === 80 : Number(p) === guard.port)
  if (host === undefined || !allowed.has(host.name) || !portOk(host.port)) {
    return new GovchainError('HOST_NOT_ALLOWED', undefined, { host: (req.headers.host ?? '').slice(0, 100) })
  }
  const origin = req.headers.origin
  if (origin !== undefined) {
    let ok = false
    try {
      const u = new URL(origin)
      const o = splitHost(u.host)
      ok =
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        o !== undefined &&
        allowed.has(o.name) &&
        portOk(o.port ?? (u.protocol === 'https:' ? '443' : '80'))
    } catch {
      ok = false // 'null' (opaque origins: sandboxed frames, file:) and garbage
    }
    if (!ok) return new GovchainError('ORIGIN_NOT_ALLOWED')
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return new GovchainError('ORIGIN_NOT_ALLOWED')
  return undefined
}
