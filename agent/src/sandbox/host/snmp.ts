import type { SnmpVarbind } from '@prophasis/protocol';
import net from 'node:net';
import snmp from 'net-snmp';
import type { CapabilitySet } from '../capabilities.js';
import { bounded, denied, HOST_LIMITS, invalid, optionsObject, PluginCallError, str, type HostFunctionDeps } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/**
 * `host.snmp.get/getNext/getBulk/walk` (issue 18) through net-snmp, the maintained SNMP
 * library of the npm registry: v1, v2c (community) and v3 authPriv (USM). Every call names its
 * target, which an `snmp:` capability must cover (host, and port when the capability names
 * one); credentials come from the check's parameters and are used for this one session only,
 * never logged. Answers are plain JSON varbinds ({@link SnmpVarbind}); `noSuchObject`,
 * `noSuchInstance` and `endOfMibView` are data. Failures reject with a `code` a plugin maps to a
 * result type: `ETIMEDOUT` (no answer: also what a wrong community gets), `authentication_error`
 * (v3 user, key or engine refused), `snmp_error` (an error status in the answer),
 * `invalid_response` (a malformed or unexpected answer), `too_large` (over the limits).
 */

const TYPE_NAMES: Record<number, string> = {
  1: 'Boolean',
  2: 'Integer',
  4: 'OctetString',
  5: 'Null',
  6: 'OID',
  64: 'IpAddress',
  65: 'Counter32',
  66: 'Gauge32',
  67: 'TimeTicks',
  68: 'Opaque',
  70: 'Counter64',
  128: 'noSuchObject',
  129: 'noSuchInstance',
  130: 'endOfMibView',
};

const AUTH_PROTOCOLS: Record<string, snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV_PROTOCOLS: Record<string, snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

const OID = /^\.?(?:0|[1-9]\d{0,9})(?:\.(?:0|[1-9]\d{0,9})){0,127}$/;

/** A numeric OID (`1.3.6.1.2.1.1.3.0`, a leading dot allowed) or `invalid_argument`. */
function checkOid(value: unknown, name: string): string {
  if (typeof value !== 'string' || !OID.test(value)) throw invalid(`${name} must be a numeric OID such as 1.3.6.1.2.1.1.3.0, not ${JSON.stringify(String(value).slice(0, 80))}`);
  const oid = value.startsWith('.') ? value.slice(1) : value;
  if (oid.split('.').some((arc) => Number(arc) > 4294967295)) throw invalid(`${name}: an OID arc is above 2^32-1`);
  return oid;
}

function oidList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > HOST_LIMITS.snmpOids) throw invalid(`oids must be an array of 1 to ${HOST_LIMITS.snmpOids} OIDs`);
  return value.map((o, i) => checkOid(o, `oids[${i}]`));
}

interface Session {
  session: snmp.Session;
  where: string;
  timeoutMs: number;
  attempts: number;
  /** The community or keys of this session: never in a message (net-snmp quotes communities in some errors). */
  secrets: string[];
}

type Auth = { kind: 'community'; version: 0 | 1; community: string } | { kind: 'usm'; user: snmp.User; context: string };

/** Checks `auth` as hostile input; the secrets are never put in a message. */
function parseAuth(value: unknown): Auth {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid("auth must be { version: '2c', community } or { version: '3', user, authProtocol, authKey, privProtocol, privKey }");
  const a = value as Record<string, unknown>;
  if (a.version === '1' || a.version === '2c') {
    if (typeof a.community !== 'string' || a.community.length === 0 || a.community.length > 255) throw invalid('auth.community must be a string of 1 to 255 characters');
    return { kind: 'community', version: a.version === '1' ? snmp.Version1 : snmp.Version2c, community: a.community };
  }
  if (a.version === '3') {
    if (typeof a.user !== 'string' || a.user.length === 0 || a.user.length > 32) throw invalid('auth.user must be a string of 1 to 32 characters');
    const authProtocol = typeof a.authProtocol === 'string' ? AUTH_PROTOCOLS[a.authProtocol] : undefined;
    if (authProtocol === undefined) throw invalid(`auth.authProtocol must be one of ${Object.keys(AUTH_PROTOCOLS).join(', ')}`);
    const privProtocol = typeof a.privProtocol === 'string' ? PRIV_PROTOCOLS[a.privProtocol] : undefined;
    if (privProtocol === undefined) throw invalid(`auth.privProtocol must be one of ${Object.keys(PRIV_PROTOCOLS).join(', ')} (v3 is authPriv only)`);
    for (const key of ['authKey', 'privKey'] as const) {
      const k = a[key];
      if (typeof k !== 'string' || k.length < 8 || k.length > 255) throw invalid(`auth.${key} must be a string of 8 to 255 characters`);
    }
    const context = a.context === undefined ? '' : str(a.context, 'auth.context', 64);
    return {
      kind: 'usm',
      user: { name: a.user, level: snmp.SecurityLevel.authPriv, authProtocol, authKey: a.authKey as string, privProtocol, privKey: a.privKey as string },
      context,
    };
  }
  throw invalid("auth.version must be '1', '2c' or '3'");
}

/** The plain-data view of one varbind; `budget` counts the bytes of values handed out. */
function plainVarbind(vb: snmp.Varbind, budget: { bytes: number }): SnmpVarbind {
  const type = TYPE_NAMES[vb.type ?? -1] ?? `type${String(vb.type)}`;
  const oid = String(vb.oid);
  budget.bytes += oid.length;
  if (snmp.isVarbindError(vb)) return { oid, type, value: null };
  const v: unknown = vb.value;
  let out: SnmpVarbind;
  if (type === 'Counter64') {
    let n: bigint;
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number') n = BigInt(Math.trunc(v));
    else if (Buffer.isBuffer(v)) n = v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`);
    else throw new PluginCallError('invalid_response', `${oid}: a Counter64 that is not a number`);
    out = { oid, type, value: n.toString() };
  } else if (Buffer.isBuffer(v)) {
    const text = v.toString('utf8');
    // Printable UTF-8 (tabs, newlines allowed) as text; anything else (MAC addresses, Opaque) as hex.
    // eslint-disable-next-line no-control-regex
    const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text);
    out = printable && type !== 'Opaque' ? { oid, type, value: text } : { oid, type, value: v.toString('hex'), hex: true };
  } else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null || v === undefined) {
    out = { oid, type, value: v ?? null };
  } else if (typeof v === 'bigint') {
    out = { oid, type, value: v.toString() };
  } else {
    throw new PluginCallError('invalid_response', `${oid}: a ${type} value of an unexpected shape`);
  }
  budget.bytes += typeof out.value === 'string' ? out.value.length : 8;
  if (budget.bytes > HOST_LIMITS.snmpBytes) throw new PluginCallError('too_large', `the answer is larger than ${HOST_LIMITS.snmpBytes} bytes`);
  return out;
}

/** Maps net-snmp's errors to a code the plugin can act on; never includes a community or key. */
function snmpError(err: unknown, s: Session): PluginCallError {
  if (err instanceof PluginCallError) return err;
  const e = err as { name?: string; message?: string; code?: unknown; status?: unknown };
  let message = typeof e?.message === 'string' ? e.message : String(err);
  for (const secret of s.secrets) message = message.split(secret).join('***');
  switch (e?.name) {
    case 'RequestTimedOutError':
      return new PluginCallError('ETIMEDOUT', `${s.where}: no SNMP answer within ${s.timeoutMs} ms × ${s.attempts} attempt(s) (a wrong community or an unknown host is silent too)`);
    case 'ResponseInvalidError':
      if (e.code === snmp.ResponseInvalidCode.EAuthFailure || e.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
        return new PluginCallError('authentication_error', `${s.where}: SNMPv3 refused: ${message}`);
      }
      return new PluginCallError('invalid_response', `${s.where}: invalid SNMP answer: ${message}`);
    case 'RequestFailedError':
      return new PluginCallError('snmp_error', `${s.where}: ${message}`);
    case 'RequestInvalidError':
      return new PluginCallError('invalid_argument', `${s.where}: ${message}`);
    default:
      return new PluginCallError(typeof e?.code === 'string' ? e.code : 'host_error', `${s.where}: ${message}`);
  }
}

export function snmpFunctions(caps: CapabilitySet, deps: HostFunctionDeps): HostFamilyFunctions<'snmp'> {
  /** Validates target, auth and options, checks the capability, and opens a session for one call. */
  const open = (targetArg: unknown, authArg: unknown, options: Record<string, unknown>): Session => {
    const target = str(targetArg, 'target', 255);
    const port = options.port === undefined ? 161 : options.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw invalid('options.port must be an integer 1-65535');
    if (!caps.allowsSnmp(target, port)) throw denied(`SNMP to ${target}:${port}`, caps);
    const host = target.startsWith('[') && target.endsWith(']') ? target.slice(1, -1) : target;
    if (net.isIP(host) === 0 && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(host)) throw invalid(`target must be a host name or an IP address, not ${JSON.stringify(target.slice(0, 80))}`);
    const auth = parseAuth(authArg);
    const timeoutMs = Math.max(100, bounded(options.timeoutMs, 'options.timeoutMs', HOST_LIMITS.snmpTimeoutMs, Math.min(HOST_LIMITS.snmpMaxTimeoutMs, deps.runTimeoutMs)));
    const retriesArg = options.retries ?? HOST_LIMITS.snmpRetries;
    if (typeof retriesArg !== 'number' || !Number.isInteger(retriesArg) || retriesArg < 0) throw invalid('options.retries must be an integer 0 or more');
    const retries = Math.min(retriesArg, HOST_LIMITS.snmpMaxRetries);
    const common = { port, timeout: timeoutMs, retries, backoff: 1, transport: net.isIPv6(host) ? ('udp6' as const) : ('udp4' as const), backwardsGetNexts: false, idBitsSize: 32 };
    const session =
      auth.kind === 'community'
        ? snmp.createSession(host, auth.community, { ...common, version: auth.version })
        : snmp.createV3Session(host, auth.user, { ...common, version: snmp.Version3, context: auth.context });
    // A socket error arrives as an event; the call's own callback reports the failure.
    session.on('error', () => undefined);
    const secrets = auth.kind === 'community' ? [auth.community] : [auth.user.authKey ?? '', auth.user.privKey ?? ''].filter((k) => k !== '');
    return { session, where: `${target}:${port}`, timeoutMs, attempts: retries + 1, secrets };
  };

  /** Runs one request on a fresh session and always closes it, on answer, error, abort or the backstop timer. */
  const call = <T>(s: Session, start: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(backstop);
        deps.signal.removeEventListener('abort', onAbort);
        try {
          s.session.close();
        } catch {
          // already closed
        }
        fn();
      };
      const onAbort = () => finish(() => reject(new PluginCallError('aborted', 'the run has ended')));
      const backstop = setTimeout(() => finish(() => reject(new PluginCallError('ETIMEDOUT', `${s.where}: no complete SNMP answer within the run's time`))), deps.runTimeoutMs);
      deps.signal.addEventListener('abort', onAbort, { once: true });
      try {
        start(
          (v) => finish(() => resolve(v)),
          (e) => finish(() => reject(snmpError(e, s))),
        );
      } catch (err) {
        finish(() => reject(snmpError(err, s)));
      }
    });

  const convert = (varbinds: snmp.Varbind[]): SnmpVarbind[] => {
    if (!Array.isArray(varbinds)) throw new PluginCallError('invalid_response', 'the answer holds no variable bindings');
    if (varbinds.length > HOST_LIMITS.snmpVarbinds) throw new PluginCallError('too_large', `more than ${HOST_LIMITS.snmpVarbinds} variable bindings`);
    const budget = { bytes: 0 };
    return varbinds.map((vb) => plainVarbind(vb, budget));
  };

  const simple = (kind: 'get' | 'getNext') => async (targetArg: unknown, oidsArg: unknown, authArg: unknown, optionsArg: unknown) => {
    const oids = oidList(oidsArg);
    const s = open(targetArg, authArg, optionsObject(optionsArg));
    return call<SnmpVarbind[]>(s, (resolve, reject) => {
      const cb = (error: Error | null, varbinds?: snmp.Varbind[]) => {
        if (error) return reject(error);
        try {
          resolve(convert(varbinds ?? []));
        } catch (err) {
          reject(err);
        }
      };
      if (kind === 'get') s.session.get(oids, cb);
      else s.session.getNext(oids, cb);
    });
  };

  return {
    'snmp.get': simple('get'),
    'snmp.getNext': simple('getNext'),

    async 'snmp.getBulk'(targetArg, oidsArg, authArg, optionsArg) {
      const oids = oidList(oidsArg);
      const options = optionsObject(optionsArg);
      const nonRepeaters = options.nonRepeaters === undefined ? 0 : options.nonRepeaters;
      if (typeof nonRepeaters !== 'number' || !Number.isInteger(nonRepeaters) || nonRepeaters < 0 || nonRepeaters > oids.length) throw invalid('options.nonRepeaters must be an integer 0 to the number of OIDs');
      const maxRepetitions = bounded(options.maxRepetitions, 'options.maxRepetitions', 10, HOST_LIMITS.snmpMaxRepetitions);
      const s = open(targetArg, authArg, options);
      return call<SnmpVarbind[]>(s, (resolve, reject) => {
        s.session.getBulk(oids, nonRepeaters, maxRepetitions, (error, varbinds) => {
          if (error) return reject(error);
          try {
            // net-snmp answers the non-repeaters flat and each repeater as an array of rows.
            const flat = (varbinds ?? []).flatMap((v: unknown) => (Array.isArray(v) ? (v as snmp.Varbind[]) : [v as snmp.Varbind]));
            resolve(convert(flat));
          } catch (err) {
            reject(err);
          }
        });
      });
    },

    async 'snmp.walk'(targetArg, rootArg, authArg, optionsArg) {
      const root = checkOid(rootArg, 'rootOid');
      const options = optionsObject(optionsArg);
      const maxRows = bounded(options.maxRows, 'options.maxRows', HOST_LIMITS.snmpWalkRows, HOST_LIMITS.snmpVarbinds);
      const maxRepetitions = bounded(options.maxRepetitions, 'options.maxRepetitions', 20, HOST_LIMITS.snmpMaxRepetitions);
      const s = open(targetArg, authArg, options);
      return call<{ varbinds: SnmpVarbind[]; truncated: boolean }>(s, (resolve, reject) => {
        const rows: SnmpVarbind[] = [];
        const budget = { bytes: 0 };
        let truncated = false;
        let failed: unknown = null;
        s.session.subtree(
          root,
          maxRepetitions,
          (varbinds: snmp.Varbind[]) => {
            try {
              for (const vb of varbinds) {
                if (rows.length >= maxRows) {
                  truncated = true;
                  return true;
                }
                rows.push(plainVarbind(vb, budget));
              }
            } catch (err) {
              failed = err;
              return true;
            }
            return undefined;
          },
          (error: Error | null) => {
            if (failed) return reject(failed);
            if (error) return reject(error);
            resolve({ varbinds: rows, truncated });
          },
        );
      });
    },
  };
}
