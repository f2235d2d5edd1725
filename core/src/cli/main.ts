import { parseArgs } from 'node:util';
import { readCoreConfig } from '../kernel/config.js';
import { createSecretBox } from '../kernel/secret-box.js';
import { startCore } from '../main.js';
import { USER_USAGE, userCommand } from '../auth/cli/user.js';
import { TOKEN_USAGE, tokenCommand } from '../auth/cli/token.js';
import { HOST_USAGE, hostCommand } from '../enrolment/cli/host.js';
import { FLEET_TOKEN_USAGE, fleetTokenCommand } from '../enrolment/cli/fleet-token.js';
import { CLASSIFIER_USAGE, classifierCommand } from '../classification/cli/classifier.js';
import { BACKUP_USAGE, backupCommand, restoreCommand } from '../backup/index.js';
import { CONFIG_USAGE, configCommand } from '../config-as-code/index.js';
import { configAsCodeParts } from '../config-as-code-parts.js';

const USAGE = `Usage: prophasis <command>

Commands:
  start                                   run the core (REST API and console, MQTT broker)
  user add NAME --role admin|operator|viewer
                                          create a user (password from stdin or a prompt)
  token create NAME --user USER [--role ROLE] [--days N] | token list | token revoke ID
                                          API tokens for scripts (Authorization: Bearer)
  host add NAME [--server HOST] [--ttl MINUTES]
                                          create a host and print its agent's enrolment command
  fleet-token create NAME [--days N] [--max-hosts N] [--group GROUP]… [--tag TAG]… [--server HOST]
                                          create a reusable token and print the install line that
                                          registers many machines as hosts (auto-registration)
  classifier test FILE.lua --values 1,2,3 [--messages a,b] [--result-types plugin,...]
                                          run a Lua classifier and print the severity
  backup FILE [--passphrase-file PATH]    write an encrypted backup of the database and the keys
  restore FILE [--passphrase-file PATH] [--force]
                                          restore a backup onto a fresh data directory
  config export [--out FILE] | config apply FILE [--dry-run] [--prune]
                                          the configuration as YAML, and applying such a file
  help                                    show this text

Environment: PROPHASIS_HTTP_PORT, PROPHASIS_HTTP_HOST, PROPHASIS_MQTT_PORT, PROPHASIS_DATA_DIR,
DATABASE_URL, PROPHASIS_MQTT_URL, PROPHASIS_PUBLIC_URL, PROPHASIS_LOG_LEVEL, PROPHASIS_CONFIG,
PROPHASIS_HTTPS=1 or PROPHASIS_HTTPS_CERT and PROPHASIS_HTTPS_KEY (docs/configuration.md).
host add and fleet-token create print the running core's addresses (<dataDir>/runtime.json).`;

async function start(): Promise<number> {
  const config = readCoreConfig();
  const core = await startCore(config);
  const url = core.baseUrl;
  const setup = core.setupLink();
  console.log(
    [
      '',
      'Prophasis is running.',
      `  Console:   ${url}/`,
      ...(config.httpsSelfSigned ? [`  HTTPS:     certificate of the core's own CA; browsers trust it once ${config.dataDir}/pki/ca.crt is imported`] : []),
      `  API docs:  ${url}/api/docs`,
      `  Health:    ${url}/api/health`,
      `  MQTT/TLS:  port ${core.transport.mqttPort}${config.mqttUrl ? ` (external broker ${config.mqttUrl})` : `, CA fingerprint ${core.transport.caFingerprint}`}`,
      `  Data:      ${config.dataDir} (${core.db.dialect})`,
      ...(setup
        ? ['', 'No user exists yet. Open this one-time link to create the first administrator:', `  ${setup}`, '(or run: npx prophasis user add NAME --role admin)']
        : []),
      '',
      'Stop it with Ctrl+C.',
      '',
    ].join('\n'),
  );
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
  return -1; // keep running
}

/** Each command: argv after the command name → exit code (-1: keep running). */
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  start,
  user: userCommand,
  token: tokenCommand,
  host: hostCommand,
  'fleet-token': fleetTokenCommand,
  classifier: classifierCommand,
  backup: backupCommand,
  restore: restoreCommand,
  // The secret box of this data directory: a file applied here keeps (or sets) checks' secret parameters (docs/devices.md).
  config: (argv) => configCommand(argv, (db) => configAsCodeParts(db, undefined, undefined, createSecretBox(readCoreConfig().dataDir))),
  help: async () => {
    console.log(`${USAGE}\n\n${USER_USAGE}\n\n${TOKEN_USAGE}\n\n${HOST_USAGE}\n\n${FLEET_TOKEN_USAGE}\n\n${CLASSIFIER_USAGE}\n\n${BACKUP_USAGE}\n\n${CONFIG_USAGE}`);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const [command = 'help'] = positionals;
  const run = COMMANDS[command === '--help' ? 'help' : command];
  if (!run) {
    console.error(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
    return 2;
  }
  return run(argv.slice(1));
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
