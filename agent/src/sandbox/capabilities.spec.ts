import assert from 'node:assert/strict';
import { connectMatches, createCapabilitySet, grantedCapabilities, normalisePath, pathMatches, urlMatches } from './capabilities.js';

describe('sandbox capabilities', () => {
  describe('grantedCapabilities', () => {
    it('is the intersection of declared and approved', () => {
      const got = grantedCapabilities(['fs.read:/proc/loadavg', 'exec:/bin/true', 'os.info'], ['os.info', 'fs.read:/proc/loadavg', 'net.connect:*:*']);
      assert.deepEqual(got, ['fs.read:/proc/loadavg', 'os.info']);
    });
    it('never widens: approving /a does not grant a declared /a/*', () => {
      assert.deepEqual(grantedCapabilities(['fs.read:/a/*'], ['fs.read:/a']), []);
    });
    it('drops malformed entries on either side', () => {
      assert.deepEqual(grantedCapabilities(['fs.read:relative', 'exec:/bin/*', 'bogus'], ['fs.read:relative', 'exec:/bin/*', 'bogus']), []);
    });
  });

  describe('normalisePath', () => {
    it('folds repeated and trailing slashes', () => {
      assert.equal(normalisePath('/proc//loadavg/'), '/proc/loadavg');
      assert.equal(normalisePath('/'), '/');
    });
    for (const bad of ['proc/loadavg', '', '/etc/../etc/shadow', '/proc/./loadavg', '/a/..', '/a\0b', 42, null]) {
      it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(normalisePath(bad), null));
    }
  });

  describe('fs.read', () => {
    const caps = createCapabilitySet(['fs.read:/proc/loadavg', 'fs.read:/var/log/app/*.log', 'fs.read:/sys/block/*']);
    it('allows the exact file', () => assert.equal(caps.allowsRead('/proc/loadavg'), true));
    it('allows a normalised spelling of it', () => assert.equal(caps.allowsRead('//proc///loadavg'), true));
    it('refuses a sibling', () => assert.equal(caps.allowsRead('/proc/meminfo'), false));
    it('refuses a prefix trick', () => assert.equal(caps.allowsRead('/proc/loadavg2'), false));
    it('refuses .. even when it would land on an allowed file', () => {
      assert.equal(caps.allowsRead('/proc/x/../loadavg'), false);
    });
    it('glob in the last segment matches names there', () => {
      assert.equal(caps.allowsRead('/var/log/app/a.log'), true);
      assert.equal(caps.allowsRead('/var/log/app/.log'), true);
      assert.equal(caps.allowsRead('/var/log/app/a.txt'), false);
    });
    it('glob never crosses a directory', () => {
      assert.equal(caps.allowsRead('/var/log/app/sub/a.log'), false);
      assert.equal(caps.allowsRead('/sys/block/sda/stat'), false);
      assert.equal(caps.allowsRead('/sys/block/sda'), true);
    });
    it('glob does not match the directory itself', () => {
      assert.equal(caps.allowsRead('/sys/block'), false);
      assert.equal(caps.allowsRead('/sys/block/'), false);
    });
    it('pathMatches handles several stars', () => {
      assert.equal(pathMatches('/d/a*b*c', '/d/aXbYc'), true);
      assert.equal(pathMatches('/d/a*b*c', '/d/abc'), true);
      assert.equal(pathMatches('/d/a*b*c', '/d/acb'), false);
      assert.equal(pathMatches('/d/ab*ba', '/d/aba'), false);
      assert.equal(pathMatches('/*', '/etc'), true);
    });
    it('listFilter: only directories with a glob, only matching names', () => {
      const filter = caps.listFilter('/var/log/app');
      assert.ok(filter);
      assert.deepEqual(['a.log', 'b.txt', '..', 'x/y.log'].filter(filter), ['a.log']);
      assert.equal(caps.listFilter('/proc'), null, '/proc/loadavg is a file, not a listable directory');
      assert.equal(caps.listFilter('/var/log'), null);
      assert.equal(caps.listFilter('/var/log/app/../app'), null);
    });
  });

  describe('exec', () => {
    const caps = createCapabilitySet(['exec:/sbin/mdadm']);
    it('allows the exact executable', () => assert.equal(caps.allowsExec('/sbin/mdadm'), true));
    it('refuses another, a relative name, a prefix', () => {
      assert.equal(caps.allowsExec('/bin/sh'), false);
      assert.equal(caps.allowsExec('mdadm'), false);
      assert.equal(caps.allowsExec('/sbin/mdadm2'), false);
      assert.equal(caps.allowsExec('/sbin/../sbin/mdadm'), false);
    });
  });

  describe('net.connect', () => {
    it('exact host and port', () => {
      assert.equal(connectMatches('db.local:5432', 'db.local', 5432), true);
      assert.equal(connectMatches('db.local:5432', 'DB.LOCAL.', 5432), true);
      assert.equal(connectMatches('db.local:5432', 'db.local', 5433), false);
      assert.equal(connectMatches('db.local:5432', 'db.local.evil.org', 5432), false);
    });
    it('wildcards', () => {
      assert.equal(connectMatches('*:443', 'anything.example', 443), true);
      assert.equal(connectMatches('*:443', 'anything.example', 80), false);
      assert.equal(connectMatches('127.0.0.1:*', '127.0.0.1', 65535), true);
      assert.equal(connectMatches('127.0.0.1:*', '127.0.0.2', 1), false);
      assert.equal(connectMatches('*:*', 'x', 1), true);
    });
    it('IPv6 in brackets', () => {
      assert.equal(connectMatches('[::1]:22', '::1', 22), true);
      assert.equal(connectMatches('[::1]:22', '[::1]', 22), true);
    });
    it('refuses impossible ports even under *', () => {
      assert.equal(connectMatches('*:*', 'x', 0), false);
      assert.equal(connectMatches('*:*', 'x', 70000), false);
      assert.equal(connectMatches('*:*', 'x', 1.5), false);
    });
    it('through the set', () => {
      const caps = createCapabilitySet(['net.connect:127.0.0.1:8080']);
      assert.equal(caps.allowsConnect('127.0.0.1', 8080), true);
      assert.equal(caps.allowsConnect('localhost', 8080), false, 'names are compared as written, not resolved');
      assert.equal(createCapabilitySet([]).allowsConnect('127.0.0.1', 8080), false);
    });
  });

  describe('http.request', () => {
    it('scheme + host + port must be equal', () => {
      assert.equal(urlMatches('https://a.com', 'https://a.com/'), true);
      assert.equal(urlMatches('https://a.com', 'https://a.com/any/path?q=1'), true);
      assert.equal(urlMatches('https://a.com', 'https://a.com.evil.org/'), false);
      assert.equal(urlMatches('https://a.com', 'https://evil.org/https://a.com'), false);
      assert.equal(urlMatches('https://a.com', 'http://a.com/'), false);
      assert.equal(urlMatches('https://a.com', 'https://a.com:8443/'), false);
      assert.equal(urlMatches('https://a.com', 'https://a.com:443/'), true);
      assert.equal(urlMatches('http://a.com:80', 'http://a.com/'), true);
      assert.equal(urlMatches('https://A.com', 'https://a.COM/'), true);
    });
    it('path prefix stops at a / boundary', () => {
      assert.equal(urlMatches('https://a.com/api', 'https://a.com/api'), true);
      assert.equal(urlMatches('https://a.com/api', 'https://a.com/api/v1'), true);
      assert.equal(urlMatches('https://a.com/api', 'https://a.com/api?x=1'), true);
      assert.equal(urlMatches('https://a.com/api', 'https://a.com/apix'), false);
      assert.equal(urlMatches('https://a.com/api/', 'https://a.com/api/v1'), true);
      assert.equal(urlMatches('https://a.com/api', 'https://a.com/api/../admin'), false, 'URL parsing folds .. before matching');
      assert.equal(urlMatches('https://a.com/api', 'https://a.com/'), false);
    });
    it('refuses userinfo tricks and other schemes', () => {
      assert.equal(urlMatches('https://a.com', 'https://a.com@evil.org/'), false);
      assert.equal(urlMatches('https://a.com', 'https://user:pw@a.com/'), false);
      assert.equal(urlMatches('*', 'file:///etc/passwd'), false);
      assert.equal(urlMatches('*', 'ftp://a.com/'), false);
      assert.equal(urlMatches('*', 'not a url'), false);
      assert.equal(urlMatches('*', 'http://anything:81/x'), true);
    });
    it('through the set', () => {
      const caps = createCapabilitySet(['http.request:http://127.0.0.1:8080/health']);
      assert.equal(caps.allowsUrl('http://127.0.0.1:8080/health/db'), true);
      assert.equal(caps.allowsUrl('http://127.0.0.1:8080/metrics'), false);
      assert.equal(caps.has('http.request'), true);
      assert.equal(caps.has('exec'), false);
    });
  });

  describe('icmp.echo and snmp (issue 18)', () => {
    it('a named target allows that host only, case and trailing dot folded', () => {
      const caps = createCapabilitySet(['icmp.echo:ups1.example.org', 'snmp:192.0.2.10']);
      assert.equal(caps.allowsIcmp('UPS1.example.org.'), true);
      assert.equal(caps.allowsIcmp('ups2.example.org'), false);
      assert.equal(caps.allowsSnmp('192.0.2.10', 161), true);
      assert.equal(caps.allowsSnmp('192.0.2.10', 1161), true);
      assert.equal(caps.allowsSnmp('192.0.2.11', 161), false);
      assert.equal(caps.allowsIcmp('192.0.2.10'), false, 'snmp does not grant ping');
    });
    it('a port in the snmp target is enforced', () => {
      const caps = createCapabilitySet(['snmp:127.0.0.1:1161', 'snmp:[::1]:161']);
      assert.equal(caps.allowsSnmp('127.0.0.1', 1161), true);
      assert.equal(caps.allowsSnmp('127.0.0.1', 161), false);
      assert.equal(caps.allowsSnmp('::1', 161), true);
      assert.equal(caps.allowsSnmp('[::1]', 161), true);
      assert.equal(caps.allowsSnmp('127.0.0.1', 0), false);
    });
    it('$target allows exactly the run target and nothing without one', () => {
      const caps = createCapabilitySet(['icmp.echo:$target', 'snmp:$target'], { target: 'Switch1.example.org' });
      assert.equal(caps.allowsIcmp('switch1.example.org'), true);
      assert.equal(caps.allowsSnmp('switch1.example.org', 161), true);
      assert.equal(caps.allowsIcmp('switch2.example.org'), false);
      assert.equal(caps.allowsSnmp('127.0.0.1', 161), false);
      const none = createCapabilitySet(['icmp.echo:$target', 'snmp:$target']);
      assert.equal(none.allowsIcmp('$target'), false);
      assert.equal(none.allowsIcmp(''), false);
      assert.equal(none.allowsSnmp('switch1.example.org', 161), false);
    });
    it('* allows any host, and nothing is allowed without the kind', () => {
      assert.equal(createCapabilitySet(['icmp.echo:*']).allowsIcmp('203.0.113.7'), true);
      assert.equal(createCapabilitySet(['snmp:*']).allowsSnmp('203.0.113.7', 161), true);
      assert.equal(createCapabilitySet(['net.connect:*:*']).allowsSnmp('203.0.113.7', 161), false);
      assert.equal(createCapabilitySet(['net.connect:*:*']).allowsIcmp('203.0.113.7'), false);
    });
    it('approval is compared as written: approving snmp:* does not grant a declared snmp:$target', () => {
      assert.deepEqual(grantedCapabilities(['snmp:$target'], ['snmp:*']), []);
      assert.deepEqual(grantedCapabilities(['snmp:$target', 'icmp.echo:$target'], ['snmp:$target', 'icmp.echo:$target']), ['snmp:$target', 'icmp.echo:$target']);
    });
  });
});
