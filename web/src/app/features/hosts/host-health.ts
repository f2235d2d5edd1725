import type { HostHealth, PageOf, Severity } from '../../core/protocol';
import { sortWorstFirst } from '../../shared/ui/severity';
import { presenceLabel } from './host-status';

/** `GET /api/reports/hosts` answers a list; accept a page as well (older mock servers send one). */
export function healthItems(answer: readonly HostHealth[] | PageOf<HostHealth>): HostHealth[] {
  return Array.isArray(answer) ? [...answer] : [...(answer as PageOf<HostHealth>).items];
}

/** Worst first by protocol's order, then unreachable before connected, then by name. */
export function sortHostHealth(hosts: readonly HostHealth[]): HostHealth[] {
  return sortWorstFirst(
    hosts,
    (h) => h.severity,
    (a, b) => Number(isUnreachable(b)) - Number(isUnreachable(a)) || a.name.localeCompare(b.name),
  );
}

/** Its agent has been away for longer than the grace period (the core counts the host as Major). */
export function isUnreachable(h: Pick<HostHealth, 'presence'>): boolean {
  return h.presence.state === 'unreachable';
}

/** The agent's state in words for the health list (the vocabulary of every page: host-status.ts). */
export function healthAgentStatus(h: Pick<HostHealth, 'presence'>): string {
  return presenceLabel(h.presence);
}

/** Hosts whose name contains `q` (case-insensitive) and, with `problemsOnly`, that are not OK or not reachable. */
export function filterHostHealth(hosts: readonly HostHealth[], q: string, problemsOnly: boolean): HostHealth[] {
  const needle = q.trim().toLowerCase();
  return hosts.filter((h) => (!needle || h.name.toLowerCase().includes(needle)) && (!problemsOnly || needsAttention(h)));
}

const FINE: ReadonlySet<Severity> = new Set(['ok']);

/** Not OK, or its agent is not connected (unreachable, or away within the grace period). */
function needsAttention(h: Pick<HostHealth, 'severity' | 'presence'>): boolean {
  return !FINE.has(h.severity) || h.presence.state === 'unreachable' || h.presence.state === 'disconnected';
}
