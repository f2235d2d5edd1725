export * from './scenario.js';
export * from './simulator.js';
