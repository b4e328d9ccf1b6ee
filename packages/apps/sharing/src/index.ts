export * from './app.ts'
export * from './module.ts'
export * from './routes.ts'
export * from './schema.ts'
