import type { ApiEvent, Severity, StateTransition } from '../../core/protocol';
import { isSeverity } from '../../core/protocol';

/** One change as the dashboard lists it: a change of state, or an agent going away or coming back. */
export interface Transition {
  key: string;
  ts: number;
  subject: string;
  /** Router link of the host or service report, when the event names one. */
  link: readonly (string | number)[] | undefined;
  from: Severity | undefined;
  to: Severity | undefined;
  /** Words for changes that are not severities (`Agent unreachable`). */
  note: string | undefined;
}

/**
 * Names for the ids the core puts in events: state changes carry row ids (`hostId: 3`,
 * `pluginId: 5`, `serviceId: 2`), and the dashboard shows names instead.
 */
export interface TransitionNames {
  host(id: unknown): string | undefined;
  plugin(id: unknown): string | undefined;
  service(id: unknown): string | undefined;
}

const NO_NAMES: TransitionNames = { host: () => undefined, plugin: () => undefined, service: () => undefined };

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : typeof value === 'number' ? String(value) : undefined);
const present = (value: unknown): boolean => value !== undefined && value !== null;
const idOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined);

/**
 * Reads a `state.changed` or `host.presence` event. `data` is open-ended in the protocol, so this
 * accepts the names the core uses (`to`/`severity`, `from`/`previous`, `hostId`/`hostName`,
 * `pluginId`, `serviceId`/`serviceName`, `at`) and ignores an event it cannot place.
 */
export function toTransition(event: ApiEvent, index: number, names: TransitionNames = NO_NAMES): Transition | undefined {
  const d = event.data;
  const ts = typeof d['at'] === 'number' ? d['at'] : event.ts;
  const hostId = idOf(d['hostId']);
  const hostLink = hostId !== undefined ? ['/hosts', hostId, 'detail'] : undefined;
  const hostName = text(d['hostName']) ?? text(d['host']) ?? names.host(hostId ?? d['hostId']) ?? (present(d['hostId']) ? `host ${text(d['hostId'])}` : undefined);
  if (event.type === 'host.presence') {
    const kind = d['type'];
    if (kind !== 'host.unreachable' && kind !== 'host.reachable') return undefined;
    const note = kind === 'host.unreachable' ? 'Agent unreachable' : 'Agent reachable again';
    return { key: `${ts}-${index}`, ts, subject: hostName ?? text(d['agentId']) ?? 'unnamed', link: hostLink, from: undefined, to: undefined, note };
  }
  if (event.type !== 'state.changed') return undefined;
  const to = d['to'] ?? d['severity'];
  if (!isSeverity(to)) return undefined;
  const from = d['from'] ?? d['previous'];
  const serviceId = idOf(d['serviceId']);
  const serviceName = text(d['serviceName']) ?? text(d['service']) ?? names.service(serviceId ?? d['serviceId']) ?? (present(d['serviceId']) ? `service ${text(d['serviceId'])}` : undefined);
  const owner = serviceName ?? hostName;
  const plugin = present(d['pluginId']) ? (names.plugin(d['pluginId']) ?? text(d['pluginId'])) : text(d['plugin']);
  const subject = [owner, plugin].filter(Boolean).join(' · ') || 'unnamed';
  const link = serviceId !== undefined ? ['/reports/services', serviceId] : hostLink;
  return { key: `${ts}-${index}`, ts, subject, link, from: isSeverity(from) ? from : undefined, to, note: undefined };
}

/** A stored transition (`GET /api/reports/transitions`) as the dashboard lists it. */
export function storedTransition(t: StateTransition): Transition {
  const owner = t.serviceName ?? t.hostName ?? (t.serviceId !== null ? `service ${t.serviceId}` : t.hostId !== null ? `host ${t.hostId}` : 'unnamed');
  const plugin = t.pluginName ?? t.pluginId;
  const link = t.serviceId !== null ? ['/reports/services', t.serviceId] : t.hostId !== null ? ['/hosts', t.hostId, 'detail'] : undefined;
  return { key: `stored-${t.id}`, ts: t.at, subject: [owner, plugin].filter(Boolean).join(' · '), link, from: t.from, to: t.to, note: undefined };
}

/**
 * Stored history and live changes together, newest first by when they happened; a live change
 * the history also holds (same time, subject and states) is listed once.
 */
export function mergeTransitions(stored: readonly Transition[], live: readonly Transition[], max: number): Transition[] {
  const key = (t: Transition) => `${t.ts}|${t.subject}|${t.from}|${t.to}`;
  const seen = new Set(stored.map(key));
  return [...stored, ...live.filter((t) => t.note !== undefined || !seen.has(key(t)))].sort((a, b) => b.ts - a.ts).slice(0, max);
}
