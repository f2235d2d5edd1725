import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './agent-process.js';

/** `npx prophasis` of this checkout, run by the Node 24 that runs the tests. */
const CORE_BIN = fileURLToPath(new URL('../../bin/prophasis.mjs', import.meta.url));

/** Every pid this file started or saw started for it; whatever is left is killed when the tests end, however they end. */
const started = new Set<number>();
process.once('exit', () => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** Whether a process exists and is not a zombie (an orphan's zombie waits for whoever adopted it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The live child processes of `parent` with their command lines, from /proc (Linux). */
function childrenOf(parent: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== parent || state === 'Z') continue;
      out.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone while we looked
    }
  }
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface CoreProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
}

/** `prophasis start` as an operator runs it; resolves once it printed that it runs (its local marketplace has been started by then). */
async function startCoreProcess(env: NodeJS.ProcessEnv): Promise<CoreProcess> {
  const child = spawn(process.execPath, [CORE_BIN, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  started.add(pid);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const core = { child, pid, output: () => text };
  await waitFor('the core to run', async () => (child.exitCode !== null ? Promise.reject(new Error(`the core exited: ${text.slice(-3000)}`)) : text.includes('Prophasis is running.')), 90_000, () => text.slice(-3000));
  return core;
}

/** The core's local marketplace child (a `prophasis-marketplace start`), remembered for the cleanup. */
function marketplaceOf(core: CoreProcess): number | undefined {
  const children = childrenOf(core.pid);
  for (const c of children) started.add(c.pid);
  return children.find((c) => c.cmdline.includes('prophasis-marketplace') && c.cmdline.endsWith(' start'))?.pid;
}

const answers = async (port: number) => (await fetch(`http://127.0.0.1:${port}/api/v1/plugins`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.status === 200;

/**
 * Issue #14, defect 6 (docs/marketplace.md, "The local marketplace"): every child the core
 * starts ends when the core ends, however it ends. A real `prophasis start` (SQLite in a
 * temporary data directory, fixed free ports) with its local marketplace is killed with
 * SIGKILL; its children must go within seconds, and a core started again on the same ports
 * must come up with its own marketplace.
 */
describe('children of the core end with it, SIGKILL included (system)', function () {
  this.timeout(240_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let second: CoreProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-children-'));
    env = {
      PROPHASIS_DATA_DIR: join(dir, 'core'),
      DATABASE_URL: '',
      PROPHASIS_CONFIG: '',
      PROPHASIS_HTTP_HOST: '127.0.0.1',
      PROPHASIS_HTTP_PORT: String(await freePort()),
      PROPHASIS_MQTT_PORT: String(await freePort()),
      PROPHASIS_MARKETPLACE_PORT: String(await freePort()),
      PROPHASIS_LOCAL_MARKETPLACE: 'on',
      PROPHASIS_LOG_LEVEL: 'info',
    };
  });

  after(async () => {
    if (second && second.child.exitCode === null && second.child.signalCode === null) {
      second.child.kill('SIGTERM');
      await Promise.race([once(second.child, 'exit'), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes its local marketplace with it when killed, and a restart on the same ports has its own marketplace', async () => {
    const port = Number(env.PROPHASIS_MARKETPLACE_PORT);
    const first = await startCoreProcess(env);
    const market = marketplaceOf(first);
    assert.ok(market, `the core runs a local marketplace child; children: ${JSON.stringify(childrenOf(first.pid))}\n${first.output().slice(-3000)}`);
    assert.equal(await answers(port), true, 'the local marketplace answers on its port');
    const children = childrenOf(first.pid).map((c) => c.pid);

    const exited = once(first.child, 'exit');
    process.kill(first.pid, 'SIGKILL');
    await exited;
    await waitFor('every child of the killed core to end', async () => children.every((pid) => !alive(pid)), 5_000, () =>
      children.filter(alive).map((pid) => `still running: ${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`).join('\n'),
    );

    second = await startCoreProcess(env);
    const again = marketplaceOf(second);
    assert.ok(again, `the restarted core runs its local marketplace; output:\n${second.output().slice(-3000)}`);
    assert.notEqual(again, market);
    assert.equal(await answers(port), true, 'the new marketplace answers on the same port');
    assert.doesNotMatch(second.output(), /EADDRINUSE|local marketplace did not start/);

    // A clean stop ends it too.
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    await waitFor('the marketplace of the stopped core to end', async () => !alive(again), 10_000);
  });
});
