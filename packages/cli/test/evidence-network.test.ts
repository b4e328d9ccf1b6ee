/**
 * Issue 17, e-evidence, through the govchain CLI on a 4-validator network of real processes:
 * an officer records a file and its next version; the court's check finds it and a changed file
 * is not recorded (exit 1); a batch of files gets proofs, each verifies, and a changed file
 * fails against its proof; the history lists both versions. Trusted time: governance registers a
 * real TSA (`openssl ts` behind RFC 3161's HTTP transport) by CLI proposal and votes, `submit
 * --tsa` attaches its token, and the court's check shows the TSA's time. The certificate: a PDF
 * whose text and QR (rendered with pdftoppm, read with jsQR) carry the record and its proof; it
 * verifies offline against the genesis with the file, a changed file or an edited certificate
 * fails with its code.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { makeOpensslTsa, serveTsa } from '../../apps/evidence/test/tsa-fixture.ts'
import { runCli, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

// jsqr is CommonJS: Node's ESM interop may hand over a namespace rather than the function.
type JsQr = typeof import('jsqr').default
const jsQR: JsQr = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr

const cli = runCli

describe('e-evidence through the CLI on a 4-validator network (gm)', { timeout: 480_000 }, () => {
  let net: TestNetwork
  let tmp: string
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'gm' })
    tmp = mkdtempSync(join(tmpdir(), 'govchain-evidence-'))
  })
  after(async () => {
    await net?.stopAll()
    rmSync(tmp, { recursive: true, force: true })
  })

  test('submit, version, verify, batch with proofs, history', async () => {
    const url = net.net.nodes[0]!.apiUrl
    await waitUntil('first block', async () => (await net.clients[net.net.nodes[0]!.name]!.status()).height >= 1)
    const key = join(net.dir, 'keys', 'market.operator.json')
    const ok = async (args: string[]) => {
      const r = await cli(url, args)
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}${r.stdout}`)
      return r
    }
    const file = (name: string, text: string) => {
      const p = join(tmp, name)
      writeFileSync(p, text)
      return p
    }
    const v1 = file('penalty-v1.txt', '行政处罚决定书 第一版')
    const sub = await ok([
      'evidence',
      'submit',
      '--key',
      key,
      '--file',
      v1,
      '--kind',
      'penalty-file',
      '--case',
      '京市监罚〔2026〕12号',
    ])
    const id = /item ([0-9a-f]{64})/.exec(sub.stdout)![1]!
    const v2 = file('penalty-v2.txt', '行政处罚决定书 第二版')
    await ok(['evidence', 'submit', '--key', key, '--file', v2, '--kind', 'penalty-file', '--previous', id])
    const fork = await cli(url, [
      'evidence',
      'submit',
      '--key',
      key,
      '--file',
      file('v2b.txt', '另一个第二版'),
      '--previous',
      id,
    ])
    assert.notEqual(fork.code, 0)
    assert.match(fork.stderr, /EVIDENCE_VERSION_FORK/)

    const checked = await ok(['evidence', 'verify', '--file', v1])
    assert.match(checked.stdout, /✔ recorded/)
    assert.match(checked.stdout, /submitter +officer market/)
    const changed = await cli(url, [
      'evidence',
      'verify',
      '--file',
      file('penalty-v1-changed.txt', '行政处罚决定书 第一版。'),
    ])
    assert.equal(changed.code, 1)
    assert.match(changed.stdout, /not-recorded/)

    const docs = [1, 2, 3].map((i) => file(`doc-${i}.txt`, `执法记录 ${i}`))
    const proofs = join(tmp, 'proofs.json')
    await ok(['evidence', 'batch', '--key', key, '--out', proofs, ...docs])
    for (const d of docs)
      assert.match((await ok(['evidence', 'verify', '--file', d, '--proofs', proofs])).stdout, /✔ recorded/)
    // The same name, other content: its listed proof no longer leads to the root.
    writeFileSync(docs[1]!, '执法记录 2（被改动）')
    const tampered = await cli(url, ['evidence', 'verify', '--file', docs[1]!, '--proofs', proofs])
    assert.equal(tampered.code, 1)
    assert.match(tampered.stdout, /proof-invalid/)

    const history = await ok(['evidence', 'history', id])
    assert.match(history.stdout, /version +1[\s\S]*version +2 \(latest\)/)

    // Issue 18: the officer's key in an encrypted keystore (SM4-GCM, PBKDF2-HMAC-SM3) signs as well,
    // with the passphrase from the environment; without it the command stops with its code.
    const keystore = join(tmp, 'market.keystore.json')
    process.env.GOVCHAIN_PASSPHRASE = '市场监管局 officer passphrase'
    try {
      await ok(['keys', 'encrypt', '--in', key, '--out', keystore, '--description', 'market officer'])
      assert.doesNotMatch(readFileSync(keystore, 'utf8'), new RegExp(JSON.parse(readFileSync(key, 'utf8')).privateKey))
      const sealed = await ok([
        'evidence',
        'submit',
        '--key',
        keystore,
        '--file',
        file('sealed.txt', '加密密钥签名的存证'),
      ])
      assert.match(sealed.stdout, /item [0-9a-f]{64}/)
    } finally {
      delete process.env.GOVCHAIN_PASSPHRASE
    }
    const locked = await cli(url, ['evidence', 'submit', '--key', keystore, '--file', file('locked.txt', '无口令')])
    assert.notEqual(locked.code, 0)
    assert.match(locked.stderr, /KEY_PASSPHRASE_MISSING/)
  })

  test('trusted time: a TSA registered by vote, submit --tsa attaches its token', async () => {
    const url = net.net.nodes[0]!.apiUrl
    const key = (org: string) => join(net.dir, 'keys', `${org}.operator.json`)
    const ok = async (args: string[]) => {
      const r = await cli(url, args)
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}${r.stdout}`)
      return r
    }
    const tsa = makeOpensslTsa({ name: 'Beijing Time Authority' })
    const served = await serveTsa(tsa)
    try {
      const proposed = await ok([
        'gov',
        'propose',
        'add-tsa',
        '--key',
        key('market'),
        '--id',
        'bjtsa',
        '--cert',
        join(tsa.dir, 'tsa.crt'),
      ])
      assert.match(proposed.stdout, /TSA .*CN=Beijing Time Authority.*ecdsa-p256/)
      const id = /proposal (\d+): voting/.exec(proposed.stdout)![1]!
      await ok(['gov', 'vote', id, '--key', key('housing')])
      assert.match((await ok(['gov', 'vote', id, '--key', key('police')])).stdout, /passed/)
      await waitUntil('the TSA in force', async () => /✔ bjtsa/.test((await cli(url, ['gov', 'tsas'])).stdout))

      const contract = join(tmp, 'contract.pdf')
      writeFileSync(contract, '房屋买卖合同 （示例）')
      const sub = await ok(['evidence', 'submit', '--key', key('market'), '--file', contract, '--tsa', served.url])
      assert.match(sub.stdout, /timestamp 20\d\d-/)
      assert.equal(served.requests(), 1)
      const checked = await ok(['evidence', 'verify', '--file', contract])
      assert.match(checked.stdout, /timestamp +20\d\d-.* by TSA bjtsa \(RFC 3161/)
      const itemId = /item ([0-9a-f]{64})/.exec(sub.stdout)![1]!

      // The certificate (存证证书): a PDF with a QR, and its JSON.
      const pdf = join(tmp, 'certificate.pdf')
      const json = join(tmp, 'certificate.json')
      const printed = await ok(['evidence', 'certificate', itemId, '--out', pdf, '--json', json])
      assert.match(printed.stdout, /certificate\.pdf: \d+ bytes, QR \d+ chars, proven at height \d+/)
      const text = execFileSync('pdftotext', [pdf, '-']).toString()
      assert.match(text, /电子存证证书/)
      assert.ok(text.includes(itemId), 'the PDF prints the evidence id')
      assert.match(text, /TSA bjtsa/)

      // Checked offline against the genesis, with the file: every check passes, the timestamp too.
      const genesis = join(net.net.nodes[0]!.home, 'genesis.json')
      const offline = ['--offline', '--genesis', genesis]
      const good = await ok(['evidence', 'verify', '--certificate', json, '--file', contract, ...offline])
      assert.match(good.stdout, /✔ certificate valid, proven at height \d+ \(checked offline\)/)
      for (const check of ['format', 'chain', 'commit', 'record', 'printed', 'content', 'timestamp'])
        assert.match(good.stdout, new RegExp(`✔ ${check}`))
      // A changed file fails its content check.
      const changedFile = join(tmp, 'contract-changed.pdf')
      writeFileSync(changedFile, '房屋买卖合同 （示例）。')
      const changed = await cli(url, ['evidence', 'verify', '--certificate', json, '--file', changedFile, ...offline])
      assert.equal(changed.code, 1)
      assert.match(changed.stdout, /✘ content .*\[EVIDENCE_CONTENT_MISMATCH\]/)
      // An edited certificate (another submitter printed) fails, by the node's check as well.
      const cert = JSON.parse(readFileSync(json, 'utf8'))
      cert.evidence.submitter.id = 'housing'
      const edited = join(tmp, 'certificate-edited.json')
      writeFileSync(edited, JSON.stringify(cert))
      const byNode = await cli(url, ['evidence', 'verify', '--certificate', edited, '--file', contract])
      assert.equal(byNode.code, 1)
      assert.match(byNode.stdout, /certificate-invalid[\s\S]*✘ printed .*\[EVIDENCE_CERTIFICATE_ALTERED\]/)
      // The printed QR, read back from the rendered page, carries the proof: checked offline.
      execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', pdf, join(tmp, 'page')])
      const png = PNG.sync.read(readFileSync(join(tmp, 'page.png')))
      const scanned = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
      assert.ok(scanned !== null, 'the QR on the rendered page decodes')
      assert.match(scanned.data, /^GCE1:/)
      const qrFile = join(tmp, 'qr.txt')
      writeFileSync(qrFile, scanned.data)
      assert.match(
        (await ok(['evidence', 'verify', '--qr', qrFile, '--file', contract, ...offline])).stdout,
        /✔ certificate valid[\s\S]*✔ content/,
      )
      const wrongFile = await cli(url, ['evidence', 'verify', '--qr', qrFile, '--file', changedFile, ...offline])
      assert.equal(wrongFile.code, 1)

      // Attestation: governance makes housing a notary office; its officer notarises the item.
      const roles = await ok([
        'gov',
        'propose',
        'set-roles',
        '--key',
        key('market'),
        '--org',
        'housing',
        '--roles',
        'notary',
      ])
      const rolesId = /proposal (\d+): voting/.exec(roles.stdout)![1]!
      await ok(['gov', 'vote', rolesId, '--key', key('housing')])
      await ok(['gov', 'vote', rolesId, '--key', key('police')])
      const noRole = await cli(url, ['evidence', 'attest', itemId, '--statement', 'notarised', '--key', key('tax')])
      assert.notEqual(noRole.code, 0)
      assert.match(noRole.stderr, /EVIDENCE_ATTESTER_ROLE/)
      await waitUntil('the notary role in force', async () => {
        const r = await cli(url, ['evidence', 'attest', itemId, '--statement', 'notarised', '--key', key('housing')])
        return r.code === 0
      })
      assert.match(
        (await ok(['evidence', 'show', itemId])).stdout,
        /attested +notarised by housing \(notary, officer housing-admin\)/,
      )

      // A TSA nobody registered: refused with its code, nothing attached.
      const other = makeOpensslTsa({ name: 'Unregistered' })
      const otherServed = await serveTsa(other)
      try {
        const second = join(tmp, 'contract-2.pdf')
        writeFileSync(second, '第二份合同')
        const r = await cli(url, [
          'evidence',
          'submit',
          '--key',
          key('market'),
          '--file',
          second,
          '--tsa',
          otherServed.url,
        ])
        assert.notEqual(r.code, 0)
        assert.match(r.stderr, /EVIDENCE_TSA_UNREGISTERED/)
        const unstamped = /item ([0-9a-f]{64})/.exec(r.stdout)![1]!
        assert.doesNotMatch((await ok(['evidence', 'show', unstamped])).stdout, /timestamp/)
      } finally {
        otherServed.server.close()
        other.close()
      }
    } finally {
      served.server.close()
      tsa.close()
    }
  })
})
