import type { Host } from '../../core/protocol';

/** The agent's state in words, as lists and the form show it. */
export function agentStatus(host: Pick<Host, 'enrolmentState' | 'connectedSince' | 'unreachableSince'>): string {
  switch (host.enrolmentState) {
    case 'pending':
      return 'Waiting for enrolment';
    case 'revoked':
      return 'Revoked';
    case 'enrolled':
      if (host.connectedSince !== null && host.unreachableSince === null) return 'Connected';
      return 'Not connected';
  }
}
