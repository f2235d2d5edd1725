import { createLogger, type Logger } from '@prophasis/protocol';
import { createAuditTrail } from './audit/audit.js';
import { databaseAuditStore } from './audit/store.js';
import { createSetupAnnouncer } from './auth/announcer.js';
import { createAuth } from './auth/auth.js';
import { createApiTokens } from './auth/api-tokens.js';
import { databaseAuthStore } from './auth/store.js';
import { sqlitePath, type CoreConfig } from './kernel/config.js';
import { ensurePki } from '@prophasis/broker';
import { createDatabase, type Database } from './db/index.js';
import { createEventBus, createSecretBox, describeDatabase, removeRuntimeFacts, withoutCredentials, writeRuntimeFacts, type EventBus } from './kernel/index.js';
import { createApiApp } from './api.js';
import { createHttpServer, loadHttpsMaterial } from './http/index.js';
import { createAgentTarball } from './downloads/agent-tarball.js';
import { createAgentPackages } from './downloads/index.js';
import { agentDownloadBase, createAgentUpgrades } from './agent-upgrades/index.js';
import {
  buildFirstPartyPlugins,
  createFileTrustStore,
  createPluginRepository,
  defaultPluginsDir,
  firstPartyOutDir,
  loadOrCreateSiteKey,
  trustDirectory,
  SITE_PUBLIC_KEY_FILE,
  type PluginRepository,
} from './plugins/index.js';
import { createLocalMarketplace, localMarketplaceConfig } from './marketplace/index.js';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { createClassificationEngine, readClassificationConfig, type ClassificationEngine } from './classification/index.js';
import {
  createEnrolmentResponder,
  createFleetTokens,
  createSequelizeFleetStore,
  createSequelizeRegistryStore,
  hashToken,
  openAgentRegistry,
  type AgentRegistry,
} from './enrolment/index.js';
import { createPresence, PRESENCE_DEFAULTS } from './presence/index.js';
import { createSystemLog, SYSTEM_LOG_DEFAULTS, type PersistentSystemLog } from './system-log/index.js';
import { createTransport, readTransportConfig, type Transport } from './transport/index.js';
import { createActionLinks, createAlerting, eventBusFeed, loadOrCreateActionKey, readAlertingConfig, sequelizeDeliveryStore, type ActionLinks, type Alerting } from './alerting/index.js';
import { createServiceMonitor, readServicesConfig, type ServiceMonitor } from './services/index.js';
import { createPipeline, readPipelineConfig, type Pipeline } from './pipeline/index.js';
import { createResultStore } from './db/index.js';
import { createHousekeeper, readHousekeepingConfig, type Housekeeper } from './housekeeping/index.js';
import { createMetrics, parseAllowList } from './metrics/index.js';
import { createConfigAsCode } from './config-as-code/index.js';
import { configAsCodeParts } from './config-as-code-parts.js';
import { createBrokerAuthHook, createBrokerProvisioning } from './broker-auth/index.js';
import { checkSchemaForCluster, ClusterErrors, createCluster, partitionOf, readClusterConfig, type Cluster } from './cluster/index.js';
import { MIGRATIONS } from './db/index.js';

/** A running core, as the composition root assembled it. */
export interface Core {
  readonly config: CoreConfig;
  readonly logger: Logger;
  readonly db: Database;
  readonly events: EventBus;
  readonly systemLog: PersistentSystemLog;
  readonly registry: AgentRegistry;
  readonly transport: Transport;
  readonly classification: ClassificationEngine;
  readonly plugins: PluginRepository;
  readonly services: ServiceMonitor;
  readonly alerting: Alerting;
  /** Signed Acknowledge/Mute links for notifications (docs/alerts.md, "Action links"). */
  readonly actionLinks: ActionLinks;
  readonly pipeline: Pipeline;
  readonly housekeeper: Housekeeper;
  readonly httpPort: number;
  /** Where people reach the console, e.g. `http://localhost:8080`. */
  readonly baseUrl: string;
  /** The one-time first-run link while no user exists, else undefined. */
  setupLink(): string | undefined;
  stop(): Promise<void>;
}

/** One started part of the core; stopped in reverse order of starting. */
interface Subsystem {
  name: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The composition root: opens and migrates the database (a failed migration stops the start
 * and changes nothing), builds every subsystem with `createX(config, deps)` wiring them through
 * the small interfaces they declare, starts them in dependency order and stops them in reverse.
 */
export async function startCore(config: CoreConfig, logger: Logger = createLogger({ name: 'core', level: config.logLevel })): Promise<Core> {
  const transportConfig = readTransportConfig(config);
  // The console's HTTPS certificate, checked before anything opens: a bad one stops the start,
  // naming its setting (docs/operations.md, "HTTPS for the console"). With `httpsSelfSigned`, the
  // server certificate of the core's own CA, the one the MQTT listener presents.
  const tls = await loadHttpsMaterial(config, {
    logger,
    ownCa: async () => {
      const pki = await ensurePki(join(config.dataDir, 'pki'), { hostnames: transportConfig.pkiHostnames, ips: transportConfig.pkiIps, logger });
      return { certPem: pki.serverCertPem, keyPem: pki.serverKeyPem };
    },
  });
  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
  // Several cores on one PostgreSQL and one external broker (docs/high-availability.md); off: one core.
  const clusterConfig = readClusterConfig();
  try {
    if (clusterConfig.enabled && (db.dialect !== 'postgres' || !transportConfig.mqttUrl)) {
      throw ClusterErrors.NEEDS_POSTGRES_AND_BROKER(`database ${db.dialect}, broker ${transportConfig.mqttUrl ? 'external' : 'embedded'}`);
    }
    // Nothing migrates under a running core of another schema, nor does an older core run on a newer one.
    if (clusterConfig.enabled) await checkSchemaForCluster(db.sequelize, MIGRATIONS.map((m) => m.name), clusterConfig.leaseMs);
    await db.migrate();
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }

  const events = createEventBus({ onListenerError: (err) => logger.error({ err, component: 'events' }, 'event listener failed') });
  const systemLog = createSystemLog(SYSTEM_LOG_DEFAULTS, { db, logger });
  const registryStore = createSequelizeRegistryStore(db);
  // Fleet tokens and registration rules: hosts created on their agent's first contact (docs/enrolment.md).
  const fleetStore = createSequelizeFleetStore(db);
  // Agents' accounts on an external Mosquitto with dynamic security (docs/external-broker.md); undefined otherwise.
  const brokerProvisioning = createBrokerProvisioning(
    { ...transportConfig, mqttProvisioning: config.mqttProvisioning },
    { logger, systemLog, enrolledAgentIds: async () => new Set((await registryStore.listAgents()).filter((a) => !a.revoked).map((a) => a.agentId)) },
  );
  const registry = await openAgentRegistry(config, { store: registryStore, fleet: fleetStore, brokerAccounts: brokerProvisioning?.accounts, logger, systemLog });
  const audit = createAuditTrail({ store: databaseAuditStore(db) });
  const transport = createTransport(transportConfig, {
    logger,
    systemLog,
    authenticator: registry,
    enrolment: createEnrolmentResponder({ registry, logger, systemLog, events, audit }),
    // Several cores: this core subscribes only to the agents of the partitions it leases.
    ...(clusterConfig.enabled
      ? {
          cluster: {
            coreId: clusterConfig.coreId,
            partitionOf: (agentId: string) => partitionOf(agentId, clusterConfig.partitions),
            agentsOf: async (partition: number) =>
              (await registryStore.listAgents()).filter((a) => !a.revoked && partitionOf(a.agentId, clusterConfig.partitions) === partition).map((a) => a.agentId),
          },
        }
      : {}),
  });
  // A revocation refuses the agent's next CONNECT; this ends the connection it has now.
  registry.onRevoked((agentId) => transport.disconnectAgent(agentId));
  // On Mosquitto with dynamic security, deleting the agent's client ends its connection there.
  if (brokerProvisioning) registry.onRevoked((agentId) => brokerProvisioning.accounts.removeAgent(agentId));
  // RabbitMQ (rabbitmq_auth_backend_http) asks the core who may connect, subscribe and publish (docs/external-broker.md).
  const brokerAuthHook = config.brokerAuthListen
    ? createBrokerAuthHook(
        { listen: config.brokerAuthListen, tokenSha256: config.brokerAuthTokenSha256, coreUsername: transportConfig.mqttUsername, corePassword: transportConfig.mqttPassword },
        { authenticator: registry, logger },
      )
    : undefined;
  if (brokerAuthHook) registry.onRevoked((agentId) => brokerAuthHook.revoked(agentId));
  const presence = createPresence(
    { ...PRESENCE_DEFAULTS, unreachableGraceMs: transportConfig.unreachableGraceMs },
    {
      store: registryStore,
      events: {
        publish: (change) => events.publish({ type: 'presence.changed', ts: change.at, change }),
      },
      logger,
      systemLog,
    },
  );
  transport.onState((agentId, message) => presence.handleState(agentId, message));
  // A host's reachability moves service health and the host's worst-of state (docs/pipeline.md).
  events.on('presence.changed', ({ change }) => {
    void services.handlePresence(change);
    void pipeline.presence(change);
  });
  const classification = createClassificationEngine(readClassificationConfig(), { logger });
  // Host transitions reach service health through a feed off the event bus (in process, as they are committed).
  const transitionFeed = eventBusFeed(events, { logger });
  const services: ServiceMonitor = createServiceMonitor(readServicesConfig(), { db, logger, events, systemLog });
  // The HMAC key stays in the data directory (mode 0600), never in the database or a log.
  const actionLinks = createActionLinks(
    { ttlMs: readAlertingConfig().actionLinkTtlMs },
    { db, key: loadOrCreateActionKey(config.dataDir), baseUrl: () => baseUrl(), audit: { record: (entry) => audit.record(entry) } },
  );
  // Alerting reads state_transitions after a cursor kept in the database, exactly once across
  // crashes; state.changed only wakes it (docs/alerts.md).
  const alerting: Alerting = createAlerting(readAlertingConfig(), {
    db,
    logger,
    systemLog,
    intake: { wake: events },
    store: sequelizeDeliveryStore(db, { logger, systemLog }),
    // Links in notices: the `publicUrl` setting, else the core's public URL (known once HTTP listens).
    publicUrl: () => baseUrl(),
    // Acknowledge/Mute links in every problem notification: the `publicUrl` setting, else
    // PROPHASIS_PUBLIC_URL; never the guessed localhost address (docs/alerts.md, "Action links").
    actionLinks: { links: actionLinks, linkBase: () => config.publicUrl },
  });
  transitionFeed.onTransitions((batch) => services.handleTransitions(batch));
  const siteKey = loadOrCreateSiteKey(config.dataDir, { logger });
  const trust = createFileTrustStore({ dir: trustDirectory(config.dataDir), siteKey: siteKey.privateKey }, { logger });
  const plugins = createPluginRepository({ db, trust, logger, systemLog });
  // The result pipeline: plans and dispatch to agents, batched ingest (PUBACK only after the
  // commit), classification, states and transitions, no_data (docs/pipeline.md).
  const resultStore = createResultStore(db, { logger });
  // Checks' secret parameters (SNMP communities, v3 keys) at rest: AES-256-GCM, key in the data directory (docs/devices.md).
  const secrets = createSecretBox(config.dataDir);
  // The core's own health for Prometheus (docs/operations.md, "Metrics"), read from the subsystems at scrape time.
  parseAllowList(config.metricsAllow); // a bad entry stops the start, naming it
  const metrics = createMetrics({
    db,
    ingest: () => pipeline.ingest.stats(),
    transport: () => transport.stats(),
    housekeeping: () => housekeeper.lastRun(),
  });
  const pipeline: Pipeline = createPipeline(readPipelineConfig(), {
    db,
    sink: resultStore,
    transport,
    classifier: classification,
    systemLog,
    logger,
    events,
    seen: (agentId) => presence.seen(agentId),
    secrets,
    ...(clusterConfig.enabled ? { cluster: { ownsAgent: (agentId: string) => cluster?.ownsAgent(agentId) ?? false, ownsDispatch: () => cluster?.ownsDuty('dispatch') ?? false } } : {}),
    observeBatch: (rows, seconds) => metrics.observeBatch(rows, seconds),
    bundles: {
      isUsable: (pluginId, version) => plugins.isUsable(pluginId, version),
      getBundle: (sha256) => plugins.getBundle(sha256),
      trustedPublishers: () => trust.list().map((k) => ({ keyId: k.keyId, publicKeyPem: k.publicKeyPem, name: k.name })),
    },
  });
  // Retention of every growing table, PostgreSQL's day partitions (docs/storage.md).
  const housekeeper = createHousekeeper(readHousekeepingConfig(), { db, store: resultStore, systemLog, logger });
  transport.onResult((agentId, message) => pipeline.ingest.handle(agentId, message));
  transport.onResult((agentId, message) => pipeline.dispatcher.handleRes(agentId, message));
  // After presence's handler, so the dispatcher sees the agent's bundles as just reported.
  transport.onState((agentId, message) => pipeline.dispatcher.handleState(agentId, message));
  const market = createLocalMarketplace(
    { ...localMarketplaceConfig(config, {}), enabled: config.localMarketplace },
    { logger, sitePublicKeyPath: join(trustDirectory(config.dataDir), SITE_PUBLIC_KEY_FILE), bundlesDir: firstPartyOutDir(config.dataDir) },
  );
  // Scripts' bearer tokens (docs/api.md, "API tokens"), stored as SHA-256 only.
  const apiTokens = createApiTokens({ sequelize: db.sequelize });
  const auth = createAuth(
    { sessionTtlMs: config.sessionTtlMs, setupTokenTtlMs: config.setupTokenTtlMs, loginAttempts: config.loginAttempts, loginWindowMs: config.loginWindowMs },
    { store: databaseAuthStore(db), logger, apiTokens },
  );
  const httpConfig = {
    port: config.httpPort,
    host: config.httpHost,
    trustProxy: config.trustProxy,
    cookieSecure: config.cookieSecure,
    webRoot: config.webRoot,
    tls: tls && { certPem: tls.certPem, keyPem: tls.keyPem },
  };
  // As `prophasis host add` does: the external broker's host, else the first configured certificate name.
  const defaultServer = transportConfig.mqttUrl ? new URL(transportConfig.mqttUrl).hostname : transportConfig.pkiHostnames[0];
  // Built on the first download or enrolment, then reused from the data directory (docs/install-agent.md).
  const agentPackages = createAgentPackages({ dataDir: config.dataDir }, { logger });
  // Approved agent versions and staged upgrades to host groups (docs/decisions/0009-agent-self-upgrade.md).
  const agentUpgrades = createAgentUpgrades(
    { dataDir: config.dataDir },
    {
      db,
      logger,
      systemLog,
      packages: agentPackages,
      siteKey,
      commands: transport,
      // Where agents download approved packages: the public URL, else the name they connect to.
      downloadBase: () => agentDownloadBase(baseUrl(), config.publicUrl, transportConfig.mqttUrl ? new URL(transportConfig.mqttUrl).hostname : transportConfig.pkiHostnames[0]),
    },
  );
  // Registered after presence's handler, so the host's reported version is stored when a rollout reads it.
  transport.onState((agentId, message) =>
    agentUpgrades.handleState(agentId, message).catch((err: unknown) => logger.error({ err, agentId, component: 'agent-upgrades' }, 'agent upgrades: handling a state failed')),
  );
  transport.onResult((agentId, message) => agentUpgrades.handleRes(agentId, message));
  // A host that joins the running rollout's groups is offered the version at once, not at its next state.
  events.on('config.changed', ({ resource }) => {
    // Several cores: the core holding the `agent-upgrades` duty offers (the change reaches every core).
    if ((resource === 'hosts' || resource === 'groups') && (!cluster || cluster.ownsDuty('agent-upgrades'))) {
      agentUpgrades.membershipChanged().catch((err: unknown) => logger.error({ err, component: 'agent-upgrades' }, 'agent upgrades: offering after a change failed'));
    }
  });
  // Several cores: leases of the partitions and duties, broker sessions, LISTEN/NOTIFY (docs/high-availability.md).
  const cluster: Cluster | undefined = clusterConfig.enabled
    ? createCluster(clusterConfig, {
        sequelize: db.sequelize,
        databaseUrl: config.databaseUrl,
        logger,
        events,
        schemaVersion: MIGRATIONS[MIGRATIONS.length - 1]!.name,
        sessions: transport,
        duties: {
          housekeeping: housekeeper,
          alerting,
          dispatch: { start: () => pipeline.dispatcher.recompute(), stop: async () => {} },
        },
        refresh: async () => {
          await pipeline.ingest.flush();
          await pipeline.states.start();
        },
      })
    : undefined;
  // Several cores: an enrolment is a change of hosts for every core (the partition's owner subscribes to the agent).
  if (cluster) transport.onEnrolled(() => events.publish({ type: 'config.changed', ts: Date.now(), resource: 'hosts' }));
  const http = createHttpServer(httpConfig, () =>
    createApiApp(httpConfig, {
      logger,
      db,
      auth,
      audit,
      // Several cores: the console's live events are this core's and the others' alike.
      events: cluster ? cluster.bridge.consoleEvents : events,
      agentTarball: createAgentTarball({ dataDir: config.dataDir }, { logger }),
      agentPackages,
      plugins: { repository: plugins, trust, systemLog },
      marketplace: { db, repository: plugins, trust, systemLog, logger, localRegistryUrl: () => market.url },
      classification,
      runNow: pipeline.dispatcher,
      plans: pipeline.dispatcher,
      secrets,
      enrolment: {
        registry,
        transport,
        httpPort: () => httpPort,
        packages: agentPackages,
        defaultServer,
        console: tls ? { scheme: 'https', publicKeyPin: tls.source === 'own-ca' ? tls.publicKeyPin : undefined } : { scheme: 'http' },
        fleet: createFleetTokens({ store: fleetStore, hashToken, systemLog }),
      },
      alerting,
      alertTemplates: alerting,
      services,
      housekeeping: housekeeper,
      actionLinks,
      apiTokens,
      agentUpgrades,
      metrics: { metrics, access: { allow: config.metricsAllow, tokenSha256: config.metricsTokenSha256 } },
      // The configuration as one YAML file (docs/configuration-as-code.md), written through the features' own resources.
      configAsCode: createConfigAsCode(configAsCodeParts(db, alerting, classification, secrets), { events }),
    }),
  );
  let httpPort = config.httpPort;
  const baseUrl = () => (config.publicUrl || `${tls ? 'https' : 'http'}://localhost:${httpPort}`).replace(/\/+$/, '');
  const setup = createSetupAnnouncer({ checkEveryMs: 60_000 }, { auth, logger, baseUrl });

  const subsystems: Subsystem[] = [
    { name: 'system-log', start: () => systemLog.start(), stop: () => systemLog.stop() },
    { name: 'registry', start: () => registry.warm(), stop: async () => {} },
    ...(brokerProvisioning ? [{ name: 'broker provisioning', start: () => brokerProvisioning.start(), stop: () => brokerProvisioning.stop() }] : []),
    // Before the transport: the broker asks the hook when the core itself connects.
    ...(brokerAuthHook ? [{ name: 'broker auth hook', start: () => brokerAuthHook.start(), stop: () => brokerAuthHook.stop() }] : []),
    { name: 'classification', start: () => classification.start(), stop: () => classification.stop() },
    {
      name: 'first-party plugins',
      start: () => buildFirstPartyPlugins({ pluginsDir: defaultPluginsDir(), siteKey, outDir: firstPartyOutDir(config.dataDir) }, { repository: plugins, logger, systemLog }),
      stop: async () => {},
    },
    // Never fails the start: a local marketplace that cannot start is logged and left out.
    { name: 'local marketplace', start: () => market.start(), stop: () => market.stop() },
    { name: 'services', start: () => services.start(), stop: () => services.stop() },
    // Several cores: started by the cluster while this core holds the `alerting` duty.
    { name: 'alerting', start: async () => (cluster ? undefined : alerting.start()), stop: () => alerting.stop() },
    { name: 'presence', start: () => presence.start(), stop: () => presence.stop() },
    { name: 'transport', start: () => transport.start(), stop: () => transport.stop() },
    // Stops before the transport (reverse order), flushing what it holds; then the result store closes.
    {
      name: 'pipeline',
      start: () => pipeline.start(),
      stop: async () => {
        await pipeline.stop();
        await resultStore.close();
      },
    },
    // Stops before the result store it deletes through closes. Results that arrive before it made
    // today's partition (PostgreSQL) wait in the DEFAULT partition and are moved out at its start.
    { name: 'housekeeping', start: async () => (cluster ? undefined : housekeeper.start()), stop: () => housekeeper.stop() },
    // Takes its share of partitions and duties once everything that serves them is running.
    ...(cluster ? [{ name: 'cluster', start: () => cluster.start(), stop: () => cluster.stop() }] : []),
    { name: 'auth', start: () => auth.start(), stop: () => auth.stop() },
    {
      name: 'http',
      start: async () => {
        httpPort = (await http.start()).port;
      },
      stop: () => http.stop(),
    },
    { name: 'setup', start: () => setup.start(), stop: () => setup.stop() },
  ];

  const started: Subsystem[] = [];
  const stopAll = async () => {
    // First, so a CLI command run meanwhile no longer takes this core's addresses for live ones.
    await removeRuntimeFacts(config.dataDir).catch((err: unknown) => logger.warn({ err }, 'removing runtime.json failed'));
    for (const s of started.reverse()) {
      await s.stop().catch((err: unknown) => logger.error({ err, subsystem: s.name }, 'stopping failed'));
    }
    started.length = 0;
    await db.close();
  };
  try {
    for (const s of subsystems) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  // What the CLI's commands print (docs/configuration.md, "One effective configuration"). A
  // failure is logged, not fatal: the commands then fall back to their own configuration.
  await writeRuntimeFacts(config.dataDir, {
    v: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    baseUrl: baseUrl(),
    publicUrl: config.publicUrl,
    http: { port: httpPort, host: config.httpHost, certificate: tls?.source ?? 'none', publicKeyPin: tls?.publicKeyPin ?? '' },
    mqtt: {
      port: transport.mqttPort,
      host: config.mqttHost,
      externalUrl: withoutCredentials(config.mqttUrl),
      caFingerprint: transport.caFingerprint,
      server: defaultServer ?? hostname(),
    },
    database: describeDatabase(config.databaseUrl, sqlitePath(config)),
  }).catch((err: unknown) => logger.warn({ err, dataDir: config.dataDir }, 'writing runtime.json failed; CLI commands will print their own configuration'));
  logger.info({ url: baseUrl(), dialect: db.dialect, https: tls?.source ?? false }, 'core started');

  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    db,
    events,
    systemLog,
    registry,
    transport,
    classification,
    plugins,
    services,
    alerting,
    actionLinks,
    pipeline,
    housekeeper,
    get httpPort() {
      return httpPort;
    },
    get baseUrl() {
      return baseUrl();
    },
    setupLink: () => setup.link(),
    stop: () => (stopping ??= stopAll()),
  };
}
