/**
 * The transport's default exchange on Node (package.json "imports" condition "node"): node:http
 * and node:https with kept-alive connections, one agent per protocol for the process. Node's
 * `fetch` builds a WHATWG Request, Headers, a ReadableStream and their promises for every call;
 * this costs about a third of its CPU per request (packages/cli/bench/license.ts --client sdk,
 * docs/benchmarks.md), which a gateway or a department's system pays on every read it makes.
 *
 * Same contract as fetchSend (send.ts). Differences from fetch a caller could see: redirects are
 * not followed (the node API sends none) and no compressed encodings are asked for (the node API
 * compresses nothing it answers with JSON).
 */
import http from 'node:http'
import https from 'node:https'
import { type HttpAnswer, type HttpExchange, type HttpSend, oversize } from './send.ts'

/**
 * An idle kept-alive connection is closed after IDLE_MS, or 1 s before the server's announced
 * `Keep-Alive: timeout=N` when that is sooner (Node's agent applies the hint only under a
 * timeout of its own): a request is then never written to a connection the server is closing.
 * Idle connections do not keep the process alive.
 */
const IDLE_MS = 30_000
const plain = { lib: http, agent: new http.Agent({ keepAlive: true, timeout: IDLE_MS }) }
const secure = { lib: https, agent: new https.Agent({ keepAlive: true, timeout: IDLE_MS }) }
const decoder = new TextDecoder()

function nodeHttpSend(x: HttpExchange): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(x.url)
    const { lib, agent } = url.protocol === 'https:' ? secure : plain
    const headers: Record<string, string | number> = { ...x.headers }
    const body = x.body === undefined ? undefined : Buffer.from(x.body, 'utf8')
    if (body !== undefined) headers['content-length'] = body.length
    const req = lib.request(url, { method: x.method, headers, agent, signal: x.signal }, (res) => {
      const declared = Number(res.headers['content-length'] ?? Number.NaN)
      // Settled before the connection is destroyed: destroying it errors the request.
      if (declared > x.maxBytes) {
        reject(oversize(x.what, x.maxBytes, declared))
        return void res.destroy()
      }
      const chunks: Buffer[] = []
      let total = 0
      res.on('data', (c: Buffer) => {
        total += c.length
        if (total > x.maxBytes) {
          reject(oversize(x.what, x.maxBytes))
          return void res.destroy()
        }
        chunks.push(c)
      })
      res.on('error', reject)
      res.on('aborted', () => reject(new Error('connection closed before the answer was complete')))
      res.on('end', () => {
        if (total > x.maxBytes) return
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
        resolve({ status: res.statusCode ?? 0, text: decoder.decode(all) })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

export const platformSend: HttpSend | undefined = nodeHttpSend
