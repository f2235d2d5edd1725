import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createServer, Socket, type Server } from 'node:net';
import { Sequelize } from 'sequelize';
import type { ClusterConfig } from '../../src/cluster/index.js';
import { createLeaseManager, type LeaseManager, type LossReason } from '../../src/cluster/index.js';

export const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

/** Who serves what, across every manager of a test: a second owner of one lease fails the test at once. */
export function servingBook() {
  const serving = new Map<string, string>();
  const log: { at: number; core: string; lease: string; what: 'acquired' | 'lost'; reason?: LossReason }[] = [];
  const violations: string[] = [];
  return {
    serving,
    log,
    violations,
    handlers(core: string) {
      return {
        async acquired(name: string) {
          const other = serving.get(name);
          if (other !== undefined && other !== core) violations.push(`${core} took ${name} while ${other} still served it`);
          serving.set(name, core);
          log.push({ at: Date.now(), core, lease: name, what: 'acquired' });
        },
        async lost(name: string, reason: LossReason) {
          if (serving.get(name) === core) serving.delete(name);
          log.push({ at: Date.now(), core, lease: name, what: 'lost', reason });
        },
      };
    },
    ownedBy(core: string): string[] {
      return [...serving].filter(([, c]) => c === core).map(([n]) => n).sort();
    },
  };
}

/** Short timings; the heartbeat timer is far away, so the tests tick by hand. */
export function testConfig(coreId: string, over: Partial<ClusterConfig> = {}): ClusterConfig {
  return { enabled: true, coreId, partitions: 8, heartbeatMs: 600_000, leaseMs: 1_500, marginMs: 500, ...over };
}

export function manager(sequelize: Sequelize, config: ClusterConfig, book: ReturnType<typeof servingBook>, duties = ['alerting', 'housekeeping']): LeaseManager {
  const m = createLeaseManager(config, { sequelize, logger: silentLogger(), handlers: book.handlers(config.coreId), duties, schemaVersion: 'test' });
  // The handlers run beside the heartbeats; the tests look once they have run.
  return {
    ...m,
    async start() {
      await m.start();
      await m.settled();
    },
    async tick() {
      await m.tick();
      await m.settled();
    },
  };
}

export function pgSequelize(url: string): Sequelize {
  return new Sequelize(url, { logging: false, dialect: 'postgres', pool: { max: 3, min: 0, acquire: 3_000, idle: 1_000 }, dialectOptions: { connectionTimeoutMillis: 2_000 } });
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * A TCP proxy to PostgreSQL that a test can cut (every connection dropped, new ones refused)
 * and restore on the same port: a lost database connection, for real.
 */
export async function pgProxy(targetUrl: string): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        upstream.connect(Number(target.port || 5432), target.hostname);
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  await listen();
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  return { url: url.toString(), cut, restore: listen, close: cut };
}
