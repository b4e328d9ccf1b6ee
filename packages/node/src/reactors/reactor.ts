/**
 * A reactor owns some p2p channels and one concern of the node (docs/adr/0018-reactors.md), as
 * in CometBFT: the composition root (daemon.ts) routes each channel's messages to the reactor
 * that declared it and tells every reactor of peers coming and going. Reactors get their parts
 * (store, p2p, chain, clock, random source, logger) in their constructor and never reach for
 * the platform's clock or randomness.
 */

import type { PeerInfo } from '@govchain/p2p'

export interface Reactor {
  /** For logs. */
  readonly name: string
  /** The p2p channels whose messages go to receive(). */
  readonly channels: readonly number[]
  addPeer(peer: PeerInfo): void
  removePeer(peerId: string): void
  /** One message on one of `channels`. A decode error thrown here disconnects the peer. */
  receive(peerId: string, channel: number, payload: Uint8Array): void
  /** Cancels the reactor's timers; nothing it does after this reaches the network or the store. */
  stop(): void
}
