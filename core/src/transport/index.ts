export * from './transport.js';
export * from './config.js';
export * from './errors.js';
export * from '../kernel/system-log.js';
export { externalPort } from './external.js';
