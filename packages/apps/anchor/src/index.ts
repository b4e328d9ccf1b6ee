export * from './app.ts'
export * from './module.ts'
export * from './schema.ts'
