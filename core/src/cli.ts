import { parseArgs } from 'node:util';
import { readCoreConfig } from './config.js';
import { startCore } from './main.js';

const USAGE = `Usage: prophasis <command>

Commands:
  start     run the core (REST API and console, MQTT broker) on the embedded defaults
  help      show this text

Environment: PROPHASIS_HTTP_PORT, PROPHASIS_MQTT_PORT, PROPHASIS_DATA_DIR, DATABASE_URL,
PROPHASIS_MQTT_URL, PROPHASIS_LOG_LEVEL, PROPHASIS_CONFIG (docs/configuration.md).`;

async function start(): Promise<void> {
  const config = readCoreConfig();
  const core = await startCore(config);
  const url = `http://localhost:${core.httpPort}/`;
  console.log(`\nProphasis is running.\n  Console:   ${url}\n  Health:    ${url}api/health\n  Data:      ${config.dataDir}\nStop it with Ctrl+C.\n`);
  const shutdown = (signal: string) => {
    core.logger.info({ signal }, 'shutting down');
    core.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        core.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command = 'help'] = positionals;
  switch (command) {
    case 'start':
      await start();
      return -1; // keep running
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error & { code?: string };
    console.error(`prophasis: ${e.code ? `${e.code}: ` : ''}${e.message}`);
    process.exit(1);
  },
);
