import type { PluginHost, PluginOutput, SnmpAuth, SnmpHost, SnmpOptions, SnmpVarbind } from '@prophasis/protocol';

/**
 * UPS (UPS-MIB, RFC 1628): battery status, estimated charge remaining (the value, %), minutes
 * remaining and the output source; "on battery" is in the message for the classifier.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const BATTERY_STATUS = '1.3.6.1.2.1.33.1.2.1.0';
const SECONDS_ON_BATTERY = '1.3.6.1.2.1.33.1.2.2.0';
const MINUTES_REMAINING = '1.3.6.1.2.1.33.1.2.3.0';
const CHARGE_REMAINING = '1.3.6.1.2.1.33.1.2.4.0';
const OUTPUT_SOURCE = '1.3.6.1.2.1.33.1.4.1.0';
const BATTERY = ['', 'unknown', 'normal', 'low', 'depleted'];
const SOURCE = ['', 'other', 'none', 'normal', 'bypass', 'battery', 'booster', 'reducer'];

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

export async function measure(host: PluginHost, params: Params): Promise<PluginOutput> {
  const setup = snmpSetup(host, params);
  if (!('snmp' in setup)) return setup;
  const { snmp, target, auth, options } = setup;
  let vbs: SnmpVarbind[];
  try {
    vbs = await snmp.get(target, [BATTERY_STATUS, SECONDS_ON_BATTERY, MINUTES_REMAINING, CHARGE_REMAINING, OUTPUT_SOURCE], auth, options);
  } catch (err) {
    return snmpFailure(target, err);
  }
  const [status, onBatterySeconds, minutes, charge, source] = vbs;
  if (missing(status) && missing(charge) && missing(source)) return { resultType: 'request_error', message: `${target}: no UPS-MIB (RFC 1628) objects on this device (upsBatteryStatus is ${status?.type ?? 'missing'})` };
  const statusN = numeric(status);
  const sourceN = numeric(source);
  const chargeN = numeric(charge);
  const minutesN = numeric(minutes);
  const secondsN = numeric(onBatterySeconds);
  const parts = [
    `battery ${statusN === null ? 'status unknown' : (BATTERY[statusN] ?? `status ${statusN}`)}`,
    `charge ${chargeN === null ? 'unknown' : `${chargeN}%`}`,
    sourceN === 5 ? `on battery${secondsN !== null && secondsN > 0 ? ` for ${secondsN} s` : ''}` : `output ${sourceN === null ? 'source unknown' : (SOURCE[sourceN] ?? `source ${sourceN}`)}`,
  ];
  if (minutesN !== null) parts.push(`${minutesN} min remaining`);
  const message = `${target}: ${parts.join(', ')}`;
  return chargeN === null ? { message } : { value: chargeN, message };
}
