/**
 * Capabilities in words, for the administrator who approves them (docs/plugins.md, "The host
 * object and capabilities"; protocol/src/manifest.ts). The kinds mirror protocol's
 * `CAPABILITY_KINDS`, which protocol does not export; an unknown kind is shown as such, never
 * as harmless.
 */

export interface CapabilityView {
  /** The capability as the manifest states it, e.g. `fs.read:/proc/loadavg`. */
  text: string;
  kind: string;
  target: string;
  /** What it lets the plugin do, in a sentence. */
  explanation: string;
  /** Kinds that reach beyond the host's own state (running programs, the network). */
  risky: boolean;
}

const EXPLAIN: Readonly<Record<string, { risky: boolean; say: (target: string) => string }>> = {
  'fs.read': { risky: false, say: (t) => `Read the file ${t}${t.includes('*') ? ' (and files matching it)' : ''} on the host. It cannot write anything.` },
  exec: { risky: true, say: (t) => `Run the program ${t} on the host, with arguments, a time limit and capped output, as the agent's user.` },
  'net.connect': {
    risky: true,
    say: (t) => {
      const i = t.lastIndexOf(':');
      const host = t.slice(0, i);
      const port = t.slice(i + 1);
      return `Open TCP connections to ${host === '*' ? 'any host' : host} on ${port === '*' ? 'any port' : `port ${port}`} from the host.`;
    },
  },
  'http.request': { risky: true, say: (t) => (t === '*' ? 'Make HTTP(S) requests to any address from the host.' : `Make HTTP(S) requests to addresses starting with ${t}.`) },
  'os.info': { risky: false, say: () => 'Read system figures: load, memory, CPUs, uptime, host name, mounts and process names.' },
  'agent.info': { risky: false, say: () => "Read the agent's own version, outbox depth and last error." },
  // Devices (issue 18): `$target` is the device the check runs against.
  'icmp.echo': { risky: true, say: (t) => `Send ICMP echo requests (ping) to ${deviceTarget(t)}, through the system's fping.` },
  snmp: { risky: true, say: (t) => `Make SNMP requests (get, walk) to ${deviceTarget(t)} with the credentials of the check.` },
};

/** `$target`, `*`, `host` or `host:port` of an icmp.echo or snmp capability, in words. */
function deviceTarget(t: string): string {
  if (t === '$target' || t.startsWith('$target:')) return `the device the check runs against${t.includes(':') ? ` on port ${t.slice(t.indexOf(':') + 1)}` : ''}`;
  if (t === '*') return 'any host';
  return t;
}

/** Splits `kind:target` and explains it. */
export function describeCapability(text: string): CapabilityView {
  const colon = text.indexOf(':');
  const kind = colon === -1 ? text : text.slice(0, colon);
  const target = colon === -1 ? '' : text.slice(colon + 1);
  const known = EXPLAIN[kind];
  return known
    ? { text, kind, target, explanation: known.say(target), risky: known.risky }
    : { text, kind, target, explanation: 'A capability this console does not know. The agent refuses unknown capabilities.', risky: true };
}

/** Approval state of a version, for its badge. */
export function approvalState(version: { approvedCapabilities: readonly string[] | null; requestedCapabilities: readonly string[] }): 'approved' | 'pending' | 'partial' {
  if (version.approvedCapabilities === null) return 'pending';
  const approved = new Set(version.approvedCapabilities);
  return version.requestedCapabilities.every((c) => approved.has(c)) ? 'approved' : 'partial';
}
