import type { DeviceType, Host } from '../../core/protocol';

/** Device types in words, in the order the form offers them. */
export const DEVICE_TYPE_LABELS: Readonly<Record<DeviceType, string>> = {
  printer: 'Printer',
  switch: 'Switch',
  router: 'Router',
  ups: 'UPS',
  nas: 'NAS',
  'access-point': 'Wi-Fi access point',
  other: 'Other device',
};

/** The first-party plugins a device type starts with (docs/devices.md, "Device types"). */
const DEFAULT_PLUGINS: Readonly<Record<DeviceType, readonly string[]>> = {
  printer: ['io.prophasis.ping', 'io.prophasis.printer-supplies', 'io.prophasis.snmp-uptime'],
  switch: ['io.prophasis.ping', 'io.prophasis.snmp-interfaces', 'io.prophasis.snmp-uptime'],
  router: ['io.prophasis.ping', 'io.prophasis.snmp-interfaces', 'io.prophasis.snmp-uptime'],
  ups: ['io.prophasis.ping', 'io.prophasis.ups'],
  nas: ['io.prophasis.ping', 'io.prophasis.snmp-uptime'],
  'access-point': ['io.prophasis.ping', 'io.prophasis.snmp-uptime'],
  other: ['io.prophasis.ping'],
};

/** Plugins that talk SNMP: they get the device's SNMP credentials as parameters. */
const SNMP_PLUGINS: ReadonlySet<string> = new Set(['io.prophasis.snmp-interfaces', 'io.prophasis.snmp-uptime', 'io.prophasis.printer-supplies', 'io.prophasis.ups', 'io.prophasis.snmp-oid']);

/**
 * A type's default checks split by what this core has: `plugins` are created with the device,
 * `missing` are named in the form ("not installed in this core") and left out.
 */
export function defaultChecksFor(type: DeviceType, installed: ReadonlySet<string>): { plugins: string[]; missing: string[] } {
  const wanted = DEFAULT_PLUGINS[type];
  return { plugins: wanted.filter((p) => installed.has(p)), missing: wanted.filter((p) => !installed.has(p)) };
}

/** SNMP credentials as the form holds them; entered once per device. */
export interface SnmpCredentials {
  version: '2c' | '3';
  community: string;
  v3User: string;
  v3AuthProtocol: string;
  v3AuthKey: string;
  v3PrivProtocol: string;
  v3PrivKey: string;
}

/**
 * A plugin's parameters for the device's check: the SNMP plugins get the credentials (the secret
 * ones are stored encrypted by the core and never shown back); others none. Empty fields are left out.
 */
export function deviceParams(pluginId: string, snmp: SnmpCredentials, iface = ''): Record<string, unknown> {
  if (!SNMP_PLUGINS.has(pluginId)) return {};
  const which = pluginId === INTERFACES_PLUGIN ? interfaceParam(iface) : {};
  if (snmp.version === '2c') return { ...(snmp.community ? { version: '2c', community: snmp.community } : { version: '2c' }), ...which };
  const v3: Record<string, unknown> = { version: '3', v3User: snmp.v3User, v3AuthProtocol: snmp.v3AuthProtocol, v3PrivProtocol: snmp.v3PrivProtocol };
  if (snmp.v3AuthKey) v3['v3AuthKey'] = snmp.v3AuthKey;
  if (snmp.v3PrivKey) v3['v3PrivKey'] = snmp.v3PrivKey;
  return { ...v3, ...which };
}

/** The plugin that graphs one interface's traffic; it needs to know which. */
const INTERFACES_PLUGIN = 'io.prophasis.snmp-interfaces';

/** Whether a type's default checks graph an interface (the form then asks which). */
export const needsInterface = (type: DeviceType): boolean => DEFAULT_PLUGINS[type].includes(INTERFACES_PLUGIN);

/** An interface as typed: a number is its IF-MIB ifIndex, anything else its name (ifName or ifDescr, e.g. `ge-0/0/1`, `Gi1/0/24`). */
export function interfaceParam(text: string): { ifIndex: number } | { ifName: string } | Record<string, never> {
  const t = text.trim();
  if (t === '') return {};
  return /^[1-9]\d{0,9}$/.test(t) ? { ifIndex: Number(t) } : { ifName: t };
}

/** One DNS label: letters, digits, hyphens inside. */
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4/IPv6 address or a DNS name, as the core accepts (a quick check before it answers). */
export function isDeviceAddress(text: string): boolean {
  const a = text.trim();
  if (IPV4.test(a)) return true;
  if (a.includes(':')) return /^[0-9A-Fa-f:.]+$/.test(a) && a.split(':').length >= 3;
  const name = a.endsWith('.') ? a.slice(0, -1) : a;
  if (!name || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

/** Hosts that can collect: enrolled agent hosts, not devices. */
export function collectorChoices(hosts: readonly Host[]): Host[] {
  return hosts.filter((h) => h.kind !== 'device' && h.enrolmentState === 'enrolled');
}

/** What a device shows where an agent host shows its agent: its collector, and whether that collector is unreachable. */
export function deviceAgentLabel(host: Pick<Host, 'kind' | 'collector'>): string | null {
  if (host.kind !== 'device') return null;
  const c = host.collector;
  if (!c) return 'No collector';
  return c.unreachable ? `Collector unreachable (${c.name})` : `Via collector ${c.name}`;
}
