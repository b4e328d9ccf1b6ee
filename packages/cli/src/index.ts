export { type LicenseDemoResult, type SeedLicenseDemoOptions, seedLicenseDemo } from './demo/license.ts'
export { main } from './main.ts'
export {
  buildPortal,
  type DemoIdentity,
  type PortalConfig,
  type PortalServer,
  type ServePortalOptions,
  servePortal,
} from './portal-server.ts'
