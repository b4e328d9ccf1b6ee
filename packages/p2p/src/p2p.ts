/** The p2p transport (docs/adr/0005-p2p-transport.md). */

export { backoffDelayMs } from './backoff.ts'
export { CONTROL_CHANNEL, encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, frameHeader } from './frame.ts'
export {
  createHello,
  EXPORTER_BYTES,
  EXPORTER_LABEL,
  HELLO_DOMAIN,
  HELLO_FRAME_BYTES_MAX,
  type HelloBody,
  type HelloRole,
  helloBodyCodec,
  helloSigningBytes,
  P2P_PROTOCOL_VERSION,
  verifyHello,
} from './hello.ts'
export { SendQueue } from './send-queue.ts'
export { createP2P } from './transport.ts'
export {
  type CloseReason,
  type Logger,
  type MessageHandler,
  type P2P,
  P2P_COUNTERS,
  type P2PComponents,
  type P2PCounter,
  type P2PMetrics,
  type P2POptions,
  type P2PStats,
  type PeerAddress,
  type PeerConnectedHandler,
  type PeerDisconnectedHandler,
  type PeerInfo,
} from './types.ts'
