export * from './fake-backend.ts'
export * from './prometheus.ts'
