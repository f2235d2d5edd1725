/**
 * The plugin sandbox (docs/plugins.md): capability matching, the host functions
 * behind a plugin's `host` object, and the runner that executes a plugin in a fresh
 * isolated-vm isolate inside a dedicated sandbox process.
 */
export * from './capabilities.js';
export * from './host/index.js';
export * from './output.js';
export { createPluginRunner } from './runner.js';
export type { PluginJob, PluginRunner } from './runner.js';
