import type { PluginHost, PluginOutput, SnmpAuth, SnmpHost, SnmpOptions, SnmpVarbind } from '@prophasis/protocol';

/**
 * SNMP interface: traffic, errors and oper status of one interface (IF-MIB). Counters count
 * since the device started, so the plugin reads them twice, `sampleMs` apart (like cpu-load),
 * and turns the differences into rates: a 32-bit counter below its previous reading wrapped
 * (modulo 2^32); a 64-bit one was reset, like a restart of the device (sysUpTime back,
 * ifCounterDiscontinuityTime changed): then the plugin samples once more from the new start.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
const OPER_NAMES = ['', 'up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

/** The columns read per sample, by name → OID prefix (the interface index is appended). */
const COLUMNS = {
  hcIn: '1.3.6.1.2.1.31.1.1.1.6',
  hcOut: '1.3.6.1.2.1.31.1.1.1.10',
  in32: '1.3.6.1.2.1.2.2.1.10',
  out32: '1.3.6.1.2.1.2.2.1.16',
  inErrors: '1.3.6.1.2.1.2.2.1.14',
  outErrors: '1.3.6.1.2.1.2.2.1.20',
  operStatus: '1.3.6.1.2.1.2.2.1.8',
  discontinuity: '1.3.6.1.2.1.31.1.1.1.19',
} as const;
type Column = keyof typeof COLUMNS;

// ---- SNMP helpers, repeated in each SNMP plugin (a plugin has no imports: plugins/README.md) ----

type Params = Record<string, unknown>;

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

/** The device: the `host` parameter, else the address of the device the check runs against. */
function deviceAddress(host: PluginHost, params: Params): string | null {
  if (typeof params.host === 'string' && params.host !== '') return params.host;
  const target = host.target ? host.target() : null;
  return target && typeof target.address === 'string' && target.address !== '' ? target.address : null;
}

/** SNMP credentials from the check's parameters (community and keys are secret parameters); a string is what is wrong. */
function snmpAuth(params: Params): SnmpAuth | string {
  const version = params.version ?? '2c';
  if (version === '1' || version === '2c') {
    const community = params.community;
    if (typeof community !== 'string' || community === '') return `parameter community is required for SNMP v${version}`;
    return { version, community };
  }
  if (version !== '3') return `parameter version must be 1, 2c or 3, not ${JSON.stringify(version)}`;
  const user = params.v3User;
  const authKey = params.v3AuthKey;
  const privKey = params.v3PrivKey;
  if (typeof user !== 'string' || user === '') return 'parameter v3User is required for SNMP v3';
  if (typeof authKey !== 'string' || authKey.length < 8) return 'parameter v3AuthKey (at least 8 characters) is required for SNMP v3';
  if (typeof privKey !== 'string' || privKey.length < 8) return 'parameter v3PrivKey (at least 8 characters) is required for SNMP v3 (authPriv)';
  const authProtocol = (params.v3AuthProtocol ?? 'sha') as Extract<SnmpAuth, { version: '3' }>['authProtocol'];
  const privProtocol = (params.v3PrivProtocol ?? 'aes') as Extract<SnmpAuth, { version: '3' }>['privProtocol'];
  return { version: '3', user, authProtocol, authKey, privProtocol, privKey };
}

/** port, timeoutMs and retries from the parameters; a string is what is wrong. */
function snmpOptions(params: Params): SnmpOptions | string {
  const port = params.port ?? 161;
  const timeoutMs = params.timeoutMs ?? 2000;
  const retries = params.retries ?? 1;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `parameter port must be 1 to 65535, not ${JSON.stringify(port)}`;
  if (typeof timeoutMs !== 'number' || timeoutMs < 100 || timeoutMs > 10000) return `parameter timeoutMs must be 100 to 10000, not ${JSON.stringify(timeoutMs)}`;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 3) return `parameter retries must be 0 to 3, not ${JSON.stringify(retries)}`;
  return { port, timeoutMs, retries };
}

/** Everything a request needs, or the result explaining what is missing. */
function snmpSetup(host: PluginHost, params: Params): { snmp: SnmpHost; target: string; auth: SnmpAuth; options: SnmpOptions } | PluginOutput {
  const target = deviceAddress(host, params);
  if (target === null) return unsuccessful('no device: set the host parameter or run the check against a device');
  const auth = snmpAuth(params);
  if (typeof auth === 'string') return unsuccessful(auth);
  const options = snmpOptions(params);
  if (typeof options === 'string') return unsuccessful(options);
  if (!host.snmp) return unsuccessful(`capability snmp:${target} is not approved`);
  return { snmp: host.snmp, target, auth, options };
}

const CONNECTION_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EADDRNOTAVAIL']);

/** Maps a rejected SNMP call to a result type (docs/plugins.md, "Devices: ICMP and SNMP"). */
function snmpFailure(where: string, err: unknown): PluginOutput {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  switch (code) {
    case 'capability_denied':
      return unsuccessful(`${where}: not an approved target (${text})`);
    case 'ETIMEDOUT':
      return { resultType: 'connection_timeout', message: `${where}: no SNMP answer (timed out; a wrong community is silent too)` };
    case 'authentication_error':
      return { resultType: 'authentication_error', message: `${where}: SNMPv3 authentication failed: ${text}` };
    case 'snmp_error':
    case 'invalid_response':
    case 'too_large':
      return { resultType: 'request_error', message: `${where}: ${text}` };
    default:
      if (typeof code === 'string' && CONNECTION_CODES.has(code)) return { resultType: 'connection_error', message: `${where}: ${text} (${code})` };
      return unsuccessful(`${where}: ${text}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

/** A varbind's value as a number (Counter64 arrives as a decimal string), or null. */
function numeric(vb: SnmpVarbind | undefined): number | null {
  if (!vb || vb.value === null || vb.value === undefined) return null;
  const n = typeof vb.value === 'number' ? vb.value : typeof vb.value === 'string' && /^-?\d+(\.\d+)?$/.test(vb.value) ? Number(vb.value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** noSuchObject, noSuchInstance, endOfMibView: the device does not have the object. */
const missing = (vb: SnmpVarbind | undefined): boolean => !vb || vb.type === 'noSuchObject' || vb.type === 'noSuchInstance' || vb.type === 'endOfMibView';

interface Sample {
  at: number;
  upTicks: number | null;
  values: Partial<Record<Column, SnmpVarbind>>;
}

const TWO_32 = 2n ** 32n;
const TWO_64 = 2n ** 64n;

/** A counter as a BigInt, or null when absent. */
function counter(vb: SnmpVarbind | undefined): bigint | null {
  if (missing(vb) || vb === undefined || vb.value === null) return null;
  if (typeof vb.value === 'number' && Number.isInteger(vb.value) && vb.value >= 0) return BigInt(vb.value);
  if (typeof vb.value === 'string' && /^\d+$/.test(vb.value)) return BigInt(vb.value);
  return null;
}

/** The increase of a counter between two readings: across a wrap when it went down. */
function increase(before: bigint, after: bigint, bits: 32 | 64): bigint {
  if (after >= before) return after - before;
  return after + (bits === 64 ? TWO_64 : TWO_32) - before;
}

async function sample(snmp: SnmpHost, target: string, auth: SnmpAuth, options: SnmpOptions, index: number, now: () => number): Promise<Sample> {
  const names = Object.keys(COLUMNS) as Column[];
  const vbs = await snmp.get(target, [SYS_UPTIME, ...names.map((n) => `${COLUMNS[n]}.${index}`)], auth, options);
  const values: Sample['values'] = {};
  names.forEach((n, i) => {
    values[n] = vbs[i + 1];
  });
  return { at: now(), upTicks: missing(vbs[0]) ? null : numeric(vbs[0]), values };
}

/**
 * Did the device restart its counters between two samples? sysUpTime went back (not across its
 * own 497-day wrap), ifCounterDiscontinuityTime changed, or a 64-bit counter went down: 2^64
 * octets cannot pass in seconds, so that is a reset ("clear counters"), never a wrap.
 */
function discontinuity(a: Sample, b: Sample): boolean {
  if (a.upTicks !== null && b.upTicks !== null && b.upTicks < a.upTicks && a.upTicks < 4_200_000_000) return true;
  for (const column of ['hcIn', 'hcOut'] as const) {
    const x = counter(a.values[column]);
    const y = counter(b.values[column]);
    if (x !== null && y !== null && y < x) return true;
  }
  const da = numeric(a.values.discontinuity);
  const db = numeric(b.values.discontinuity);
  return da !== null && db !== null && da !== db;
}

/** Finds the interface index of an ifName (or ifDescr) by walking the column. */
async function findIndex(snmp: SnmpHost, target: string, auth: SnmpAuth, options: SnmpOptions, name: string): Promise<number | null> {
  for (const column of [IF_NAME, IF_DESCR]) {
    const { varbinds } = await snmp.walk(target, column, auth, { ...options, maxRows: 2000 });
    const hit = varbinds.find((vb) => vb.value === name);
    if (hit) return Number(hit.oid.slice(column.length + 1));
  }
  return null;
}

const formatRate = (bitsPerSecond: number): string => {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bitsPerSecond;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${Math.round(v * 10) / 10} ${units[u]}`;
};

export async function measure(host: PluginHost, params: Params): Promise<PluginOutput> {
  const sampleMs = params.sampleMs ?? 5000;
  const direction = params.direction ?? 'max';
  if (typeof sampleMs !== 'number' || sampleMs < 500 || sampleMs > 5000) return unsuccessful(`parameter sampleMs must be 500 to 5000, not ${JSON.stringify(sampleMs)}`);
  if (direction !== 'in' && direction !== 'out' && direction !== 'max' && direction !== 'sum') return unsuccessful(`parameter direction must be in, out, max or sum, not ${JSON.stringify(direction)}`);
  const byIndex = params.ifIndex;
  const byName = params.ifName;
  if (byIndex !== undefined && (typeof byIndex !== 'number' || !Number.isInteger(byIndex) || byIndex < 1)) return unsuccessful(`parameter ifIndex must be a positive integer, not ${JSON.stringify(byIndex)}`);
  if (byIndex === undefined && (typeof byName !== 'string' || byName === '')) return unsuccessful('parameter ifIndex or ifName is required');
  const setup = snmpSetup(host, params);
  if (!('snmp' in setup)) return setup;
  const { snmp, target, auth, options } = setup;
  const now = () => host.now();

  try {
    let index = byIndex as number | undefined;
    if (index === undefined) {
      const found = await findIndex(snmp, target, auth, options, byName as string);
      if (found === null) return { resultType: 'request_error', message: `${target}: no interface named ${JSON.stringify(byName)} in ifName or ifDescr` };
      index = found;
    }
    const label = typeof byName === 'string' && byName !== '' ? `${byName} (ifIndex ${index})` : `ifIndex ${index}`;
    let first = await sample(snmp, target, auth, options, index, now);
    if (missing(first.values.operStatus)) return { resultType: 'request_error', message: `${target}: interface ${label}: ifOperStatus is ${first.values.operStatus?.type ?? 'missing'} (no such interface)` };
    await host.sleep(sampleMs);
    let second = await sample(snmp, target, auth, options, index, now);
    let restarted = false;
    if (discontinuity(first, second)) {
      // The counters restarted between the two readings: their difference means nothing. Once more, from the new start.
      restarted = true;
      first = second;
      // At most 2 s this time, so that a resample stays within the operator's default 10-s run.
      await host.sleep(Math.min(sampleMs, 2000));
      second = await sample(snmp, target, auth, options, index, now);
      if (discontinuity(first, second)) return { resultType: 'request_error', message: `${target}: interface ${label}: counters restarted twice in a row` };
    }
    const seconds = Math.max(0.001, (second.at - first.at) / 1000);
    const hc = counter(first.values.hcIn) !== null && counter(second.values.hcIn) !== null;
    const rate = (a: SnmpVarbind | undefined, b: SnmpVarbind | undefined, bits: 32 | 64): number | null => {
      const x = counter(a);
      const y = counter(b);
      return x === null || y === null ? null : Number(increase(x, y, bits)) / seconds;
    };
    const inBytes = hc ? rate(first.values.hcIn, second.values.hcIn, 64) : rate(first.values.in32, second.values.in32, 32);
    const outBytes = hc ? rate(first.values.hcOut, second.values.hcOut, 64) : rate(first.values.out32, second.values.out32, 32);
    if (inBytes === null || outBytes === null) return { resultType: 'request_error', message: `${target}: interface ${label} has no octet counters (ifHCInOctets / ifInOctets)` };
    const inErr = rate(first.values.inErrors, second.values.inErrors, 32) ?? 0;
    const outErr = rate(first.values.outErrors, second.values.outErrors, 32) ?? 0;
    const inBits = inBytes * 8;
    const outBits = outBytes * 8;
    const oper = numeric(second.values.operStatus) ?? 0;
    const operName = OPER_NAMES[oper] ?? `status ${oper}`;
    const value = direction === 'in' ? inBits : direction === 'out' ? outBits : direction === 'sum' ? inBits + outBits : Math.max(inBits, outBits);
    const errors = Math.round((inErr + outErr) * 1000) / 1000;
    return {
      value: Math.round(value),
      message:
        `${target}: interface ${label} oper ${operName}, in ${formatRate(inBits)}, out ${formatRate(outBits)}, ` +
        `errors ${errors}/s (in ${Math.round(inErr * 1000) / 1000}/s, out ${Math.round(outErr * 1000) / 1000}/s) over ${Math.round(seconds * 10) / 10} s` +
        `${hc ? '' : ' (32-bit counters)'}${restarted ? ', counters restarted: sampled again' : ''}`,
    };
  } catch (err) {
    return snmpFailure(target, err);
  }
}
