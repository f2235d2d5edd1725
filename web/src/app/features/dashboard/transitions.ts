import type { ApiEvent, Severity } from '../../core/protocol';
import { isSeverity } from '../../core/protocol';

/** One change of state as the dashboard lists it. */
export interface Transition {
  key: string;
  ts: number;
  subject: string;
  from: Severity | undefined;
  to: Severity;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : typeof value === 'number' ? String(value) : undefined);

/**
 * Reads a `state.changed` event. Its `data` is open-ended in the protocol, so this accepts the
 * names the core uses (`to`/`severity`, `from`/`previous`, `hostName`/`host`, `pluginId`,
 * `serviceName`) and ignores an event it cannot place.
 */
export function toTransition(event: ApiEvent, index: number): Transition | undefined {
  if (event.type !== 'state.changed') return undefined;
  const d = event.data;
  const to = d['to'] ?? d['severity'];
  if (!isSeverity(to)) return undefined;
  const from = d['from'] ?? d['previous'];
  const owner = text(d['serviceName']) ?? text(d['hostName']) ?? text(d['host']) ?? text(d['service']) ?? (d['hostId'] !== undefined ? `host ${text(d['hostId'])}` : undefined);
  const plugin = text(d['pluginId']) ?? text(d['plugin']);
  const subject = [owner, plugin].filter(Boolean).join(' · ') || 'unnamed';
  return { key: `${event.ts}-${index}`, ts: event.ts, subject, from: isSeverity(from) ? from : undefined, to };
}
