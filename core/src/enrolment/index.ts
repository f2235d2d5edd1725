export * from './registry.js';
export * from './errors.js';
export { createMemoryRegistryStore, type MemoryHost } from './memory-store.js';
export { createSequelizeRegistryStore } from './sequelize-store.js';
export { loadOrCreatePepper, PEPPER_FILE } from './pepper.js';
export { createEnrolmentResponder } from './responder.js';
export { hostAdd, type HostAddDeps, type HostAddInput, type HostAddResult } from './host-add.js';
export { openAgentRegistry, hostAddCommand, HOST_ADD_USAGE } from './cli/host-add.js';
