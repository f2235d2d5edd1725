/**
 * @prophasis/marketplace — the registry of signed plugin bundles (docs/marketplace.md) and the
 * plugin authors' CLI. Imports only `@prophasis/protocol`; the core talks to it over HTTP.
 */
export { MarketErrors } from './errors.js';
export { readMarketplaceConfig, MarketplaceConfigSchema, type MarketplaceConfig } from './config.js';
export { createMarketplace, type Marketplace } from './server/marketplace.js';
export * from './schemas.js';
