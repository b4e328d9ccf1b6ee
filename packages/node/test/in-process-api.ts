/**
 * The node API in process, as the API tests and the API fuzz target (scripts/fuzz/api.ts) build
 * it: a module API context over a replayed recorded chain (as the daemon builds one), and the
 * server over a FakeBackend with the per-client rate limit off (property and fuzz runs send
 * thousands of requests from one address).
 */
import {
  type ApiExtension,
  genesisValidatorSet,
  type ModuleApiContext,
  type ModuleRef,
  queryState,
  readonlyKeeper,
  type StateView,
} from '@govchain/app'
import { BlockHeader, CommitCertificate, codec, SmtProofCodec, ValidatorSet } from '@govchain/core'
import { createApiServer } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { type FakeBackend, memoryLogger } from '../src/testing/fake-backend.ts'
import type { ChainRunner } from './recorded-chain-fixtures.ts'

/** A module API context over `chain`'s store: proven reads carry the header, certificate and genesis set. */
export function recordedChainContext(chain: ChainRunner): ModuleApiContext {
  const { store, suite, genesis } = chain
  const latestHeight = () => store.latestHeight()
  const latestTimeMs = () => store.getHeader(store.latestHeight())!.timeMs
  return {
    suite,
    chainId: genesis.chainId,
    latestHeight,
    latestTimeMs,
    state: (module, key, opts = {}) => {
      const prove = opts.prove ?? false
      const a = queryState({
        suite,
        store,
        modules: chain.modules,
        module,
        key,
        prove,
        ...(opts.height === undefined ? {} : { height: opts.height }),
      })
      const view: StateView = { module, key, value: a.value, height: a.height }
      if (prove) {
        if (a.proof !== undefined) view.proof = codec.encode(SmtProofCodec, a.proof)
        view.headerBytes = codec.encode(BlockHeader, a.header)
        if (a.certificate !== undefined) view.certificate = codec.encode(CommitCertificate, a.certificate)
        view.validatorSet = codec.encode(ValidatorSet, genesisValidatorSet(genesis))
      }
      return view
    },
    scanIndex: (prefix, limit, after) => store.scanIndex(prefix, limit, after),
    getIndex: (key) => store.getIndex(key),
    keeper: <K>(module: ModuleRef<string, K> | string): K =>
      readonlyKeeper<K>({
        suite,
        store,
        modules: chain.modules,
        module,
        root: store.meta()!.stateRoot,
        height: latestHeight(),
        timeMs: latestTimeMs(),
      }),
    submitTx: async () => ({ hash: new Uint8Array(32) }),
  }
}

/** The node API server (never listening; use inject) over `backend`, rate limit off. */
export function inProcessApiServer(backend: FakeBackend, extensions: ApiExtension[] = []) {
  return createApiServer({
    backend,
    metrics: new NodeMetrics({ processMetrics: false }),
    logger: memoryLogger().logger,
    host: '127.0.0.1',
    port: 0,
    limits: { txPerSecondPerClient: 0 },
    ...(extensions.length === 0 ? {} : { extensions }),
  })
}
