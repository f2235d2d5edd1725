import { createSecretHasher, ensurePki } from '@prophasis/broker';
import type { Logger } from '@prophasis/protocol';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeDatabase, readRuntimeFacts, RuntimeErrors, sqlitePath, type CoreConfig, type RuntimeFacts } from '../../kernel/index.js';
import { publicKeyPin } from '../../http/index.js';
import { createDatabase } from '../../db/index.js';
import { createAgentPackages } from '../../downloads/index.js';
import { readTransportConfig } from '../../transport/index.js';
import { externalPort } from '../../transport/index.js';
import { loggerSystemLog, type SystemLog } from '../../kernel/index.js';
import { EnrolmentErrors } from '../errors.js';
import { hostAdd, hostAddText, installCommands, type ConsoleTransport, type HostAddResult, type InstallCommands } from '../host-add.js';
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
  deps: { store: RegistryStore; fleet?: RegistryDeps['fleet']; brokerAccounts?: RegistryDeps['brokerAccounts']; logger: Logger; systemLog: SystemLog; now?: () => number },
): Promise<AgentRegistry> {
  const pepper = await loadOrCreatePepper(join(config.dataDir, 'pki'));
  return createAgentRegistry({ ...deps, hasher: createSecretHasher(pepper) });
}

export const HOST_ADD_USAGE = `Usage: prophasis host add NAME [--server HOST] [--ttl MINUTES]

Creates the host NAME (or reuses it while no agent is enrolled) and prints the one line that
installs, enrols and starts its agent (building the agent packages first if this core has not
yet). The token works once and expires after --ttl minutes (default 60).
--server is the core's address as the new host reaches it (default: the running core's first
certificate name, else this machine's hostname). Ports and the CA fingerprint are the running
core's (read from <dataDir>/runtime.json), else this shell's configuration.`;

/**
 * `prophasis host add NAME`: opens the database, issues the token and returns what to print.
 * `args` are the words after `host add`. Runs in its own process next to a running core (same
 * data directory and database), so it reads the CA fingerprint from `<dataDir>/pki`.
 */
export async function hostAddCommand(
  args: string[],
  ctx: CliContext,
): Promise<HostAddResult & InstallCommands & { source: string; text: string }> {
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
  const { server, httpPort, mqttPort, console: served, caFingerprint, packagesSha256, source } = await installLineContext(values.server, ctx);

  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
  try {
    await db.migrate();
    const registry = await openAgentRegistry(config, { store: createSequelizeRegistryStore(db), logger, systemLog: loggerSystemLog(logger) });
    const added = await hostAdd({ registry, caFingerprint, httpPort, mqttPort }, { name, server, ttlMs: Math.round(ttlMinutes * 60_000), createdBy: 'cli' });
    const commands = installCommands({ caFingerprint, httpPort, mqttPort, packagesSha256, console: served }, { server, token: added.token });
    return { ...added, ...commands, source, text: `${source}\n\n${hostAddText(added, commands)}` };
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

/** What an install line carries besides the token, and where it came from. */
interface InstallLineContext {
  server: string;
  httpPort: number;
  mqttPort: number;
  /** How the console serves the downloads (the running core's certificate decides the pin). */
  console: ConsoleTransport;
  caFingerprint: string;
  packagesSha256: string;
  /** One line for the reader: whether the running core's values were used, or why not. */
  source: string;
}

/** Shown instead of a CA fingerprint when an external broker's CA is not configured. */
const NO_EXTERNAL_CA = 'NONE-configure-PROPHASIS_MQTT_CA_FILE';

/**
 * What an install line carries besides the token, as a CLI command next to a running core finds
 * it (docs/configuration.md, "One effective configuration"). The running core's facts
 * (`<dataDir>/runtime.json`) win over this shell's configuration: its MQTT port, CA fingerprint,
 * HTTP port and scheme, and the name it tells agents by default; `--server` wins over both.
 * Without a running core (no file, or one left by a core that died): this shell's
 * configuration, as before, and `source` says so. Also the SHA-256 of the agent packages' list
 * (built here if this core has not yet). A running core on another database than this shell's
 * configuration names is refused: the token would be stored where the core never looks.
 */
export async function installLineContext(serverOption: string | undefined, ctx: CliContext): Promise<InstallLineContext> {
  const { config, logger } = ctx;
  const found = await readRuntimeFacts(config.dataDir);
  let context: Omit<InstallLineContext, 'packagesSha256'>;
  if (found.state === 'running') {
    const { facts } = found;
    const database = describeDatabase(config.databaseUrl, sqlitePath(config));
    if (database !== facts.database) {
      throw RuntimeErrors.OTHER_DATABASE(`the core running as process ${facts.pid} uses ${facts.database}, this command ${database}; run it with the core's DATABASE_URL`, {
        core: facts.database,
        command: database,
      });
    }
    context = {
      server: serverOption ?? facts.mqtt.server,
      httpPort: facts.http.port,
      mqttPort: facts.mqtt.port,
      console: facts.http.certificate === 'none' ? { scheme: 'http' } : { scheme: 'https', publicKeyPin: facts.http.certificate === 'own-ca' ? facts.http.publicKeyPin : undefined },
      caFingerprint: facts.mqtt.caFingerprint || NO_EXTERNAL_CA,
      source: `Addresses of the core running as process ${facts.pid} (${found.path}).${ignoredSettings(facts, ctx)}`,
    };
  } else {
    const why =
      found.state === 'stale'
        ? `${found.path} names process ${found.facts.pid}, which is not running (a core that did not stop cleanly)`
        : found.state === 'invalid'
          ? `${found.path} cannot be used (${found.reason})`
          : `no core is running on ${config.dataDir} (no ${found.path})`;
    context = { ...(await ownConfiguration(serverOption, ctx)), source: `Note: ${why}; the addresses come from this shell's configuration.` };
  }

  // The packages the core serves from the same data directory (built here if it has not yet).
  const packages = ctx.packages ?? createAgentPackages({ dataDir: config.dataDir }, { logger });
  const packagesSha256 = (await packages.get()).sums.sha256;
  return { ...context, packagesSha256 };
}

/** Ports this shell sets explicitly to other values than the running core uses: said, so a surprise is explained. */
function ignoredSettings(facts: RuntimeFacts, ctx: CliContext): string {
  const environment = ctx.environment ?? process.env;
  const differing = [
    ['PROPHASIS_MQTT_PORT', facts.mqtt.externalUrl ? undefined : facts.mqtt.port],
    ['PROPHASIS_HTTP_PORT', facts.http.port],
  ].filter(([variable, used]) => used !== undefined && environment[variable as string] && Number(environment[variable as string]) !== used);
  return differing.length === 0
    ? ''
    : ` This shell's ${differing.map(([variable]) => `${variable}=${environment[variable as string]}`).join(', ')} ${differing.length === 1 ? 'is' : 'are'} not what it uses, so not printed.`;
}

/**
 * The install line's addresses from this shell's own configuration: `--server`, else the first
 * certificate name, else this machine's name; the MQTT port and CA fingerprint (the external
 * broker's, when one is configured).
 */
async function ownConfiguration(serverOption: string | undefined, ctx: CliContext): Promise<Omit<InstallLineContext, 'packagesSha256' | 'source'>> {
  const { config, logger } = ctx;
  const transport = readTransportConfig(config, ctx.environment ?? process.env);
  const served: ConsoleTransport = { scheme: config.httpsSelfSigned || config.httpsCert !== '' ? 'https' : 'http' };
  if (transport.mqttUrl) {
    // External broker: agents enrol through it, so print its address and its CA.
    return {
      server: serverOption ?? new URL(transport.mqttUrl).hostname,
      httpPort: config.httpPort,
      mqttPort: externalPort(transport.mqttUrl),
      console: served,
      caFingerprint: transport.mqttCaFile ? createHash('sha256').update(new X509Certificate(await readFile(transport.mqttCaFile)).raw).digest('hex') : NO_EXTERNAL_CA,
    };
  }
  const pki = await ensurePki(join(config.dataDir, 'pki'), { hostnames: transport.pkiHostnames, ips: transport.pkiIps, logger });
  // `httpsSelfSigned`: the console presents this same server certificate, so the line pins its key.
  const console: ConsoleTransport = config.httpsSelfSigned ? { scheme: 'https', publicKeyPin: publicKeyPin(pki.serverCertPem) } : served;
  return { server: serverOption ?? transport.pkiHostnames[0] ?? hostname(), httpPort: config.httpPort, mqttPort: config.mqttPort, console, caFingerprint: pki.caFingerprint };
}
