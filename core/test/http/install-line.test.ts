import { createSecretHasher } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createFleetTokens } from '../../src/enrolment/fleet.js';
import { createSequelizeFleetStore } from '../../src/enrolment/fleet-store.js';
import type { ConsoleTransport } from '../../src/enrolment/host-add.js';
import { createAgentRegistry, hashToken } from '../../src/enrolment/registry.js';
import { createSequelizeRegistryStore } from '../../src/enrolment/sequelize-store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { call, createTestApi, type TestApi } from '../api/helpers.js';

const FINGERPRINT = 'ab'.repeat(32);
const SUMS = 'cd'.repeat(32);
const PIN = `sha256//${'Q'.repeat(43)}=`;

describe('the console\'s install lines when the core serves HTTPS', function () {
  this.timeout(30_000);
  let api: TestApi;
  // What main.ts hands the enrolment routes: how the console is served (changed between the cases).
  const enrolment: { console: ConsoleTransport } = { console: { scheme: 'https', publicKeyPin: PIN } };

  before(async () => {
    api = await createTestApi('sqlite', {
      deps: (db) => {
        const fleetStore = createSequelizeFleetStore(db);
        const systemLog = memorySystemLog();
        const registry = createAgentRegistry({ store: createSequelizeRegistryStore(db), fleet: fleetStore, hasher: createSecretHasher(randomBytes(32)), logger: silentLogger(), systemLog });
        return {
          enrolment: {
            registry,
            transport: { caFingerprint: FINGERPRINT, mqttPort: 8883 },
            httpPort: () => 8443,
            packages: { get: async () => ({ sums: { sha256: SUMS } }) },
            defaultServer: 'core.example.net',
            fleet: createFleetTokens({ store: fleetStore, hashToken, systemLog }),
            get console() {
              return enrolment.console;
            },
          },
        };
      },
    });
  });
  after(async () => api?.close());

  it('a certificate of the core\'s own CA: the lines download over https and pin its public key', async () => {
    const hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-1' })).json().id;
    const ticket = (await call(api, 'admin', 'POST', `/api/hosts/${hostId}/enrolment`, {})).json();
    const options = `--server core.example.net:8883 --ca-fingerprint ${FINGERPRINT} --token ${ticket.token} --sha256 ${SUMS}`;
    assert.equal(
      ticket.installCommand,
      `curl -fsSL --insecure --pinnedpubkey ${PIN} https://core.example.net:8443/install.sh | sudo sh -s -- --url https://core.example.net:8443 --pinned-pubkey ${PIN} ${options}`,
    );
    const fleet = (await call(api, 'admin', 'POST', '/api/fleet-tokens', { name: 'rollout', ttlDays: 1 })).json();
    assert.ok(fleet.installCommand.startsWith(`curl -fsSL --insecure --pinnedpubkey ${PIN} https://core.example.net:8443/install.sh | sudo sh -s -- --url https://core.example.net:8443 --pinned-pubkey ${PIN} `), fleet.installCommand);
  });

  it('a given certificate (one the hosts trust): https without a pin', async () => {
    enrolment.console = { scheme: 'https' };
    const hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-2' })).json().id;
    const ticket = (await call(api, 'admin', 'POST', `/api/hosts/${hostId}/enrolment`, {})).json();
    assert.ok(ticket.installCommand.startsWith('curl -fsSL https://core.example.net:8443/install.sh | sudo sh -s -- --url https://core.example.net:8443 --server '), ticket.installCommand);
    assert.ok(!ticket.installCommand.includes('pinned'), ticket.installCommand);
  });
});
