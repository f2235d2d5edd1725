import { Type, type Static } from '@sinclair/typebox';
import { dataDir, loadConfig } from '@prophasis/protocol';
import { join } from 'node:path';

/** The core's configuration (docs/configuration.md). */
export const CoreConfigSchema = Type.Object(
  {
    httpPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    httpHost: Type.String({ minLength: 1 }),
    mqttPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    mqttHost: Type.String({ minLength: 1 }),
    dataDir: Type.String({ minLength: 1 }),
    /** Empty: SQLite in the data directory. `postgres://…`: PostgreSQL. */
    databaseUrl: Type.String(),
    /** Empty: the embedded broker. `mqtts://…` or `mqtt://…`: an external broker. */
    mqttUrl: Type.String(),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  },
  { additionalProperties: false },
);
export type CoreConfig = Static<typeof CoreConfigSchema>;

/** Reads the core's configuration from the environment (and `PROPHASIS_CONFIG`, a JSON file). */
export function readCoreConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<CoreConfig> = {}): CoreConfig {
  const dir = overrides.dataDir ?? dataDir('core', environment);
  return loadConfig({
    schema: CoreConfigSchema,
    defaults: {
      httpPort: 8080, // TCP port of the REST API and the console
      httpHost: '0.0.0.0', // all interfaces: the console is meant to be reached from the LAN
      mqttPort: 8883, // TCP port of the embedded MQTT broker (TLS only)
      mqttHost: '0.0.0.0',
      dataDir: dir,
      databaseUrl: '', // SQLite file in dataDir
      mqttUrl: '', // embedded broker
      logLevel: 'info',
    },
    env: {
      httpPort: 'PROPHASIS_HTTP_PORT',
      mqttPort: 'PROPHASIS_MQTT_PORT',
      dataDir: 'PROPHASIS_DATA_DIR',
      databaseUrl: 'DATABASE_URL',
      mqttUrl: 'PROPHASIS_MQTT_URL',
      logLevel: 'PROPHASIS_LOG_LEVEL',
    },
    environment,
    ...(environment.PROPHASIS_CONFIG ? { file: environment.PROPHASIS_CONFIG } : {}),
    overrides: { ...overrides, dataDir: dir },
  });
}

/** Path of the default SQLite database. */
export const sqlitePath = (config: CoreConfig): string => join(config.dataDir, 'prophasis.sqlite');
