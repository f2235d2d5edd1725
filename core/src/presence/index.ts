export * from './presence.js';
export type * from './store.js';
