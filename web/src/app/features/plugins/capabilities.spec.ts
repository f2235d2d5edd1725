import { describeUpload, fileToBase64 } from './bundle-upload';
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

  it('encodes a bundle as base64 and reads the upload answer defensively', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 256);
    const text = await fileToBase64(new Blob([bytes]));
    expect(Uint8Array.from(atob(text), (c) => c.charCodeAt(0))).toEqual(bytes);
    expect(describeUpload({ pluginId: 'io.x.y', version: '1.0.0', approval: 'pending', created: true })?.text).toBe(
      'io.x.y 1.0.0 was added. It waits for an administrator to approve its capabilities.',
    );
    expect(describeUpload({ pluginId: 'io.x.y', version: '1.0.0', approval: 'inherited', created: false })?.text).toContain('was already stored');
    expect(describeUpload(null)).toBeUndefined();
    expect(describeUpload({ pluginId: 1 })).toBeUndefined();
  });
});
