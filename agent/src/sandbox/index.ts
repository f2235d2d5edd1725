/**
 * The plugin sandbox (docs/plugins.md): capability matching, the host functions
 * behind a plugin's `host` object, and the runner that executes a plugin in a fresh
 * isolated-vm isolate inside a dedicated sandbox process.
 */
export * from './capabilities.js';
export * from './host/index.js';
export * from './output.js';
export { createPluginRunner, effectiveLimits, SANDBOX_DEFAULTS, SandboxConfigSchema, KILL_GRACE_MS } from './runner.js';
export type { PluginJob, PluginRunner, PluginRunnerDeps, SandboxConfig } from './runner.js';
export { serveSandbox } from './sandbox-process.js';
export { SANDBOX_BUNDLE_FILE, SANDBOX_FLAG, sandboxEntry, spawnSandboxProcess } from './spawn.js';
