import { silentLogger, type CmdMessage, type Severity } from '@prophasis/protocol';
import { createHash } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ClassifyOutcome, ClassifyRequest } from '../../src/classification/types.js';
import { createResultStore, type Database, type ResultRow } from '../../src/db/index.js';
import { PIPELINE_DEFAULTS, type PipelineConfig } from '../../src/pipeline/config.js';
import type { ResultSink } from '../../src/pipeline/ingest.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { buildPlans } from '../../src/scheduler/plan.js';
import { DIALECTS, openTestDatabase } from '../db/helpers.js';

export interface TestDb {
  db: Database;
  dialect: 'sqlite' | 'postgres';
  /** The real result store, for `sink`. */
  resultStore: ReturnType<typeof createResultStore>;
  cleanup(): Promise<void>;
}

/** SQLite always; PostgreSQL when `PROPHASIS_TEST_POSTGRES_URL` is set (skipped otherwise, by design). */
export function dialects(): ('sqlite' | 'postgres')[] {
  return [...DIALECTS];
}

/** A fresh, migrated database (a temporary SQLite file, or `prophasis_test_pl_<random>` on PostgreSQL) and its result store. */
export async function openDb(dialect: 'sqlite' | 'postgres'): Promise<TestDb> {
  const { db, cleanup } = await openTestDatabase(dialect, { prefix: 'prophasis_test_pl' });
  const resultStore = createResultStore(db, { logger: silentLogger() });
  return {
    db,
    dialect,
    resultStore,
    async cleanup() {
      await resultStore.close();
      await cleanup();
    },
  };
}

/** The configuration tables read back into plans the way the scheduler does it, every plugin version usable. */
export async function loadPlans(db: Database) {
  const rows = await loadConfigRows(db);
  return { rows, ...buildPlans({ ...rows.input, usable: () => true }) };
}

export const config = (overrides: Partial<PipelineConfig> = {}): PipelineConfig => ({ ...PIPELINE_DEFAULTS, ...overrides });

/** A fake transport that records every command per agent, in order. */
export function recordingTransport() {
  const sent: { agentId: string; message: CmdMessage }[] = [];
  return {
    sent,
    async publishCommand(agentId: string, message: CmdMessage) {
      sent.push({ agentId, message });
    },
    to: (agentId: string) => sent.filter((s) => s.agentId === agentId).map((s) => s.message),
    types: (agentId: string) => sent.filter((s) => s.agentId === agentId).map((s) => s.message.type),
    clear: () => void sent.splice(0),
  };
}

/**
 * A classifier that understands one kind of code: `return "<severity>"`, or `threshold N` (major
 * when the newest value is above N, else ok). It records every request, so tests see the windows.
 */
export function fakeClassifier() {
  const requests: ClassifyRequest[] = [];
  return {
    requests,
    async classify(batch: readonly ClassifyRequest[]): Promise<ClassifyOutcome[]> {
      requests.push(...batch);
      return batch.map((r) => {
        const fixed = /^return "(\w+)"$/.exec(r.code.trim());
        if (fixed) return { severity: fixed[1] as Severity };
        const threshold = /^threshold (\d+(?:\.\d+)?)$/.exec(r.code.trim());
        if (threshold) {
          const v = r.values[r.values.length - 1];
          return { severity: v != null && v > Number(threshold[1]) ? 'major' : 'ok' };
        }
        return { severity: 'unknown', error: { kind: 'compile', message: `cannot compile ${r.classifierKey}` } };
      });
    },
  };
}

/** A sink around the real store that counts INSERT batches and can be made to fail. */
export function countingSink(inner: ResultSink) {
  const state = { calls: 0, rows: 0, failing: false };
  return {
    state,
    async insertBatch(rows: readonly ResultRow[]) {
      state.calls++;
      if (state.failing) throw new Error('database unavailable');
      state.rows += rows.length;
      return inner.insertBatch(rows);
    },
  };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Builds configuration rows through the models, as the API would. */
export function seeder(db: Database) {
  const m = db.models;
  let n = 0;
  return {
    async host(name: string, agentId: string | null = `a-${name}`) {
      return m.Host.create({ name, agentId, enrolmentState: agentId ? 'enrolled' : 'pending', connectedSince: agentId ? Date.now() : null });
    },
    async group(name: string, hostIds: number[] = [], childIds: number[] = []) {
      const g = await m.HostGroup.create({ name });
      for (const hostId of hostIds) await m.HostGroupHost.create({ groupId: g.id, hostId });
      for (const childId of childIds) await m.HostGroupGroup.create({ parentId: g.id, childId });
      return g;
    },
    /** A plugin with one version; `approved: false` leaves it pending. */
    async plugin(pluginId: string, opts: { version?: string; approved?: boolean; history?: number; classifier?: string; capabilities?: string[] } = {}) {
      const p = await m.Plugin.create({ pluginId, name: pluginId });
      const v = await this.version(p.id, opts.version ?? '1.0.0', opts);
      return { plugin: p, version: v };
    },
    async version(pluginRowId: number, version: string, opts: { approved?: boolean; history?: number; classifier?: string; capabilities?: string[] } = {}) {
      const bundle = Buffer.from(`bundle ${pluginRowId} ${version} ${n++}`);
      const caps = opts.capabilities ?? ['os.info'];
      return m.PluginVersion.create({
        pluginId: pluginRowId,
        version,
        manifest: { history: opts.history ?? 3 },
        bundleSha256: sha(bundle.toString()),
        bundle,
        publisher: 'test',
        publisherKeyFingerprint: 'f'.repeat(64),
        requestedCapabilities: caps,
        approvedCapabilities: opts.approved === false ? null : caps,
        defaultClassifier: opts.classifier ?? 'threshold 80',
        historyCount: opts.history ?? 3,
      });
    },
    async check(name: string, opts: { hosts?: number[]; groups?: number[]; plugins: { id: number; params?: Record<string, unknown>; classifier?: string }[] }) {
      const c = await m.Check.create({ name });
      for (const hostId of opts.hosts ?? []) await m.CheckHost.create({ checkId: c.id, hostId });
      for (const groupId of opts.groups ?? []) await m.CheckGroup.create({ checkId: c.id, groupId });
      for (const p of opts.plugins) await m.CheckPlugin.create({ checkId: c.id, pluginId: p.id, params: p.params ?? {}, classifierOverride: p.classifier ?? null });
      return c;
    },
    async schedule(name: string, checkIds: number[], intervals: { start: number; everyMs: number }[], enabled = true) {
      const s = await m.Schedule.create({ name, enabled });
      for (const i of intervals) await m.ScheduleInterval.create({ scheduleId: s.id, startAt: i.start, everyMs: i.everyMs });
      for (const checkId of checkIds) await m.ScheduleCheck.create({ scheduleId: s.id, checkId });
      return s;
    },
  };
}

/** Resolves with the value of `promise`, or rejects after `ms`. */
export function within<T>(what: string, promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/**
 * Connects an MQTT.js client that keeps reconnecting like the agent (errors after the first
 * CONNACK are not fatal), and resolves on the first CONNACK.
 */
export function connectAgent(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { connectTimeout: 5_000, protocolVersion: 4, ...options });
  return within(
    `CONNACK for ${options.clientId}`,
    new Promise<MqttClient>((resolve, reject) => {
      const fail = (err: Error) => {
        client.end(true);
        reject(err);
      };
      client.once('error', fail);
      client.once('connect', () => {
        client.off('error', fail);
        client.on('error', () => {}); // a reset connection is followed by a reconnect
        resolve(client);
      });
    }),
  );
}
