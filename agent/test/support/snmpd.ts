import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

/**
 * A real Debian snmpd for tests (issue 18): started on 127.0.0.1 with a free UDP port, a test
 * community, a v3 authPriv user (`createUser` in a temporary config and persistent folder) and
 * `override` lines for the objects this machine has no MIB module for (Printer-MIB, UPS-MIB).
 * `-f -Lo -C -c conf`: foreground, log to stdout, no other configuration file read.
 */

const SNMPD = '/usr/sbin/snmpd';
export const TEST_COMMUNITY = 'prophasis-test';
export const TEST_V3 = { user: 'prophasis', authProtocol: 'sha', authKey: 'auth-secret-1', privProtocol: 'aes', privKey: 'priv-secret-1' } as const;

export interface TestSnmpd {
  port: number;
  /** Stops snmpd (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
  /** Stops and starts snmpd again on the same port: its sysUpTime starts from 0 (a "reboot"). */
  restart(): Promise<void>;
  output(): string;
}

/** A UDP port free at this moment on 127.0.0.1. */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** `override OID TYPE VALUE` lines, e.g. `['.1.3.6.1.2.1.33.1.2.1.0', 'integer', '2']`. */
export type Override = [oid: string, type: 'integer' | 'octet_str' | 'counter' | 'uinteger', value: string];

export async function startSnmpd(overrides: Override[] = []): Promise<TestSnmpd> {
  const dir = await mkdtemp(join(os.tmpdir(), 'prophasis-snmpd-'));
  const port = await freeUdpPort();
  const conf = join(dir, 'snmpd.conf');
  await writeFile(
    conf,
    [
      `agentaddress udp:127.0.0.1:${port}`,
      `rocommunity ${TEST_COMMUNITY} 127.0.0.1`,
      `createUser ${TEST_V3.user} SHA "${TEST_V3.authKey}" AES "${TEST_V3.privKey}"`,
      `rouser ${TEST_V3.user} priv`,
      ...overrides.map(([oid, type, value]) => `override ${oid} ${type} ${type === 'octet_str' ? JSON.stringify(value) : value}`),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let out = '';
  const start = async () => {
    const proc = spawn(SNMPD, ['-f', '-Lo', '-C', '-c', conf, '-I', '-smux'], {
      env: { PATH: '/usr/sbin:/usr/bin:/bin', SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '', MIBDIRS: join(dir, 'no-mibs') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`snmpd did not start within 10 s:\n${out}`)), 10_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (/NET-SNMP version/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`snmpd exited with ${code}:\n${out}`));
      });
    });
  };
  const stopChild = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await gone;
    clearTimeout(t);
  };
  await start();
  return {
    port,
    output: () => out,
    async restart() {
      await stopChild();
      out = '';
      await start();
    },
    async stop() {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const haveSnmpd = (): boolean => existsSync(SNMPD);
