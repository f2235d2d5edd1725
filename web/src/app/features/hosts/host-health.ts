import type { HostHealth, PageOf } from '../../core/protocol';
import { presenceLabel } from './host-status';

/** `GET /api/reports/hosts` answers a list; accept a page as well (older mock servers send one). */
export function healthItems(answer: readonly HostHealth[] | PageOf<HostHealth>): HostHealth[] {
  return Array.isArray(answer) ? [...answer] : [...(answer as PageOf<HostHealth>).items];
}

/** Its agent has been away for longer than the grace period (the core counts the host as Major). */
export function isUnreachable(h: Pick<HostHealth, 'presence'>): boolean {
  return h.presence.state === 'unreachable';
}

/** The agent's state in words for the health list (the vocabulary of every page: host-status.ts). */
export function healthAgentStatus(h: Pick<HostHealth, 'presence'>): string {
  return presenceLabel(h.presence);
}
