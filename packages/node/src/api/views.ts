/**
 * Backend views → JSON bodies of the contract (schemas.ts). Hashes, keys and public keys as
 * lowercase hex; encoded blobs as base64; absent optional values as null.
 */
import { type BlockHeader, encode, toBase64, toHex, ValidatorSet } from '@govchain/core'
import type { BlockView, ChainEvent, ExplorerStats, ExplorerTxPage, StatusView, TxView } from './backend.ts'

export { stateJson } from '@govchain/app'

export function statusJson(s: StatusView) {
  return {
    chainId: s.chainId,
    suite: s.suite,
    node: s.node,
    height: s.height,
    latestBlockHash: toHex(s.latestBlockHash),
    stateRoot: toHex(s.stateRoot),
    validators: s.validators.map((v) => ({ id: v.id, votingPower: v.votingPower, publicKey: toHex(v.publicKey) })),
    peers: s.peers.map((p) => (p.address === undefined ? { id: p.id } : { id: p.id, address: p.address })),
    catchingUp: s.catchingUp,
    syncBlocked: s.syncBlocked ?? null,
    round: s.round,
    mempool: { size: s.mempool.size, bytes: s.mempool.bytes },
  }
}

function headerJson(h: BlockHeader) {
  return {
    chainId: h.chainId,
    height: h.height,
    timeMs: h.timeMs,
    previousHash: toHex(h.previousHash),
    txRoot: toHex(h.txRoot),
    stateRoot: toHex(h.stateRoot),
    resultsRoot: toHex(h.resultsRoot),
    validatorSetHash: toHex(h.validatorSetHash),
    nextValidatorSetHash: toHex(h.nextValidatorSetHash),
    lastCommitHash: toHex(h.lastCommitHash),
    proposer: h.proposer,
  }
}

export function blockJson(b: BlockView) {
  return {
    height: b.height,
    hash: toHex(b.hash),
    header: headerJson(b.header),
    headerBytes: toBase64(b.headerBytes),
    txHashes: b.txHashes.map(toHex),
    certificate: toBase64(b.certificate),
    ...(b.nextValidatorSet === undefined ? {} : { nextValidatorSet: toBase64(b.nextValidatorSet) }),
  }
}

export function txJson(t: TxView) {
  return {
    hash: toHex(t.hash),
    status: t.status,
    height: t.height ?? null,
    index: t.index ?? null,
    code: t.code ?? null,
    events: t.events.map((e) => ({ module: e.module, type: e.type, attributes: { ...e.attributes } })),
  }
}

export function txListJson(p: ExplorerTxPage) {
  return {
    items: p.items.map((t) => ({
      hash: toHex(t.hash),
      height: t.height,
      index: t.index,
      timeMs: t.timeMs,
      module: t.module,
      method: t.method,
      sender: toHex(t.sender),
      code: t.code,
      events: t.events.map((e) => ({ module: e.module, type: e.type, attributes: { ...e.attributes } })),
    })),
    next: p.next,
  }
}

export function statsJson(s: ExplorerStats) {
  return {
    height: s.height,
    fromHeight: s.fromHeight,
    txs: s.txs,
    failed: s.failed,
    modules: s.modules.map((m) => ({ module: m.module, txs: m.txs })),
    recent: { ...s.recent },
  }
}

const _b64OrNull = (b: Uint8Array | undefined): string | null => (b === undefined ? null : toBase64(b))

export function validatorsJson(set: ValidatorSet) {
  return {
    validators: set.validators.map((v) => ({ id: v.id, votingPower: v.votingPower, publicKey: toHex(v.publicKey) })),
    encoded: toBase64(encode(ValidatorSet, set)),
  }
}

export function eventJson(e: ChainEvent) {
  switch (e.type) {
    case 'block':
      return {
        type: e.type,
        height: e.height,
        hash: toHex(e.hash),
        txCount: e.txCount,
        timeMs: e.timeMs,
        proposer: e.proposer,
      }
    case 'tx':
      return { type: e.type, height: e.height, index: e.index, hash: toHex(e.hash), code: e.code }
    case 'event':
      return {
        type: e.type,
        height: e.height,
        txHash: toHex(e.txHash),
        module: e.module,
        name: e.name,
        attributes: { ...e.attributes },
      }
  }
}
