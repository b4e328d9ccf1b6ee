/** Arguments and records of the node's modules, shared by node, SDK and CLI. */
export * from './anchor.ts'
