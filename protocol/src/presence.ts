/**
 * Where a host's agent stands, in one vocabulary for the core and the console (docs/api.md,
 * "Reports"):
 *
 * - `pending`: no agent enrolled yet; `revoked`: its agent was revoked.
 * - `connected`: the agent is connected (`since` = connected since).
 * - `disconnected`: the agent went away (a clean stop, or its connection dropped) and the grace
 *   period has not run out yet (`since` = when it was last heard from; null if it never
 *   connected). The host is not yet a problem: agents restart, links blip.
 * - `unreachable`: away for longer than the grace period (`since` = when the grace period ran
 *   out). The host counts as `major` until the agent is back.
 */
export const PRESENCE_STATES = ['pending', 'revoked', 'connected', 'disconnected', 'unreachable'] as const;
type PresenceState = (typeof PRESENCE_STATES)[number];

/** A host's presence: its state, since when, and when its agent was last heard from. */
export interface AgentPresence {
  state: PresenceState;
  since: number | null;
  lastSeen: number | null;
}

/** The host columns presence is derived from (the API's `Host` has them). */
export interface PresenceColumns {
  enrolmentState: string;
  connectedSince: number | null;
  lastSeen: number | null;
  unreachableSince: number | null;
}

/**
 * The one rule that turns a host's columns into its {@link AgentPresence}. `unreachableSince` wins:
 * the core's presence sets it only while the agent is disconnected and clears it when it is back.
 */
export function hostPresence(h: PresenceColumns): AgentPresence {
  const lastSeen = h.lastSeen ?? null;
  if (h.enrolmentState === 'pending') return { state: 'pending', since: null, lastSeen };
  if (h.enrolmentState === 'revoked') return { state: 'revoked', since: null, lastSeen };
  if (h.unreachableSince != null) return { state: 'unreachable', since: h.unreachableSince, lastSeen };
  if (h.connectedSince != null) return { state: 'connected', since: h.connectedSince, lastSeen };
  return { state: 'disconnected', since: lastSeen, lastSeen };
}
