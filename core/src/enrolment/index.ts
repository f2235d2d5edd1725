export * from './registry.js';
export * from './errors.js';
export { createSequelizeRegistryStore } from './sequelize-store.js';
export { createEnrolmentResponder } from './responder.js';
export { openAgentRegistry, hostAddCommand, HOST_ADD_USAGE } from './cli/host-add.js';
export { createFleetTokens } from './fleet.js';
export { createSequelizeFleetStore } from './fleet-store.js';
