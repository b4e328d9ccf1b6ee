/** Arguments and records of the node's modules, shared by node, SDK and CLI. */
export * from './anchor.ts'
export * from './catalog.ts'
export * from './governance.ts'
export * from './identity.ts'
export * from './license.ts'
export * from './license-vc.ts'
export * from './sharing.ts'
