/**
 * The node's own answers that readers outside the node check (docs/adr/0019-typebox-response-schemas.md):
 * a block (GET /v1/blocks/latest, /v1/blocks/{height}, /v1/blocks/by-hash/{hash}) and a
 * transaction's status (GET /v1/txs/{hash}). The node's routes serialise with these very objects
 * (packages/node/src/api/schemas.ts); they live here, with the route kit they are built from, so
 * that a reader that must not load the node (the data gateway) checks what it reads against them.
 * Browser-safe (`@govchain/app/node-views`).
 */
import { type Static, Type } from '@sinclair/typebox'
import { Base64, Hex32, Int, Nullable, StringEnum } from './route-kit.ts'

export const BlockHeaderSchema = Type.Object(
  {
    chainId: Type.String(),
    height: Int,
    timeMs: Type.Integer({ minimum: 0, description: 'milliseconds since the Unix epoch' }),
    previousHash: Hex32,
    txRoot: Hex32,
    stateRoot: Hex32,
    resultsRoot: Hex32,
    validatorSetHash: Hex32,
    nextValidatorSetHash: Hex32,
    lastCommitHash: Hex32,
    proposer: Type.String(),
  },
  { description: 'Decoded header; `headerBytes` of the block carries the exact encoded bytes that were signed.' },
)

export const BlockSchema = Type.Object({
  height: Int,
  hash: Hex32,
  header: BlockHeaderSchema,
  headerBytes: Base64,
  txHashes: Type.Array(Hex32),
  certificate: Type.String({ contentEncoding: 'base64', description: 'encoded CommitCertificate, base64' }),
  nextValidatorSet: Type.Optional(
    Type.String({
      contentEncoding: 'base64',
      description:
        'encoded ValidatorSet of height + 1, base64; present only when it differs from this height’s set ' +
        '(header.nextValidatorSetHash != header.validatorSetHash): a light client advances its trust with it',
    }),
  ),
})

export const TxAttributes = Type.Record(Type.String(), Type.String())

export const TxEventSchema = Type.Object({ module: Type.String(), type: Type.String(), attributes: TxAttributes })

export const TxSchema = Type.Object(
  {
    hash: Hex32,
    status: StringEnum(['pending', 'committed', 'failed'] as const),
    height: Nullable(Type.Integer({ minimum: 0 })),
    index: Nullable(Type.Integer({ minimum: 0 })),
    code: Nullable(Type.String({ description: 'result code: OK, or the error code of a failed transaction' })),
    events: Type.Array(TxEventSchema),
  },
  { description: '`height`, `index` and `code` are null while the transaction is pending.' },
)
export type TxJson = Static<typeof TxSchema>
