export * from './plan-state.js';
export * from './plugin-runner.js';
export * from './runner.js';
