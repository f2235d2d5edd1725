export { createBrokerProvisioning } from './provisioning.js';
