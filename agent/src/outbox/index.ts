export * from './outbox.js';
export * from './drainer.js';
