import type { PresenceFacts, PresenceStore } from '../presence/index.js';
import { EnrolmentErrors } from './errors.js';
import type { AgentFacts, EnrolmentState, HostRef, RegistryStore, StoredAgent, StoredToken } from './registry.js';

/** One host as the memory store keeps it (the same fields as the `hosts` table). */
export interface MemoryHost {
  id: string;
  name: string;
  enrolmentState: EnrolmentState;
  agentId: string | null;
  secretHash: string | null;
  revokedAt: Date | null;
  connectedSince: Date | null;
  lastSeen: Date | null;
  unreachableSince: Date | null;
  facts: PresenceFacts & Partial<AgentFacts>;
}

/**
 * An in-memory {@link RegistryStore} and {@link PresenceStore}, for unit tests and tools. Every
 * method runs its check and its update in one synchronous step, which is what makes token
 * consumption atomic here (the database store uses a conditional UPDATE instead).
 */
export function createMemoryRegistryStore(): RegistryStore & PresenceStore & { hosts: Map<string, MemoryHost>; tokens: Map<string, StoredToken & { createdBy: string }> } {
  const hosts = new Map<string, MemoryHost>();
  const tokens = new Map<string, StoredToken & { createdBy: string }>();
  let nextId = 1;
  const byAgent = (agentId: string): MemoryHost | undefined => {
    for (const host of hosts.values()) if (host.agentId === agentId) return host;
    return undefined;
  };
  const ref = (h: MemoryHost): HostRef => ({ hostId: h.id, name: h.name, state: h.enrolmentState });
  const agent = (h: MemoryHost): StoredAgent => ({ agentId: h.agentId!, hostId: h.id, secretHash: h.secretHash!, revoked: h.revokedAt !== null });

  return {
    hosts,
    tokens,
    async findOrCreatePendingHost(name) {
      for (const host of hosts.values()) if (host.name === name) return ref(host);
      const host: MemoryHost = {
        id: String(nextId++),
        name,
        enrolmentState: 'pending',
        agentId: null,
        secretHash: null,
        revokedAt: null,
        connectedSince: null,
        lastSeen: null,
        unreachableSince: null,
        facts: {},
      };
      hosts.set(host.id, host);
      return ref(host);
    },
    async insertToken({ hostId, tokenHash, expiresAt, createdBy }) {
      if (!hosts.has(hostId)) throw EnrolmentErrors.HOST_NOT_FOUND(hostId);
      tokens.set(tokenHash, { hostId, expiresAt, usedAt: null, createdBy });
    },
    async findToken(tokenHash) {
      const t = tokens.get(tokenHash);
      return t && { hostId: t.hostId, expiresAt: t.expiresAt, usedAt: t.usedAt };
    },
    async consumeToken(tokenHash, now, { agentId, secretHash, facts }) {
      const t = tokens.get(tokenHash);
      if (!t) return { ok: false, reason: 'unknown' };
      if (t.usedAt) return { ok: false, reason: 'used' };
      if (t.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
      const host = hosts.get(t.hostId);
      if (!host) return { ok: false, reason: 'unknown' };
      if (host.enrolmentState === 'enrolled') return { ok: false, reason: 'host_enrolled' };
      t.usedAt = now;
      const previousAgentId = host.agentId;
      Object.assign(host, { enrolmentState: 'enrolled', agentId, secretHash, revokedAt: null, unreachableSince: null, connectedSince: null });
      host.facts = { ...host.facts, ...facts };
      return { ok: true, hostId: host.id, hostName: host.name, previousAgentId };
    },
    async findAgent(agentId) {
      const host = byAgent(agentId);
      return host && agent(host);
    },
    async listAgents() {
      return [...hosts.values()].filter((h) => h.agentId && h.secretHash).map(agent);
    },
    async revokeAgent(agentId, at) {
      const host = byAgent(agentId);
      if (!host || host.revokedAt) return false;
      host.revokedAt = at;
      host.enrolmentState = 'revoked';
      return true;
    },
    async recordOnline(agentId, at, facts) {
      const host = byAgent(agentId);
      if (!host) return undefined;
      const before = { clearedUnreachableSince: host.unreachableSince, wasConnected: host.connectedSince !== null, lastSeenBefore: host.lastSeen };
      host.lastSeen = at;
      host.connectedSince ??= at;
      host.unreachableSince = null;
      host.facts = { ...host.facts, ...facts };
      return { hostId: host.id, hostName: host.name, ...before };
    },
    async recordOffline(agentId, at) {
      const host = byAgent(agentId);
      if (!host) return undefined;
      const wasConnected = host.connectedSince !== null;
      host.connectedSince = null;
      host.lastSeen = at;
      return { hostId: host.id, hostName: host.name, wasConnected };
    },
    async markUnreachable(agentId, at) {
      const host = byAgent(agentId);
      if (!host || host.connectedSince !== null || host.unreachableSince !== null) return undefined;
      host.unreachableSince = at;
      return { hostId: host.id, hostName: host.name, lastSeen: host.lastSeen };
    },
    async touch(agentId, at) {
      const host = byAgent(agentId);
      if (host) host.lastSeen = at;
    },
    async listAwaitingGrace() {
      return [...hosts.values()]
        .filter((h) => h.agentId && h.enrolmentState === 'enrolled' && h.connectedSince === null && h.unreachableSince === null)
        .map((h) => ({ agentId: h.agentId!, lastSeen: h.lastSeen }));
    },
  };
}
