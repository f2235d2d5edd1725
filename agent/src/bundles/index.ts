export * from './store.js';
export * from './trust.js';
