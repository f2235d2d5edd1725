export * from './transport.js';
export * from './config.js';
export * from './errors.js';
export { externalPort } from './external.js';
