export * from './fake-backend.ts'
