/* eslint-disable no-console -- the command-line entry point talks to its user */
import { createLogger, isProphasisError } from '@prophasis/protocol';
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { createAgent, type Agent } from './agent.js';
import { readAgentConfig, sandboxConfig } from './config.js';
import { credentialsPath, readCredentials } from './credentials.js';
import { enrol } from './enrol.js';
import { AgentErrors } from './errors.js';
import { AGENT_VERSION } from './facts.js';
import { createPluginRunner } from './sandbox/runner.js';
import { sandboxSelfTest } from './sandbox/self-test.js';
import { spawnSandboxProcess } from './sandbox/spawn.js';
import { createSimulator } from './simulator/simulator.js';
import { certificateFingerprint } from './tls.js';
import { runningPackageRoot, upgradeAgent, upgradeFromRequest, writeConnectedMarker } from './upgrade/index.js';

const USAGE = `Usage: prophasis-agent <command> [options]

Commands:
  enroll --server HOST:PORT --token TOKEN --ca-fingerprint SHA256HEX [--force]
            enrol this host with the Prophasis core (the exact line is printed by
            \`prophasis host add NAME\`); stores credentials in the data directory.
            The token may also be given in PROPHASIS_ENROL_TOKEN.
  run       connect to the core, run the plan, send results; until SIGINT/SIGTERM
  simulate --agents N --scenario FILE.json [--server HOST:PORT --ca-fingerprint SHA256HEX]
           [--tokens FILE] [--data-dir DIR] [--rate --seconds S]
            run N simulated agents in this process (docs/simulator.md); enrolment tokens
            come from --tokens (one per line), the scenario's "tokens" or
            PROPHASIS_ENROL_TOKENS (comma-separated); credentials are kept in --data-dir
  upgrade --package FILE --sha256 HEX [--root DIR] [--data-dir DIR (default
          PROPHASIS_DATA_DIR, else /var/lib/prophasis-agent)]
          [--rollback-after-s S] [--restart-command CMD]
            install a verified agent package beside the running version under
            DIR/versions (default /opt/prophasis-agent), switch DIR/current to it,
            restart the agent (systemctl, or CMD) and switch back if the new version
            does not connect within S seconds (default 120); run as root
  upgrade --request FILE [--site-key FILE] [--root DIR] [--data-dir DIR] [...]
            the same for an upgrade the core offered: FILE is the request the agent
            wrote (DATA/upgrade/request.json, started by prophasis-agent-upgrade.path);
            its signature must verify with the site key (default DIR/site-key.pub)
  status    show the stored server and agent id
  sandbox-selftest
            run a built-in plugin in the plugin sandbox and print its value (checks
            that the isolated-vm addon and the sandbox process work on this host)
  help      show this text
  --version print the agent version

Environment: PROPHASIS_DATA_DIR (data directory), PROPHASIS_LOG_LEVEL,
PROPHASIS_AGENT_CONFIG (JSON file). See docs/agent.md.

Exit codes: 0 success, 1 failure or refusal (the reason is printed), 2 usage error.`;

/** Exit code for a wrong command line. */
const EXIT_USAGE = 2;

async function enrollCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'ca-fingerprint': { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const token = values.token ?? process.env.PROPHASIS_ENROL_TOKEN;
  const missing = [!values.server && '--server', !token && '--token', !values['ca-fingerprint'] && '--ca-fingerprint'].filter(Boolean);
  if (missing.length > 0) throw AgentErrors.USAGE(`enroll needs ${missing.join(', ')}`);
  const config = readAgentConfig();
  // Human-readable lines on stdout; the JSON log only for warnings, on stderr.
  const logger = createLogger({ name: 'agent', level: process.env.PROPHASIS_LOG_LEVEL ?? 'warn', destination: process.stderr });
  const outcome = await enrol(
    {
      server: values.server as string,
      token: token as string,
      caFingerprint: values['ca-fingerprint'] as string,
      dataDir: config.dataDir,
      force: values.force,
      timeoutMs: config.enrolTimeoutMs,
    },
    { logger },
  );
  console.log(
    `Enrolled${outcome.hostName ? ` as host ${JSON.stringify(outcome.hostName)}` : ''}.\n` +
      `  Agent id:    ${outcome.agentId}\n  Server:      ${outcome.server}\n  Credentials: ${outcome.credentialsPath}\n` +
      `Start the agent with: prophasis-agent run`,
  );
  return 0;
}

async function runCommand(): Promise<number> {
  const config = readAgentConfig();
  const logger = createLogger({ name: 'agent', level: config.logLevel });
  // Assigned once the agent exists; plugins granted `agent.info` ask through it.
  let agent: Agent | undefined;
  const runner = createPluginRunner(sandboxConfig(config), {
    logger,
    // From source: sandbox-process.ts through tsx; installed: dist/prophasis-sandbox.mjs.
    spawnSandbox: spawnSandboxProcess,
    agentInfo: () => ({
      version: AGENT_VERSION,
      outboxDepth: agent?.outbox.depth() ?? 0,
      lastError: agent?.plan.lastError() ?? null,
      uptimeSeconds: Math.round(process.uptime()),
    }),
  });
  try {
    agent = await createAgent(config, {
      logger,
      runner,
      sandbox: () => {
        const { pid, starts, lastStartMs } = runner.stats();
        return { running: pid !== null, starts, lastStartMs };
      },
    });
    await agent.start();
  } catch (err) {
    await runner.dispose();
    throw err;
  }
  const running = agent;
  // connected.json: how `prophasis-agent upgrade` learns that the version it switched to came up.
  const packageRoot = await runningPackageRoot();
  running.connection.onStatus((status) => {
    if (status !== 'connected') return;
    writeConnectedMarker(config.dataDir, { packageRoot, version: AGENT_VERSION, pid: process.pid, at: Date.now() }).catch((err: unknown) =>
      logger.warn({ err: { message: (err as Error).message } }, 'connected.json not written'),
    );
  });
  logger.info({ agentId: running.agentId, version: AGENT_VERSION, dataDir: config.dataDir, sandbox: sandboxConfig(config) }, 'agent started');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The plan stops first (it waits for the run in progress), then the sandbox process goes.
    running
      .stop()
      .then(() => runner.dispose())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  return -1; // keep running
}

async function sandboxSelfTestCommand(): Promise<number> {
  const config = readAgentConfig();
  const logger = createLogger({ name: 'agent', level: process.env.PROPHASIS_LOG_LEVEL ?? 'warn', destination: process.stderr });
  const runner = createPluginRunner(sandboxConfig(config), { logger, spawnSandbox: spawnSandboxProcess });
  try {
    const { ok, outcome, problem } = await sandboxSelfTest(runner);
    if (!ok) {
      console.error(`prophasis-agent: the plugin sandbox does not work: ${problem}`);
      return 1;
    }
    console.log(`sandbox ok: value ${outcome.value} in ${outcome.durationMs} ms`);
    return 0;
  } finally {
    await runner.dispose();
  }
}

async function simulateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      agents: { type: 'string' },
      scenario: { type: 'string' },
      server: { type: 'string' },
      'ca-fingerprint': { type: 'string' },
      tokens: { type: 'string' },
      'data-dir': { type: 'string' },
      rate: { type: 'boolean', default: false },
      seconds: { type: 'string' },
    },
    strict: true,
  });
  const count = Number(values.agents);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw AgentErrors.USAGE('simulate needs --agents N (1..100000)');
  if (!values.scenario) throw AgentErrors.USAGE('simulate needs --scenario FILE.json');
  const seconds = values.seconds === undefined ? 10 : Number(values.seconds);
  if (!(seconds > 0)) throw AgentErrors.USAGE('--seconds must be a positive number');
  const config = readAgentConfig();
  const server = values.server ?? process.env.PROPHASIS_MQTT_SERVER;
  if (!server) throw AgentErrors.USAGE('simulate needs --server HOST:PORT');
  const tokens = values.tokens
    ? (await readFile(values.tokens, 'utf8')).split('\n').map((t) => t.trim()).filter(Boolean)
    : (process.env.PROPHASIS_ENROL_TOKENS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const logger = createLogger({ name: 'simulator', level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr });
  const simulator = await createSimulator(
    {
      agents: Array.from({ length: count }, (_, i) => (tokens[i] ? { token: tokens[i] } : {})),
      server,
      ...(values['ca-fingerprint'] ? { caFingerprint: values['ca-fingerprint'] } : {}),
      scenario: values.scenario,
      dataDir: values['data-dir'] ?? `${config.dataDir}/simulator`,
    },
    { logger },
  );
  await simulator.start();
  console.log(`${count} simulated agents connected to ${server}`);
  if (values.rate) {
    const outcome = await simulator.rate({ seconds });
    await simulator.stop();
    console.log(JSON.stringify({ agents: count, published: outcome.published, seconds: outcome.seconds, results_per_s: Math.round(outcome.published / outcome.seconds) }));
    return 0;
  }
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return -1;
}

const SYSTEMD_RESTART = ['systemctl', 'restart', 'prophasis-agent.service'];
/** The data directory install.sh gives the agent (docs/install-agent.md). */
const INSTALLED_DATA_DIR = '/var/lib/prophasis-agent';

async function upgradeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      package: { type: 'string' },
      sha256: { type: 'string' },
      root: { type: 'string', default: '/opt/prophasis-agent' },
      'data-dir': { type: 'string' },
      'rollback-after-s': { type: 'string' },
      'restart-command': { type: 'string' },
      request: { type: 'string' },
      'site-key': { type: 'string' },
    },
    strict: true,
  });
  if (values.request !== undefined) {
    if (values.package !== undefined || values.sha256 !== undefined) throw AgentErrors.USAGE('upgrade takes --request, or --package with --sha256, not both');
  } else {
    const missing = [!values.package && '--package', !values.sha256 && '--sha256'].filter(Boolean);
    if (missing.length > 0) throw AgentErrors.USAGE(`upgrade needs ${missing.join(', ')} (or --request FILE)`);
  }
  // Run as root (sudo), where the environment names no data directory: the installer's.
  const dataDir = values['data-dir'] ?? process.env.PROPHASIS_DATA_DIR ?? INSTALLED_DATA_DIR;
  const config = readAgentConfig(process.env, { dataDir });
  let rollbackAfterMs = config.upgradeRollbackMs;
  if (values['rollback-after-s'] !== undefined) {
    const seconds = Number(values['rollback-after-s']);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) throw AgentErrors.USAGE(`--rollback-after-s must be 1..3600 seconds, got ${JSON.stringify(values['rollback-after-s'])}`);
    rollbackAfterMs = Math.round(seconds * 1000);
  }
  const command = values['restart-command'];
  if (command === undefined && !existsSync('/run/systemd/system')) throw AgentErrors.USAGE('no systemd here: give --restart-command, the command that makes the supervisor restart the agent');
  const run = promisify(execFile);
  const restart = async () => {
    if (command === undefined) await run(SYSTEMD_RESTART[0]!, SYSTEMD_RESTART.slice(1));
    else await run('/bin/sh', ['-c', command]);
  };
  const logger = createLogger({ name: 'agent-upgrade', level: process.env.PROPHASIS_LOG_LEVEL ?? 'info', destination: process.stderr });
  const common = { root: values.root, dataDir, rollbackAfterMs, restart, logger };
  const outcome =
    values.request !== undefined
      ? await upgradeFromRequest(values.request, { ...common, ...(values['site-key'] === undefined ? {} : { siteKeyFile: values['site-key'] }) })
      : await upgradeAgent({ ...common, packageFile: values.package as string, sha256: values.sha256 as string });
  console.log(`Upgraded from ${outcome.from} to ${outcome.to}: the new version connected after ${(outcome.connectedAfterMs / 1000).toFixed(1)} s.`);
  return 0;
}

async function statusCommand(): Promise<number> {
  const config = readAgentConfig();
  const credentials = await readCredentials(config.dataDir);
  console.log(
    `Enrolled.\n  Agent id:       ${credentials.agentId}\n  Server:         ${credentials.server}\n` +
      `  CA fingerprint: ${certificateFingerprint(new X509Certificate(credentials.caPem))}\n` +
      `  Credentials:    ${credentialsPath(config.dataDir)}`,
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'enroll':
    case 'enrol':
      return enrollCommand(rest);
    case 'run':
      if (rest.length > 0) throw AgentErrors.USAGE(`run takes no arguments, got ${rest.join(' ')}`);
      return runCommand();
    case 'status':
      return statusCommand();
    case 'upgrade':
      return upgradeCommand(rest);
    case 'simulate':
      return simulateCommand(rest);
    case 'sandbox-selftest':
      if (rest.length > 0) throw AgentErrors.USAGE(`sandbox-selftest takes no arguments, got ${rest.join(' ')}`);
      return sandboxSelfTestCommand();
    case '--version':
    case '-v':
    case 'version':
      console.log(AGENT_VERSION);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const usage = isProphasisError(err, AgentErrors.USAGE) || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const e = err as Error & { code?: string };
    console.error(`prophasis-agent: ${e.code ? `${e.code}: ` : ''}${e.message}`);
    if (usage) console.error(`\n${USAGE}`);
    process.exit(usage ? EXIT_USAGE : 1);
  },
);
