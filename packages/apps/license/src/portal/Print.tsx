/**
 * 下载 PDF / 打印 (issue 15 item 2) for the wallet and the issuer console: the node renders the
 * printable licence (POST /v1/licenses/print) of a presentation with the licence's face fields
 * (the non-personal ones and the holder's name); 下载 saves it, 打印 loads it into a hidden
 * frame and opens the browser's print dialog.
 */
import { ErrorBox } from '@govchain/portal-kit'
import { useEffect, useRef, useState } from 'react'
import { templateFor } from '../templates.ts'
import type { LicenseType } from './api.ts'
import { fieldsOf, present } from './holder.ts'
import { useApp } from './messages.ts'

/** The fields a printed licence shows: the non-personal ones and the holder's name field. */
function printedFieldNames(type: LicenseType | undefined, carried: readonly string[]): string[] {
  if (type === undefined) return [...carried]
  const holder = templateFor(type).holderFields
  return type.fields
    .filter((f) => carried.includes(f.name) && (!f.personal || holder.includes(f.name)))
    .map((f) => f.name)
}

export function PrintButtons({
  licenseId,
  credential,
  type,
}: {
  licenseId: string
  credential: string
  type: LicenseType | undefined
}) {
  const { client, suite, lang } = useApp()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  const [printUrl, setPrintUrl] = useState<string>()
  const frame = useRef<HTMLIFrameElement>(null)
  useEffect(() => () => (printUrl === undefined ? undefined : URL.revokeObjectURL(printUrl)), [printUrl])

  const pdf = async (): Promise<Blob> => {
    const names = printedFieldNames(type, Object.keys(fieldsOf(suite, credential)))
    const res = await fetch(`${client.url.replace(/\/+$/, '')}/v1/licenses/print`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        credential: present(suite, credential, names),
        verifyUrl: `${location.origin}/verify`,
      }),
    })
    if (!res.ok) {
      const e = (await res.json().catch(() => ({}))) as { code?: string; message?: string }
      throw new Error(`${e.code ?? `HTTP ${res.status}`}: ${e.message ?? ''}`)
    }
    return await res.blob()
  }
  const run = async (what: 'download' | 'print') => {
    setBusy(true)
    setError(undefined)
    try {
      const url = URL.createObjectURL(await pdf())
      if (what === 'download') {
        const a = document.createElement('a')
        a.href = url
        a.download = `licence-${licenseId}.pdf`
        document.body.append(a)
        a.click()
        a.remove()
        setTimeout(() => URL.revokeObjectURL(url), 60_000)
      } else setPrintUrl(url)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      {(
        [
          ['download', 'download-pdf', '下载 PDF', 'Download PDF'],
          ['print', 'print-pdf', '打印', 'Print'],
        ] as const
      ).map(([what, testId, zh, en]) => (
        <button
          key={what}
          type="button"
          className="btn btn-small"
          disabled={busy}
          onClick={() => void run(what)}
          data-testid={testId}
        >
          {lang === 'zh' ? zh : en}
        </button>
      ))}
      {printUrl !== undefined && (
        <iframe
          ref={frame}
          title="licence-print"
          src={printUrl}
          data-testid="print-frame"
          style={{ position: 'fixed', width: 0, height: 0, border: 0, right: 0, bottom: 0 }}
          onLoad={() => frame.current?.contentWindow?.print()}
        />
      )}
      <ErrorBox error={error} testId="print-error" />
    </>
  )
}
