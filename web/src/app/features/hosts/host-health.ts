import type { HostHealth, PageOf, Severity } from '../../core/protocol';
import { sortWorstFirst } from '../../shared/ui/severity';

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

/** An enrolled agent that is not connected: its results stop, so it is shown as a problem. */
export function isUnreachable(h: Pick<HostHealth, 'enrolmentState' | 'online'>): boolean {
  return h.enrolmentState === 'enrolled' && !h.online;
}

/** The agent's state in words for the health list. */
export function healthAgentStatus(h: Pick<HostHealth, 'enrolmentState' | 'online'>): string {
  if (h.enrolmentState === 'pending') return 'Waiting for enrolment';
  if (h.enrolmentState === 'revoked') return 'Revoked';
  return h.online ? 'Connected' : 'Unreachable';
}

/** Hosts whose name contains `q` (case-insensitive) and, with `problemsOnly`, that are not OK or not reachable. */
export function filterHostHealth(hosts: readonly HostHealth[], q: string, problemsOnly: boolean): HostHealth[] {
  const needle = q.trim().toLowerCase();
  return hosts.filter((h) => (!needle || h.name.toLowerCase().includes(needle)) && (!problemsOnly || needsAttention(h)));
}

const FINE: ReadonlySet<Severity> = new Set(['ok']);

/** Not OK, or its agent cannot be reached. */
function needsAttention(h: Pick<HostHealth, 'severity' | 'enrolmentState' | 'online'>): boolean {
  return !FINE.has(h.severity) || isUnreachable(h);
}
