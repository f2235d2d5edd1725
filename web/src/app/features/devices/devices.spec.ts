import type { Host } from '../../core/protocol';
import { collectorChoices, defaultChecksFor, deviceAgentLabel, deviceParams, interfaceParam, isDeviceAddress, needsInterface, type SnmpCredentials } from './devices';

const SNMP: SnmpCredentials = { version: '2c', community: 'c0mm', v3User: '', v3AuthProtocol: 'sha', v3AuthKey: '', v3PrivProtocol: 'aes', v3PrivKey: '' };

describe('devices', () => {
  it('gives each type its default checks, naming the plugins this core does not have', () => {
    const installed = new Set(['io.prophasis.ping', 'io.prophasis.snmp-uptime']);
    expect(defaultChecksFor('printer', installed)).toEqual({ plugins: ['io.prophasis.ping', 'io.prophasis.snmp-uptime'], missing: ['io.prophasis.printer-supplies'] });
    expect(defaultChecksFor('switch', installed).plugins).toEqual(['io.prophasis.ping', 'io.prophasis.snmp-uptime']);
    expect(defaultChecksFor('ups', new Set())).toEqual({ plugins: [], missing: ['io.prophasis.ping', 'io.prophasis.ups'] });
  });

  it('gives the SNMP plugins the credentials, v2c or v3, and others none', () => {
    expect(deviceParams('io.prophasis.ping', SNMP)).toEqual({});
    expect(deviceParams('io.prophasis.ups', SNMP)).toEqual({ version: '2c', community: 'c0mm' });
    expect(deviceParams('io.prophasis.ups', { ...SNMP, version: '3', v3User: 'mon', v3AuthKey: 'authpass1', v3PrivKey: 'privpass1' })).toEqual({
      version: '3',
      v3User: 'mon',
      v3AuthProtocol: 'sha',
      v3AuthKey: 'authpass1',
      v3PrivProtocol: 'aes',
      v3PrivKey: 'privpass1',
    });
  });

  it('tells the interface check which interface to graph: a number is its ifIndex, anything else its name; switches and routers ask', () => {
    expect(deviceParams('io.prophasis.snmp-interfaces', SNMP, ' 24 ')).toEqual({ version: '2c', community: 'c0mm', ifIndex: 24 });
    expect(deviceParams('io.prophasis.snmp-interfaces', SNMP, 'Gi1/0/24')).toEqual({ version: '2c', community: 'c0mm', ifName: 'Gi1/0/24' });
    expect(deviceParams('io.prophasis.snmp-uptime', SNMP, '24')).toEqual({ version: '2c', community: 'c0mm' });
    expect(interfaceParam('')).toEqual({});
    expect(interfaceParam('0')).toEqual({ ifName: '0' });
    expect([needsInterface('switch'), needsInterface('router'), needsInterface('printer'), needsInterface('ups')]).toEqual([true, true, false, false]);
  });

  it('accepts IP addresses and DNS names, refuses the rest', () => {
    for (const ok of ['192.0.2.1', 'printer.example.net', 'sw1', '2001:db8::1', 'ups.local.']) expect(isDeviceAddress(ok), ok).toBe(true);
    for (const bad of ['300.1.2.3', 'bad host', '-x.example', '', 'a..b']) expect(isDeviceAddress(bad), bad).toBe(false);
  });

  it('offers enrolled agent hosts as collectors, never devices', () => {
    const hosts = [
      { id: 1, name: 'a', kind: 'agent', enrolmentState: 'enrolled' },
      { id: 2, name: 'b', kind: 'agent', enrolmentState: 'pending' },
      { id: 3, name: 'c', kind: 'device', enrolmentState: 'pending' },
      { id: 4, name: 'd', enrolmentState: 'enrolled' },
    ] as Host[];
    expect(collectorChoices(hosts).map((h) => h.id)).toEqual([1, 4]);
  });

  it('says which collector a device goes through, and when that collector is unreachable', () => {
    expect(deviceAgentLabel({ kind: 'agent' })).toBeNull();
    expect(deviceAgentLabel({ kind: 'device', collector: null })).toBe('No collector');
    expect(deviceAgentLabel({ kind: 'device', collector: { id: 1, name: 'gw-1', unreachable: false, via: 'device' } })).toBe('Via collector gw-1');
    expect(deviceAgentLabel({ kind: 'device', collector: { id: 1, name: 'gw-1', unreachable: true, via: 'group' } })).toBe('Collector unreachable (gw-1)');
  });
});
