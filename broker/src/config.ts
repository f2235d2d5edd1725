import { Type, type Static } from '@sinclair/typebox';
import { dataDir, loadConfig } from '@prophasis/protocol';
import { join } from 'node:path';
import type { TicketKeys } from './pki.js';

/** The broker's settings (docs/broker.md, "Limits"); everything but the TLS material. */
const BrokerSettingsSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String({ minLength: 1 }),
    /** A plaintext MQTT listener; absent (the default) means none. */
    plaintextPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    plaintextHost: Type.String({ minLength: 1 }),
    maxPacketBytes: Type.Integer({ minimum: 1024 }),
    maxInflight: Type.Integer({ minimum: 1 }),
    maxConnectionsPerSecond: Type.Integer({ minimum: 1 }),
    connectionBurst: Type.Integer({ minimum: 1 }),
    /** Length of the kernel's accept queue (capped by the kernel's net.core.somaxconn). */
    listenBacklog: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** How long a CONNECT over the rate may wait for its turn before it is refused, ms. */
    connectionWaitMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
    maxQueuedPerClient: Type.Integer({ minimum: 1 }),
    offenceLimit: Type.Integer({ minimum: 1 }),
    connectTimeoutMs: Type.Integer({ minimum: 100 }),
    drainTimeoutMs: Type.Integer({ minimum: 0 }),
    /**
     * Highest TLS version offered. TLS 1.2 costs about 12 KiB less native memory per
     * connection than TLS 1.3 (OpenSSL 3.5, measured: docs/broker.md "Memory per connection").
     */
    tlsMaxVersion: Type.Union([Type.Literal('TLSv1.3'), Type.Literal('TLSv1.2')]),
    /**
     * Key exchange groups the listener accepts, in order of preference (OpenSSL names, `:`
     * separated; Node's `ecdhCurve`). 'auto' is OpenSSL's default list, which puts the
     * post-quantum hybrid X25519MLKEM768 first (docs/broker.md, "Memory per connection").
     */
    tlsGroups: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_:-]+$' }),
    /** Directory of the on-disk session store (LevelDB). */
    persistenceDir: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type BrokerSettings = Static<typeof BrokerSettingsSchema>;

/** PEM material of the TLS listener, as {@link ensurePki} returns it. */
interface BrokerTls {
  serverCertPem: string;
  serverKeyPem: string;
  caCertPem: string;
  /** Session ticket keys that survive a restart; absent: random keys per start. */
  ticketKeys?: TicketKeys;
}

/** Everything `createBroker` needs: the settings plus the TLS material. */
export type BrokerConfig = BrokerSettings & { tls: BrokerTls };

/** The defaults, after aedes' commented `defaultOptions`. */
export function brokerDefaults(persistenceDir: string): BrokerSettings {
  return {
    port: 8883, // MQTT over TLS [IANA]
    host: '0.0.0.0', // all interfaces: agents connect from the LAN
    // plaintextPort: absent — no plaintext listener unless an operator sets one (logged as a warning)
    plaintextHost: '127.0.0.1', // when a plaintext port is configured, loopback only unless told otherwise
    maxPacketBytes: 8 * 1024 * 1024, // 8 MiB: plugin bundles travel over cmd inside one PUBLISH
    maxInflight: 100, // unacknowledged inbound QoS 2 messages per client (aedes maxInflightInbound)
    maxConnectionsPerSecond: 2000, // token bucket refill; excess CONNECTs wait (connectionWaitMs), then get CONNACK 3 (server unavailable)
    connectionBurst: 2000, // token bucket size: connections accepted at once before the rate applies
    // accept queue: Node's default of 511 overflows when thousands of agents come back at once
    // and the dropped ones retry only after TCP's SYN backoff (1, 3, 7, 15 s)
    listenBacklog: 4096,
    // a CONNECT over the rate waits up to 10 s for its turn (the agent's connect timeout is 30 s);
    // only beyond that is it refused, so a reconnect storm is spread out rather than bounced
    connectionWaitMs: 10_000,
    // QoS 1 messages kept for one clean:false client; when full the OLDEST is dropped (a newer
    // plan or command usually supersedes it), logged at warn and reported as a security event
    maxQueuedPerClient: 1000,
    offenceLimit: 5, // refused subscribes/publishes before the client is disconnected
    connectTimeoutMs: 10_000, // 10 s from TCP accept to CONNECT
    drainTimeoutMs: 30_000, // 30 s: a client that stops reading is disconnected
    // TLS 1.3 by default; 'TLSv1.2' (AEAD ECDHE suites only) saves ~12 KiB per connection for
    // very large fleets
    tlsMaxVersion: 'TLSv1.3',
    // Classical ECDHE only: the post-quantum hybrid ('auto' or 'X25519MLKEM768:X25519:P-256')
    // costs about 7 KiB more per connection and 0.1 ms more per handshake
    tlsGroups: 'X25519:P-256',
    persistenceDir,
  };
}

/**
 * Reads the broker settings: defaults ← `PROPHASIS_BROKER_CONFIG` (JSON file) ← environment
 * ← overrides. `PROPHASIS_MQTT_PORT` sets the TLS port.
 */
export function readBrokerSettings(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<BrokerSettings> = {}): BrokerSettings {
  const persistenceDir = overrides.persistenceDir ?? join(dataDir('broker', environment), 'sessions');
  return loadConfig({
    schema: BrokerSettingsSchema,
    defaults: brokerDefaults(persistenceDir),
    env: {
      port: 'PROPHASIS_MQTT_PORT',
      host: 'PROPHASIS_MQTT_HOST',
      plaintextPort: 'PROPHASIS_MQTT_PLAINTEXT_PORT',
      maxPacketBytes: 'PROPHASIS_MQTT_MAX_PACKET_BYTES',
      maxConnectionsPerSecond: 'PROPHASIS_MQTT_MAX_CONNECTIONS_PER_SECOND',
      connectionWaitMs: 'PROPHASIS_MQTT_CONNECTION_WAIT_MS',
      maxQueuedPerClient: 'PROPHASIS_MQTT_MAX_QUEUED_PER_CLIENT',
      tlsMaxVersion: 'PROPHASIS_MQTT_TLS_MAX_VERSION',
      tlsGroups: 'PROPHASIS_MQTT_TLS_GROUPS',
    },
    environment,
    ...(environment.PROPHASIS_BROKER_CONFIG ? { file: environment.PROPHASIS_BROKER_CONFIG } : {}),
    overrides,
  });
}
