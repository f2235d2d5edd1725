import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, isProphasisError, silentLogger } from '@prophasis/protocol';
import {
  ClassificationErrors,
  createClassificationEngine,
  readClassificationConfig,
  runClassifierTestCommand,
  type ClassificationEngine,
  type ClassifyRequest,
} from '../../src/classification/index.js';
import { CLASSIFICATION_DEFAULTS } from '../../src/classification/config.js';

const CPU = `
  local peak = arrayMax(values)
  if peak > 90 then return "major" end
  if peak > 75 then return "minor" end
  return "ok"`;

function request(code: string, values: (number | null)[], params: ClassifyRequest['params'] = {}): ClassifyRequest {
  return { classifierKey: 'cpu', code, values, messages: values.map(() => null), resultTypes: values.map(() => 'plugin'), params };
}

const expectedCpu = (values: number[]): string => {
  const peak = Math.max(...values);
  return peak > 90 ? 'major' : peak > 75 ? 'minor' : 'ok';
};

describe('classification engine', function () {
  this.timeout(30_000);

  describe('running', () => {
    let engine: ClassificationEngine;
    const lines: string[] = [];
    before(async () => {
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 2 }, { logger: createLogger({ name: 'test', level: 'info', destination }) });
      await engine.start();
    });
    after(() => engine.stop());

    it('classifies the original CPU classifier over many windows, spread over the workers, in request order', async () => {
      const windows = Array.from({ length: 5000 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i * 13 + j * 7) % 97));
      const outcomes = await engine.classify(windows.map((w) => request(CPU, w)));
      assert.equal(outcomes.length, windows.length);
      outcomes.forEach((o, i) => assert.deepEqual(o, { severity: expectedCpu(windows[i]!) }, `window ${i}`));
      assert.ok(new Set(outcomes.map((o) => o.severity)).size === 3, 'the windows cover all three thresholds');
    });

    it('runs different classifiers and parameters in one batch', async () => {
      const threshold = 'if arrayLast(values) > params.limit then return "degraded" end return "ok"';
      const outcomes = await engine.classify([
        request(threshold, [1, 50], { limit: 40 }),
        request(CPU, [1, 50]),
        request(threshold, [1, 50], { limit: 60 }),
        request('return "no_data"', []),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.severity),
        ['degraded', 'ok', 'ok', 'no_data'],
      );
    });

    it('an empty batch resolves to no outcomes', async () => {
      assert.deepEqual(await engine.classify([]), []);
    });

    it('refuses a malformed request, and keeps classifying', async () => {
      const bad = { classifierKey: 'broken', code: 42, values: [], messages: [], resultTypes: [] } as unknown as ClassifyRequest;
      await assert.rejects(engine.classify([request(CPU, [1]), bad]), (err) => isProphasisError(err, ClassificationErrors.INVALID_REQUEST) && /item 1 \(broken\)/.test(err.message));
      assert.deepEqual(await engine.classify([request(CPU, [99])]), [{ severity: 'major' }]);
    });

    it('logs the replacement of a worker it had to terminate', async () => {
      const [outcome] = await engine.classify([request('return ("a"):rep(100000):find(".-.-.-b") and "ok"', [1])]);
      assert.equal(outcome!.error?.kind, 'timeout');
      assert.ok(lines.some((l) => l.includes('classification worker lost') && l.includes('"component":"classification"')));
      assert.deepEqual(await engine.classify([request(CPU, [80])]), [{ severity: 'minor' }]);
    });
  });

  describe('lifecycle', () => {
    it('refuses to classify before start and after stop', async () => {
      const engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1 }, { logger: silentLogger() });
      await assert.rejects(engine.classify([request(CPU, [1])]), (err) => isProphasisError(err, ClassificationErrors.NOT_STARTED));
      await engine.start();
      assert.deepEqual(await engine.classify([request(CPU, [1])]), [{ severity: 'ok' }]);
      await engine.stop();
      await assert.rejects(engine.classify([request(CPU, [1])]), (err) => isProphasisError(err, ClassificationErrors.NOT_STARTED));
    });

    it('rejects a running batch with CLS_STOPPED when stopped', async () => {
      const engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1, timeoutMs: 1000 }, { logger: silentLogger() });
      await engine.start();
      const rejected = assert.rejects(engine.classify([request('while true do end', [1])]), (err) => isProphasisError(err, ClassificationErrors.STOPPED));
      await engine.stop();
      await rejected;
    });
  });

  describe('configuration', () => {
    it('reads defaults and the environment, and refuses a bad value', () => {
      const config = readClassificationConfig({ PROPHASIS_CLASSIFY_WORKERS: '3', PROPHASIS_CLASSIFY_TIMEOUT_MS: '20' });
      assert.equal(config.workers, 3);
      assert.equal(config.timeoutMs, 20);
      assert.equal(config.memoryMiB, 16);
      assert.throws(() => readClassificationConfig({ PROPHASIS_CLASSIFY_WORKERS: '0' }), /Invalid configuration/);
    });
  });

  describe('prophasis classifier test', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'prophasis-classifier-'));
      await writeFile(join(dir, 'cpu.lua'), CPU);
      await writeFile(join(dir, 'broken.lua'), 'return (');
      await writeFile(join(dir, 'params.lua'), 'if arrayContains(messages, params.word) and result_types[2] == "connection_error" then return "degraded" end return "ok"');
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('prints the severity and exits 0', async () => {
      assert.deepEqual(await runClassifierTestCommand([join(dir, 'cpu.lua'), '--values', '1,50,,91']), { exitCode: 0, output: 'major' });
      assert.deepEqual(await runClassifierTestCommand([join(dir, 'cpu.lua'), '--values', '10,80']), { exitCode: 0, output: 'minor' });
    });
    it('passes messages, result types and params', async () => {
      const out = await runClassifierTestCommand([join(dir, 'params.lua'), '--values', '1,', '--messages', 'fine,disk gone', '--result-types', 'plugin,connection_error', '--params', '{"word":"disk gone"}']);
      assert.deepEqual(out, { exitCode: 0, output: 'degraded' });
    });
    it('prints the error and exits 1 when the classifier fails', async () => {
      const out = await runClassifierTestCommand([join(dir, 'broken.lua'), '--values', '1']);
      assert.equal(out.exitCode, 1);
      assert.match(out.output, /^unknown \(compile\): classifier:1: /);
    });
    it('refuses bad usage with exit code 2 and the usage text', async () => {
      for (const argv of [[], [join(dir, 'cpu.lua')], [join(dir, 'cpu.lua'), '--values', 'x'], [join(dir, 'cpu.lua'), '--values', '1', '--result-types', 'bogus'], [join(dir, 'cpu.lua'), '--values', '1', '--params', '[1]'], [join(dir, 'cpu.lua'), '--bogus']]) {
        const out = await runClassifierTestCommand(argv);
        assert.equal(out.exitCode, 2, JSON.stringify(argv));
        assert.match(out.output, /Usage: prophasis classifier test/);
      }
      const missing = await runClassifierTestCommand([join(dir, 'missing.lua'), '--values', '1']);
      assert.equal(missing.exitCode, 2);
      assert.match(missing.output, /Cannot read/);
    });
  });
});
