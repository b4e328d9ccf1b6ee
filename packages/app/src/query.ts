/**
 * State queries for the API: a module's key at a committed height, with (on request) the
 * sparse-Merkle proof against that height's state root, plus the header and certificate a
 * light client needs to trust that root.
 */
import {
  type BlockHeader,
  type CommitCertificate,
  type CryptoSuite,
  GovchainError,
  type SmtProof,
} from '@govchain/core'
import type { ChainStore } from '@govchain/store'
import { MODULE_NAME_PATTERN, type ModuleRegistry } from './module.ts'
import { stateKey } from './state.ts'
import { stateTree } from './tree.ts'

export interface QueryStateInput {
  suite: CryptoSuite
  store: ChainStore
  /** When given, the module must be registered (QUERY_UNKNOWN_MODULE otherwise). */
  modules?: ModuleRegistry
  module: string
  /** The module's own key (without the `<module>/` prefix). */
  key: Uint8Array
  prove?: boolean
  /** Committed height to read at; the latest when omitted. */
  height?: number
  /** That height's header when the caller has already read it (saves a decode). */
  header?: BlockHeader
  /** Set false when the caller does not need the certificate (saves a read and a decode). */
  certificate?: boolean
}

export interface StateAnswer {
  height: number
  stateRoot: Uint8Array
  /** The key in the state tree: `<module>/` + key. Proofs are for this key. */
  treeKey: Uint8Array
  /** Absent = the key holds nothing at that height. */
  value?: Uint8Array
  /** Membership proof (value present) or non-membership proof (absent); when prove was set. */
  proof?: SmtProof
  header: BlockHeader
  /** The certificate that committed that height (what the light client checks). */
  certificate?: CommitCertificate
}

/** Largest module key a query accepts (matches the state tree's key bound with room for the prefix). */
export const QUERY_KEY_BYTES_MAX = 1024 - 40

export function queryState(input: QueryStateInput): StateAnswer {
  const { suite, store, module, key } = input
  if (typeof module !== 'string' || !MODULE_NAME_PATTERN.test(module)) {
    throw new GovchainError('QUERY_UNKNOWN_MODULE', `invalid module name`)
  }
  if (input.modules !== undefined && input.modules.get(module) === undefined) {
    throw new GovchainError('QUERY_UNKNOWN_MODULE', `unknown module ${module}`)
  }
  if (!(key instanceof Uint8Array) || key.length === 0 || key.length > QUERY_KEY_BYTES_MAX) {
    throw new GovchainError('INVALID_ARGUMENT', `key must be 1-${QUERY_KEY_BYTES_MAX} bytes`)
  }
  const latest = store.latestHeight()
  const height = input.height ?? latest
  if (!Number.isSafeInteger(height) || height < 1 || height > latest) {
    throw new GovchainError('QUERY_UNKNOWN_HEIGHT', `no committed block at height ${height}`, { height, latest })
  }
  const header = input.header ?? store.getHeader(height)
  if (header === undefined) throw new GovchainError('QUERY_UNKNOWN_HEIGHT', `block ${height} is not stored`)
  // The node's long-lived tree: its decoded nodes are shared with block execution, so a read at a
  // recent root walks nodes already in memory instead of one store read and decode per level.
  const tree = stateTree(suite, store)
  const treeKey = stateKey(module, key)
  const value = tree.get(header.stateRoot, treeKey)
  const certificate = input.certificate === false ? undefined : store.getCertificate(height)
  const answer: StateAnswer = { height, stateRoot: header.stateRoot, treeKey, header }
  if (value !== undefined) answer.value = value
  if (input.prove === true) answer.proof = tree.prove(header.stateRoot, treeKey)
  if (certificate !== undefined) answer.certificate = certificate
  return answer
}
