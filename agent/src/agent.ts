import type { Logger } from '@prophasis/protocol';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { createBundleStore, type BundleStore } from './bundles/store.js';
import { createTrustStore, type TrustStore } from './bundles/trust.js';
import { realClock, type Clock } from './clock.js';
import { createCommandDispatcher, createCommandHandlers, type CommandHandlers, type CommandServices } from './commands/index.js';
import type { AgentConfig } from './config.js';
import { createConnection, type Connection, type ConnectionDeps } from './connection.js';
import { readCredentials, type Credentials } from './credentials.js';
import { createDrainer, type Drainer } from './outbox/drainer.js';
import { createOutbox, type Outbox } from './outbox/outbox.js';
import { createPlanState } from './plan/plan-state.js';
import { unavailablePluginRunner, type PluginRunner } from './plan/plugin-runner.js';
import { createPlanRunner, type BundleSource, type PlanRunner } from './plan/runner.js';
import { createReporter, type SandboxFigures } from './reporter.js';
import { agentDatabasePath, openAgentDatabase } from './store/database.js';
import { requestUpgrade, runningPackageRoot, watchLastUpgrade } from './upgrade/index.js';

export interface Agent {
  start(): Promise<void>;
  /** Stops scheduling, waits for the run in progress, says offline, disconnects, closes the outbox. */
  stop(): Promise<void>;
  readonly connection: Connection;
  readonly agentId: string;
  readonly outbox: Outbox;
  readonly plan: PlanRunner;
  readonly drainer: Drainer;
}

export interface AgentDeps {
  logger: Logger;
  /**
   * The plugin runner: `prophasis-agent run` passes the isolated-vm sandbox (`createPluginRunner`),
   * the simulator its scenario. Without one every run reports `command_unsuccessful`.
   */
  runner?: PluginRunner;
  /** The sandbox process's figures for `agent.report` (the real runner's `stats()`); none from the simulator. */
  sandbox?: () => SandboxFigures;
  /** Schedule clock (plan runner, report timer); the connection keeps `timers`. */
  clock?: Clock;
  /** Replaces entries of the command registry. */
  commands?: Partial<CommandHandlers>;
  random?: ConnectionDeps['random'];
  timers?: ConnectionDeps['timers'];
}

/** Bundle handling as the composition needs it: the real store, or the simulator's stand-in. */
export type AgentBundles = Pick<BundleStore, 'load' | 'install' | 'remove' | 'prune' | 'hashes'> & BundleSource;

/** Everything {@link composeAgent} wires; `createAgent` builds the real ones, the simulator its own. */
export interface AgentParts extends AgentDeps {
  credentials: Credentials;
  db: DatabaseSync;
  bundles: AgentBundles;
  trust: Pick<TrustStore, 'setPublishers'>;
  /** Upgrades the core offers (`agent.upgrade`); without it each offer is refused (the simulator). */
  upgrades?: CommandServices['upgrades'];
  /** The versioned installation this agent runs from (ROOT of ROOT/versions/<v>), whose last upgrade `state` online reports; null from source. */
  installRoot?: string | null;
}

/**
 * The composition root of `prophasis-agent run` (docs/agent.md): reads the credentials
 * (refusing to start when they are missing or readable by others), opens the agent database
 * (`agent.db`: outbox and plan) and the bundle store in the data directory, and wires them.
 */
export async function createAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const credentials = await readCredentials(config.dataDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openAgentDatabase(agentDatabasePath(config.dataDir));
  const trust = createTrustStore(config, { logger: deps.logger });
  const bundles = createBundleStore(config, { logger: deps.logger, trust });
  // One offer at a time; the same offer again while it downloads (a redelivery, a re-offer after
  // a reconnect) joins that download; once done, requestUpgrade knows it by its request file.
  let upgrading: { sha256: string; outcome: ReturnType<typeof requestUpgrade> } | undefined;
  const upgrades: CommandServices['upgrades'] = {
    request(offer) {
      if (upgrading?.sha256 === offer.sha256) return upgrading.outcome;
      const previous = upgrading?.outcome ?? Promise.resolve();
      const outcome = previous.then(() => requestUpgrade(config.dataDir, offer, { keys: () => trust.keys(), caPem: credentials.caPem, logger: deps.logger }));
      const entry = { sha256: offer.sha256, outcome };
      upgrading = entry;
      void outcome.finally(() => {
        if (upgrading === entry) upgrading = undefined;
      });
      return outcome;
    },
  };
  const packageRoot = await runningPackageRoot();
  return composeAgent(config, { ...deps, credentials, db, bundles, trust, upgrades, installRoot: packageRoot ? dirname(dirname(packageRoot)) : null });
}

/** Wires connection, outbox + drainer, plan runner, bundles, reporter and the command registry. */
export function composeAgent(config: AgentConfig, parts: AgentParts): Agent {
  const { credentials, db, bundles, logger } = parts;
  const clock = parts.clock ?? realClock;
  const agentId = credentials.agentId;
  const outbox = createOutbox({ maxResults: config.outboxMaxResults, maxAgeMs: config.outboxMaxAgeMs }, { db, logger, now: () => clock.now() });
  const plan = createPlanRunner({
    agentId,
    logger,
    clock,
    runner: parts.runner ?? unavailablePluginRunner,
    bundles,
    sink: outbox,
    state: createPlanState(db),
  });
  // The installation's last upgrade rides on `state` online; a change (the upgrader's verdict) announces again.
  const lastUpgrade = watchLastUpgrade(parts.installRoot ?? null, () => connection.announce());
  const connection = createConnection(config, {
    logger,
    credentials,
    presence: { bundles: () => bundles.hashes(), planRevision: () => plan.revision(), upgrade: () => lastUpgrade.current() },
    ...(parts.random ? { random: parts.random } : {}),
    ...(parts.timers ? { timers: parts.timers } : {}),
  });
  const drainer = createDrainer({ batchSize: config.drainBatchSize, inFlight: config.drainInFlight }, { outbox, publisher: connection, logger });
  const reporter = createReporter(
    { intervalMs: config.reportIntervalMs },
    {
      clock,
      logger,
      publish: (channel, message) => connection.publish(channel, message),
      sources: {
        missed: () => plan.missedUnreported(),
        markMissedReported: (n) => plan.markMissedReported(n),
        dropped: () => outbox.droppedUnreported(),
        markDroppedReported: (n) => outbox.markDroppedReported(n),
        depth: () => outbox.depth(),
        lastError: () => plan.lastError(),
        tick: () => outbox.enforceCaps(),
        ...(parts.sandbox ? { sandbox: parts.sandbox } : {}),
      },
    },
  );
  const commandLogger = logger.child({ component: 'commands' });
  const handlers: CommandHandlers = {
    ...createCommandHandlers({
      plan,
      bundles,
      outbox,
      trust: parts.trust,
      send: (message) => {
        connection.publish('res', message).catch((err: unknown) => commandLogger.warn({ err: { message: (err as Error).message }, type: message.type }, 'status not sent'));
      },
      bundlesChanged: () => connection.announce(),
      upgrades: parts.upgrades ?? { request: async () => ({ status: 'refused', reason: 'this agent does not upgrade itself (simulated or embedded)' }) },
    }),
    ...parts.commands,
  };
  connection.onCommand(
    createCommandDispatcher(handlers, {
      logger: commandLogger,
      setLogLevel: (level) => {
        logger.level = level;
      },
    }),
  );
  connection.onStatus((status) => {
    if (status === 'connected') {
      drainer.connected();
      reporter.connected();
    } else {
      drainer.disconnected();
      reporter.disconnected();
    }
  });
  let started = false;
  return {
    agentId,
    connection,
    outbox,
    plan,
    drainer,
    async start() {
      if (started) return;
      started = true;
      await bundles.load();
      await lastUpgrade.start();
      plan.start();
      drainer.start();
      reporter.start();
      await connection.start();
    },
    async stop() {
      await plan.stop();
      lastUpgrade.stop();
      reporter.stop();
      drainer.stop();
      await connection.stop();
      if (db.isOpen) db.close();
    },
  };
}
