import { parseCapability, TARGET_PLACEHOLDER, type Capability, type CapabilityKind } from '@prophasis/protocol';

/**
 * Capability matching for the plugin sandbox (docs/plugins.md, "The host object and capabilities"; protocol/src/manifest.ts). Pure
 * functions, no I/O: the host functions resolve symlinks first (realpath) and then ask these
 * matchers about the real path, so a link cannot lead outside what was declared.
 *
 * A plugin gets exactly the capabilities its manifest declares AND the administrator approved
 * ({@link grantedCapabilities}); everything here answers "is this call inside that set?".
 */
export interface CapabilitySet {
  /** The granted capabilities as written (`kind:target`), for messages and logs. */
  readonly granted: readonly string[];
  /** True when at least one capability of this kind is granted. */
  has(kind: CapabilityKind): boolean;
  /** May the file at this (already real, absolute) path be read? */
  allowsRead(path: string): boolean;
  /**
   * Which names in this directory may be listed: `null` when the directory is not listable,
   * otherwise a filter that keeps the names matched by a granted `fs.read:DIR/*` glob.
   */
  listFilter(dir: string): ((name: string) => boolean) | null;
  /** May this executable (absolute path, as declared) be run? */
  allowsExec(path: string): boolean;
  /** May a TCP connection be opened to host:port? */
  allowsConnect(host: string, port: number): boolean;
  /** May an HTTP(S) request go to this URL? */
  allowsUrl(url: string): boolean;
  /** May ICMP echo requests go to this host (as the plugin wrote it)? */
  allowsIcmp(host: string): boolean;
  /** May SNMP requests go to host:port? */
  allowsSnmp(host: string, port: number): boolean;
}

/** What a capability set knows about the run it belongs to. */
interface CapabilityContext {
  /** The address of the device the check runs against: what `$target` stands for. None → `$target` matches nothing. */
  target?: string;
}

/**
 * The capabilities a plugin really gets: those both declared by its manifest and approved by
 * the administrator, compared after parsing (so `fs.read:/a` approved does not grant a
 * declared `fs.read:/a/*`). Malformed entries in either list are dropped, never widened.
 */
export function grantedCapabilities(declared: readonly string[], approved: readonly string[]): string[] {
  const key = (text: string): string | null => {
    try {
      const c = parseCapability(text);
      return `${c.kind}:${c.target}`;
    } catch {
      return null;
    }
  };
  const approvedKeys = new Set(approved.map(key).filter((k): k is string => k !== null));
  const out: string[] = [];
  for (const text of declared) {
    const k = key(text);
    if (k !== null && approvedKeys.has(k) && !out.includes(text)) out.push(text);
  }
  return out;
}

/**
 * Normalises a path a plugin passed in: it must be absolute, without NUL, `.` or `..`
 * segments (refused rather than resolved: a plugin that needs `..` is probing). Repeated
 * slashes and a trailing slash are folded away. Returns `null` when refused.
 */
export function normalisePath(path: unknown): string | null {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096) return null;
  if (!path.startsWith('/') || path.includes('\0')) return null;
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) return null;
  return '/' + segments.join('/');
}

/** Does one path segment match a pattern segment where `*` stands for any run of characters? */
function segmentMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** `fs.read` target (a path, `*` only in the last segment) against a normalised path. */
export function pathMatches(target: string, path: string): boolean {
  const slash = target.lastIndexOf('/');
  const dir = target.slice(0, slash) || '/';
  const base = target.slice(slash + 1);
  const pSlash = path.lastIndexOf('/');
  const pDir = path.slice(0, pSlash) || '/';
  const pBase = path.slice(pSlash + 1);
  // `*` never matches an empty name (the directory itself) nor dot entries.
  if (base.includes('*') && (pBase === '' || pBase === '.' || pBase === '..')) return false;
  return dir === pDir && pBase !== '' && segmentMatches(base, pBase);
}

function normaliseHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h.replace(/\.$/, '');
}

/** `net.connect` target `HOST:PORT` (either `*`) against a host and port. */
export function connectMatches(target: string, host: string, port: number): boolean {
  const colon = target.lastIndexOf(':');
  const tHost = target.slice(0, colon);
  const tPort = target.slice(colon + 1);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
  if (tPort !== '*' && Number(tPort) !== port) return false;
  return tHost === '*' || normaliseHost(tHost) === normaliseHost(host);
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * `http.request` target against a URL. `*` allows any http(s) URL. Otherwise scheme, host
 * and port must be equal (so `https://a.com` never allows `https://a.com.evil.org` or
 * `https://a.com:8443`) and the path must equal the target's path or continue it at a `/`
 * boundary (`/api` allows `/api`, `/api/x` and `/api?q`, not `/apix`).
 */
export function urlMatches(target: string, url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  // Credentials in a URL would travel to whatever host parsing decides on; refuse them outright.
  if (u.username !== '' || u.password !== '') return false;
  if (target === '*') return true;
  let t: URL;
  try {
    t = new URL(target);
  } catch {
    return false;
  }
  if (t.protocol !== u.protocol || t.hostname !== u.hostname) return false;
  if ((t.port || DEFAULT_PORTS[t.protocol]) !== (u.port || DEFAULT_PORTS[u.protocol])) return false;
  const tPath = t.pathname;
  if (tPath === '/' || tPath === '') return true;
  const uPath = u.pathname;
  if (uPath === tPath) return true;
  const prefix = tPath.endsWith('/') ? tPath : tPath + '/';
  return uPath.startsWith(prefix);
}

/**
 * A device host (`icmp.echo` target, `snmp` host part: `*`, `$target`, a name or an address)
 * against the host a plugin asked for. Names are compared as written, case-folded, without a
 * trailing dot: `$target` allows exactly the address the run's target was given as.
 */
function deviceHostMatches(pattern: string, host: string, context: CapabilityContext): boolean {
  if (pattern === '*') return true;
  if (pattern === TARGET_PLACEHOLDER) return context.target !== undefined && context.target !== '' && normaliseHost(context.target) === normaliseHost(host);
  return normaliseHost(pattern) === normaliseHost(host);
}

/** `snmp` target `HOST[:PORT]` against a host and port (no port in the target: any port). */
function snmpMatches(target: string, host: string, port: number, context: CapabilityContext): boolean {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(target);
  if (!m) return false;
  if (m[2] !== undefined && Number(m[2]) !== port) return false;
  return deviceHostMatches(m[1] ?? '', host, context);
}

/** Compiles granted capabilities (already the intersection) into a matcher set for one run. */
export function createCapabilitySet(granted: readonly string[], context: CapabilityContext = {}): CapabilitySet {
  const parsed: Capability[] = [];
  for (const text of granted) {
    try {
      parsed.push(parseCapability(text));
    } catch {
      // grantedCapabilities() already dropped malformed entries; a caller passing raw text
      // gets the same treatment: a malformed capability grants nothing.
    }
  }
  const of = (kind: CapabilityKind) => parsed.filter((c) => c.kind === kind).map((c) => c.target);
  const reads = of('fs.read');
  const execs = of('exec');
  const connects = of('net.connect');
  const urls = of('http.request');
  const pings = of('icmp.echo');
  const snmps = of('snmp');
  const plainHost = (host: unknown): host is string => typeof host === 'string' && host.length > 0 && host.length <= 255;
  return {
    granted: [...granted],
    has: (kind) => parsed.some((c) => c.kind === kind),
    allowsRead(path) {
      const p = normalisePath(path);
      return p !== null && reads.some((t) => pathMatches(t, p));
    },
    listFilter(dir) {
      const d = normalisePath(dir);
      if (d === null) return null;
      const globs = reads.filter((t) => (t.slice(0, t.lastIndexOf('/')) || '/') === d && t.slice(t.lastIndexOf('/') + 1).includes('*'));
      if (globs.length === 0) return null;
      return (name) => {
        if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return false;
        const full = d === '/' ? `/${name}` : `${d}/${name}`;
        return globs.some((t) => pathMatches(t, full));
      };
    },
    allowsExec(path) {
      const p = normalisePath(path);
      return p !== null && execs.includes(p);
    },
    allowsConnect(host, port) {
      return typeof host === 'string' && host.length > 0 && connects.some((t) => connectMatches(t, host, port));
    },
    allowsUrl(url) {
      return typeof url === 'string' && urls.some((t) => urlMatches(t, url));
    },
    allowsIcmp(host) {
      return plainHost(host) && pings.some((t) => deviceHostMatches(t, host, context));
    },
    allowsSnmp(host, port) {
      return plainHost(host) && snmps.some((t) => snmpMatches(t, host, port, context));
    },
  };
}
