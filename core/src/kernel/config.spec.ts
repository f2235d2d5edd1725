import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CORE_CONFIG_DEFAULTS, CORE_CONFIG_ENV, CoreConfigSchema, readCoreConfig } from './config.js';

const DOC = new URL('../../../docs/configuration.md', import.meta.url);

/** The rows of the first table of docs/configuration.md: key → { env, default }. */
function documented(): Map<string, { env: string; value: string }> {
  const rows = new Map<string, { env: string; value: string }>();
  const text = readFileSync(DOC, 'utf8');
  const table = text.slice(text.indexOf('| key (config file) |')).split('\n\n')[0]!;
  for (const line of table.split('\n')) {
    const cells = /^\| `(\w+)` \| (.*?) \| (.*?) \| /.exec(line);
    if (cells) rows.set(cells[1]!, { env: cells[2]!, value: cells[3]! });
  }
  return rows;
}

describe('core configuration', () => {
  it('docs/configuration.md lists every key with its environment variable and its default, and no key that does not exist', () => {
    const rows = documented();
    const keys = Object.keys(CoreConfigSchema.properties);
    assert.deepEqual([...rows.keys()].sort(), [...keys].sort(), 'the documented keys are the schema\'s');
    for (const key of keys) {
      const env = CORE_CONFIG_ENV[key as keyof typeof CORE_CONFIG_ENV];
      assert.equal(rows.get(key)!.env, env ? `\`${env}\`` : '—', `${key}: environment variable`);
      if (key === 'dataDir') continue; // per platform, said in words
      const value = CORE_CONFIG_DEFAULTS[key as keyof typeof CORE_CONFIG_DEFAULTS];
      const shown = rows.get(key)!.value;
      assert.ok(shown.startsWith(value === '' ? 'empty' : `\`${String(value)}\``), `${key}: default ${JSON.stringify(value)}, documented as ${shown}`);
    }
  });

  it('the broker listens where PROPHASIS_MQTT_HOST says; a bad value is refused naming the variable', () => {
    assert.equal(readCoreConfig({ PROPHASIS_MQTT_HOST: '127.0.0.1' }, { dataDir: '/tmp/x' }).mqttHost, '127.0.0.1');
    assert.equal(readCoreConfig({}, { dataDir: '/tmp/x' }).mqttHost, '0.0.0.0');
    assert.throws(() => readCoreConfig({ PROPHASIS_MARKETPLACE_PORT: '70000' }, { dataDir: '/tmp/x' }), /PROPHASIS_MARKETPLACE_PORT/);
  });

  it('HTTPS is off by default and set by PROPHASIS_HTTPS or the certificate and key files; a bad value is refused naming the variable', () => {
    const plain = readCoreConfig({}, { dataDir: '/tmp/x' });
    assert.deepEqual([plain.httpsCert, plain.httpsKey, plain.httpsSelfSigned], ['', '', false]);
    assert.equal(readCoreConfig({ PROPHASIS_HTTPS: '1' }, { dataDir: '/tmp/x' }).httpsSelfSigned, true);
    const files = readCoreConfig({ PROPHASIS_HTTPS_CERT: '/etc/p/c.crt', PROPHASIS_HTTPS_KEY: '/etc/p/c.key' }, { dataDir: '/tmp/x' });
    assert.deepEqual([files.httpsCert, files.httpsKey], ['/etc/p/c.crt', '/etc/p/c.key']);
    assert.throws(() => readCoreConfig({ PROPHASIS_HTTPS: 'maybe' }, { dataDir: '/tmp/x' }), { code: 'PROTO_INVALID_CONFIG', message: /PROPHASIS_HTTPS="maybe"/ });
  });
});
