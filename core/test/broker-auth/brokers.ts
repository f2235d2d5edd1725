import { ensurePki } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MOSQUITTO = '/usr/sbin/mosquitto';
const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `ms`. */
async function waitForPort(port: number, ms: number, what: string, died?: () => string | undefined): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    const reason = died?.();
    if (reason) throw new Error(`${what} exited before listening: ${reason}`);
    if (Date.now() > until) throw new Error(`${what} did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A test CA and a server certificate for 127.0.0.1 / localhost, as files (the embedded broker's PKI code makes them). */
export async function testCertificates(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string; caPem: string; caFingerprint: string }> {
  const pki = await ensurePki(join(dir, 'test-pki'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
  const files = { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
  await writeFile(files.caFile, pki.caCertPem);
  // The chain with the CA, so that an agent can find the CA it pins (as the embedded broker presents it).
  await writeFile(files.certFile, `${pki.serverCertPem.trim()}\n${pki.caCertPem.trim()}\n`);
  await writeFile(files.keyFile, pki.serverKeyPem, { mode: 0o600 });
  return { ...files, caPem: pki.caCertPem, caFingerprint: pki.caFingerprint };
}

export interface RunningMosquitto {
  port: number;
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Debian's Mosquitto 2 with dynamic security and TLS on a free port of 127.0.0.1, its
 * configuration in `dir` (made by `mosquitto_ctrl dynsec init` with the admin user given).
 */
export async function startMosquitto(dir: string, certs: { caFile: string; certFile: string; keyFile: string }, admin: { username: string; password: string }): Promise<RunningMosquitto> {
  const dynsecFile = join(dir, 'dynamic-security.json');
  await run('mosquitto_ctrl', ['dynsec', 'init', dynsecFile, admin.username, admin.password]);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      'per_listener_settings false',
      'allow_anonymous false',
      'persistence false',
      // Run as root (CI), Mosquitto would switch to the user mosquitto, who cannot read this temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} 127.0.0.1`,
      `cafile ${certs.caFile}`,
      `certfile ${certs.certFile}`,
      `keyfile ${certs.keyFile}`,
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'log_dest stderr',
      'log_type all',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `code ${code} signal ${signal}: ${output.slice(-2000)}`));
  await waitForPort(port, 10_000, 'mosquitto', () => exited);
  return {
    port,
    url: `mqtts://127.0.0.1:${port}`,
    log: () => output,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** An MQTT.js client that resolves on CONNACK, or rejects with the CONNACK's code (`err.code`). */
export function connectOnce(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

export const dynsecAvailable = (): boolean => existsSync(MOSQUITTO) && existsSync(DYNSEC_PLUGIN);

/** The SUBACK return codes of one SUBSCRIBE (MQTT.js rejects a SUBACK with 0x80 in it; the codes are in the error's packet). */
export async function subackCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted;
    if (!granted) throw err;
    return granted.map((g) => (typeof g === 'number' ? g : g.qos));
  }
}

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RunningRabbit {
  mqttPort: number;
  log(): string;
  stop(): Promise<void>;
}

/**
 * A RabbitMQ node of this test's own (never the machine's running one): its node name, ports,
 * data, logs, cookie and plugins (rabbitmq_mqtt, rabbitmq_auth_backend_http) in `dir`, the MQTT
 * listener on a free port of 127.0.0.1 and every authentication and authorization asked of `hookBase`.
 */
export async function startRabbit(dir: string, hookBase: string, startMs = 90_000): Promise<RunningRabbit> {
  const [mqttPort, nodePort, distPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt,rabbitmq_auth_backend_http].\n');
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [
      'listeners.tcp = none',
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
      'mqtt.allow_anonymous = false',
      'auth_backends.1 = http',
      'auth_http.http_method = get',
      ...['user', 'vhost', 'resource', 'topic'].map((p) => `auth_http.${p}_path = ${hookBase}/${p}`),
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    HOME: dir, // its own Erlang cookie
    RABBITMQ_NODENAME: `prophasis-test-${process.pid}@localhost`,
    RABBITMQ_NODE_PORT: String(nodePort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, 'feature_flags'),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  };
  // Its own process group, so that the stop reaches the Erlang VM it starts.
  const child = spawn(RABBITMQ_SERVER, [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `code ${code} signal ${signal}: ${output.slice(-2000)}`));
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  try {
    await waitForPort(mqttPort, startMs, 'rabbitmq-server', () => exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { mqttPort, log: () => output, stop };
}

export const rabbitAvailable = (): boolean => existsSync(RABBITMQ_SERVER);
