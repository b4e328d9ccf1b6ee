export * from './module.ts'
export * from './schema.ts'
