export { createBrokerProvisioning, type BrokerProvisioning } from './provisioning.js';
export { BrokerAuthErrors } from './errors.js';
