/**
 * Alerting (docs/alerts.md): transitions in, matched against alerts and their scopes, delivered
 * by alert modules (email, webhook, command) through a retrying queue.
 */
export { createAlerting, type Alerting, type AlertingDeps, type AlertTestResult } from './alerting.js';
export { readAlertingConfig, ALERTING_DEFAULTS, AlertingConfigSchema, backoffMs, type AlertingConfig } from './config.js';
export { AlertErrors } from './errors.js';
export {
  createPollingFeed,
  createTransitionHub,
  eventBusFeed,
  POLLING_FEED_DEFAULTS,
  type PollingFeedConfig,
  type Transition,
  type TransitionFeed,
} from './feed.js';
export { alertMatches, matchTransitions, scopesMatch } from './matcher.js';
export { lateText, noticeJson, renderSubject, renderText, testNotice } from './message.js';
export * from './modules/index.js';
export { createDeliveryQueue, memoryDeliveryStore, type Delivery, type DeliveryQueue, type DeliveryStore } from './queue.js';
export { loadAlertRules, type AlertRule } from './rules.js';
export { sequelizeDeliveryStore } from './sequelize-store.js';
export type { AlertModule, AlertNotice, AnyAlertModule } from './types.js';
