import { isProphasisError, type Logger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import type { SystemLog } from '../kernel/index.js';
import type { AlertingConfig } from './config.js';
import { AlertErrors } from './errors.js';
import type { Transition, TransitionFeed } from './feed.js';
import { matchTransitions } from './matcher.js';
import { testNotice } from './message.js';
import { builtInAlertModules, databaseSmtpSource, type AlertModuleRegistry } from './modules/index.js';
import type { Clock } from '../kernel/index.js';
import { createDeliveryQueue, memoryDeliveryStore, type Delivery, type DeliveryStore } from './queue.js';
import { loadAlertRules, type AlertRule } from './rules.js';
import type { AlertNotice } from './types.js';

export interface AlertingDeps {
  db: Database;
  logger: Logger;
  systemLog: SystemLog;
  /** Subscribed on start; without it, call `handleTransitions` yourself. */
  feed?: TransitionFeed;
  /** Default: the built-in `email`, `webhook`, `command` (SMTP from the settings table). */
  modules?: AlertModuleRegistry;
  /** Default: in memory (pending deliveries are lost on restart, which is logged); the core passes `sequelizeDeliveryStore(db)`. */
  store?: DeliveryStore;
  clock?: Clock;
}

/** The outcome of a Test action: delivered, or the reason it was not. */
export type AlertTestResult = { ok: true } | { ok: false; reason: string };

export interface Alerting {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Matches a batch of transitions against the enabled alerts and queues a delivery per match. Resolves once queued. */
  handleTransitions(batch: readonly Transition[]): Promise<{ matched: number }>;
  /**
   * The console's Test action, for a stored alert (by id, enabled or not) or for unsaved
   * settings. Refuses an unknown alert/module or invalid settings with their errors; a failed
   * delivery is the result `{ ok: false, reason }`. No retries.
   */
  test(target: number | { module: string; settings: unknown }): Promise<AlertTestResult>;
  /** Validates settings for a module (the API calls this before saving an alert). */
  validate(module: string, settings: unknown): unknown;
  /** The registered modules with their settings schema (JSON Schema), for the console. */
  modules(): { id: string; label: string; settingsSchema: unknown }[];
  /** Re-read alerts on the next batch (after the console changed alerts, scopes, groups or checks). */
  invalidate(): void;
  /** Deliveries waiting or retrying. */
  pending(): Delivery[];
  /** Resolves when no delivery attempt is running. */
  idle(): Promise<void>;
}

/**
 * Alerting (docs/alerts.md): matches transitions against alerts and their scopes, turns each
 * match into a notice with names resolved, and hands it to the delivery queue.
 */
export function createAlerting(config: AlertingConfig, deps: AlertingDeps): Alerting {
  const { db } = deps;
  const log = deps.logger.child({ component: 'alerting' });
  const modules = deps.modules ?? builtInAlertModules({ smtp: databaseSmtpSource(db), emailTimeoutMs: config.emailTimeoutMs });
  const store = deps.store ?? memoryDeliveryStore();
  const queue = createDeliveryQueue(config, { modules, store, systemLog: deps.systemLog, logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}) });
  const now = () => (deps.clock ?? { now: Date.now }).now();
  let rules: { at: number; list: AlertRule[] } | undefined;
  let unsubscribe: (() => void) | undefined;

  async function currentRules(): Promise<AlertRule[]> {
    if (!rules || now() - rules.at > config.rulesCacheMs) rules = { at: now(), list: await loadAlertRules(db) };
    return rules.list;
  }

  /** Names of hosts, services and plugins in one query each. */
  async function names(batch: readonly Transition[]) {
    const select = <T extends object>(sql: string, ids: number[]) =>
      ids.length === 0 ? Promise.resolve([] as T[]) : db.sequelize.query<T>(sql.replace('?', ids.map(() => '?').join(',')), { type: QueryTypes.SELECT, replacements: ids });
    const unique = (pick: (t: Transition) => number | null) => [...new Set(batch.map(pick).filter((v): v is number => v !== null))];
    const hosts = await select<{ id: number; name: string }>('SELECT id, name FROM hosts WHERE id IN (?)', unique((t) => t.hostId));
    const services = await select<{ id: number; name: string }>('SELECT id, name FROM services WHERE id IN (?)', unique((t) => t.serviceId));
    const plugins = await select<{ id: number; plugin_id: string; name: string }>('SELECT id, plugin_id, name FROM plugins WHERE id IN (?)', unique((t) => t.pluginId));
    return {
      host: new Map(hosts.map((h) => [Number(h.id), h.name])),
      service: new Map(services.map((s) => [Number(s.id), s.name])),
      plugin: new Map(plugins.map((p) => [Number(p.id), { id: Number(p.id), pluginId: p.plugin_id, name: p.name || p.plugin_id }])),
    };
  }

  function validate(moduleId: string, settings: unknown): unknown {
    const module = modules.get(moduleId);
    if (!module) throw AlertErrors.UNKNOWN_MODULE(`${moduleId} (known: ${[...modules.keys()].join(', ')})`);
    return module.validate(settings);
  }

  const api: Alerting = {
    async start() {
      await queue.start();
      unsubscribe = deps.feed?.onTransitions(async (batch) => {
        try {
          await api.handleTransitions(batch);
        } catch (err) {
          log.error({ err, transitions: batch.length }, 'matching transitions against alerts failed');
          deps.systemLog.write('error', 'alerting', 'matching transitions against alerts failed', { reason: err instanceof Error ? err.message : String(err), transitions: batch.length });
        }
      });
      log.info({ modules: [...modules.keys()], durable: store.durable }, 'alerting started');
    },

    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await queue.stop();
    },

    async handleTransitions(batch) {
      if (batch.length === 0) return { matched: 0 };
      const pairs = matchTransitions(await currentRules(), batch);
      if (pairs.length === 0) return { matched: 0 };
      const n = await names(batch);
      for (const { rule, transition: t } of pairs) {
        const target: AlertNotice['target'] =
          t.serviceId !== null
            ? { kind: 'service', id: t.serviceId, name: n.service.get(t.serviceId) ?? `service ${t.serviceId}` }
            : { kind: 'host', id: t.hostId!, name: n.host.get(t.hostId!) ?? `host ${t.hostId}` };
        const plugin = t.pluginId === null ? null : (n.plugin.get(t.pluginId) ?? { id: t.pluginId, pluginId: String(t.pluginId), name: `plugin ${t.pluginId}` });
        // A host's own change names the plugin changes of the same batch that caused it.
        const causes =
          t.serviceId === null && t.pluginId === null
            ? batch
                .filter((c) => c.hostId === t.hostId && c.serviceId === null && c.pluginId !== null)
                .map((c) => ({ plugin: n.plugin.get(c.pluginId!)?.name ?? `plugin ${c.pluginId}`, from: c.from, to: c.to }))
            : [];
        const notice: AlertNotice = { alert: { id: rule.id, name: rule.name }, target, plugin, from: t.from, to: t.to, at: t.at, late: t.late, causes, test: false };
        await queue.enqueue({ alertId: rule.id, module: rule.module, settings: rule.settings, notice });
      }
      log.debug({ transitions: batch.length, matched: pairs.length }, 'alerts matched');
      return { matched: pairs.length };
    },

    async test(target) {
      let moduleId: string;
      let raw: unknown;
      let alert = { id: 0, name: 'Test' };
      if (typeof target === 'number') {
        const [rule] = await loadAlertRules(db, { includeDisabled: true, ids: [target] });
        if (!rule) throw AlertErrors.NOT_FOUND(`alert ${target}`);
        moduleId = rule.module;
        raw = rule.settings;
        alert = { id: rule.id, name: rule.name };
      } else {
        moduleId = target.module;
        raw = target.settings;
      }
      const settings = validate(moduleId, raw);
      const module = modules.get(moduleId)!;
      try {
        await module.send(testNotice(alert, now()), settings);
        deps.systemLog.write('info', 'alerting', `test alert delivered by ${moduleId}`, { alert: alert.name, module: moduleId });
        return { ok: true };
      } catch (err) {
        const reason = isProphasisError(err) || err instanceof Error ? err.message : String(err);
        deps.systemLog.write('warn', 'alerting', `test alert by ${moduleId} failed: ${reason}`, { alert: alert.name, module: moduleId, reason });
        return { ok: false, reason };
      }
    },

    validate,
    modules: () => [...modules.values()].map((m) => ({ id: m.id, label: m.label, settingsSchema: m.settingsSchema })),
    invalidate() {
      rules = undefined;
    },
    pending: () => queue.pending(),
    idle: () => queue.idle(),
  };
  return api;
}
