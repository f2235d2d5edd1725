/**
 * Service health (docs/services.md): host health, the pure service rules, the set-based
 * database reads and the monitor that records service transitions.
 */
export { UNREACHABLE_SEVERITY, hostHealth, hostCondition, dependencySeverity, redundancySeverity, evaluateService } from './health.js';
export type { HostCondition, ServiceDefinition, ServicePart, ServiceEvaluation } from './health.js';
export { loadServiceDefinitions, loadHostHealths, loadLastServiceStates } from './store.js';
export { createServiceMonitor, type ServiceMonitor, type ServiceHealthReport } from './services.js';
export { readServicesConfig, SERVICES_DEFAULTS, ServicesConfigSchema, type ServicesConfig } from './config.js';
