import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCapability, validateManifest } from './index.js';

const dir = fileURLToPath(new URL('../test/fixtures/manifests/', import.meta.url));
const files = readdirSync(dir);

describe('manifest', () => {
  for (const file of files.filter((f) => f.endsWith('.good.json'))) {
    it(`accepts ${file}`, () => {
      const manifest = JSON.parse(readFileSync(dir + file, 'utf8'));
      assert.equal(validateManifest(manifest).id, manifest.id);
    });
  }
  for (const file of files.filter((f) => f.endsWith('.bad.json'))) {
    it(`refuses ${file} with its expected error`, () => {
      const { manifest, expectedError } = JSON.parse(readFileSync(dir + file, 'utf8'));
      assert.throws(
        () => validateManifest(manifest),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, expectedError.code);
          assert.ok(err.message.includes(expectedError.match), `"${err.message}" should mention "${expectedError.match}"`);
          return true;
        },
      );
    });
  }

  it('parses every capability kind', () => {
    assert.deepEqual(parseCapability('os.info'), { kind: 'os.info', target: '' });
    assert.deepEqual(parseCapability('fs.read:/proc/mdstat'), { kind: 'fs.read', target: '/proc/mdstat' });
    assert.deepEqual(parseCapability('fs.read:/sys/class/net/*'), { kind: 'fs.read', target: '/sys/class/net/*' });
    assert.deepEqual(parseCapability('exec:/sbin/mdadm'), { kind: 'exec', target: '/sbin/mdadm' });
    assert.deepEqual(parseCapability('net.connect:*:443'), { kind: 'net.connect', target: '*:443' });
    assert.deepEqual(parseCapability('http.request:https://example.org'), { kind: 'http.request', target: 'https://example.org' });
    assert.deepEqual(parseCapability('icmp.echo:$target'), { kind: 'icmp.echo', target: '$target' });
    assert.deepEqual(parseCapability('icmp.echo:192.0.2.1'), { kind: 'icmp.echo', target: '192.0.2.1' });
    assert.deepEqual(parseCapability('icmp.echo:[2001:db8::1]'), { kind: 'icmp.echo', target: '[2001:db8::1]' });
    assert.deepEqual(parseCapability('icmp.echo:*'), { kind: 'icmp.echo', target: '*' });
    assert.deepEqual(parseCapability('snmp:$target'), { kind: 'snmp', target: '$target' });
    assert.deepEqual(parseCapability('snmp:switch1.example.org'), { kind: 'snmp', target: 'switch1.example.org' });
    assert.deepEqual(parseCapability('snmp:127.0.0.1:1161'), { kind: 'snmp', target: '127.0.0.1:1161' });
    assert.deepEqual(parseCapability('snmp:[::1]:161'), { kind: 'snmp', target: '[::1]:161' });
    assert.deepEqual(parseCapability('snmp:*'), { kind: 'snmp', target: '*' });
  });

  for (const bad of ['os.info:/x', 'fs.read:relative', 'fs.read:/a/../etc/shadow', 'fs.read:/a/*/b', 'exec:/bin/*', 'net.connect:host', 'net.connect:h:99999', 'http.request:ftp://x', 'process.spawn', 'icmp.echo', 'icmp.echo:-f', 'icmp.echo:a b', 'icmp.echo:::1', 'icmp.echo:$targets', 'snmp', 'snmp:h:0', 'snmp:h:70000', 'snmp:::1', 'snmp:-c', 'snmp:h:*']) {
    it(`refuses capability ${bad}`, () => {
      assert.throws(() => parseCapability(bad), (err: Error & { code?: string }) => err.code === 'PROTO_INVALID_CAPABILITY');
    });
  }
});
