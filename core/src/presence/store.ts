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

/**
 * The host columns presence maintains (`connected_since`, `last_seen`, `unreachable_since`,
 * agent facts). Declared here, by its consumer; implemented over the database and in memory.
 * Every method returns `undefined` for an agent id no host carries.
 */
export interface PresenceStore {
  /**
   * The agent is online: `last_seen = at`, `connected_since = connected_since ?? at` (a
   * retained `online` delivered again after a core restart does not reset it),
   * `unreachable_since = null`, facts updated. Returns the `unreachable_since` it cleared.
   */
  recordOnline(agentId: string, at: Date, facts: PresenceFacts): Promise<{ hostId: string; clearedUnreachableSince: Date | null } | undefined>;
  /** The agent went away: `connected_since = null`, `last_seen = at`. */
  recordOffline(agentId: string, at: Date): Promise<{ hostId: string } | undefined>;
  /**
   * Sets `unreachable_since = at` iff the host is still disconnected and not yet unreachable
   * (so a late timer cannot mark a host that came back). Undefined when nothing changed.
   */
  markUnreachable(agentId: string, at: Date): Promise<{ hostId: string } | undefined>;
  /** `last_seen = at` (any message from the agent). */
  touch(agentId: string, at: Date): Promise<void>;
  /** Enrolled, unrevoked hosts that are disconnected but not yet unreachable (to resume grace periods after a restart). */
  listAwaitingGrace(): Promise<{ agentId: string; lastSeen: Date | null }[]>;
}
