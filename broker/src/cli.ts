import { createLogger, dataDir, isValidAgentId } from '@prophasis/protocol';
import { parseArgs } from 'node:util';
import { SERVICE_USERNAME } from './broker.js';
import { issueCredential, startStandalone } from './standalone.js';

const USAGE = `Usage: prophasis-broker <command>

Commands:
  start                      run the MQTT broker (TLS, port 8883) from its own data directory
  service-credential         create a new secret for the core ($service), print it once
  agent-credential AGENT_ID  create a new secret for one agent, print it once
  help                       show this text

Environment: PROPHASIS_DATA_DIR, PROPHASIS_MQTT_PORT, PROPHASIS_MQTT_HOST,
PROPHASIS_TLS_HOSTNAMES and PROPHASIS_TLS_IPS (comma-separated names for the server
certificate), PROPHASIS_BROKER_CONFIG (JSON file), PROPHASIS_LOG_LEVEL (docs/broker.md).`;

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const list = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

async function start(): Promise<void> {
  const logger = createLogger({ name: 'broker' });
  const dir = dataDir('broker');
  const running = await startStandalone(dir, { logger, hostnames: list(process.env.PROPHASIS_TLS_HOSTNAMES), ips: list(process.env.PROPHASIS_TLS_IPS) });
  out(`\nProphasis broker is running on port ${running.port} (TLS).\n  Data:            ${dir}\n  CA fingerprint:  ${running.pki.caFingerprint}\nStop it with Ctrl+C.\n`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command = 'help', arg] = positionals;
  switch (command) {
    case 'start':
      await start();
      return -1;
    case 'service-credential': {
      const secret = await issueCredential(dataDir('broker'), SERVICE_USERNAME);
      out(`Service secret (shown once; the broker stores only its hash):\n${secret}\nUse it as username ${SERVICE_USERNAME}, password <secret>.`);
      return 0;
    }
    case 'agent-credential': {
      if (!isValidAgentId(arg)) {
        process.stderr.write(`agent-credential needs a valid agent id.\n\n${USAGE}\n`);
        return 2;
      }
      const secret = await issueCredential(dataDir('broker'), arg);
      out(`Secret of agent ${arg} (shown once; the broker stores only its hash):\n${secret}`);
      return 0;
    }
    case 'help':
    case '--help':
      out(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error & { code?: string };
    process.stderr.write(`prophasis-broker: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    process.exit(1);
  },
);
