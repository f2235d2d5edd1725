import { inspectBundle, isProphasisError, type Logger } from '@prophasis/protocol';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareSemver } from '@prophasis/protocol';
import { MarketplaceErrors } from './errors.js';

/** How the core runs its local marketplace (docs/marketplace.md). */
export interface LocalMarketplaceConfig {
  /** False when `PROPHASIS_LOCAL_MARKETPLACE=off`. */
  enabled: boolean;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Listen address; loopback, because the console reaches it only through the core. */
  host: string;
  /** The core's data directory; the marketplace keeps its own under `marketplace/`. */
  dataDir: string;
  /** Log level of the child process (its lines are passed to the core's logger at debug). */
  logLevel: string;
  /** How long the child may take to print its URL. */
  startTimeoutMs: number;
}

/** The local marketplace's settings from the core's configuration and environment. */
export function localMarketplaceConfig(core: { dataDir: string; marketplacePort?: number }, environment: NodeJS.ProcessEnv = process.env): LocalMarketplaceConfig {
  return {
    enabled: !/^(0|false|no|off)$/i.test(environment.PROPHASIS_LOCAL_MARKETPLACE ?? ''),
    port: core.marketplacePort ?? 8090, // docs/marketplace.md, "The local marketplace"
    host: '127.0.0.1',
    dataDir: core.dataDir,
    logLevel: 'warn',
    startTimeoutMs: 30_000, // tsx compiles the marketplace on its first start
  };
}

export interface LocalMarketplaceDeps {
  logger: Logger;
  /** The site key's public half (`<data dir>/trust/site-publisher.pub`): the local publisher's key. */
  sitePublicKeyPath: string;
  /** Folder of the signed first-party bundles (`firstPartyOutDir(dataDir)`), published at each start. */
  bundlesDir: string;
  /** The marketplace command; default: this Node.js running `prophasis-marketplace` from node_modules. */
  command?: string[];
}

export interface LocalMarketplace {
  /**
   * Starts the child (if enabled) and publishes the first-party bundles; resolves once they are
   * published. Never rejects: a marketplace that cannot start is logged and `url` stays undefined.
   */
  start(): Promise<void>;
  /**
   * Stops the child (SIGTERM, then SIGKILL after 5 s). A core that ends without calling this
   * (a crash, SIGKILL) still takes the child with it: it exits when its IPC channel closes.
   */
  stop(): Promise<void>;
  /** `http://127.0.0.1:<port>` while it runs, else undefined. */
  readonly url: string | undefined;
  /** Creates a publisher account in the local marketplace; returns its token (operators and tests). */
  addPublisher(name: string, publicKeyPath: string): Promise<string>;
}

/** Name of the local publisher account that owns the first-party plugins. */
const LOCAL_PUBLISHER = 'prophasis-site';
/** File in the core's data directory holding that account's token (mode 0600). */
const LOCAL_TOKEN_FILE = 'marketplace-local-token';

/**
 * The marketplace `npm start` runs next to the core: a child process (`prophasis-marketplace
 * start`, the core may not import the marketplace package) with its own data directory and
 * SQLite database under the core's, listening on loopback. The first-party bundles, signed with
 * the site key, are published to it under a local publisher account whose token the core keeps.
 * The child lives only as long as the core: it watches an IPC channel the OS closes when the
 * core ends. The `publisher` commands are one-shot children that end on their own (with a timeout).
 */
export function createLocalMarketplace(config: LocalMarketplaceConfig, deps: LocalMarketplaceDeps): LocalMarketplace {
  const logger = deps.logger.child({ component: 'local-marketplace' });
  const marketDir = join(config.dataDir, 'marketplace');
  const tokenFile = join(config.dataDir, LOCAL_TOKEN_FILE);
  const command = deps.command ?? [process.execPath, marketplaceBin()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PROPHASIS_DATA_DIR: marketDir,
    // Its own SQLite file, whatever database the core uses.
    DATABASE_URL: '',
    PROPHASIS_MARKETPLACE_PORT: String(config.port),
    PROPHASIS_MARKETPLACE_HOST: config.host,
    PROPHASIS_MARKETPLACE_PUBLIC_URL: '',
    PROPHASIS_LOG_LEVEL: config.logLevel,
  };
  delete env.PROPHASIS_MARKETPLACE_CONFIG;
  let child: ChildProcess | undefined;
  let url: string | undefined;

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(command[0]!, [...command.slice(1), ...args], { env, timeout: config.startTimeoutMs }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(MarketplaceErrors.LOCAL_MARKETPLACE(`${args.join(' ')}: ${err.message}`));
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      });
    });
  }

  async function issueToken(name: string, publicKeyPath: string): Promise<string> {
    let run = await cli(['publisher', 'add', name, '--key', publicKeyPath]);
    // The account exists (the token file was lost): a new token replaces the old one.
    if (run.code !== 0 && run.stderr.includes('MKT_PUBLISHER_EXISTS')) run = await cli(['publisher', 'token', name]);
    const token = /^token: (\S+)$/m.exec(run.stdout)?.[1];
    if (run.code !== 0 || !token) throw MarketplaceErrors.LOCAL_MARKETPLACE(`publisher ${name}: ${run.stderr.trim() || `exit ${run.code}`}`);
    return token;
  }

  async function localToken(renew = false): Promise<string> {
    if (!renew && existsSync(tokenFile)) return readFileSync(tokenFile, 'utf8').trim();
    const token = await issueToken(LOCAL_PUBLISHER, deps.sitePublicKeyPath);
    const tmp = `${tokenFile}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
    renameSync(tmp, tokenFile);
    return token;
  }

  async function spawnChild(): Promise<string> {
    // The IPC channel is the child's lifeline: the OS closes it when this process ends, however
    // it ends (SIGKILL included), and the child then stops (marketplace/src/cli.ts). No messages
    // travel on it. Without it a killed core left the market holding its port.
    const proc = spawn(command[0]!, [...command.slice(1), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    proc.channel?.unref();
    child = proc;
    const forward = (stream: NodeJS.ReadableStream, level: 'debug' | 'warn') => {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) logger[level]({ line: line.slice(0, 2000) }, 'marketplace output');
      });
    };
    return new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(MarketplaceErrors.LOCAL_MARKETPLACE(`no URL within ${config.startTimeoutMs} ms`));
      }, config.startTimeoutMs);
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        const m = /prophasis-marketplace listening at (http:\/\/\S+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          forward(proc.stdout!, 'debug');
          resolve(m[1]!);
        }
      };
      proc.stdout!.on('data', onData);
      forward(proc.stderr!, 'warn');
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(MarketplaceErrors.LOCAL_MARKETPLACE(err.message));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (url !== undefined) logger.error({ code, signal }, 'the local marketplace stopped unexpectedly');
        url = undefined;
        child = undefined;
        reject(MarketplaceErrors.LOCAL_MARKETPLACE(`exited with ${code ?? signal} before listening: ${seen.slice(-500)}`));
      });
    });
  }

  async function publishAll(base: string, token: string): Promise<void> {
    const bundles = firstPartyBundles(deps.bundlesDir, logger);
    let renewed = false;
    let published = 0;
    for (const { file, zip } of bundles) {
      let res = await post(base, token, zip);
      if (res.status === 401 && !renewed) {
        renewed = true;
        token = await localToken(true);
        res = await post(base, token, zip);
      }
      if (res.status === 201) published++;
      else if (res.status !== 200) logger.warn({ file, status: res.status, answer: res.body.slice(0, 500) }, 'a first-party bundle was not published to the local marketplace');
    }
    logger.info({ url: base, bundles: bundles.length, published }, 'local marketplace ready');
  }

  return {
    async start() {
      if (!config.enabled) {
        logger.info('local marketplace disabled (PROPHASIS_LOCAL_MARKETPLACE=off)');
        return;
      }
      let token: string;
      let base: string;
      try {
        mkdirSync(marketDir, { recursive: true, mode: 0o700 });
        token = await localToken();
        base = await spawnChild();
      } catch (err) {
        // Monitoring goes on without a market: report it and let the core start.
        logger.error({ err: isProphasisError(err) ? err.message : err }, 'the local marketplace did not start');
        return;
      }
      url = base;
      try {
        await publishAll(base, token);
      } catch (err) {
        // The marketplace runs; a failed publication is reported, not fatal for the core.
        logger.error({ err: isProphasisError(err) ? err.message : err }, 'publishing the first-party plugins to the local marketplace failed');
      }
    },
    async stop() {
      const proc = child;
      url = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    get url() {
      return url;
    },
    addPublisher: (name, publicKeyPath) => issueToken(name, publicKeyPath),
  };
}

async function post(base: string, token: string, zip: Buffer): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}/api/v1/plugins`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
    body: zip,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text() };
}

/** The signed first-party bundles, oldest version first per plugin (the registry accepts only rising versions). */
function firstPartyBundles(dir: string, logger: Logger): { file: string; zip: Buffer }[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.zip'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const out: { file: string; zip: Buffer; id: string; version: string }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const zip = readFileSync(file);
      const { manifest } = inspectBundle(zip);
      out.push({ file, zip, id: manifest.id, version: manifest.version });
    } catch (err) {
      logger.warn({ file, err: (err as Error).message }, 'skipping an unreadable first-party bundle');
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id) || compareSemver(a.version, b.version));
}

/** `node_modules/.bin/prophasis-marketplace` of this checkout, resolved to the script it links to. */
function marketplaceBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', '.bin', 'prophasis-marketplace');
    if (existsSync(candidate)) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) throw MarketplaceErrors.LOCAL_MARKETPLACE('prophasis-marketplace is not installed (node_modules/.bin)');
    dir = parent;
  }
}

