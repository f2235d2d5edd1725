export { createBrokerProvisioning } from './provisioning.js';
export { createBrokerAuthHook } from './hook.js';
