/**
 * Self-upgrade with rollback (docs/decisions/0009-agent-self-upgrade.md): a verified package
 * installed beside the running version, the `current` link switched, and switched back when
 * the new version does not connect in time.
 */
export { runningPackageRoot, writeConnectedMarker } from './connected.js';
export { upgradeAgent } from './upgrade.js';
export { upgradeFromRequest } from './from-request.js';
export { requestUpgrade } from './request.js';
export { watchLastUpgrade } from './last-upgrade.js';
