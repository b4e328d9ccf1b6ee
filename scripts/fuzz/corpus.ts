/**
 * Valid inputs the fuzz targets mutate: the recorded chain (packages/node/test/fixtures: every
 * module's transactions, replayed into blocks, headers and certificates), and consensus messages,
 * proofs, credentials, QR payloads and presentations made here with a fixed key. Built once per
 * process.
 */
import { join } from 'node:path'
import { genesisValidatorSet, queryState } from '@govchain/app'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  codec,
  DOMAIN,
  DuplicateProposalEvidence,
  DuplicateVoteEvidence,
  fromHex,
  InclusionProofCodec,
  merkleProof,
  Proposal,
  SignedProposal,
  SignedTx,
  SignedVote,
  SmtProofCodec,
  signingBytes,
  TxBody,
  TxSignature,
  ValidatorSet,
  Vote,
} from '@govchain/core'
import { ProposalMessage, StatusMessage, SyncRequest, SyncResponse, TxsMessage } from '@govchain/node'
import { ChainRunner, genesisOf, readRecording } from '../../packages/node/test/recorded-chain-fixtures.ts'

const FIXTURE = join(import.meta.dirname, '../../packages/node/test/fixtures/recorded-chain-intl.json')

export interface Corpus {
  suite: CryptoSuite
  chainId: string
  chain: ChainRunner
  /** A fixed key pair (not a validator's): signs the messages made here. */
  key: { privateKey: Uint8Array; publicKey: Uint8Array }
  /** Encodings by core type name. */
  encodings: Map<string, Uint8Array[]>
  /** Signed transactions of the recorded chain. */
  txs: Uint8Array[]
  /** Argument encodings of the recorded transactions, by `module.method`. */
  args: Map<string, Uint8Array[]>
  /** Height after the recording (the admission target checks transactions against it). */
  height: number
}

let built: Corpus | undefined

function add(m: Map<string, Uint8Array[]>, k: string, v: Uint8Array): void {
  const list = m.get(k) ?? []
  if (list.length < 32) list.push(v)
  m.set(k, list)
}

export function corpus(): Corpus {
  if (built !== undefined) return built
  const r = readRecording(FIXTURE)
  const genesis = genesisOf(r)
  const chain = new ChainRunner(genesis)
  const txs: Uint8Array[] = []
  for (const b of r.blocks) {
    const bytes = b.txs.map((t) => fromHex(t.bytes))
    txs.push(...bytes)
    chain.commit(chain.build(b.timeMs, b.proposer, bytes))
  }
  const { suite, store } = chain
  const enc = new Map<string, Uint8Array[]>()
  const args = new Map<string, Uint8Array[]>()
  for (const t of txs) {
    add(enc, 'SignedTx', t)
    const s = codec.decode(SignedTx, t)
    add(enc, 'TxBody', s.body)
    for (const sig of s.signatures) add(enc, 'TxSignature', codec.encode(TxSignature, sig))
    const body = codec.decode(TxBody, s.body)
    add(args, `${body.module}.${body.method}`, body.args)
  }
  const height = store.latestHeight()
  for (let h = 1; h <= height; h++) {
    add(enc, 'Block', store.getBlockBytes(h)!)
    add(enc, 'BlockHeader', codec.encode(BlockHeader, store.getHeader(h)!))
  }
  const key = suite.generateKeyPair()
  const chainId = genesis.chainId
  const blockHash = suite.hash(store.getBlockBytes(height)!)
  const votes = [0, 1].map((i) => {
    const vote = codec.encode(Vote, {
      chainId,
      type: i === 0 ? 'prevote' : 'precommit',
      height,
      round: i,
      ...(i === 0 ? { blockHash } : {}),
      validatorIndex: i,
    })
    add(enc, 'Vote', vote)
    const sv = { vote, signature: suite.sign(key.privateKey, signingBytes(DOMAIN.vote, vote)) }
    add(enc, 'SignedVote', codec.encode(SignedVote, sv))
    return sv
  })
  add(enc, 'DuplicateVoteEvidence', codec.encode(DuplicateVoteEvidence, { voteA: votes[0]!, voteB: votes[1]! }))
  const proposals = [0, 1].map((i) => {
    const proposal = codec.encode(Proposal, {
      chainId,
      height,
      round: 2,
      ...(i === 0 ? {} : { polRound: 1 }),
      blockHash,
      proposerIndex: 3,
    })
    add(enc, 'Proposal', proposal)
    const sp = { proposal, signature: suite.sign(key.privateKey, signingBytes(DOMAIN.proposal, proposal)) }
    add(enc, 'SignedProposal', codec.encode(SignedProposal, sp))
    return sp
  })
  add(
    enc,
    'DuplicateProposalEvidence',
    codec.encode(DuplicateProposalEvidence, { proposalA: proposals[0]!, proposalB: proposals[1]! }),
  )
  const certificate: CommitCertificate = {
    height,
    round: 0,
    blockHash,
    signatures: [0, 1, 2].map((i) => ({ validatorIndex: i, signature: votes[0]!.signature })),
  }
  add(enc, 'CommitCertificate', codec.encode(CommitCertificate, certificate))
  add(enc, 'ValidatorSet', codec.encode(ValidatorSet, genesisValidatorSet(genesis)))
  const leaves = txs.slice(0, 7)
  for (const i of [0, 3, 6])
    add(enc, 'InclusionProof', codec.encode(InclusionProofCodec, merkleProof(suite.hash, leaves, i)))
  for (const k of [[0], [1, 2, 3]]) {
    const a = queryState({
      suite,
      store,
      modules: chain.modules,
      module: 'identity',
      key: new Uint8Array(k),
      prove: true,
    })
    if (a.proof !== undefined) add(enc, 'SmtProof', codec.encode(SmtProofCodec, a.proof))
  }
  // p2p messages, one codec per channel (packages/node/src/wire.ts).
  add(
    enc,
    'ProposalMessage',
    codec.encode(ProposalMessage, { proposal: proposals[0]!, value: store.getBlockBytes(2)! }),
  )
  add(enc, 'TxsMessage', codec.encode(TxsMessage, txs.slice(0, 3)))
  add(enc, 'StatusMessage', codec.encode(StatusMessage, { height }))
  add(enc, 'SyncRequest', codec.encode(SyncRequest, { fromHeight: 1, count: 4 }))
  add(
    enc,
    'SyncResponse',
    codec.encode(SyncResponse, [
      { block: store.getBlockBytes(1)!, certificate: store.getCertificate(1)! },
      { block: store.getBlockBytes(2)!, certificate },
    ]),
  )
  built = { suite, chainId, chain, key, encodings: enc, txs, args, height }
  return built
}

/** The core and wire codecs the codec target decodes, by name. */
export const CORE_CODECS: Readonly<Record<string, codec.Codec<unknown>>> = {
  Block,
  BlockHeader,
  CommitCertificate,
  DuplicateProposalEvidence,
  DuplicateVoteEvidence,
  InclusionProof: InclusionProofCodec,
  Proposal,
  SignedProposal,
  SignedTx,
  SignedVote,
  SmtProof: SmtProofCodec,
  TxBody,
  TxSignature,
  ValidatorSet,
  Vote,
  ProposalMessage,
  TxsMessage,
  StatusMessage,
  SyncRequest,
  SyncResponse,
} as Record<string, codec.Codec<unknown>>
