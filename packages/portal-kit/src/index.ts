/**
 * @govchain/portal-kit: what the portal and every application's pages share (ADR 0020) — the
 * app context (configuration, language, API clients, light client, signing and submitting),
 * the presentational pieces, the two-language dictionary, QR codes, JSON calls to the module
 * routes, and the PortalPage contract. Browser code; React is the caller's.
 */
export * from './api.ts'
export * from './app.tsx'
export * from './config.ts'
export * from './i18n.ts'
export * from './key-store.ts'
export * from './lists.tsx'
export * from './page.ts'
export * from './qr.ts'
export * from './session.ts'
export * from './signing.ts'
export * from './ui.tsx'
export * from './wallet-store.ts'
