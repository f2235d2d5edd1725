export * from './plan-state.js';
export * from './plugin-runner.js';
export * from './result-id.js';
export * from './runner.js';
