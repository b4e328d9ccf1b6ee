/**
 * deploy/ (issue 18): the Prometheus alert rules and the Grafana dashboard are loaded and every
 * expression is parsed with Prometheus's own PromQL grammar; each metric they name must be one a
 * node exports (read from a node's real /metrics exposition, not a list kept by hand); the
 * systemd units pass `systemd-analyze verify`. `govchain_cert_expiry_seconds` counts down from
 * the certificates' notAfter.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { defaultModules } from '@govchain/distribution'
import { initNetwork, NodeMetrics } from '@govchain/node'
import { parser } from '@prometheus-io/lezer-promql'
import { parse as parseYaml } from 'yaml'

const DEPLOY = join(import.meta.dirname, '../../../deploy')
const BIN = join(import.meta.dirname, '../bin/govchain.js')

/** Metric names a PromQL expression refers to; throws on a syntax error. */
function metricsOf(expr: string): string[] {
  const tree = parser.parse(expr)
  const names: string[] = []
  let error: string | undefined
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) error ??= `syntax error at ${n.from} in: ${expr}`
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') names.push(expr.slice(n.from, n.to))
    },
  })
  if (error !== undefined) throw new Error(error)
  return names
}

/** The series a node exports: its registry's text exposition, histogram parts included. */
async function exported(): Promise<Set<string>> {
  const m = new NodeMetrics({ labels: { node: 'test' } })
  m.setCertificates([{ cert: 'node-tls', notAfterMs: Date.now() + 86_400_000 }], () => Date.now())
  const text = await m.text()
  const names = new Set<string>(['up']) // Prometheus's own per-target series
  // Every declared family (labelled ones have no series until first used), with the series names
  // a histogram or summary expands into.
  for (const [, name, type] of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    names.add(name!)
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`)
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(`${name}${s}`)
  }
  return names
}

describe('deploy/', () => {
  it('alert rules: each parses as PromQL and names only exported metrics', async () => {
    const doc = parseYaml(readFileSync(join(DEPLOY, 'prometheus/govchain-alerts.yml'), 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string } }[] }[]
    }
    const known = await exported()
    const rules = doc.groups.flatMap((g) => g.rules)
    assert.ok(rules.length >= 10)
    for (const r of rules) {
      assert.match(r.alert, /^Govchain[A-Za-z]+$/)
      assert.ok(['critical', 'warning'].includes(r.labels.severity), r.alert)
      const names = metricsOf(r.expr)
      assert.ok(names.length > 0, `${r.alert}: no metric`)
      for (const n of names) assert.ok(known.has(n), `${r.alert}: ${n} is not exported by a node`)
    }
    // The check is not vacuous: a broken expression and an unknown metric are caught.
    assert.throws(() => metricsOf('rate(govchain_height[5m]'))
    assert.ok(!known.has(metricsOf('govchain_no_such_metric > 1')[0]!))
  })

  it('Grafana dashboard: well-formed, every panel query parses and names exported metrics', async () => {
    const d = JSON.parse(readFileSync(join(DEPLOY, 'grafana/govchain-dashboard.json'), 'utf8')) as {
      uid: string
      schemaVersion: number
      panels: { id: number; title: string; targets: { expr: string; refId: string }[] }[]
    }
    const known = await exported()
    assert.equal(d.uid, 'govchain-consortium')
    assert.ok(d.schemaVersion >= 36)
    assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length)
    for (const p of d.panels) {
      assert.ok(p.targets.length > 0, p.title)
      for (const t of p.targets) for (const n of metricsOf(t.expr)) assert.ok(known.has(n), `${p.title}: ${n}`)
    }
  })

  it('systemd units pass systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-units-'))
    try {
      for (const unit of readdirSync(join(DEPLOY, 'systemd'))) {
        // A template is verified as one of its instances.
        const instance = unit.replace('@.service', '@market.service')
        copyFileSync(join(DEPLOY, 'systemd', unit), join(dir, instance))
        const r = spawnSync('systemd-analyze', ['verify', join(dir, instance)], { encoding: 'utf8' })
        assert.equal(r.error, undefined, 'systemd-analyze is needed (Debian package systemd)')
        assert.equal(r.status, 0, `${unit}: ${r.stderr}`)
        assert.equal(r.stderr.trim(), '', `${unit}: ${r.stderr}`)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('govchain_cert_expiry_seconds counts down from notAfter, per certificate', async () => {
    let now = 1_000_000
    const m = new NodeMetrics({ processMetrics: false })
    m.setCertificates(
      [
        { cert: 'node-tls', notAfterMs: 1_000_000 + 90_000 },
        { cert: 'ca:market', notAfterMs: 1_000_000 - 5_000 },
      ],
      () => now,
    )
    const value = async (cert: string) =>
      Number(new RegExp(`govchain_cert_expiry_seconds\\{cert="${cert}"\\} (-?\\d+)`).exec(await m.text())?.[1])
    assert.equal(await value('node-tls'), 90)
    assert.equal(await value('ca:market'), -5)
    now += 30_000
    assert.equal(await value('node-tls'), 60)
  })

  it('govchain certs status lists the node and CA certificates; exit 1 when one expires within --warn-days', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-certs-'))
    try {
      const net = await initNetwork({ modules: defaultModules(), dir, orgs: 1, suite: 'intl', dev: true })
      const home = net.nodes[0]!.home
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [BIN, 'certs', 'status', '--home', home, ...args], { encoding: 'utf8' })
      const ok = run('--json')
      assert.equal(ok.status, 0, ok.stderr)
      const rows = JSON.parse(ok.stdout) as { cert: string; status: string; daysLeft: number }[]
      assert.deepEqual(
        rows.map((r) => [r.cert.split(':')[0], r.status]),
        [
          ['node-tls', 'ok'],
          ['ca', 'ok'],
        ],
      )
      assert.ok(rows[0]!.daysLeft > 30)
      const warn = run('--warn-days', '3650')
      assert.equal(warn.status, 1)
      assert.match(warn.stdout, /^expiring +node-tls/m)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
