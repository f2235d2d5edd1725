import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { captureLogger } from '../support/log-capture.js';
import { createPluginRunner, type PluginJob, type PluginRunner } from '../../src/sandbox/index.js';

/**
 * The plugin sandbox end to end: real isolates in the real sandbox process, real files,
 * processes and sockets on 127.0.0.1. Every refusal and every cut-off run is followed by a
 * good run, proving the runner (and the agent around it) is still healthy.
 */

const TIMEOUT_MS = 1500;
const MEMORY_MIB = 32;
// A cut-off run is reported by the isolate's own deadline; the margin covers a loaded machine.
const MARGIN_MS = 1500;

function job(code: string, capabilities: string[] = [], options: { approved?: string[]; params?: Record<string, unknown> } = {}): PluginJob {
  return {
    manifest: { id: 'com.example.test', version: '1.0.0', main: 'index.js', capabilities },
    code,
    approvedCapabilities: options.approved ?? capabilities,
    params: options.params ?? {},
  };
}

/** A plugin that calls one host function per entry in `params.calls` and reports each answer or error code. */
const PROBE = `
export async function measure(host, params) {
  const out = [];
  for (const [name, ...args] of params.calls) {
    try {
      const fn = name.split('.').reduce((o, k) => o[k], host);
      out.push('ok:' + JSON.stringify(await fn(...args)));
    } catch (e) {
      out.push('err:' + e.code);
    }
  }
  return { message: out.join('\\n') };
}`;

const GOOD = `export function measure(host, params) { return { value: 42, message: 'fine ' + params.n }; }`;

describe('plugin sandbox runner', function () {
  this.timeout(30_000);
  let runner: PluginRunner;
  // Near its heap limit V8 collects garbage over and over; on a loaded machine that can take
  // longer than TIMEOUT_MS, so the memory cases run with a generous timeout to show their reason.
  let memoryRunner: PluginRunner;
  let dir: string;
  const log = captureLogger('debug');

  before(async () => {
    runner = createPluginRunner(
      { timeoutMs: TIMEOUT_MS, memoryMiB: MEMORY_MIB },
      { logger: log.logger, agentInfo: () => ({ version: '9.9.9', outboxDepth: 7, lastError: null, uptimeSeconds: 12 }) },
    );
    memoryRunner = createPluginRunner({ timeoutMs: 8_000, memoryMiB: MEMORY_MIB }, { logger: log.logger });
    dir = await mkdtemp(join(os.tmpdir(), 'prophasis-sandbox-'));
    await mkdir(join(dir, 'allowed'));
    await writeFile(join(dir, 'allowed', 'data.txt'), 'hello sandbox\n');
    await writeFile(join(dir, 'allowed', 'other.log'), 'x');
    await writeFile(join(dir, 'secret.txt'), 'top secret\n');
    await symlink(join(dir, 'secret.txt'), join(dir, 'allowed', 'escape.txt'));
  });

  after(async () => {
    await runner.dispose();
    await memoryRunner.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Proves the runner still works after whatever the previous test did to it. */
  async function stillHealthy(n = 1) {
    const outcome = await runner.run(job(GOOD, [], { params: { n } }));
    assert.equal(outcome.resultType, 'plugin');
    assert.equal(outcome.value, 42);
    assert.equal(outcome.message, `fine ${n}`);
  }

  async function probe(capabilities: string[], calls: unknown[][], approved?: string[]) {
    const outcome = await runner.run(job(PROBE, capabilities, { params: { calls }, ...(approved ? { approved } : {}) }));
    assert.equal(outcome.resultType, 'plugin', outcome.message ?? '');
    return (outcome.message ?? '').split('\n');
  }

  it('runs a plugin returning a value, with its params', async () => {
    await stillHealthy(5);
  });

  it('lets any plugin sleep between samples, within bounds and within its timeout', async () => {
    const started = performance.now();
    const slept = await runner.run(job(`export async function measure(host) { const t = host.now(); await host.sleep(200); return { value: host.now() - t }; }`));
    assert.equal(slept.resultType, 'plugin', slept.message ?? '');
    assert.ok((slept.value ?? 0) >= 190, `slept ${slept.value} ms`);
    assert.ok(performance.now() - started < TIMEOUT_MS + MARGIN_MS);
    const tooLong = await runner.run(job(`export async function measure(host) { await host.sleep(60000); return { value: 1 }; }`));
    assert.equal(tooLong.resultType, 'command_unsuccessful');
    assert.match(tooLong.message ?? '', /sleep takes 0 to 5000 ms/);
    const past = await runner.run(job(`export async function measure(host) { for (;;) await host.sleep(1000); }`));
    assert.equal(past.resultType, 'command_unsuccessful');
    assert.match(past.message ?? '', /timeout after/);
    await stillHealthy(6);
  });

  it('gives os.info to a plugin that declared and was approved for it', async () => {
    const outcome = await runner.run(
      job(
        `export async function measure(host) {
          const [l1] = await host.os.loadavg();
          const mem = await host.os.memory();
          const cpus = await host.os.cpus();
          const mounts = await host.os.mounts();
          const procs = await host.os.processes();
          return { value: cpus.count, message: JSON.stringify({ l1, mem, up: await host.os.uptime(), name: await host.os.hostname(), mounts: mounts.length, root: mounts.some((m) => m.mountpoint === '/'), procs: procs.length, now: host.now() }) };
        }`,
        ['os.info'],
      ),
    );
    assert.equal(outcome.resultType, 'plugin', outcome.message ?? '');
    assert.equal(outcome.value, os.cpus().length);
    const facts = JSON.parse(outcome.message ?? '{}');
    assert.equal(facts.name, os.hostname());
    assert.equal(facts.mem.totalBytes, os.totalmem());
    assert.ok(facts.mem.availableBytes > 0 && facts.mem.availableBytes <= facts.mem.totalBytes);
    assert.ok(facts.up > 0 && typeof facts.l1 === 'number');
    assert.ok(facts.mounts >= 1 && facts.root, 'the root filesystem is among the mounts');
    assert.ok(facts.procs > 1, 'process names come from /proc');
    assert.ok(Math.abs(facts.now - Date.now()) < 60_000);
  });

  it('gives agent.info from the provider', async () => {
    const [line] = await probe(['agent.info'], [['agent.info']]);
    assert.deepEqual(JSON.parse(line!.slice(3)), { version: '9.9.9', outboxDepth: 7, lastError: null, uptimeSeconds: 12 });
  });

  it('reads a declared file; refuses undeclared files, a symlink out of the declared path and ..', async () => {
    const lines = await probe(
      [`fs.read:${dir}/allowed/*.txt`],
      [
        ['readFile', `${dir}/allowed/data.txt`],
        ['readFile', `${dir}/secret.txt`],
        ['readFile', `${dir}/allowed/escape.txt`],
        ['readFile', `${dir}/allowed/../secret.txt`],
        ['readFile', `${dir}/allowed/other.log`],
        ['readFile', 'allowed/data.txt'],
        ['readFile', `${dir}/allowed/missing.txt`],
        ['listDir', `${dir}/allowed`],
        ['listDir', dir],
      ],
    );
    assert.deepEqual(lines, [
      'ok:"hello sandbox\\n"',
      'err:capability_denied',
      'err:capability_denied',
      'err:capability_denied',
      'err:capability_denied',
      'err:capability_denied',
      'err:ENOENT',
      'ok:["data.txt","escape.txt"]',
      'err:capability_denied',
    ]);
    await stillHealthy();
  });

  it('runs a declared executable with an argument list (no shell); refuses an undeclared one', async () => {
    const lines = await probe(['exec:/bin/echo'], [
      ['exec', '/bin/echo', ['a b', '$HOME;', '`id`']],
      ['exec', '/bin/sh', ['-c', 'id']],
      ['exec', 'echo', ['x']],
    ]);
    const result = JSON.parse(lines[0]!.slice(3));
    assert.equal(result.stdout, 'a b $HOME; `id`\n');
    assert.equal(result.exitCode, 0);
    assert.equal(result.timedOut, false);
    assert.deepEqual(lines.slice(1), ['err:capability_denied', 'err:capability_denied']);
    await stillHealthy();
  });

  it('refuses a capability that was declared but not approved, and says which one when uncaught', async () => {
    const lines = await probe(['os.info', 'exec:/bin/echo'], [['os.hostname'], ['exec', '/bin/echo', []]], ['exec:/bin/echo']);
    assert.equal(lines[0], 'err:capability_denied');
    assert.match(lines[1]!, /^ok:/);
    const uncaught = await runner.run(job(`export async function measure(host) { return { value: (await host.os.loadavg())[0] }; }`, ['os.info'], { approved: [] }));
    assert.equal(uncaught.resultType, 'command_unsuccessful');
    assert.match(uncaught.message ?? '', /capability denied: host\.os\.loadavg/);
    await stillHealthy();
  });

  it('connects to a declared TCP port; refuses a port not declared', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const lines = await probe([`net.connect:127.0.0.1:${port}`], [
        ['tcpConnect', '127.0.0.1', port],
        ['tcpConnect', '127.0.0.1', port === 65535 ? 1 : port + 1],
        ['tcpConnect', 'localhost', port],
      ]);
      const result = JSON.parse(lines[0]!.slice(3));
      assert.equal(result.connected, true);
      assert.ok(result.latencyMs >= 0);
      assert.deepEqual(lines.slice(1), ['err:capability_denied', 'err:capability_denied']);
    } finally {
      server.close();
    }
    await stillHealthy();
  });

  it('makes HTTP requests under a declared URL prefix only', async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('x-path', req.url ?? '');
      res.end(`hello ${req.method} ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const lines = await probe([`http.request:${base}/api`], [
        ['httpRequest', `${base}/api/health?x=1`],
        ['httpRequest', `${base}/api`, { method: 'HEAD' }],
        ['httpRequest', `${base}/apix`],
        ['httpRequest', `${base}/admin`],
        ['httpRequest', `${base.replace('127.0.0.1', '127.0.0.1.evil.org')}/api`],
      ]);
      const first = JSON.parse(lines[0]!.slice(3));
      assert.equal(first.status, 200);
      assert.equal(first.body, 'hello GET /api/health?x=1');
      assert.equal(first.headers['x-path'], '/api/health?x=1');
      assert.equal(first.truncated, false);
      assert.equal(JSON.parse(lines[1]!.slice(3)).status, 200);
      assert.deepEqual(lines.slice(2), ['err:capability_denied', 'err:capability_denied', 'err:capability_denied']);
    } finally {
      server.close();
    }
    await stillHealthy();
  });

  describe('misbehaving plugins are cut off with a reason, and the next run works', () => {
    const cases: { name: string; code: string; reason: RegExp; within: number; memory?: boolean }[] = [
      { name: 'an endless loop', code: 'export function measure() { while (true) {} }', reason: /^timeout after 1500 ms$/, within: TIMEOUT_MS + MARGIN_MS },
      { name: 'an endless loop at module top level', code: 'while (true) {}\nexport function measure() {}', reason: /^timeout after 1500 ms$/, within: TIMEOUT_MS + MARGIN_MS },
      { name: 'a promise that never resolves', code: 'export async function measure() { await new Promise(() => {}); }', reason: /^timeout after 1500 ms$/, within: TIMEOUT_MS + MARGIN_MS },
      {
        name: 'endless allocation',
        code: 'export function measure() { const a = []; while (true) a.push("x".repeat(1 << 20) + a.length); }',
        reason: /^memory limit of 32 MiB exceeded/,
        within: 8_000,
        memory: true,
      },
      {
        name: 'endless allocation of arrays (escapes isolated-vm\'s limit, caught by the watchdogs)',
        code: 'export function measure() { const a = []; while (true) a.push(new Array(1000)); }',
        reason: /^memory limit of 32 MiB exceeded/,
        within: 8_000,
        memory: true,
      },
      { name: 'a throw', code: 'export async function measure() { throw new Error("disk on fire"); }', reason: /^plugin error: disk on fire$/, within: TIMEOUT_MS },
      { name: 'a thrown non-error', code: 'export function measure() { throw "just a string"; }', reason: /^plugin error: just a string$/, within: TIMEOUT_MS },
      { name: 'a syntax error', code: 'export function measure( {', reason: /^invalid plugin code: Unexpected end of input/, within: TIMEOUT_MS },
      { name: 'no measure export', code: 'export const x = 1;', reason: /does not export a measure function/, within: TIMEOUT_MS },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const started = performance.now();
        const outcome = await (c.memory ? memoryRunner : runner).run(job(c.code));
        const elapsed = performance.now() - started;
        assert.equal(outcome.resultType, 'command_unsuccessful');
        assert.match(outcome.message ?? '', c.reason);
        assert.equal(outcome.value, null);
        // The first run after a cut-off may wait for the replacement sandbox process; the
        // limit is about the misbehaving run itself.
        assert.ok(elapsed < c.within + 3_000, `reported after ${Math.round(elapsed)} ms`);
        await stillHealthy();
        if (c.memory) assert.equal((await memoryRunner.run(job(GOOD, [], { params: { n: 1 } }))).value, 42);
      });
    }
  });

  describe('invalid output is command_unsuccessful with the reason', () => {
    const cases: [string, RegExp][] = [
      ['42', /must return an object with value and\/or message, got number/],
      ['{ value: "42" }', /value must be a finite number or null, got string/],
      ['{ value: NaN }', /value must be a finite number or null, got NaN/],
      ['{ value: Infinity }', /value must be a finite number or null/],
      ['{}', /neither value nor message/],
      ['{ value: null, message: null }', /neither value nor message/],
      ['{ message: "x".repeat(5000) }', /longer than 4096/],
      ['{ message: { toString() { return "x"; } } }', /message must be a string or null, got object/],
      ['{ value: 1, resultType: "great" }', /unknown resultType "great"/],
      ['{ value: 1, resultType: 3 }', /resultType must be a string, got number/],
      ['null', /got null/],
    ];
    for (const [output, reason] of cases) {
      it(`refuses ${output}`, async () => {
        const outcome = await runner.run(job(`export function measure() { return ${output}; }`));
        assert.equal(outcome.resultType, 'command_unsuccessful');
        assert.match(outcome.message ?? '', reason);
      });
    }
    it('accepts a non-plugin result type the plugin chose', async () => {
      const outcome = await runner.run(job(`export function measure() { return { message: 'refused', resultType: 'connection_error' }; }`));
      assert.deepEqual({ ...outcome, durationMs: 0 }, { resultType: 'connection_error', value: null, message: 'refused', durationMs: 0 });
      await stillHealthy();
    });
  });

  describe('no way out of the isolate', () => {
    it('has no Node.js globals, and Function("return this")() is the bare isolate global', async () => {
      const outcome = await runner.run(
        job(`export function measure() {
          const g = Function('return this')();
          const names = ['process', 'require', 'Buffer', 'fetch', 'setTimeout', 'setInterval', 'global', 'module', 'WebAssembly', 'SharedArrayBuffer', 'Atomics'];
          return { message: names.filter((n) => typeof g[n] !== 'undefined' || typeof globalThis[n] !== 'undefined').join(',') || 'none' };
        }`),
      );
      assert.equal(outcome.message, 'none');
    });
    it('require() throws ReferenceError', async () => {
      const outcome = await runner.run(job(`export function measure() { return { value: require('fs') ? 1 : 0 }; }`));
      assert.equal(outcome.resultType, 'command_unsuccessful');
      assert.match(outcome.message ?? '', /require is not defined/);
    });
    it('process is not there', async () => {
      const outcome = await runner.run(job(`export function measure() { return { value: process.pid }; }`));
      assert.match(outcome.message ?? '', /process is not defined/);
    });
    it('import("fs") is refused', async () => {
      const outcome = await runner.run(job(`export async function measure() { const fs = await import('fs'); return { value: 1 }; }`));
      assert.equal(outcome.resultType, 'command_unsuccessful');
      assert.match(outcome.message ?? '', /^plugin error: /);
    });
    it('a static import is refused before anything runs', async () => {
      const outcome = await runner.run(job(`import fs from 'node:fs';\nexport function measure() { return { value: 1 }; }`));
      assert.match(outcome.message ?? '', /imports are not available in the plugin sandbox \(import of "node:fs"\)/);
    });
    it('the host object is frozen and a missing function is denied', async () => {
      const lines = await probe([], [['exec', '/bin/true', []], ['readFile', '/etc/hostname']]);
      assert.deepEqual(lines, ['err:capability_denied', 'err:capability_denied']);
      const outcome = await runner.run(job(`export function measure(host) { 'use strict'; host.exec = () => 1; return { value: 1 }; }`));
      assert.match(outcome.message ?? '', /read only|read-only|Cannot assign/);
      await stillHealthy();
    });
    it('host.log lines reach the agent log, tagged with the plugin', async () => {
      await runner.run(job(`export function measure(host) { host.log('hello from the plugin'); return { value: 1 }; }`));
      const line = await log.waitFor((l) => l.msg === 'hello from the plugin', 5_000);
      assert.equal(line.component, 'sandbox');
      assert.equal(line.pluginLog, true);
    });
  });

  it('caps the manifest limits at the operator cap and honours lower ones', async () => {
    const started = performance.now();
    const outcome = await runner.run({ ...job('export async function measure() { await new Promise(() => {}); }'), manifest: { ...job('').manifest, limits: { timeoutMs: 300 } } });
    assert.equal(outcome.message, 'timeout after 300 ms');
    assert.ok(performance.now() - started < 300 + MARGIN_MS);
    const capped = await runner.run({ ...job('export async function measure() { await new Promise(() => {}); }'), manifest: { ...job('').manifest, limits: { timeoutMs: 600_000 } } });
    assert.equal(capped.message, `timeout after ${TIMEOUT_MS} ms`);
    await stillHealthy();
  });
});
