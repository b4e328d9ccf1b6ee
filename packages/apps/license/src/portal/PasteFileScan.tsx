/**
 * One text input three ways: paste it, upload a file (a QR image is decoded, anything else read
 * as text) or scan a QR code with the camera (Scanner, loaded on demand). The verify page and the
 * wallet's 导入凭证 use it; what the text means is the caller's business (`onRun`).
 */
import { decodeQrImage, Loading } from '@govchain/portal-kit'
import { type ChangeEvent, lazy, Suspense, useCallback, useRef, useState } from 'react'
import { useApp } from './messages.ts'

// The camera and jsQR load only when someone presses the scan button.
const Scanner = lazy(() => import('./Scanner.tsx'))

const FILE_BYTES_MAX = 8 * 1024 * 1024

export function PasteFileScan(props: {
  inputId: string
  label: string
  placeholder: string
  value: string
  onChange: (text: string) => void
  /** Runs with the text: submitted, read from a file or scanned. */
  onRun: (text: string) => void
  busy: boolean
  submitLabel: string
  uploadLabel: string
  scanLabel: string
  testIds: { input: string; submit: string; file: string; scan: string }
}) {
  const { t } = useApp()
  const { onChange, onRun } = props
  const [scanning, setScanning] = useState(false)
  const [fileNote, setFileNote] = useState<string>()
  // The scanner restarts the camera when its callback changes: one stable callback, the latest props.
  const latest = useRef({ onChange, onRun })
  latest.current = { onChange, onRun }
  const onScanned = useCallback((text: string) => {
    setScanning(false)
    latest.current.onChange(text)
    latest.current.onRun(text)
  }, [])
  const onScanClose = useCallback(() => setScanning(false), [])
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0]
    e.target.value = ''
    if (file === undefined) return
    setFileNote(undefined)
    if (file.size > FILE_BYTES_MAX) return setFileNote(t('verify.fileTooLarge'))
    let text: string | undefined
    if (file.type.startsWith('image/')) {
      text = await decodeQrImage(file).catch(() => undefined)
      if (text === undefined) return setFileNote(t('verify.qrNotFound'))
    } else {
      text = (await file.text()).trim()
    }
    onChange(text)
    onRun(text)
  }
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          onRun(props.value)
        }}
      >
        <div className="field">
          <label htmlFor={props.inputId}>{props.label}</label>
          <textarea
            id={props.inputId}
            data-testid={props.testIds.input}
            placeholder={props.placeholder}
            value={props.value}
            onChange={(e) => onChange(e.target.value)}
            spellCheck={false}
          />
        </div>
        <div className="btn-row">
          <button type="submit" className="btn btn-primary" disabled={props.busy} data-testid={props.testIds.submit}>
            {props.busy ? t('common.loading') : props.submitLabel}
          </button>
          <label className="btn btn-plain file-btn">
            {props.uploadLabel}
            <input
              type="file"
              accept="image/*,.txt,.json,.jwt"
              onChange={onFile}
              data-testid={props.testIds.file}
              className="visually-hidden"
            />
          </label>
          <button
            type="button"
            className="btn btn-plain"
            onClick={() => setScanning((s) => !s)}
            data-testid={props.testIds.scan}
          >
            {props.scanLabel}
          </button>
          {fileNote !== undefined && <span className="muted">{fileNote}</span>}
        </div>
      </form>
      {scanning && (
        <Suspense fallback={<Loading />}>
          <Scanner onResult={onScanned} onClose={onScanClose} />
        </Suspense>
      )}
    </>
  )
}
