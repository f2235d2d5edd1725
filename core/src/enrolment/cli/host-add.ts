import { createSecretHasher, ensurePki } from '@prophasis/broker';
import type { Logger } from '@prophasis/protocol';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sqlitePath, type CoreConfig } from '../../kernel/index.js';
import { createDatabase } from '../../db/index.js';
import { createAgentPackages } from '../../downloads/index.js';
import { readTransportConfig } from '../../transport/index.js';
import { externalPort } from '../../transport/index.js';
import { loggerSystemLog, type SystemLog } from '../../kernel/index.js';
import { EnrolmentErrors } from '../errors.js';
import { hostAdd, hostAddText, installCommands, type HostAddResult, type InstallCommands } from '../host-add.js';
import { loadOrCreatePepper } from '../pepper.js';
import { createAgentRegistry, type AgentRegistry, type RegistryDeps, type RegistryStore } from '../registry.js';
import { createSequelizeRegistryStore } from '../sequelize-store.js';

/**
 * The registry with its secret hasher: loads (or creates) the pepper in `<dataDir>/pki/pepper`.
 * The composition root calls this once and hands the registry to the transport as its
 * authenticator.
 */
export async function openAgentRegistry(
  config: { dataDir: string },
  deps: { store: RegistryStore; fleet?: RegistryDeps['fleet']; logger: Logger; systemLog: SystemLog; now?: () => number },
): Promise<AgentRegistry> {
  const pepper = await loadOrCreatePepper(join(config.dataDir, 'pki'));
  return createAgentRegistry({ ...deps, hasher: createSecretHasher(pepper) });
}

export const HOST_ADD_USAGE = `Usage: prophasis host add NAME [--server HOST] [--ttl MINUTES]

Creates the host NAME (or reuses it while no agent is enrolled) and prints the one line that
installs, enrols and starts its agent (building the agent packages first if this core has not
yet). The token works once and expires after --ttl minutes (default 60).
--server is the core's address as the new host reaches it (default: this machine's hostname).`;

/**
 * `prophasis host add NAME`: opens the database, issues the token and returns what to print.
 * `args` are the words after `host add`. Runs in its own process next to a running core (same
 * data directory and database), so it reads the CA fingerprint from `<dataDir>/pki`.
 */
export async function hostAddCommand(
  args: string[],
  ctx: CliContext,
): Promise<HostAddResult & InstallCommands & { text: string }> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { server: { type: 'string' }, ttl: { type: 'string' } },
  });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw EnrolmentErrors.INVALID_HOST_NAME(`expected exactly one NAME\n\n${HOST_ADD_USAGE}`);
  const ttlMinutes = values.ttl === undefined ? 60 : Number(values.ttl);
  if (!Number.isFinite(ttlMinutes)) throw EnrolmentErrors.INVALID_TTL(String(values.ttl));

  const { config, logger } = ctx;
  const { server, mqttPort, caFingerprint, packagesSha256 } = await installLineContext(values.server, ctx);

  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
  try {
    await db.migrate();
    const registry = await openAgentRegistry(config, { store: createSequelizeRegistryStore(db), logger, systemLog: loggerSystemLog(logger) });
    const added = await hostAdd({ registry, caFingerprint, httpPort: config.httpPort, mqttPort }, { name, server, ttlMs: Math.round(ttlMinutes * 60_000), createdBy: 'cli' });
    const commands = installCommands({ caFingerprint, httpPort: config.httpPort, mqttPort, packagesSha256 }, { server, token: added.token });
    return { ...added, ...commands, text: hostAddText(added, commands) };
  } finally {
    await db.close();
  }
}

/** What the context of a command line of the CLI gives. */
export interface CliContext {
  config: CoreConfig;
  logger: Logger;
  environment?: NodeJS.ProcessEnv;
  packages?: { get(): Promise<{ sums: { sha256: string } }> };
}

/**
 * What an install line carries besides the token, as a CLI command next to a running core finds
 * it: the core's address (`--server`, else the first certificate name, else this machine's
 * name), the MQTT port and CA fingerprint (the external broker's, when one is configured) and
 * the SHA-256 of the agent packages' list (built here if this core has not yet).
 */
export async function installLineContext(
  serverOption: string | undefined,
  ctx: CliContext,
): Promise<{ server: string; mqttPort: number; caFingerprint: string; packagesSha256: string }> {
  const { config, logger } = ctx;
  const transport = readTransportConfig(config, ctx.environment ?? process.env);
  let server = serverOption ?? transport.pkiHostnames[0] ?? hostname();
  let mqttPort = config.mqttPort;
  let caFingerprint: string;
  if (transport.mqttUrl) {
    // External broker: agents enrol through it, so print its address and its CA.
    mqttPort = externalPort(transport.mqttUrl);
    server = serverOption ?? new URL(transport.mqttUrl).hostname;
    caFingerprint = transport.mqttCaFile
      ? createHash('sha256').update(new X509Certificate(await readFile(transport.mqttCaFile)).raw).digest('hex')
      : 'NONE-configure-PROPHASIS_MQTT_CA_FILE';
  } else {
    const pki = await ensurePki(join(config.dataDir, 'pki'), { hostnames: transport.pkiHostnames, ips: transport.pkiIps, logger });
    caFingerprint = pki.caFingerprint;
  }

  // The packages the core serves from the same data directory (built here if it has not yet).
  const packages = ctx.packages ?? createAgentPackages({ dataDir: config.dataDir }, { logger });
  const packagesSha256 = (await packages.get()).sums.sha256;
  return { server, mqttPort, caFingerprint, packagesSha256 };
}
