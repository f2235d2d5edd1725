import type { Logger, StateMessage } from '@prophasis/protocol';
import type { PresenceChange, SystemLog } from '../kernel/index.js';
import type { PresenceStore } from './store.js';

export interface PresenceConfig {
  /** How long an agent may be away before its host is unreachable. */
  unreachableGraceMs: number;
  /** `last_seen` is written at most this often per agent for non-state traffic (results). */
  lastSeenWriteMs: number;
}

export const PRESENCE_DEFAULTS: PresenceConfig = {
  unreachableGraceMs: 90_000, // 90 s: three missed keepalives of 30 s
  lastSeenWriteMs: 60_000, // 1 minute
};

/** `40 s`, `5 min`, `2 h 5 min`: how long an agent was away, for the system log. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

const iso = (d: Date | null): string => (d ? d.toISOString() : 'never');

/** A host's reachability changed; alert rules match on `type` (the kernel's presence change). */
export type HostPresenceEvent = PresenceChange;

/** Where presence events go (the alerting subsystem, live updates); declared by its consumer. */
export interface EventSink {
  publish(event: HostPresenceEvent): void | Promise<void>;
}

export interface Presence {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Feed every validated `state` message here (the transport's `onState`). */
  handleState(agentId: string, message: StateMessage): Promise<void>;
  /** Any other traffic from the agent (results): refreshes `last_seen`, throttled. */
  seen(agentId: string): Promise<void>;
  /** Agents whose grace period is running (for diagnostics and tests). */
  pending(): string[];
}

/**
 * Tracks whether agents are connected. `online` records connected-since, last-seen and the
 * agent's facts; `offline` (the agent's clean goodbye or its Last Will) starts the grace
 * period; when it expires the host is marked unreachable and `host.unreachable` is published;
 * the agent's next `online` clears it and publishes `host.reachable`. Every change (connected,
 * disconnected, unreachable, reachable again) is a line in the system log naming the host, so
 * a short outage that never made the host unreachable is on record too; repeats (a retained
 * `online` delivered again, a Last Will after a clean goodbye) are not.
 */
export function createPresence(config: PresenceConfig, deps: { store: PresenceStore; events: EventSink; logger: Logger; systemLog: SystemLog }): Presence {
  const { store, events, systemLog } = deps;
  const log = deps.logger.child({ component: 'presence' });
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const lastTouched = new Map<string, number>();
  // One chain per agent: its state messages are applied in arrival order even though each
  // one awaits the database.
  const chains = new Map<string, Promise<void>>();
  let running = false;

  function serial(agentId: string, work: () => Promise<void>): Promise<void> {
    const previous = chains.get(agentId) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => log.error({ err, agentId }, 'presence update failed'));
    chains.set(agentId, next);
    void next.finally(() => {
      if (chains.get(agentId) === next) chains.delete(agentId);
    });
    return next;
  }

  async function emit(event: HostPresenceEvent): Promise<void> {
    try {
      await events.publish(event);
    } catch (err) {
      log.error({ err, event }, 'presence event sink failed');
    }
  }

  function cancel(agentId: string): void {
    const timer = timers.get(agentId);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(agentId);
  }

  function startGrace(agentId: string, delayMs: number): void {
    if (!running || timers.has(agentId)) return;
    const timer = setTimeout(() => {
      timers.delete(agentId);
      void serial(agentId, async () => {
        const at = Date.now();
        const changed = await store.markUnreachable(agentId, new Date(at));
        if (!changed) return;
        systemLog.write('warn', 'presence', `${changed.hostName} is unreachable: its agent has not been connected since ${iso(changed.lastSeen)}`, {
          agentId,
          hostId: changed.hostId,
          host: changed.hostName,
          lastSeen: changed.lastSeen?.getTime() ?? null,
          graceMs: config.unreachableGraceMs,
        });
        await emit({ type: 'host.unreachable', hostId: changed.hostId, agentId, at });
      });
    }, Math.max(0, delayMs));
    timers.set(agentId, timer);
  }

  return {
    async start() {
      running = true;
      // Resume the grace periods that a restart interrupted: the deadline counts from last_seen.
      const waiting = await store.listAwaitingGrace();
      const now = Date.now();
      for (const { agentId, lastSeen } of waiting) {
        startGrace(agentId, (lastSeen?.getTime() ?? now) + config.unreachableGraceMs - now);
      }
      log.info({ resumed: waiting.length, graceMs: config.unreachableGraceMs }, 'presence started');
    },

    async stop() {
      running = false;
      for (const agentId of [...timers.keys()]) cancel(agentId);
      await Promise.all([...chains.values()]);
    },

    handleState(agentId, message) {
      return serial(agentId, async () => {
        const at = Date.now();
        lastTouched.set(agentId, at);
        const { status, ...facts } = message.body;
        if (status === 'online') {
          cancel(agentId);
          const result = await store.recordOnline(agentId, new Date(at), facts);
          if (!result) {
            systemLog.write('warn', 'presence', 'state from an agent no host carries', { agentId });
            return;
          }
          const context = { agentId, hostId: result.hostId, host: result.hostName };
          const away = result.lastSeenBefore ? ` after ${formatDuration(at - result.lastSeenBefore.getTime())} away` : '';
          if (result.clearedUnreachableSince) {
            systemLog.write('info', 'presence', `${result.hostName} is reachable again: its agent connected${away}`, {
              ...context,
              unreachableSince: result.clearedUnreachableSince.getTime(),
              lastSeen: result.lastSeenBefore?.getTime() ?? null,
            });
            await emit({ type: 'host.reachable', hostId: result.hostId, agentId, at, unreachableSince: result.clearedUnreachableSince.getTime() });
          } else if (!result.wasConnected) {
            systemLog.write('info', 'presence', `${result.hostName}: agent connected${away}`, { ...context, lastSeen: result.lastSeenBefore?.getTime() ?? null });
          }
        } else {
          const result = await store.recordOffline(agentId, new Date(at));
          if (!result) return;
          if (result.wasConnected) {
            systemLog.write('info', 'presence', `${result.hostName}: agent disconnected; the host becomes unreachable in ${formatDuration(config.unreachableGraceMs)} unless it reconnects`, {
              agentId,
              hostId: result.hostId,
              host: result.hostName,
              graceMs: config.unreachableGraceMs,
            });
          }
          startGrace(agentId, config.unreachableGraceMs);
        }
      });
    },

    async seen(agentId) {
      const now = Date.now();
      const last = lastTouched.get(agentId);
      if (last !== undefined && now - last < config.lastSeenWriteMs) return;
      lastTouched.set(agentId, now);
      try {
        await store.touch(agentId, new Date(now));
      } catch (err) {
        log.error({ err, agentId }, 'last_seen update failed');
      }
    },

    pending: () => [...timers.keys()],
  };
}
