import { isProphasisError, type Logger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { readSettings, type Database } from '../db/index.js';
import type { EventBus, SystemLog } from '../kernel/index.js';
import { transitionReachability } from '../state/index.js';
import type { AlertingConfig } from './config.js';
import { AlertErrors } from './errors.js';
import type { Transition } from './feed.js';
import { createTransitionIntake, type TransitionIntake } from './intake.js';
import { consoleLink, noticeDetails } from './details.js';
import { dueDeliveries, trackProblems } from './escalation.js';
import { FLAP_DEFAULTS, type FlapThresholds } from './flap.js';
import { createFlapTracker, flapRelevant, matchWithFlapping, type FlapVerdict } from './flapping.js';
import { testNotice } from './message.js';
import { builtInAlertModules, databaseSmtpSource, type AlertModuleRegistry } from './modules/index.js';
import { systemClock, type Clock } from '../kernel/index.js';
import { createNotificationTexts, type ActionLinkMaker, type NotificationTexts } from './notification-text.js';
import { createDeliveryQueue, memoryDeliveryStore, newDelivery, type Delivery, type DeliveryStore } from './queue.js';
import { loadAlertRules, type AlertRule } from './rules.js';
import { sequelizeDeliveryStore } from './sequelize-store.js';
import { endByTransitions, holdNotice, loadSuppression, releaseHeld } from './suppression.js';
import { holdForParent, releaseHeldForParents, takeHeldForParent } from './dependencies.js';
import { databaseTemplateStore, type TemplateStore } from './template-store.js';
import type { AlertNotice } from './types.js';

export interface AlertingDeps {
  db: Database;
  logger: Logger;
  systemLog: SystemLog;
  /**
   * Where transitions come from (docs/alerts.md, "Where transitions come from"). Set (the core
   * sets it): rows of `state_transitions` are read after a cursor kept in the database and turned
   * into deliveries exactly once, whenever the core is killed; `wake`'s `state.changed` events
   * make it read at once instead of at the next poll. Needs the durable store (the default then).
   * Unset: call `handleTransitions` yourself.
   */
  intake?: { wake?: Pick<EventBus, 'on'> };
  /** Default: the built-in `email`, `webhook`, `command` (SMTP from the settings table). */
  modules?: AlertModuleRegistry;
  /** Default: `sequelizeDeliveryStore(db)` with `intake`, else in memory (pending deliveries are lost on restart, which is logged). */
  store?: DeliveryStore;
  clock?: Clock;
  /** The console's base URL when the `publicUrl` setting is empty (the core's public URL); none: notices carry no link. */
  publicUrl?: () => string;
  /**
   * Signed Acknowledge/Mute links in every problem notification (docs/alerts.md, "Action links"),
   * under the `publicUrl` setting, else `linkBase()` (PROPHASIS_PUBLIC_URL, never a guessed
   * localhost address: a link a phone cannot open is worse than none, and the notice says why).
   */
  actionLinks?: { links: ActionLinkMaker; linkBase(): string };
}

/** The outcome of a Test action: delivered, or the reason it was not. */
export type AlertTestResult = { ok: true } | { ok: false; reason: string };

export interface Alerting {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Matches a batch of transitions against the enabled alerts and queues a delivery per match. Resolves once queued. */
  handleTransitions(batch: readonly Transition[]): Promise<{ matched: number }>;
  /** With `intake`: reads the transitions committed so far now; resolves with how many it took (0 without `intake`). */
  poll(): Promise<number>;
  /**
   * The console's Test action, for a stored alert (by id, enabled or not) or for unsaved
   * settings (named after `name`, the alert being edited, else "Test"). Refuses an unknown
   * alert/module or invalid settings with their errors; a failed
   * delivery is the result `{ ok: false, reason }`. No retries.
   */
  test(target: number | { module: string; settings: unknown; name?: string | undefined }): Promise<AlertTestResult>;
  /** Validates settings for a module (the API calls this before saving an alert). */
  validate(module: string, settings: unknown): unknown;
  /** The registered modules with their settings schema (JSON Schema), for the console. */
  modules(): { id: string; label: string; settingsSchema: unknown }[];
  /** Re-read alerts on the next batch (after the console changed alerts, scopes, groups or checks). */
  invalidate(): void;
  /** Sends what ended silences held back (also every `silenceCheckMs` once started); resolves with how many notices. */
  releaseEnded(): Promise<number>;
  /** Deliveries waiting or retrying. */
  pending(): Delivery[];
  /** The notification templates per module (`alert_templates`) and the texts they give (docs/alerts.md, "Templates"). */
  readonly templates: { store: TemplateStore; texts: NotificationTexts };
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
  if (deps.intake && deps.store && !deps.store.durable) throw new Error('alerting: the intake writes deliveries to alert_deliveries; it needs the durable store');
  const store = deps.store ?? (deps.intake ? sequelizeDeliveryStore(db, { logger: deps.logger, systemLog: deps.systemLog }) : memoryDeliveryStore());
  const templateStore = databaseTemplateStore(db);
  const texts = createNotificationTexts({
    templates: templateStore,
    logger: deps.logger,
    ...(deps.actionLinks ? { links: deps.actionLinks.links } : {}),
    linkBase: async () => (await readSettings(db)).publicUrl || deps.actionLinks?.linkBase() || '',
  });
  const queue = createDeliveryQueue(config, {
    modules,
    store,
    systemLog: deps.systemLog,
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    compose: (d) => texts.compose(d, d),
  });
  const now = () => (deps.clock ?? { now: Date.now }).now();
  let rules: { at: number; list: AlertRule[] } | undefined;
  let intake: TransitionIntake | undefined;
  const flaps = createFlapTracker(db);
  let settleTimer: NodeJS.Timeout | undefined;

  /** The global flap thresholds (settings `flapLowPercent`, `flapHighPercent`; docs/alerts.md, "Flapping"). */
  async function flapThresholds(): Promise<FlapThresholds> {
    const s = await readSettings(db);
    return { ...FLAP_DEFAULTS, lowPercent: s.flapLowPercent, highPercent: s.flapHighPercent };
  }

  /** The console's base URL for links in notices: the `publicUrl` setting, else the core's. */
  async function consoleBase(): Promise<string> {
    const fromSettings = (await readSettings(db)).publicUrl;
    return (fromSettings || deps.publicUrl?.() || '').replace(/\/+$/, '');
  }
  let releaseTimer: unknown;
  const clock = deps.clock ?? systemClock;

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

  /** The notices a batch matches, one per (alert, transition), names resolved. */
  async function notices(batch: readonly Transition[], forced?: ReadonlyMap<Transition, FlapVerdict>): Promise<{ rule: AlertRule; notice: AlertNotice; transition: Transition }[]> {
    if (batch.length === 0) return [];
    const all = await currentRules();
    const verdicts = forced ?? (all.length === 0 ? new Map<Transition, FlapVerdict>() : await flaps.judge(batch, await flapThresholds(), flapRelevant(all)));
    const pairs = matchWithFlapping(all, batch, verdicts);
    if (pairs.length === 0) return [];
    const n = await names(batch);
    // A host's change caused by its agent going away (or coming back) says so in words (core/src/state).
    const reachability = await transitionReachability(db, pairs.map((p) => p.transition));
    const details = await noticeDetails(db, pairs.map((p) => p.transition));
    const base = await consoleBase();
    return pairs.map(({ rule, transition: t, reason }, i) => {
      const target: AlertNotice['target'] =
        t.serviceId !== null
          ? { kind: 'service', id: t.serviceId, name: n.service.get(t.serviceId) ?? `service ${t.serviceId}` }
          : { kind: 'host', id: t.hostId!, name: n.host.get(t.hostId!) ?? `host ${t.hostId}` };
      const plugin = t.pluginId === null ? null : (n.plugin.get(t.pluginId) ?? { id: t.pluginId, pluginId: String(t.pluginId), name: `plugin ${t.pluginId}` });
      // A host's own change names the plugin changes that caused it: the state tracker gives them
      // the same time (a batch read from the table can hold several ingest batches).
      const causes =
        t.serviceId === null && t.pluginId === null
          ? batch
              .filter((c) => c.hostId === t.hostId && c.serviceId === null && c.pluginId !== null && c.at === t.at)
              .map((c) => ({ plugin: n.plugin.get(c.pluginId!)?.name ?? `plugin ${c.pluginId}`, from: c.from, to: c.to }))
          : [];
      const notice: AlertNotice = { alert: { id: rule.id, name: rule.name }, target, plugin, from: t.from, to: t.to, at: t.at, late: t.late, causes, test: false, reachability: reachability[i] ?? null, ...(reason ? { reason } : {}), ...details.get(t) };
      const link = consoleLink(base, target);
      if (link) notice.link = link;
      return { rule, transition: t, notice };
    });
  }

  /**
   * The notices of a batch that go out now (docs/alerts.md, "Acknowledging", "Silences and
   * maintenance windows"): the batch first ends the acknowledgements and until-ok silences its
   * changes end; then an acknowledged problem's notices are dropped and a silenced one's are held
   * for the end of the silence.
   */
  async function deliverable(batch: readonly Transition[]): Promise<{ rule: AlertRule; notice: AlertNotice }[]> {
    if (batch.length === 0) return [];
    await endByTransitions(db, batch, now());
    const matched = await notices(batch);
    // Repeats and escalations: problems open with their notices, close when ok (docs/alerts.md, "Repeat and escalation").
    await trackProblems(db, batch, matched, now());
    if (matched.length === 0) return [];
    const suppression = await loadSuppression(db);
    const out: { rule: AlertRule; notice: AlertNotice }[] = [];
    for (const m of matched) {
      const why = suppression.check(m.transition, now());
      // A notice of a problem a down parent held (docs/alerts.md, "Dependencies"): its recovery is not sent, anything else replaces it.
      if (!why && (await takeHeldForParent(db, m.transition, m.rule.id)) && m.transition.to === 'ok') continue;
      if (!why) out.push(m);
      else if (why.by === 'dependency') await holdForParent(db, why.hostId, m.transition, { alertId: m.rule.id, module: m.rule.module, settings: m.rule.settings, notice: { ...m.notice, causedBy: { hostId: why.hostId, name: why.name } } }, now());
      else if (why.by === 'silence') await holdNotice(db, why.id, m.transition, { alertId: m.rule.id, module: m.rule.module, settings: m.rule.settings, notice: m.notice }, now());
      else log.debug({ alert: m.rule.name, acknowledgement: why.id }, 'notice of an acknowledged problem not sent');
    }
    return out;
  }

  /** Sends, once, what silences that are no longer active held back for problems still there (reason `maintenance-ended`). */
  async function releaseEnded(): Promise<number> {
    const released = await releaseHeld(db, now());
    for (const h of released) await queue.enqueue({ alertId: h.alertId, module: h.module, settings: h.settings, notice: { ...h.notice, reason: 'maintenance-ended' } });
    if (released.length > 0) deps.systemLog.write('info', 'alerting', `${released.length} notices held during maintenance sent now that it ended`, { notices: released.length });
    // Held while a parent was down (docs/alerts.md, "Dependencies"): sent once if still there.
    const afterParents = await releaseHeldForParents(db, now());
    for (const h of afterParents) await queue.enqueue({ alertId: h.alertId, module: h.module, settings: h.settings, notice: { ...h.notice, reason: 'dependency-ended' } });
    if (afterParents.length > 0) deps.systemLog.write('info', 'alerting', `${afterParents.length} notices held while a parent host was down sent now that it is reachable`, { notices: afterParents.length });
    return released.length + afterParents.length;
  }

  /** Sends the repeats and escalation steps that are due (stored first, then queued); resolves with how many. */
  function sendDue(): Promise<number> {
    // One run at a time (the timer and poll() may ask together): a due step is stored once.
    const run = dueChain.then(async () => {
      const due = await dueDeliveries(db, await currentRules(), now());
      if (due.length > 0) queue.admit(due);
      return due.length;
    });
    dueChain = run.catch(() => 0);
    return run;
  }
  let dueChain: Promise<unknown> = Promise.resolve();

  /** Sends one "stopped flapping" notice per alert for each series whose results settled (docs/alerts.md, "Flapping"). */
  async function releaseSettled(): Promise<number> {
    const settled = await flaps.settled(await flapThresholds(), now());
    if (settled.length === 0) return 0;
    const matched = await notices(settled, new Map(settled.map((t) => [t, 'stopped' as const])));
    for (const { rule, notice } of matched) await queue.enqueue({ alertId: rule.id, module: rule.module, settings: rule.settings, notice });
    return matched.length;
  }

  function validate(moduleId: string, settings: unknown): unknown {
    const module = modules.get(moduleId);
    if (!module) throw AlertErrors.UNKNOWN_MODULE(`${moduleId} (known: ${[...modules.keys()].join(', ')})`);
    return module.validate(settings);
  }

  const api: Alerting = {
    async start() {
      // Deliveries a previous run left are loaded before the intake stores new ones.
      await queue.start();
      if (deps.intake) {
        intake = createTransitionIntake(config, {
          db,
          logger: deps.logger,
          systemLog: deps.systemLog,
          match: async (batch) => {
            const matched = await deliverable(batch);
            if (matched.length > 0) log.debug({ transitions: batch.length, matched: matched.length }, 'alerts matched');
            return matched.map(({ rule, notice }) => newDelivery({ alertId: rule.id, module: rule.module, settings: rule.settings, notice }, now()));
          },
          admit: (deliveries) => queue.admit(deliveries),
          ...(deps.intake.wake ? { wake: deps.intake.wake } : {}),
          now,
        });
        await intake.start();
      }
      const tick = () => {
        releaseTimer = clock.setTimeout(() => {
          releaseEnded()
            .catch((err: unknown) => log.error({ err }, 'releasing notices held by silences failed'))
            .finally(() => {
              if (releaseTimer !== undefined) tick();
            });
        }, config.silenceCheckMs);
      };
      tick();
      // Series that stop flapping have no transition to tell: their results are looked at every poll interval.
      // Repeats and escalations that fell due, likewise.
      settleTimer = setInterval(() => {
        void releaseSettled().catch((err: unknown) => log.error({ err }, 'looking for series that stopped flapping failed; will retry'));
        void sendDue().catch((err: unknown) => log.error({ err }, 'sending due repeats and escalations failed; will retry'));
      }, config.pollIntervalMs);
      settleTimer.unref();
      log.info({ modules: [...modules.keys()], durable: store.durable, intake: intake !== undefined }, 'alerting started');
    },

    async stop() {
      if (settleTimer) clearInterval(settleTimer);
      settleTimer = undefined;
      await intake?.stop();
      intake = undefined;
      clock.clearTimeout(releaseTimer);
      releaseTimer = undefined;
      await queue.stop();
    },

    async handleTransitions(batch) {
      const matched = await deliverable(batch);
      for (const { rule, notice } of matched) await queue.enqueue({ alertId: rule.id, module: rule.module, settings: rule.settings, notice });
      if (matched.length > 0) log.debug({ transitions: batch.length, matched: matched.length }, 'alerts matched');
      return { matched: matched.length };
    },

    async poll() {
      const taken = await (intake?.poll() ?? Promise.resolve(0));
      await releaseSettled();
      await sendDue();
      return taken;
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
        // The alert being edited, saved or not (issue 21: the message said "Test").
        if (target.name !== undefined) alert = { id: 0, name: target.name };
      }
      const settings = validate(moduleId, raw);
      const module = modules.get(moduleId)!;
      try {
        const notice = testNotice(alert, now());
        await module.send(notice, settings, await texts.compose({ module: moduleId, settings: raw, notice }, notice));
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
    releaseEnded,
    pending: () => queue.pending(),
    templates: { store: templateStore, texts },
    idle: () => queue.idle(),
  };
  return api;
}
