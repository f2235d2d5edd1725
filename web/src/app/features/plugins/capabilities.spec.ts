import { approvalState, describeCapability } from '../../shared/ui/capabilities';

describe('plugin capabilities in words', () => {
  it('explains every capability kind of the manifest, with its target', () => {
    expect(describeCapability('fs.read:/proc/loadavg')).toMatchObject({ kind: 'fs.read', target: '/proc/loadavg', risky: false });
    expect(describeCapability('fs.read:/proc/loadavg').explanation).toContain('Read the file /proc/loadavg');
    expect(describeCapability('fs.read:/var/log/*.log').explanation).toContain('files matching it');
    expect(describeCapability('exec:/sbin/mdadm')).toMatchObject({ risky: true });
    expect(describeCapability('exec:/sbin/mdadm').explanation).toContain('Run the program /sbin/mdadm');
    expect(describeCapability('net.connect:db.lan:5432').explanation).toBe('Open TCP connections to db.lan on port 5432 from the host.');
    expect(describeCapability('net.connect:*:*').explanation).toBe('Open TCP connections to any host on any port from the host.');
    expect(describeCapability('http.request:https://api.example.com').explanation).toContain('starting with https://api.example.com');
    expect(describeCapability('http.request:*').explanation).toContain('any address');
    expect(describeCapability('os.info').explanation).toContain('load, memory');
    expect(describeCapability('agent.info').explanation).toContain("agent's own version");
    expect(describeCapability('icmp.echo:$target')).toMatchObject({ kind: 'icmp.echo', risky: true });
    expect(describeCapability('icmp.echo:$target').explanation).toBe("Send ICMP echo requests (ping) to the device the check runs against, through the system's fping.");
    expect(describeCapability('snmp:$target').explanation).toContain('SNMP requests (get, walk) to the device the check runs against');
    expect(describeCapability('snmp:$target:1161').explanation).toContain('the device the check runs against on port 1161');
    expect(describeCapability('snmp:*').explanation).toContain('to any host');
    expect(describeCapability('snmp:sw1.lan').explanation).toContain('to sw1.lan');
  });

  it('never presents an unknown capability as harmless', () => {
    expect(describeCapability('fs.write:/etc/passwd')).toMatchObject({ kind: 'fs.write', risky: true });
    expect(describeCapability('fs.write:/etc/passwd').explanation).toContain('does not know');
  });

  it('tells approved, partly approved and pending versions apart', () => {
    expect(approvalState({ requestedCapabilities: ['os.info'], approvedCapabilities: null })).toBe('pending');
    expect(approvalState({ requestedCapabilities: ['os.info', 'exec:/bin/df'], approvedCapabilities: ['os.info'] })).toBe('partial');
    expect(approvalState({ requestedCapabilities: ['os.info'], approvedCapabilities: ['os.info'] })).toBe('approved');
    expect(approvalState({ requestedCapabilities: [], approvedCapabilities: [] })).toBe('approved');
  });
});
