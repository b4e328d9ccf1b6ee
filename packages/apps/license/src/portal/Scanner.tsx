/**
 * 扫码 on the verify page (issue 15 item 6): the back camera (getUserMedia, facingMode
 * environment), frames drawn to a canvas, the central square cropped and decoded with jsQR.
 * The stream stops when a code is found, on close and on Escape. Loaded on demand (a dynamic
 * import from Verify.tsx), with jsQR, so no other page carries the camera code.
 */
import { decodeQrPixels } from '@govchain/portal-kit'
import { useEffect, useRef, useState } from 'react'
import { useApp } from './messages.ts'

/** Side of the square handed to jsQR: large enough for a version-13 code, small enough to be quick. */
const CROP_PX = 480
const FRAME_INTERVAL_MS = 150

type ScanProblem = 'denied' | 'noCamera' | 'failed'
const PROBLEM_MESSAGE = {
  denied: 'verify.scan.denied',
  noCamera: 'verify.scan.noCamera',
  failed: 'verify.scan.failed',
} as const

function problemOf(e: unknown): ScanProblem {
  const name = (e as { name?: string } | undefined)?.name
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied'
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'noCamera'
  return 'failed'
}

export default function Scanner({ onResult, onClose }: { onResult: (text: string) => void; onClose: () => void }) {
  const { t } = useApp()
  const video = useRef<HTMLVideoElement>(null)
  const [problem, setProblem] = useState<ScanProblem>()
  const [live, setLive] = useState(false)

  useEffect(() => {
    let stream: MediaStream | undefined
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const stop = () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      for (const track of stream?.getTracks() ?? []) track.stop()
      stream = undefined
    }
    const canvas = document.createElement('canvas')
    canvas.width = CROP_PX
    canvas.height = CROP_PX
    const ctx = canvas.getContext('2d', { willReadFrequently: true })
    const frame = async () => {
      const v = video.current
      if (stopped || v === null || ctx === null) return
      if (v.readyState >= 2 && v.videoWidth > 0) {
        // The central square: where a user aims, and the only pixels jsQR has to search.
        const side = Math.min(v.videoWidth, v.videoHeight)
        ctx.drawImage(v, (v.videoWidth - side) / 2, (v.videoHeight - side) / 2, side, side, 0, 0, CROP_PX, CROP_PX)
        const text = await decodeQrPixels(ctx.getImageData(0, 0, CROP_PX, CROP_PX).data, CROP_PX, CROP_PX)
        if (stopped) return
        if (text !== undefined && text !== '') {
          stop()
          onResult(text)
          return
        }
      }
      timer = setTimeout(() => void frame(), FRAME_INTERVAL_MS)
    }
    ;(async () => {
      if (navigator.mediaDevices?.getUserMedia === undefined) {
        setProblem('noCamera')
        return
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      } catch (e) {
        if (!stopped) setProblem(problemOf(e))
        return
      }
      const v = video.current
      if (stopped || v === null) {
        stop()
        return
      }
      v.srcObject = stream
      await v.play().catch(() => {})
      setLive(true)
      void frame()
    })()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose()
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      stop()
    }
  }, [onResult, onClose])

  return (
    <div className="panel" data-testid="scanner" data-live={live}>
      {problem !== undefined ? (
        <p className="muted" role="alert" data-testid="scan-problem" data-problem={problem}>
          {t(PROBLEM_MESSAGE[problem])}
        </p>
      ) : (
        <>
          <p className="hint">{t('verify.scan.hint')}</p>
          <video ref={video} muted playsInline style={{ maxWidth: '100%', width: 360 }} data-testid="scan-video" />
        </>
      )}
      <div className="btn-row">
        <button type="button" className="btn btn-small" onClick={onClose} data-testid="scan-close">
          {t('verify.scan.close')}
        </button>
      </div>
    </div>
  )
}
