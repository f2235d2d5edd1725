import type { Logger } from '@prophasis/protocol';
import type { Sequelize } from 'sequelize';
import type { EventBus } from '../kernel/index.js';
import type { ClusterConfig } from './config.js';
import { ClusterErrors } from './errors.js';
import { createLeaseManager, type LeaseManager } from './leases.js';
import { createEventBridge, type EventBridge } from './notify.js';
import { dutyLease, partitionLease, partitionOf } from './partition.js';

/**
 * The once-only duties, each leased as `duty:<name>` (docs/high-availability.md, "Duties"):
 * `housekeeping` (retention, PostgreSQL day partitions), `alerting` (the transition intake, the
 * durable delivery queue, repeats and escalations, silences' releases), `dispatch` (computing and
 * publishing plans, revision numbers), `enrolment` (the broker session that receives enrolment
 * requests), `agent-upgrades` (offering a rollout's version after a membership change).
 */
const DUTIES = ['housekeeping', 'alerting', 'dispatch', 'enrolment', 'agent-upgrades'] as const;
type Duty = (typeof DUTIES)[number];

/** What a duty is to the cluster: started when this core takes its lease, stopped before it gives it up. */
interface DutyRunner {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/** What the cluster asks of the transport (declared here, by its consumer). */
interface LeaseSessions {
  serveLease(name: string): Promise<void>;
  leaveLease(name: string): Promise<void>;
  agentsChanged(): Promise<void>;
}

export interface ClusterDeps {
  sequelize: Sequelize;
  databaseUrl: string;
  logger: Logger;
  events: EventBus;
  /** The last migration this core knows. */
  schemaVersion: string;
  sessions: LeaseSessions;
  /** Duties with something to start and stop; the others are asked through `ownsDuty`. */
  duties: Partial<Record<Duty, DutyRunner>>;
  /**
   * Before a partition is served: what this core caches of its agents' hosts (current states) is
   * read again, since another core committed to them meanwhile.
   */
  refresh?: () => Promise<void>;
}

export interface Cluster {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly leases: LeaseManager;
  readonly bridge: EventBridge;
  /** Whether this core processes the agent's messages now (it holds the agent's partition). */
  ownsAgent(agentId: string): boolean;
  ownsDuty(duty: Duty): boolean;
}

/**
 * Several cores on one PostgreSQL and one external broker (docs/decisions/0013-several-cores.md):
 * leases for the agents' partitions and the duties, the broker sessions and duties they start and
 * stop, and the LISTEN/NOTIFY bridge for configuration changes and the consoles' live events.
 */
export function createCluster(config: ClusterConfig, deps: ClusterDeps): Cluster {
  const log = deps.logger.child({ component: 'cluster', coreId: config.coreId });
  const leases = createLeaseManager(config, {
    sequelize: deps.sequelize,
    logger: deps.logger,
    duties: DUTIES,
    schemaVersion: deps.schemaVersion,
    handlers: {
      async acquired(name) {
        if (name.startsWith('p:')) await deps.refresh?.();
        await deps.sessions.serveLease(name);
        const duty = name.startsWith('duty:') ? deps.duties[name.slice(5) as Duty] : undefined;
        await duty?.start();
      },
      async lost(name, reason) {
        const duty = name.startsWith('duty:') ? deps.duties[name.slice(5) as Duty] : undefined;
        await duty?.stop().catch((err: unknown) => log.error({ err, lease: name }, 'stopping a duty failed'));
        await deps.sessions.leaveLease(name);
        log.info({ lease: name, reason }, 'lease left');
      },
    },
  });
  const bridge = createEventBridge({ coreId: config.coreId, databaseUrl: deps.databaseUrl }, { events: deps.events, logger: deps.logger });
  let unfollow: (() => void) | undefined;
  let resync: NodeJS.Timeout | undefined;
  let safetyNet: NodeJS.Timeout | undefined;

  return {
    leases,
    bridge,
    async start() {
      if (!config.enabled) throw ClusterErrors.NEEDS_POSTGRES_AND_BROKER('PROPHASIS_CLUSTER is off');
      await bridge.start();
      // Enrolments and revocations on any core: the owner of the agent's partition subscribes.
      unfollow = deps.events.on('config.changed', ({ resource }) => {
        if (resource !== 'hosts') return;
        if (resync) clearTimeout(resync);
        resync = setTimeout(() => {
          resync = undefined;
          deps.sessions.agentsChanged().catch((err: unknown) => log.error({ err }, 'updating partition subscriptions failed'));
        }, 100);
      });
      await leases.start();
      // In case a notification was lost (PostgreSQL reconnecting): the subscriptions are compared every 30 s.
      safetyNet = setInterval(() => {
        deps.sessions.agentsChanged().catch((err: unknown) => log.error({ err }, 'updating partition subscriptions failed'));
      }, 30_000);
      safetyNet.unref?.();
    },
    async stop() {
      if (safetyNet) clearInterval(safetyNet);
      unfollow?.();
      if (resync) clearTimeout(resync);
      await leases.stop();
      await bridge.stop();
    },
    ownsAgent: (agentId) => leases.owns(partitionLease(partitionOf(agentId, config.partitions))),
    ownsDuty: (duty) => leases.owns(dutyLease(duty)),
  };
}
