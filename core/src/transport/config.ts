import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';

/**
 * Settings of the core's MQTT side (docs/external-broker.md, docs/enrolment.md). The core's
 * own config supplies `dataDir`, `mqttUrl`, `mqttPort` and `mqttHost`; the rest has defaults
 * and environment variables of its own.
 */
const TransportConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1 }),
    /** Empty: the embedded TLS broker. `mqtt://…` / `mqtts://…`: an external broker. */
    mqttUrl: Type.String(),
    mqttPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    mqttHost: Type.String({ minLength: 1 }),
    /** DNS names and IPs of the embedded broker's server certificate; empty: hostname, localhost, 127.0.0.1. */
    pkiHostnames: Type.Array(Type.String({ minLength: 1 })),
    pkiIps: Type.Array(Type.String({ minLength: 1 })),
    /** External broker: PEM file of the CA that signed its certificate (mqtts). */
    mqttCaFile: Type.String(),
    /** External broker: the core's fixed client id (its session survives reconnects). */
    mqttClientId: Type.String({ minLength: 1, maxLength: 64 }),
    mqttUsername: Type.String(),
    mqttPassword: Type.String(),
    /** An agent away this long makes its host unreachable. */
    unreachableGraceMs: Type.Integer({ minimum: 1_000 }),
    /** Overrides of the embedded broker's settings (broker/src/config.ts), e.g. from a JSON config file. */
    broker: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type TransportConfig = Static<typeof TransportConfigSchema>;

/** The defaults of everything the core's own config does not carry. */
export const TRANSPORT_DEFAULTS = {
  pkiHostnames: [] as string[], // [] = os.hostname(), localhost
  pkiIps: [] as string[], // [] = 127.0.0.1
  mqttCaFile: '', // external mqtts: the system's CAs
  mqttClientId: 'prophasis-core', // must be unique on the external broker
  mqttUsername: '',
  mqttPassword: '',
  unreachableGraceMs: 90_000, // 90 s: three missed agent keepalives of 30 s
  broker: {} as Record<string, unknown>,
};

/**
 * Reads the transport settings: the core's `dataDir`/`mqttUrl`/`mqttPort`/`mqttHost` plus
 * `PROPHASIS_PKI_HOSTNAMES`, `PROPHASIS_PKI_IPS` (comma-separated), `PROPHASIS_MQTT_CA_FILE`,
 * `PROPHASIS_MQTT_CLIENT_ID`, `PROPHASIS_MQTT_USERNAME`, `PROPHASIS_MQTT_PASSWORD`,
 * `PROPHASIS_UNREACHABLE_GRACE_MS`.
 */
export function readTransportConfig(
  core: { dataDir: string; mqttUrl: string; mqttPort: number; mqttHost: string },
  environment: NodeJS.ProcessEnv = process.env,
  overrides: Partial<TransportConfig> = {},
): TransportConfig {
  return loadConfig({
    schema: TransportConfigSchema,
    defaults: { ...TRANSPORT_DEFAULTS, dataDir: core.dataDir, mqttUrl: core.mqttUrl, mqttPort: core.mqttPort, mqttHost: core.mqttHost },
    env: {
      pkiHostnames: 'PROPHASIS_PKI_HOSTNAMES',
      pkiIps: 'PROPHASIS_PKI_IPS',
      mqttCaFile: 'PROPHASIS_MQTT_CA_FILE',
      mqttClientId: 'PROPHASIS_MQTT_CLIENT_ID',
      mqttUsername: 'PROPHASIS_MQTT_USERNAME',
      mqttPassword: 'PROPHASIS_MQTT_PASSWORD',
      unreachableGraceMs: 'PROPHASIS_UNREACHABLE_GRACE_MS',
    },
    environment,
    overrides,
  });
}
