import { hostPresence, type Host, type HostPresence } from '../../core/protocol';

/**
 * An agent's presence in words, one vocabulary for every page (host list, host detail,
 * dashboard, service detail, host form): the core's states (protocol's `hostPresence`).
 */
export function presenceLabel(p: Pick<HostPresence, 'state' | 'since'>): string {
  switch (p.state) {
    case 'pending':
      return 'Waiting for enrolment';
    case 'revoked':
      return 'Revoked';
    case 'connected':
      return 'Connected';
    case 'disconnected':
      return p.since === null ? 'Never connected' : 'Disconnected';
    case 'unreachable':
      return 'Unreachable';
  }
}

/** What the presence's `since` means (`Unreachable since`), or null when it has none. */
export function presenceSinceLabel(p: Pick<HostPresence, 'state' | 'since'>): string | null {
  if (p.since === null || p.state === 'pending' || p.state === 'revoked') return null;
  return `${presenceLabel(p)} since`;
}

/**
 * How a page colours the presence: `bad` for unreachable (the host counts as Major), `warn` for
 * disconnected within the grace period (it may come back), null otherwise.
 */
export function presenceTone(p: Pick<HostPresence, 'state'>): 'bad' | 'warn' | null {
  if (p.state === 'unreachable') return 'bad';
  if (p.state === 'disconnected') return 'warn';
  return null;
}

/** True while the agent is not connected: its plugins show the last state they were measured in. */
export function showsLastKnown(p: Pick<HostPresence, 'state'>): boolean {
  return p.state === 'disconnected' || p.state === 'unreachable';
}

/** The agent's state in words for a host object (the host form), by the same rule the core uses. */
export function agentStatus(host: Pick<Host, 'enrolmentState' | 'connectedSince' | 'lastSeen' | 'unreachableSince'>): string {
  return presenceLabel(hostPresence(host));
}
