import type { IcmpEchoResult } from '@prophasis/protocol';
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import net from 'node:net';
import type { CapabilitySet } from '../capabilities.js';
import { bounded, denied, HOST_LIMITS, invalid, optionsObject, PluginCallError, str, type HostFunctionDeps } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/**
 * `host.icmpEcho`: ICMP echo through the system's own program, started by the agent side with a
 * fixed absolute path and a fixed argument list (never the plugin's `exec`). The agent stays
 * unprivileged: Debian's fping carries the `cap_net_raw` file capability, iputils ping either
 * that or the kernel's `net.ipv4.ping_group_range` (docs/decisions/0011-icmp-from-an-unprivileged-agent.md).
 * When neither can send, the call rejects with `icmp_unavailable` and says why.
 */

/** Debian's paths, in the order tried. */
const DEFAULT_ICMP_PROGRAMS = ['/usr/bin/fping', '/usr/sbin/fping', '/usr/bin/ping', '/bin/ping'] as const;

/** A host name or an IP address; never starts with `-`, so it can never be read as an option. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/;

/** The argument the programs take: brackets off an IPv6 literal; refuses anything that is neither a name nor an address. */
function icmpTargetArgument(target: string): string {
  const bare = target.startsWith('[') && target.endsWith(']') ? target.slice(1, -1) : target;
  if (net.isIP(bare) !== 0) return bare;
  if (HOST_NAME.test(bare)) return bare;
  throw invalid(`target must be a host name or an IP address, not ${JSON.stringify(target.slice(0, 80))}`);
}

/** fping -q: `127.0.0.1 : xmt/rcv/%loss = 3/3/0%, min/avg/max = 0.03/0.04/0.05` (no min/avg/max when nothing came back). */
export function parseFpingSummary(text: string): IcmpEchoResult | null {
  const m = /xmt\/rcv\/%loss = (\d+)\/(\d+)\/(\d+(?:\.\d+)?)%(?:, min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+))?/.exec(text);
  if (!m) return null;
  const sent = Number(m[1]);
  const received = Number(m[2]);
  return { sent, received, lossPct: Number(m[3]), rttMs: m[4] !== undefined && received > 0 ? { min: Number(m[4]), avg: Number(m[5]), max: Number(m[6]) } : null };
}

/** iputils ping -q: `3 packets transmitted, 3 received, 0% packet loss` and `rtt min/avg/max/mdev = 0.03/0.04/0.05/0.01 ms`. */
export function parsePingSummary(text: string): IcmpEchoResult | null {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+\d+ errors)?, (\d+(?:\.\d+)?)% packet loss/.exec(text);
  if (!m) return null;
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/[a-z]+)? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(text);
  const received = Number(m[2]);
  return {
    sent: Number(m[1]),
    received,
    lossPct: Number(m[3]),
    rttMs: rtt && received > 0 ? { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) } : null,
  };
}

const executable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Does `net.ipv4.ping_group_range` (`LOW HIGH`, "1 0" = nobody) include one of these group ids? */
export function pingGroupAllows(range: string, gids: readonly number[]): boolean {
  const [low, high] = range.trim().split(/\s+/).map(Number);
  return low !== undefined && high !== undefined && Number.isFinite(low) && Number.isFinite(high) && gids.some((g) => g >= low && g <= high);
}

/**
 * The program to run: the first of `programs` that exists, except that when the kernel lets this
 * process's groups open unprivileged ICMP sockets (`ping_group_range`), iputils ping comes first:
 * it uses those sockets correctly, while fping 5.1 (Debian 12) loses every reply on them when
 * it lacks its file capability (as under the unit's NoNewPrivileges) and would report a live
 * device unreachable (decision 0011).
 */
export function chooseIcmpProgram(programs: readonly string[], datagramAllowed: boolean, exists: (p: string) => boolean = executable): string | null {
  const present = programs.filter(exists);
  if (datagramAllowed) {
    const ping = present.find((p) => !p.endsWith('fping'));
    if (ping) return ping;
  }
  return present[0] ?? null;
}

function datagramIcmpAllowed(): boolean {
  try {
    return pingGroupAllows(readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8'), [process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])]);
  } catch {
    return false;
  }
}

const PERMISSION = /operation not permitted|permission denied|must run as root|can't create socket|cannot create socket|socket: /i;

export function icmpFunctions(caps: CapabilitySet, deps: HostFunctionDeps): HostFamilyFunctions<'icmp.echo'> {
  return {
    async icmpEcho(targetArg, optionsArg): Promise<IcmpEchoResult> {
      const target = str(targetArg, 'target', 255);
      if (!caps.allowsIcmp(target)) throw denied(`icmpEcho to ${target}`, caps);
      const address = icmpTargetArgument(target);
      const options = optionsObject(optionsArg);
      const count = bounded(options.count, 'count', HOST_LIMITS.icmpCount, HOST_LIMITS.icmpMaxCount);
      const timeoutMs = Math.max(100, bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.icmpTimeoutMs, HOST_LIMITS.icmpMaxTimeoutMs));
      const programs = deps.icmpPrograms ?? DEFAULT_ICMP_PROGRAMS;
      const program = chooseIcmpProgram(programs, datagramIcmpAllowed());
      if (program === null) throw new PluginCallError('icmp_unavailable', `no ICMP program on this machine (looked for ${programs.join(', ')}); install fping`);
      const fping = program.endsWith('fping');
      const intervalMs = 250;
      // Fixed arguments; the address is validated above and comes last.
      // ping counts in whole seconds (-W: how long to wait for each reply).
      const waitS = Math.max(1, Math.ceil(timeoutMs / 1000));
      const args = fping
        ? ['-q', '-c', String(count), '-t', String(timeoutMs), '-p', String(intervalMs), address]
        : ['-n', '-q', '-c', String(count), '-i', '0.25', '-W', String(waitS), ...(net.isIPv6(address) ? ['-6'] : []), address];
      // Both wait for the last reply after the last send. One second of slack, within the run's time.
      const limitMs = Math.min(deps.runTimeoutMs, count * intervalMs + (fping ? timeoutMs : waitS * 1000) + 1_000);
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          program,
          args,
          { timeout: limitMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024, signal: deps.signal, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, windowsHide: true },
          (err, out, errOut) => {
            const c = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
            resolve({ code: c, stdout: String(out), stderr: String(errOut) + (err && c === null ? ` ${err.message}` : '') });
          },
        );
      });
      const text = `${stdout}\n${stderr}`;
      const parsed = fping ? parseFpingSummary(text) : parsePingSummary(text);
      if (parsed) return parsed;
      const tail = text.trim().split('\n').slice(-2).join(' ').slice(0, 300);
      if ((fping && code === 4) || PERMISSION.test(text)) {
        throw new PluginCallError(
          'icmp_unavailable',
          `${program} may not send ICMP as this user (give it cap_net_raw or widen net.ipv4.ping_group_range, docs/decisions/0011)${tail ? `: ${tail}` : ''}`,
        );
      }
      if ((fping && code === 2) || /unknown host|name or service not known|temporary failure in name resolution|cannot resolve/i.test(text)) {
        throw new PluginCallError('ENOTFOUND', `${target}: host name not found`);
      }
      if (code === null) throw new PluginCallError('ETIMEDOUT', `${program} gave no answer within ${limitMs} ms${tail ? `: ${tail}` : ''}`);
      throw new PluginCallError('icmp_failed', `${program} exited with ${code}${tail ? `: ${tail}` : ''}`);
    },
  };
}
