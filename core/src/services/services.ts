import { compareSeverity, type Logger, type Severity } from '@prophasis/protocol';
import type { EventPublisher, Transition } from '../kernel/index.js';
import type { Database } from '../db/index.js';
import type { SystemLog } from '../kernel/index.js';
import type { ServicesConfig } from './config.js';
import { evaluateService, type ServiceDefinition, type ServicePart } from './health.js';
import { loadHostHealths, loadLastServiceStates, loadServiceDefinitions } from './store.js';


/** One service's health now, with what each part contributed. */
interface ServiceHealthReport {
  id: number;
  name: string;
  severity: Severity;
  parts: ServicePart[];
}

export interface ServiceMonitor {
  /** Loads the last recorded severities and recomputes every service (recording changes). */
  start(): Promise<void>;
  /** Stops the resync timer and waits for a running recompute. */
  stop(): Promise<void>;
  /** Host transitions (from the transition feed): recomputes the services those hosts are part of. */
  handleTransitions(batch: readonly Transition[]): Promise<void>;
  /** A presence event (`host.unreachable` / `host.reachable`): recomputes that host's services. */
  handlePresence(event: { hostId: string | number; at?: number }): Promise<void>;
  /** Recomputes every service now (after the console edited services, hosts or groups). */
  recomputeAll(): Promise<void>;
  /** Every service's health computed now from the database, worst first; records nothing. */
  health(): Promise<ServiceHealthReport[]>;
}

/**
 * Service health (docs/services.md): keeps each service's last recorded severity, recomputes the
 * services a batch of host transitions touches (set-based: six structure queries and two
 * host-health queries per recompute, whatever the number of services), and when a service's
 * severity changed writes a `state_transitions` row with its `service_id` and publishes a
 * `state.changed` event — which is how alerting sees service transitions (through the
 * transition feed), so this module never calls alerting itself.
 *
 * Recomputes are serialised; requests that arrive meanwhile are merged into the next one, so a
 * burst of host transitions costs one recompute, not one per transition.
 */
export function createServiceMonitor(
  config: ServicesConfig,
  deps: { db: Database; logger: Logger; events?: EventPublisher; systemLog?: SystemLog; now?: () => number },
): ServiceMonitor {
  const { db } = deps;
  const log = deps.logger.child({ component: 'services' });
  const now = deps.now ?? Date.now;
  const last = new Map<number, Severity>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wantAll = false;
  const wantHosts = new Set<number>();
  // What caused the pending recompute: the newest transition time and whether any was late.
  let cause: { at: number; late: boolean } | undefined;

  function request(hosts: Iterable<number> | 'all', why?: { at: number; late: boolean }): Promise<void> {
    if (hosts === 'all') wantAll = true;
    else for (const h of hosts) wantHosts.add(h);
    if (why) cause = cause ? { at: Math.max(cause.at, why.at), late: cause.late || why.late } : why;
    running ??= drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  async function drain(): Promise<void> {
    while (wantAll || wantHosts.size > 0) {
      const all = wantAll;
      const hosts = new Set(wantHosts);
      const why = cause;
      wantAll = false;
      wantHosts.clear();
      cause = undefined;
      try {
        await recompute(all ? 'all' : hosts, why);
      } catch (err) {
        log.error({ err }, 'recomputing service health failed; the next resync retries');
        deps.systemLog?.write('error', 'services', 'recomputing service health failed', { reason: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  async function evaluate(only: Set<number> | 'all'): Promise<{ defs: ServiceDefinition[]; results: ServiceHealthReport[] }> {
    const defs = await loadServiceDefinitions(db);
    const affected = only === 'all' ? defs : defs.filter((d) => [...d.dependencies, ...d.redundancyGroups].some((p) => p.hostIds.some((h) => only.has(h))));
    const hostIds = new Set<number>();
    for (const d of affected) for (const p of [...d.dependencies, ...d.redundancyGroups]) for (const h of p.hostIds) hostIds.add(h);
    const healths = hostIds.size > 0 ? await loadHostHealths(db, [...hostIds]) : new Map<number, Severity>();
    const results = affected.map((d) => ({ id: d.id, name: d.name, ...evaluateService(d, (h) => healths.get(h) ?? 'no_data') }));
    return { defs, results };
  }

  async function recompute(only: Set<number> | 'all', why?: { at: number; late: boolean }): Promise<void> {
    const { defs, results } = await evaluate(only);
    if (only === 'all') {
      const present = new Set(defs.map((d) => d.id));
      for (const id of [...last.keys()]) if (!present.has(id)) last.delete(id);
    }
    const at = why?.at ?? now();
    const late = why?.late ?? false;
    const changes = results
      .filter((r) => (last.get(r.id) ?? 'no_data') !== r.severity)
      .map((r) => ({ serviceId: r.id, name: r.name, from: last.get(r.id) ?? ('no_data' as Severity), to: r.severity, at, late }));
    if (changes.length === 0) return;
    await db.models.StateTransition.bulkCreate(
      changes.map((c) => ({ hostId: null, pluginId: null, serviceId: c.serviceId, fromState: c.from, toState: c.to, at: c.at, late: c.late })),
    );
    for (const c of changes) {
      last.set(c.serviceId, c.to);
      log.info({ serviceId: c.serviceId, service: c.name, from: c.from, to: c.to, late: c.late }, 'service state changed');
      deps.events?.publish({ type: 'state.changed', ts: now(), transition: { serviceId: c.serviceId, hostId: null, pluginId: null, from: c.from, to: c.to, at: c.at, late: c.late } });
    }
  }

  return {
    async start() {
      for (const [id, severity] of await loadLastServiceStates(db)) last.set(id, severity);
      await request('all');
      timer = setInterval(() => void request('all'), config.resyncIntervalMs);
      timer.unref();
      log.info({ services: last.size }, 'service health started');
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    async handleTransitions(batch) {
      // Any host transition may move a service (plugin rows too: cheap, and robust to a
      // producer that sends no host-level rows).
      const hostRows = batch.filter((t) => t.hostId !== null && t.serviceId === null);
      if (hostRows.length === 0) return;
      const at = hostRows.reduce((max, t) => Math.max(max, t.at), 0);
      await request(
        hostRows.map((t) => t.hostId as number),
        { at, late: hostRows.some((t) => t.late) },
      );
    },
    async handlePresence(event) {
      const id = Number(event.hostId);
      if (!Number.isInteger(id)) return;
      await request([id], event.at !== undefined ? { at: event.at, late: false } : undefined);
    },
    recomputeAll: () => request('all'),
    async health() {
      const { results } = await evaluate('all');
      return results.sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
    },
  };
}

