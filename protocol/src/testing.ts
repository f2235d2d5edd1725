/**
 * `@prophasis/protocol/testing`: test support for Prophasis's own specs and integration tests
 * (core, agent, marketplace): plugin bundles built, signed and tampered with by the same code
 * every package verifies them with. Production code never imports this entry (the lint
 * configuration refuses it outside tests); plugin authors' test support is `plugin-testing.ts`.
 */
export * from './bundle/zip-craft.testing.js';
export * from './bundle/plugin-folder.testing.js';
