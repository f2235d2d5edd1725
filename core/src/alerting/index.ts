/**
 * Alerting (docs/alerts.md): transitions in, matched against alerts and their scopes, delivered
 * by alert modules (email, webhook, command) through a retrying queue.
 */
export { createAlerting, type Alerting } from './alerting.js';
export { readAlertingConfig, ALERTING_DEFAULTS, backoffMs } from './config.js';
export { AlertErrors } from './errors.js';
export { eventBusFeed, type Transition } from './feed.js';
export * from './modules/index.js';
export { createDeliveryQueue, memoryDeliveryStore, type Delivery } from './queue.js';
export { loadAlertRules } from './rules.js';
export { sequelizeDeliveryStore } from './sequelize-store.js';
export { createActionLinks, loadOrCreateActionKey, type ActionLinks } from './action-links.js';
export { isSuppressed, loadProblemMarks, problemKey } from './suppression.js';
export { loadFlapping } from './flapping.js';
export type { AlertModule, AlertNotice } from './types.js';
