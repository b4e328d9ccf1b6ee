/**
 * A small chain built from real keys, for light-client and client tests: 4 validators sign
 * precommits in core's certificate format over a header whose stateRoot is a real SMT root.
 */

import { AnchorRecord } from '@govchain/anchor/schema'
import { stateKey } from '@govchain/app'
import {
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  encode,
  hashValidatorSet,
  MemorySmtStore,
  SmtProofCodec,
  SparseMerkleTree,
  ValidatorSet,
  voteSignBytes,
} from '@govchain/core'

export interface Keys {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export function makeValidators(suite: CryptoSuite, n: number, power = 10): { keys: Keys[]; set: ValidatorSet } {
  const keys = Array.from({ length: n }, () => suite.generateKeyPair())
  const set: ValidatorSet = {
    validators: keys.map((k, i) => ({ id: `org${i}`, publicKey: k.publicKey, votingPower: power })),
  }
  return { keys, set }
}

export function makeHeader(
  suite: CryptoSuite,
  fields: Partial<BlockHeader> & { chainId: string; height: number; stateRoot: Uint8Array; set: ValidatorSet },
): Uint8Array {
  const { set, ...rest } = fields
  const setHash = hashValidatorSet(suite, set)
  const header: BlockHeader = {
    timeMs: 1_700_000_000_000,
    previousHash: new Uint8Array(32).fill(1),
    txRoot: new Uint8Array(32).fill(2),
    resultsRoot: new Uint8Array(32).fill(3),
    validatorSetHash: setHash,
    nextValidatorSetHash: setHash,
    lastCommitHash: new Uint8Array(32).fill(4),
    proposer: 'org0',
    ...rest,
  }
  return encode(BlockHeader, header)
}

/** A certificate for hash(headerBytes) signed by the validators at `signers` (indices into keys). */
export function makeCertificate(
  suite: CryptoSuite,
  chainId: string,
  height: number,
  headerBytes: Uint8Array,
  keys: Keys[],
  signers: number[],
  round = 0,
): Uint8Array {
  const blockHash = suite.hash(headerBytes)
  const signatures = signers.map((validatorIndex) => ({
    validatorIndex,
    signature: suite.sign(
      keys[validatorIndex]!.privateKey,
      voteSignBytes({ chainId, type: 'precommit', height, round, blockHash, validatorIndex }),
    ),
  }))
  return encode(CommitCertificate, { height, round, blockHash, signatures })
}

export interface ChainFixture {
  suite: CryptoSuite
  chainId: string
  keys: Keys[]
  set: ValidatorSet
  tree: SparseMerkleTree
  root: Uint8Array
  height: number
  headerBytes: Uint8Array
  certificate: Uint8Array
  docHash: Uint8Array
  record: Uint8Array
  /** A proven state answer for anchor/<docHash>, as client.state(..., {prove: true}) returns it. */
  answer(
    module: string,
    key: Uint8Array,
  ): {
    module: string
    key: Uint8Array
    value: Uint8Array | undefined
    height: number
    proof: Uint8Array
    headerBytes: Uint8Array
    certificate: Uint8Array
    validatorSet: Uint8Array
  }
}

export function makeChain(suite: CryptoSuite, chainId = 'govchain-test'): ChainFixture {
  const { keys, set } = makeValidators(suite, 4)
  const store = new MemorySmtStore()
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  const docHash = suite.hash(new TextEncoder().encode('contract 2024-001'))
  const record = encode(AnchorRecord, {
    hash: docHash,
    kind: 'contract',
    submitter: keys[0]!.publicKey,
    height: 6,
    timeMs: 1_699_999_999_000,
    txHash: new Uint8Array(32).fill(9),
  })
  const changes: Array<[Uint8Array, Uint8Array]> = [[stateKey('anchor', docHash), record]]
  for (let i = 0; i < 20; i++) changes.push([stateKey('anchor', suite.hash(new Uint8Array([i]))), new Uint8Array([i])])
  changes.push([stateKey('other', docHash), new Uint8Array([42])])
  const { root, nodes } = tree.update(new Uint8Array(32), changes)
  store.apply(nodes)
  const height = 7
  const headerBytes = makeHeader(suite, { chainId, height, stateRoot: root, set })
  const certificate = makeCertificate(suite, chainId, height, headerBytes, keys, [0, 1, 2])
  return {
    suite,
    chainId,
    keys,
    set,
    tree,
    root,
    height,
    headerBytes,
    certificate,
    docHash,
    record,
    answer(module, key) {
      const full = stateKey(module, key)
      return {
        module,
        key,
        value: tree.get(root, full),
        height,
        proof: encode(SmtProofCodec, tree.prove(root, full)),
        headerBytes,
        certificate,
        validatorSet: encode(ValidatorSet, set),
      }
    },
  }
}
