import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, start, tail, type Started } from './processes.js';

export const WEB_DIR = fileURLToPath(new URL('../../', import.meta.url));
const REPO_DIR = join(WEB_DIR, '..');
/** The production build the core serves by default (core config `webRoot`). */
const BUILD_INDEX = join(WEB_DIR, 'dist/web/browser/index.html');

/** The newest modification time of any file below `path` (a file or a folder), specs left out. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  // Specs are not part of the bundle.
  for (const entry of readdirSync(path)) if (!entry.endsWith('.spec.ts')) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** What the console build is made of: a change in any of them makes `dist` stale. */
const BUILD_INPUTS = ['src', 'public', 'angular.json', 'tsconfig.json', 'tsconfig.app.json', '../protocol/src'];

/**
 * The suite tests the production build the core serves. Nx runs `build` before `test`
 * (web/package.json), but `npm run e2e` alone could meet a missing or stale build: then the
 * console is built once, here, so the suite never tests yesterday's console by accident.
 */
export async function ensureConsoleBuild(): Promise<'fresh' | 'built'> {
  const built = existsSync(BUILD_INDEX) ? statSync(BUILD_INDEX).mtimeMs : 0;
  const sources = Math.max(...BUILD_INPUTS.map((p) => newest(join(WEB_DIR, p))));
  if (built > 0 && built >= sources) return 'fresh';
  await run('ng build', 'npx', ['ng', 'build'], { cwd: WEB_DIR, env: process.env, timeoutMs: 240_000 });
  if (!existsSync(BUILD_INDEX)) throw new Error(`ng build finished but ${BUILD_INDEX} is missing`);
  return 'built';
}

/** This process's environment without any Prophasis setting, so a developer's shell cannot redirect the suite. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PROPHASIS_') || key === 'DATABASE_URL') delete env[key];
  return env;
}

/** The environment of every Prophasis process of one run: its data directory, SQLite, no marketplace. */
function coreEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    PROPHASIS_DATA_DIR: dataDir,
    // Port 0: the operating system picks free ports while binding, so two runs on one machine
    // never race for a port; the core prints the ports it got.
    PROPHASIS_HTTP_PORT: '0',
    PROPHASIS_MQTT_PORT: '0',
    PROPHASIS_HTTP_HOST: '127.0.0.1',
    PROPHASIS_LOCAL_MARKETPLACE: 'off',
    // An agent away this long makes its host unreachable: seconds, not the default 90 s, so the
    // suite sees a host become unreachable.
    PROPHASIS_UNREACHABLE_GRACE_MS: '5000',
  };
}

export interface RunningCore {
  readonly process: Started;
  /** `http://127.0.0.1:PORT` (never `localhost`: the browser resolves no names, see browser.ts). */
  readonly url: string;
  readonly mqttPort: number;
  readonly caFingerprint: string;
  /** The one-time first-run link, rewritten to {@link url}. */
  readonly setupLink: string;
}

/** `npx prophasis start` from the repository root; resolves once it printed its banner. */
export async function startCore(dataDir: string): Promise<RunningCore> {
  const core = start('prophasis start', 'npx', ['prophasis', 'start'], { cwd: REPO_DIR, env: coreEnv(dataDir) });
  try {
    await core.waitFor(/Stop it with Ctrl\+C/, 90_000);
    const out = core.output();
    const consoleUrl = out.match(/Console:\s+(http:\/\/\S+?)\/?\s*$/m)?.[1];
    const mqtt = out.match(/MQTT\/TLS:\s+port (\d+), CA fingerprint ([0-9a-f]{64})/);
    const setup = out.match(/^\s+(http:\/\/\S+\/setup\?token=\S+)\s*$/m)?.[1];
    if (!consoleUrl || !mqtt || !setup) throw new Error(`the core's banner lacks the console URL, MQTT port or setup link:\n${tail(out)}`);
    const port = new URL(consoleUrl).port;
    const url = `http://127.0.0.1:${port}`;
    const link = new URL(setup);
    return { process: core, url, mqttPort: Number(mqtt[1]), caFingerprint: mqtt[2] as string, setupLink: `${url}${link.pathname}${link.search}` };
  } catch (err) {
    await core.stop();
    throw err;
  }
}

/** `npx prophasis user add NAME --role ROLE` against the core's data directory, the password on stdin. */
export async function addUser(dataDir: string, name: string, role: 'admin' | 'operator' | 'viewer', password: string): Promise<string> {
  return run('prophasis user add', 'npx', ['prophasis', 'user', 'add', name, '--role', role], {
    cwd: REPO_DIR,
    env: coreEnv(dataDir),
    stdin: `${password}\n`,
    timeoutMs: 60_000,
  });
}

/** `npx prophasis host add NAME`: the token and CA fingerprint of its enrolment command. */
export async function hostAddToken(dataDir: string, name: string): Promise<{ token: string; caFingerprint: string }> {
  const out = await run('prophasis host add', 'npx', ['prophasis', 'host', 'add', name, '--server', '127.0.0.1'], { cwd: REPO_DIR, env: coreEnv(dataDir), timeoutMs: 60_000 });
  // Either order: the enrol command prints --token first, the install line --ca-fingerprint first.
  const token = out.match(/--token (\S+)/)?.[1];
  const caFingerprint = out.match(/--ca-fingerprint ([0-9a-f]{64})/)?.[1];
  if (!token || !caFingerprint) throw new Error(`prophasis host add printed no enrolment command:\n${tail(out)}`);
  return { token, caFingerprint };
}

/**
 * `npx prophasis-agent enroll` as an installed agent runs it (the token in the environment, a
 * data directory of its own): its exit code and output, refused or not.
 */
export async function agentEnrol(options: { dataDir: string; server: string; caFingerprint: string; token: string }): Promise<{ code: number | null; output: string }> {
  const p = start('prophasis-agent enroll', 'npx', ['prophasis-agent', 'enroll', '--server', options.server, '--ca-fingerprint', options.caFingerprint], {
    cwd: REPO_DIR,
    env: { ...cleanEnv(), PROPHASIS_DATA_DIR: options.dataDir, PROPHASIS_ENROL_TOKEN: options.token },
  });
  const code = await Promise.race([
    new Promise<number | null>((resolve) => p.child.once('close', (c) => resolve(c))),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000).unref()),
  ]);
  await p.stop(2_000);
  return { code, output: p.output() };
}

/** `npx prophasis-agent simulate`: N simulated agents answering from the scenario file; resolves once they connected. */
export async function startSimulator(options: { dataDir: string; agents: number; scenario: string; tokens: string; server: string; caFingerprint: string }): Promise<Started> {
  const sim = start(
    'prophasis-agent simulate',
    'npx',
    [
      'prophasis-agent',
      'simulate',
      '--agents',
      String(options.agents),
      '--scenario',
      options.scenario,
      '--server',
      options.server,
      '--ca-fingerprint',
      options.caFingerprint,
      '--tokens',
      options.tokens,
      '--data-dir',
      join(options.dataDir, 'simulator'),
    ],
    { cwd: REPO_DIR, env: { ...cleanEnv(), PROPHASIS_DATA_DIR: join(options.dataDir, 'agent') } },
  );
  try {
    await sim.waitFor(/simulated agents connected/, 60_000);
    return sim;
  } catch (err) {
    await sim.stop();
    throw err;
  }
}
