/** What the agent's `state` message tells about it; stored on its host. */
export interface PresenceFacts {
  agentVersion?: string;
  platform?: string;
  arch?: string;
  hostname?: string;
  nodeVersion?: string;
  bundles?: string[];
  planRevision?: number;
}

/** The host a presence write touched, named for the system log. */
interface PresenceHost {
  hostId: string;
  hostName: string;
}

/**
 * The host columns presence maintains (`connected_since`, `last_seen`, `unreachable_since`,
 * agent facts). Declared here, by its consumer; implemented over the database and in memory.
 * Every method returns `undefined` for an agent id no host carries. Each write also says what it
 * found before, so that presence logs changes, not repeats (a retained `online` delivered again
 * after a core restart, a Last Will after a clean goodbye).
 */
export interface PresenceStore {
  /**
   * The agent is online: `last_seen = at`, `connected_since = connected_since ?? at` (a
   * retained `online` delivered again after a core restart does not reset it),
   * `unreachable_since = null`, facts updated. Returns the `unreachable_since` it cleared,
   * whether `connected_since` was already set, and `last_seen` before the write.
   */
  recordOnline(
    agentId: string,
    at: Date,
    facts: PresenceFacts,
  ): Promise<(PresenceHost & { clearedUnreachableSince: Date | null; wasConnected: boolean; lastSeenBefore: Date | null }) | undefined>;
  /** The agent went away: `connected_since = null`, `last_seen = at`. Says whether it was connected. */
  recordOffline(agentId: string, at: Date): Promise<(PresenceHost & { wasConnected: boolean }) | undefined>;
  /**
   * Sets `unreachable_since = at` iff the host is still disconnected and not yet unreachable
   * (so a late timer cannot mark a host that came back). Undefined when nothing changed;
   * otherwise also when the agent was last heard from.
   */
  markUnreachable(agentId: string, at: Date): Promise<(PresenceHost & { lastSeen: Date | null }) | undefined>;
  /** `last_seen = at` (any message from the agent). */
  touch(agentId: string, at: Date): Promise<void>;
  /** Enrolled, unrevoked hosts that are disconnected but not yet unreachable (to resume grace periods after a restart). */
  listAwaitingGrace(): Promise<{ agentId: string; lastSeen: Date | null }[]>;
}
