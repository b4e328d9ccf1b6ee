import { smtProperties } from './merkle-smt-properties.ts'

// The runs of the sparse Merkle tree's properties that merkle-smt.test.ts leaves to this tier.
smtProperties('slow')
