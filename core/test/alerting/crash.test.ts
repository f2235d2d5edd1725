import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { createDatabase, type Database } from '../../src/db/index.js';
import type { TransitionRow } from '../../src/pipeline/store.js';
import { openTestDatabase } from '../db/helpers.js';
import { DIALECTS } from '../db/helpers.js';
import { seed } from './db.js';
import { startReceiver } from './http-server.js';

const CHILD = new URL('./core-process.ts', import.meta.url).pathname;
const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

/** A real core in a child process (core-process.ts) over the test's database. */
class CoreProcess {
  private readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The next message of `type` from the child; rejects if it exits first. */
  private next(type: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} from the core within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const onMessage = (m: { type?: string }) => {
        if (m.type !== type) return;
        cleanup();
        resolve();
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`the core exited (${code ?? signal}) before ${type}:\n${this.output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  ready(): Promise<void> {
    return this.next('ready', 60_000);
  }

  async commit(transitions: TransitionRow[]): Promise<void> {
    const answer = this.next('committed', 20_000);
    this.child.send({ type: 'commit', transitions, kill: false });
    await answer;
  }

  /** Commits, then the core sends itself SIGKILL right after the commit. */
  async commitAndKill(transitions: TransitionRow[]): Promise<void> {
    this.child.send({ type: 'commit', transitions, kill: true });
    const { signal } = await this.exited;
    assert.equal(signal, 'SIGKILL', this.output);
  }

  async stop(): Promise<void> {
    this.child.send({ type: 'stop' });
    const { code } = await this.exited;
    assert.equal(code, 0, this.output);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Waits (bounded) for an async condition, on real time. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = async (db: Database, table: string): Promise<number> =>
  Number((await db.sequelize.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`, { type: QueryTypes.SELECT }))[0]!.n);

for (const dialect of DIALECTS) {
  describe(`alerting survives kill -9 of the core (${dialect})`, function () {
    this.timeout(180_000);
    let dir: string;
    let db: Database;
    let dropDb: () => Promise<void>;
    let env: NodeJS.ProcessEnv;
    let rx: Awaited<ReturnType<typeof startReceiver>>;
    let ids: Awaited<ReturnType<typeof seed>>;
    const cores: CoreProcess[] = [];

    /** Starts a core over the test's database and waits until it runs. */
    async function startChild(): Promise<CoreProcess> {
      const core = new CoreProcess(env);
      cores.push(core);
      await core.ready();
      return core;
    }

    /** A transition of web1's own severity (so every one matches the alert), told apart by `at`. */
    const transition = (at: number, from: 'ok' | 'major' = 'ok', to: 'ok' | 'major' = 'major'): TransitionRow => ({ hostId: ids.host.web1!, pluginRowId: null, from, to, at, late: false });
    /** Requests the receiver accepted (answered 2xx) per transition time. */
    const accepted = (since: number) => {
      const byAt = new Map<number, number>();
      for (const r of rx.requests.slice(since)) {
        const at = (JSON.parse(r.body) as { atMs: number }).atMs;
        byAt.set(at, (byAt.get(at) ?? 0) + 1);
      }
      return byAt;
    };

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'prophasis-alert-crash-'));
      if (dialect === 'sqlite') {
        db = await createDatabase({ url: '', sqlitePath: join(dir, 'prophasis.sqlite') }, { logger: silentLogger() });
        await db.migrate();
        dropDb = () => db.close();
        env = { PROPHASIS_DATA_DIR: dir, DATABASE_URL: '' };
      } else {
        const opened = await openTestDatabase('postgres', { prefix: 'prophasis_test_alk' });
        db = opened.db;
        dropDb = opened.cleanup;
        const url = new URL(PG_URL);
        url.pathname = `/${db.sequelize.config.database}`;
        env = { PROPHASIS_DATA_DIR: dir, DATABASE_URL: url.toString() };
      }
      // Retries after a failed attempt come quickly (the stored next attempt time survives the restart).
      env.PROPHASIS_ALERT_BACKOFF_MS = '200';
      rx = await startReceiver();
      ids = await seed(db, { hosts: ['web1'] });
      const alert = await db.models.Alert.create({ name: 'web1 down', fromStates: ['ok'], toStates: ['major'], module: 'webhook', settings: { url: `${rx.base}/hook` }, enabled: true });
      await db.models.AlertScope.create({ alertId: alert.id, kind: 'host', hostId: ids.host.web1! });
      // History from before the core ever ran: never alerted.
      await db.models.StateTransition.create({ hostId: ids.host.web1!, fromState: 'ok', toState: 'major', at: 1_000 });
    });

    afterEach(async () => {
      for (const c of cores) c.kill();
      await Promise.all(cores.map((c) => c.exited));
      cores.length = 0;
      await rx.close();
      await dropDb();
      await rm(dir, { recursive: true, force: true });
    });

    it('a kill right after the commit, before any delivery exists: the next core delivers each alert exactly once', async () => {
      const first = await startChild();
      await first.commitAndKill([transition(10_000), transition(20_000, 'major', 'ok'), transition(30_000)]);
      assert.equal(await count(db, "alert_deliveries WHERE status = 'pending'"), 0, 'killed before the deliveries were written');
      assert.equal(rx.requests.length, 0);

      const second = await startChild();
      await eventually(() => rx.requests.length >= 2, 'the alerts of the transitions committed before the kill');
      // And it alerts what happens while it runs, once.
      await second.commit([transition(40_000, 'major', 'ok'), transition(50_000)]);
      await eventually(() => rx.requests.length >= 3, 'the alert of a transition committed while it runs');
      await eventually(async () => (await count(db, "alert_deliveries WHERE status = 'pending'")) === 0, 'the deliveries to be done');
      await new Promise((r) => setTimeout(r, 300)); // a repeat, if any, would come now
      await second.stop();
      assert.deepEqual(accepted(0), new Map([[10_000, 1], [30_000, 1], [50_000, 1]]), 'each once; the recoveries (major → ok) match no alert, the history none');
    });

    it('a kill after the deliveries were written (and the next batch committed): nothing is repeated, nothing lost', async () => {
      rx.respond.status = 503; // the first core's attempts fail: its deliveries stay pending
      const first = await startChild();
      await first.commit([transition(10_000)]);
      await eventually(async () => (await count(db, "alert_deliveries WHERE status = 'pending'")) === 1, 'the first delivery to be written');
      await first.commitAndKill([transition(20_000)]);
      assert.equal(await count(db, "alert_deliveries WHERE status = 'pending'"), 1, 'the second batch was committed, its delivery not yet written');

      const failed = rx.requests.length;
      const firstAttempts = new Set(rx.requests.map((r) => (JSON.parse(r.body) as { deliveryId: string }).deliveryId));
      rx.respond.status = 200;
      const second = await startChild();
      await eventually(() => rx.requests.length - failed >= 2, 'both alerts');
      await eventually(async () => (await count(db, "alert_deliveries WHERE status = 'pending'")) === 0, 'the deliveries to be done');
      await new Promise((r) => setTimeout(r, 300)); // a repeat, if any, would come now
      await second.stop();
      assert.deepEqual(accepted(failed), new Map([[10_000, 1], [20_000, 1]]));
      // The first batch's delivery is the one the killed core stored and attempted, resumed.
      const resumed = rx.requests.slice(failed).map((r) => JSON.parse(r.body) as { atMs: number; deliveryId: string }).find((b) => b.atMs === 10_000)!;
      assert.ok(firstAttempts.size <= 1 && [...firstAttempts].every((id) => id === resumed.deliveryId), `${[...firstAttempts].join()} vs ${resumed.deliveryId}`);
    });
  });
}
