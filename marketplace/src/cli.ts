/**
 * `npx prophasis-marketplace` (bin/prophasis-marketplace.mjs): run the registry, manage
 * publisher accounts (docs/marketplace.md). Prints with process.stdout/stderr: this is a CLI.
 */
import { createLogger, isProphasisError, loadPublicKey } from '@prophasis/protocol';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readMarketplaceConfig } from './config.js';
import { createMarketplace } from './server/marketplace.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const USAGE = [
  'usage: prophasis-marketplace COMMAND',
  '',
  '  start                                   run the registry (port: PROPHASIS_MARKETPLACE_PORT, default 8090)',
  '  publisher add NAME --key PUBFILE        create a publisher account with its first public key; prints its API token once',
  '  publisher token NAME                    issue a new API token for NAME (the old one stops working); prints it once',
  '',
  'Environment: PROPHASIS_DATA_DIR, DATABASE_URL, PROPHASIS_MARKETPLACE_PORT, PROPHASIS_MARKETPLACE_HOST, PROPHASIS_LOG_LEVEL.',
];

class UsageError extends Error {}

/** When the parent core is gone, the longest a graceful stop may take before the process exits anyway. */
const PARENT_GONE_EXIT_MS = 5_000;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = readMarketplaceConfig();
  const logger = createLogger({ name: 'marketplace', level: config.logLevel });
  const marketplace = createMarketplace(config, { logger });

  if (command === 'start') {
    if (rest.length > 0) throw new UsageError('start takes no arguments');
    const { url } = await marketplace.start();
    // The core reads this line to learn the port of its local marketplace (core/src/marketplace/local.ts).
    out(`prophasis-marketplace listening at ${url}`);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      await marketplace.stop();
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    if (process.channel) {
      // Started by a core (core/src/marketplace/local.ts) with an IPC channel: the OS closes it
      // when the core ends, however it ends (SIGKILL included), so the market ends with it and
      // frees its port for the next start (docs/marketplace.md, "The local marketplace").
      process.channel.unref();
      process.once('disconnect', () => {
        setTimeout(() => process.exit(1), PARENT_GONE_EXIT_MS).unref();
        void stop('parent gone');
      });
    }
    return new Promise<number>(() => {});
  }

  if (command === 'publisher') {
    const [sub, ...args] = rest;
    const { values, positionals } = parseArgs({ args, options: { key: { type: 'string' } }, strict: true, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError(`publisher ${sub ?? ''} needs exactly one NAME`);
    const name = positionals[0]!;
    await marketplace.open();
    try {
      if (sub === 'add') {
        if (!values.key) throw new UsageError('publisher add needs --key PUBFILE (the publisher.pub of prophasis-plugin keygen)');
        const pem = loadPublicKey(resolve(values.key)).export({ format: 'pem', type: 'spki' }).toString();
        const added = await marketplace.registry.addPublisher(name, pem);
        out(`created publisher ${added.publisher}`);
        out(`key: ${added.keyId}`);
        out(`token: ${added.token}`);
        out('The token is shown only now: keep it secret (prophasis-plugin publish --token).');
        return 0;
      }
      if (sub === 'token') {
        if (values.key) throw new UsageError('publisher token takes no --key');
        const renewed = await marketplace.registry.renewToken(name);
        out(`new token for ${renewed.publisher}; the old one no longer works`);
        out(`token: ${renewed.token}`);
        return 0;
      }
      throw new UsageError(`unknown publisher command ${JSON.stringify(sub ?? '')}`);
    } finally {
      await marketplace.stop();
    }
  }
  throw new UsageError(command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    err(`error: ${(e as Error).message}`);
    for (const line of USAGE) err(line);
    process.exitCode = 2;
  } else if (isProphasisError(e)) {
    err(`error: ${e.message} (${e.code})`);
    process.exitCode = 1;
  } else {
    err(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
