import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@prophasis/protocol';
import mqtt from 'mqtt';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createMetrics, parseAllowList } from '../../src/metrics/index.js';
import { createTestApi, type TestApi } from '../api/helpers.js';

/** `promtool check metrics` (Debian's prometheus package): the Prometheus project's own linter of the text format. */
function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('promtool is missing: apt-get install prometheus (.ci/run installs it)'));
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
    child.stdin!.end(text);
  });
}

/** The value of one sample line, e.g. `prophasis_ingest_results_total{outcome="stored"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics (/metrics, issue #20)', function () {
  this.timeout(60_000);

  describe('in a running core', () => {
    let dir: string;
    let core: Core;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'prophasis-metrics-'));
      const config = readCoreConfig(
        { PROPHASIS_DATA_DIR: dir, PROPHASIS_PKI_HOSTNAMES: 'localhost', PROPHASIS_PKI_IPS: '127.0.0.1' },
        { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
      );
      core = await startCore(config, silentLogger());
    });
    after(async () => {
      await core?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves the Prometheus text format to this machine, which promtool accepts, with the broker, ingest, deliveries and housekeeping', async () => {
      // A client with a wrong password over real TLS: the broker refuses it and counts it.
      const client = mqtt.connect(`mqtts://127.0.0.1:${core.transport.mqttPort}`, { username: 'a-nobody', password: 'wrong', rejectUnauthorized: false, reconnectPeriod: 0, connectTimeout: 5_000 });
      await new Promise<void>((resolve) => {
        client.once('error', () => resolve());
        client.once('close', () => resolve());
      });
      client.end(true);

      const res = await fetch(`http://127.0.0.1:${core.httpPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const lint = await promtool(text);
      assert.equal(lint.code, 0, lint.output);
      assert.equal(sample(text, 'prophasis_ingest_results_total{outcome="stored"}'), 0);
      assert.equal(sample(text, 'prophasis_broker_connections'), 0);
      // (mqtt.js picks a random client id, which is not the username: refused as identifier_rejected.)
      assert.equal(sample(text, 'prophasis_broker_refusals_total{kind="identifier_rejected"}'), 1, 'the refused CONNECT is counted');
      assert.equal(sample(text, 'prophasis_alert_deliveries{status="pending"}'), 0);
      assert.equal(sample(text, 'prophasis_ingest_batch_seconds_count'), 0, 'the histogram is there before the first batch');
      assert.ok((sample(text, 'prophasis_process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
      assert.match(text, /^# HELP prophasis_housekeeping_last_run_errors /m);

      // After a housekeeping run its figures appear.
      await core.housekeeper.run('manual');
      const after = await (await fetch(`http://127.0.0.1:${core.httpPort}/metrics`)).text();
      assert.ok((sample(after, 'prophasis_housekeeping_last_run_timestamp_seconds') ?? 0) > Date.now() / 1000 - 60);
      assert.equal(sample(after, 'prophasis_housekeeping_last_run_errors'), 0);
    });
  });

  it('counts what the subsystems report and observes every batch in a histogram', async () => {
    const metrics = createMetrics({
      db: { dialect: 'sqlite', sequelize: { query: async () => [{ status: 'pending', n: 2 }, { status: 'abandoned', n: 1 }], connectionManager: {} } as never },
      ingest: () => ({ stored: 10, duplicates: 2, refused: 1, batches: 3, timings: { lookupMs: 5, windowsMs: 0, classifyMs: 1500, insertMs: 250, statesMs: 0 } }),
      transport: () => ({ connections: 7, refusals: { auth_failed: 4 }, invalidMessages: { PROTO_INVALID_MESSAGE: 2 } }),
      housekeeping: async () => null,
    });
    metrics.observeBatch(200, 0.04);
    metrics.observeBatch(500, 3);
    const text = await metrics.render();
    assert.equal(sample(text, 'prophasis_ingest_results_total{outcome="stored"}'), 10);
    assert.equal(sample(text, 'prophasis_ingest_results_total{outcome="duplicate"}'), 2);
    assert.equal(sample(text, 'prophasis_ingest_stage_seconds_total{stage="classify"}'), 1.5);
    assert.equal(sample(text, 'prophasis_broker_connections'), 7);
    assert.equal(sample(text, 'prophasis_transport_invalid_messages_total{code="PROTO_INVALID_MESSAGE"}'), 2);
    assert.equal(sample(text, 'prophasis_alert_deliveries{status="pending"}'), 2);
    assert.equal(sample(text, 'prophasis_alert_deliveries{status="delivered"}'), 0, 'every status is there, also at 0');
    assert.equal(sample(text, 'prophasis_ingest_batch_seconds_bucket{le="0.05"}'), 1);
    assert.equal(sample(text, 'prophasis_ingest_batch_seconds_bucket{le="+Inf"}'), 2);
    assert.equal(sample(text, 'prophasis_ingest_batch_rows_sum'), 700);
    assert.equal(sample(text, 'prophasis_housekeeping_last_run_timestamp_seconds'), 0, 'no run yet');
    assert.equal((await promtool(text)).code, 0);
  });

  describe('who may read it', () => {
    const TOKEN = 'scraper-secret-0123456789';
    let api: TestApi;
    before(async () => {
      const metrics = createMetrics({ db: { dialect: 'sqlite', sequelize: { query: async () => [], connectionManager: {} } as never }, ingest: () => ({ stored: 0, duplicates: 0, refused: 0, batches: 0, timings: {} }), transport: () => ({ connections: null, refusals: {}, invalidMessages: {} }), housekeeping: async () => null });
      api = await createTestApi('sqlite', { deps: () => ({ metrics: { metrics, access: { allow: '127.0.0.1,::1,10.1.0.0/16', tokenSha256: createHash('sha256').update(TOKEN).digest('hex') } } }) });
    });
    after(async () => api.close());
    const get = (remoteAddress: string, authorization?: string) => api.app.inject({ method: 'GET', url: '/metrics', remoteAddress, ...(authorization ? { headers: { authorization } } : {}) });

    it('allowed addresses and networks, and the token from anywhere; anyone else gets 403 and no figures', async () => {
      assert.equal((await get('127.0.0.1')).statusCode, 200);
      assert.equal((await get('::ffff:127.0.0.1')).statusCode, 200, 'IPv4 mapped into IPv6');
      assert.equal((await get('10.1.200.3')).statusCode, 200, 'a network of the list');
      const refused = await get('192.0.2.9');
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'CORE_API_FORBIDDEN');
      assert.match(refused.json().message, /metricsAllow|metrics token/);
      assert.doesNotMatch(refused.body, /prophasis_/);
      assert.equal((await get('192.0.2.9', `Bearer ${TOKEN}`)).statusCode, 200);
      assert.equal((await get('192.0.2.9', 'Bearer wrong-token')).statusCode, 403);
      assert.equal((await get('127.0.0.1', 'Bearer wrong-token')).statusCode, 403, 'a wrong token is refused even from an allowed address');
      // The process is healthy after refusals.
      assert.equal((await get('127.0.0.1')).statusCode, 200);
    });

    it('a bad allow-list entry is refused at start, naming it', () => {
      assert.throws(() => parseAllowList('127.0.0.1, example.com'), /metricsAllow: "example.com"/);
      assert.throws(() => parseAllowList('10.0.0.0/abc'), /10\.0\.0\.0\/abc/);
      assert.equal(parseAllowList('').check('127.0.0.1'), false, 'empty: nobody without the token');
    });
  });
});
