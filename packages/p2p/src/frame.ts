/**
 * Wire framing of the p2p transport: every frame is
 *
 *   u32 big-endian length | u8 channel | payload        (length = 1 + payload length)
 *
 * Channel 0 is the transport's own control channel (HELLO, PING, PONG, GOODBYE); channels 1-255
 * carry the node layer's opaque messages. The decoder is incremental and checks the length
 * against the limit as soon as the 4-byte prefix is in, so an oversize frame is refused before
 * any of it is buffered.
 */
import { GovchainError } from '@govchain/core'

export const FRAME_HEADER_BYTES = 5
export const CONTROL_CHANNEL = 0

export interface Frame {
  channel: number
  payload: Uint8Array
}

/** The 5 header bytes for a payload of `payloadLength` bytes on `channel`. */
export function frameHeader(channel: number, payloadLength: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  h.writeUInt32BE(payloadLength + 1, 0)
  h.writeUInt8(channel, 4)
  return h
}

/** A whole frame in one buffer (tests and small control frames). */
export function encodeFrame(channel: number, payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(channel, payload.length), payload])
}

export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Length of the frame being assembled (channel + payload), once its prefix has been read. */
  private pending = -1

  /** `maxFrameBytes` bounds channel + payload; it can be raised once the peer is authenticated. */
  constructor(public maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.buffered
  }

  /**
   * Appends bytes and returns every frame completed by them, in order. Throws P2P_FRAME_OVERSIZE
   * or P2P_FRAME_INVALID (an empty frame, which has no channel byte); after a throw the decoder
   * must be discarded with its connection.
   */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const out: Frame[] = []
    for (;;) {
      if (this.pending < 0) {
        if (this.buffered < 4) break
        const length = this.take(4).readUInt32BE(0)
        if (length > this.maxFrameBytes) {
          throw new GovchainError('P2P_FRAME_OVERSIZE', `frame of ${length} bytes > ${this.maxFrameBytes}`, {
            length,
            maxFrameBytes: this.maxFrameBytes,
          })
        }
        if (length === 0) throw new GovchainError('P2P_FRAME_INVALID', 'empty frame')
        this.pending = length
      }
      if (this.buffered < this.pending) break
      const body = this.take(this.pending)
      this.pending = -1
      // A plain Uint8Array view (no copy): callers see the same type whatever the socket gives.
      out.push({ channel: body[0]!, payload: new Uint8Array(body.buffer, body.byteOffset + 1, body.length - 1) })
    }
    return out
  }

  /** Removes and returns the first n buffered bytes (n <= buffered); copies only across chunk boundaries. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      this.buffered -= n
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let o = 0
    while (o < n) {
      const c = this.chunks[0]!
      const k = Math.min(c.length, n - o)
      c.copy(out, o, 0, k)
      o += k
      if (k === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(k)
    }
    this.buffered -= n
    return out
  }
}
