/**
 * Compile-time check, run by the type check (`tsc`), not by the test runner: the answer types
 * the client base (@govchain/client) declares for the node's own routes accept every answer the
 * node's schemas allow (Static<> of schemas.ts). The client decodes blocks, state and validator
 * sets into bytes, so only the shapes it passes through as JSON are compared here. An answer
 * schema that drifts from the client's type fails `npm run typecheck`.
 */
import type {
  ChainEvent,
  ChainStats,
  Status,
  SubmitTxsAnswer,
  TxEvent,
  TxListPage,
  ValidatorInfo,
} from '@govchain/client'
import type {
  ChainEventJson,
  StatsJson,
  StatusJson,
  SubmitTxsJson,
  TxJson,
  TxListJson,
  ValidatorJson,
} from '../src/api/schemas.ts'

type Accepts<Client, Answer extends Client> = Answer

export type Checks = [
  Accepts<Status, StatusJson>,
  Accepts<SubmitTxsAnswer, SubmitTxsJson>,
  Accepts<TxEvent, TxJson['events'][number]>,
  Accepts<ValidatorInfo, ValidatorJson>,
  Accepts<ChainEvent, ChainEventJson>,
  Accepts<TxListPage, TxListJson>,
  Accepts<ChainStats, StatsJson>,
]
