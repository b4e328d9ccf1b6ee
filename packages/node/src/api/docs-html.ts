/**
 * /docs: a self-contained HTML page rendered from the OpenAPI document. No scripts, no
 * fonts, no CDN: the node may run on a government network without internet access, and the
 * page is served with a Content-Security-Policy that forbids fetching anything.
 */
import type { OpenApiDocument } from './openapi.ts'

type Obj = Record<string, unknown>

export const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

const asObj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const asStr = (v: unknown): string => (typeof v === 'string' ? v : '')

/** Inline markdown used in descriptions: `code` only; everything else is escaped text. */
const inline = (s: string): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>')

/** Minimal markdown for the API description: headings, tables and paragraphs. */
function markdown(md: string): string {
  const out: string[] = []
  const lines = md.split('\n')
  let para: string[] = []
  const flush = () => {
    if (para.length > 0) out.push(`<p>${inline(para.join(' '))}</p>`)
    para = []
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('## ')) {
      flush()
      out.push(`<h3>${inline(line.slice(3))}</h3>`)
    } else if (line.startsWith('|')) {
      flush()
      const rows: string[][] = []
      while (i < lines.length && lines[i]!.startsWith('|')) {
        rows.push(
          lines[i]!.slice(1, -1)
            .split('|')
            .map((c) => c.trim()),
        )
        i++
      }
      i--
      const [head, , ...body] = rows
      out.push(
        `<table><tr>${(head ?? []).map((c) => `<th>${inline(c)}</th>`).join('')}</tr>${body
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</table>`,
      )
    } else if (line.trim() === '') flush()
    else para.push(line)
  }
  flush()
  return out.join('\n')
}

/** A schema as indented JSON with $refs turned into links to the component sections. */
function schemaHtml(schema: unknown): string {
  const json = esc(JSON.stringify(schema, null, 2))
  return `<pre>${json.replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9]+)&quot;/g,
    '<a href="#schema-$1">&quot;#/components/schemas/$1&quot;</a>',
  )}</pre>`
}

function operationHtml(path: string, method: string, op: Obj): string {
  const id = asStr(op.operationId)
  const parts = [
    `<section class="op" id="op-${esc(id)}">`,
    `<h3><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>`,
    `<p><strong>${inline(asStr(op.summary))}</strong></p>`,
    `<p>${inline(asStr(op.description))}</p>`,
  ]
  const params = Array.isArray(op.parameters) ? op.parameters.map(asObj) : []
  if (params.length > 0) {
    parts.push(
      '<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>',
    )
    for (const p of params) {
      parts.push(
        `<tr><td><code>${esc(asStr(p.name))}</code></td><td>${esc(asStr(p.in))}</td><td>${p.required === true ? 'yes' : 'no'}</td>` +
          `<td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${inline(asStr(p.description))}</td></tr>`,
      )
    }
    parts.push('</table>')
  }
  const body = asObj(op.requestBody)
  const bodySchema = asObj(asObj(asObj(body.content)['application/json']).schema)
  if (Object.keys(bodySchema).length > 0) parts.push('<h4>Request body (application/json)</h4>', schemaHtml(bodySchema))
  parts.push('<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th></tr>')
  for (const [status, r] of Object.entries(asObj(op.responses))) {
    const resp = asObj(r)
    const content = asObj(resp.content)
    const bodies = Object.entries(content).map(([type, c]) => {
      const s = asObj(asObj(c).schema)
      const ref = asStr(s.$ref)
      return ref === ''
        ? `<code>${esc(type)}</code>`
        : `<code>${esc(type)}</code> <a href="#schema-${esc(ref.split('/').pop() ?? '')}">${esc(ref.split('/').pop() ?? '')}</a>`
    })
    parts.push(
      `<tr><td>${esc(status)}</td><td>${inline(asStr(resp.description))}</td><td>${bodies.join('<br>')}</td></tr>`,
    )
  }
  parts.push('</table></section>')
  return parts.join('\n')
}

export function renderDocsHtml(doc: OpenApiDocument): string {
  const info = asObj(doc.info)
  const paths = asObj(doc.paths)
  const ops: { path: string; method: string; op: Obj }[] = []
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(asObj(item))) ops.push({ path, method, op: asObj(op) })
  }
  const schemas = asObj(asObj(doc.components).schemas)
  const title = esc(asStr(info.title))
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f5f5f5; padding: .75rem; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.op { border-top: 1px solid #ccc; padding-top: .5rem; margin-top: 1.5rem; }
.method { display: inline-block; min-width: 3.5rem; padding: 0 .4rem; border-radius: 3px; color: #fff; text-align: center; }
.get { background: #2f6f9f; } .post { background: #3d8b3d; }
</style>
</head>
<body>
<h1>${title} <small>${esc(asStr(info.version))}</small></h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
${markdown(asStr(info.description))}
<h2>Routes</h2>
<ul>
${ops.map(({ path, method, op }) => `<li><a href="#op-${esc(asStr(op.operationId))}"><code>${esc(method.toUpperCase())} ${esc(path)}</code></a> — ${inline(asStr(op.summary))}</li>`).join('\n')}
</ul>
${ops.map(({ path, method, op }) => operationHtml(path, method, op)).join('\n')}
<h2>Schemas</h2>
${Object.entries(schemas)
  .map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaHtml(s)}</section>`)
  .join('\n')}
</body>
</html>
`
}
