// npm run bench -- tls-floor [--connections N] [--seconds N] [--tls-max 1.3|1.2] [--groups G]
//   [--semi-space-mib N]
//
// What N idle TLS connections cost a Node.js server that does nothing with them: the floor
// under the broker's memory per agent (docs/broker.md, "Memory per connection"). A child
// process runs a bare `tls.createServer` with the broker's TLS settings (ECDSA P-256 server
// certificate from the broker's own PKI code, the broker's groups and versions, session
// tickets on) whose connection handler only answers one 32-byte message, as an MQTT CONNACK
// does. This process opens the connections (at most 1,000 at a time), each sends one message
// and waits for the answer, and then all stay open. The server's RSS is read with no
// connection, once all are open, and again after a short settle; bytes per connection come from
// the settled figure. The same memory-per-connection figure of the broker comes from
// `npm run bench -- connections` (`bytes_per_connection_settled`).
// Last line: one JSON object.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { benchArgs, printFigures } from './_args.js';
import { nextMessage } from './_ipc.js';

interface ServerSettings {
  certChainPem: string;
  keyPem: string;
  ticketKeysHex: string;
  groups: string;
  tlsMax: 'TLSv1.2' | 'TLSv1.3';
}

type ToMain = { type: 'ready'; port: number } | { type: 'mem'; rss: number; heapUsed: number; external: number; connections: number };

const SELF = fileURLToPath(import.meta.url);

// The server imports nothing but Node's own modules, so that its idle RSS is Node's alone.
async function serverMain(): Promise<void> {
  const settings = JSON.parse(await readFile(join(process.env.BENCH_DIR!, 'server.json'), 'utf8')) as ServerSettings;
  let connections = 0;
  const server = createServer(
    {
      ticketKeys: Buffer.from(settings.ticketKeysHex, 'hex'),
      ecdhCurve: settings.groups,
      cert: settings.certChainPem,
      key: settings.keyPem,
      minVersion: 'TLSv1.2',
      maxVersion: settings.tlsMax,
    },
    (socket: TLSSocket) => {
      connections++;
      socket.on('error', () => undefined);
      socket.once('data', () => socket.write(Buffer.alloc(32)));
    },
  );
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 } satisfies ToMain);
  });
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'mem') return;
    const mem = process.memoryUsage();
    process.send!({ type: 'mem', rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, connections } satisfies ToMain);
  });
}

const next = <T extends ToMain['type']>(child: ChildProcess, type: T, timeoutMs: number) => nextMessage<ToMain, T>(child, type, timeoutMs);

async function main(): Promise<void> {
  const args = benchArgs({ connections: 10_000, seconds: 120, 'tls-max': '1.3', groups: '', 'semi-space-mib': 8, settle: 5 });
  if (args['tls-max'] !== '1.3' && args['tls-max'] !== '1.2') throw new Error('--tls-max is 1.3 or 1.2');
  const deadline = Date.now() + args.seconds * 1000;
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-tls-floor-'));
  const sockets: TLSSocket[] = [];
  // The broker's own PKI code and defaults give the certificate, key, ticket keys and groups.
  const { ensurePki, brokerDefaults } = await import('@prophasis/broker');
  const { silentLogger } = await import('@prophasis/protocol');
  const pki = await ensurePki(join(dir, 'pki'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
  const settings: ServerSettings = {
    certChainPem: `${pki.serverCertPem.trimEnd()}\n${pki.caCertPem.trimEnd()}\n`,
    keyPem: pki.serverKeyPem,
    ticketKeysHex: (await pki.ticketKeys.current()).toString('hex'),
    groups: args.groups || brokerDefaults(join(dir, 'sessions')).tlsGroups,
    tlsMax: args['tls-max'] === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
  };
  await writeFile(join(dir, 'server.json'), JSON.stringify(settings), { mode: 0o600 });
  const server = fork(SELF, [], {
    env: { ...process.env, BENCH_ROLE: 'server', BENCH_DIR: dir },
    execArgv: ['--import', 'tsx', ...(args['semi-space-mib'] > 0 ? [`--max-semi-space-size=${args['semi-space-mib']}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const mem = () => {
    const p = next(server, 'mem', 10_000);
    server.send({ type: 'mem' });
    return p;
  };
  try {
    const { port } = await next(server, 'ready', 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await mem();
    const t0 = performance.now();
    const openOne = () =>
      new Promise<void>((resolve, reject) => {
        // The bench measures the server; the client checks nothing (the certificate is the
        // broker's own, issued for 127.0.0.1 by a CA this process does not pin).
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => socket.write(Buffer.alloc(64)));
        socket.once('data', () => resolve());
        socket.once('error', reject);
        sockets.push(socket);
      });
    while (sockets.length < args.connections) {
      if (Date.now() > deadline) throw new Error(`--seconds ${args.seconds} ran out with ${sockets.length} connections open`);
      const n = Math.min(1000, args.connections - sockets.length);
      await Promise.all(Array.from({ length: n }, openOne));
    }
    const openS = (performance.now() - t0) / 1000;
    const connected = await mem();
    await new Promise((r) => setTimeout(r, args.settle * 1000));
    const settled = await mem();
    if (settled.connections !== args.connections) throw new Error(`the server counted ${settled.connections} connections, not ${args.connections}`);
    const mib = (b: number) => Math.round(b / 1048576);
    console.log(`${args.connections} idle TLS connections opened in ${openS.toFixed(1)} s; server RSS ${mib(idle.rss)} MiB idle, ${mib(settled.rss)} MiB settled`);
    printFigures({
      bench: 'tls-floor',
      connections: args.connections,
      tls_max: args['tls-max'],
      groups: args.groups || 'broker default',
      open_s: Number(openS.toFixed(2)),
      server_rss_idle_mib: mib(idle.rss),
      server_rss_connected_mib: mib(connected.rss),
      server_rss_settled_mib: mib(settled.rss),
      bytes_per_connection_settled: Math.round((settled.rss - idle.rss) / args.connections),
      js_heap_bytes_per_connection: Math.round((settled.heapUsed - idle.heapUsed) / args.connections),
    });
  } finally {
    for (const s of sockets) s.destroy();
    server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_ROLE === 'server') await serverMain();
else await main();
