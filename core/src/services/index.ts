/**
 * Service health (docs/services.md): host health, the pure service rules, the set-based
 * database reads and the monitor that records service transitions.
 */
export { evaluateService } from './health.js';
export { loadServiceDefinitions, loadHostHealths } from './store.js';
export { createServiceMonitor, type ServiceMonitor } from './services.js';
export { readServicesConfig, SERVICES_DEFAULTS } from './config.js';
