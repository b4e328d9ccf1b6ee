/**
 * @govchain/p2p: the consortium's mutual-TLS transport between validators (docs/adr/0005) and
 * the PKI it stands on (organisation CAs, node and client certificates, chain verification).
 * No chain logic: the node passes in what to send and gets messages back.
 */
export * from './p2p.ts'
export * from './pki.ts'
