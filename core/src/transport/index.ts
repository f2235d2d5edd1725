export * from './transport.js';
export * from './config.js';
export * from './errors.js';
export * from './system-log.js';
export { externalPort } from './external.js';
