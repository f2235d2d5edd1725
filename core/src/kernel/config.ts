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
    /** PEM file of the console's certificate (and its chain); with `httpsKey`, HTTP is served over TLS. */
    httpsCert: Type.String(),
    /** PEM file of that certificate's private key (unencrypted). */
    httpsKey: Type.String(),
    /** Serve HTTPS with a certificate issued by the core's own CA (the one agents pin), when no `httpsCert` is given. */
    httpsSelfSigned: Type.Boolean(),
    /** Base URL people reach the console at; empty: `http(s)://localhost:<httpPort>`. Used in printed links. */
    publicUrl: Type.String(),
    /** Trust `X-Forwarded-*` headers from a reverse proxy in front of the core. */
    trustProxy: Type.Boolean(),
    /** Secure flag of the session cookie: `auto` sets it when the request came over HTTPS. */
    cookieSecure: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')]),
    /** Folder with the console's build; empty: `web/dist/web/browser` of this checkout. */
    webRoot: Type.String(),
    sessionTtlMs: Type.Integer({ minimum: 60_000, maximum: 30 * 86_400_000 }),
    setupTokenTtlMs: Type.Integer({ minimum: 60_000, maximum: 7 * 86_400_000 }),
    loginAttempts: Type.Integer({ minimum: 1, maximum: 1000 }),
    loginWindowMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
    /** Start a local plugin marketplace next to the core, with the first-party plugins published to it. */
    localMarketplace: Type.Boolean(),
    /** TCP port of that local marketplace (127.0.0.1 only); 0 picks a free one. */
    marketplacePort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Addresses and CIDR networks that may read `/metrics` without a token (comma-separated). */
    metricsAllow: Type.String(),
    /** SHA-256 (hex) of the bearer token that may read `/metrics` from anywhere; empty: none. */
    metricsTokenSha256: Type.Union([Type.Literal(''), Type.String({ pattern: '^[0-9a-fA-F]{64}$' })]),
    /** External broker: how agents' broker accounts are provisioned (docs/external-broker.md). */
    mqttProvisioning: Type.Union([Type.Literal('none'), Type.Literal('mosquitto-dynsec')]),
    /** `host:port` of the broker authentication hook's own HTTP listener (RabbitMQ's auth_backend_http); empty: off. */
    brokerAuthListen: Type.String(),
    /** SHA-256 (hex) of the secret that starts the hook's URLs; required when the hook listens. */
    brokerAuthTokenSha256: Type.Union([Type.Literal(''), Type.String({ pattern: '^[0-9a-fA-F]{64}$' })]),
  },
  { additionalProperties: false },
);
export type CoreConfig = Static<typeof CoreConfigSchema>;

/** Every key's value when neither the file nor the environment sets it (`dataDir`: per platform). docs/configuration.md lists them; a test keeps it true. */
export const CORE_CONFIG_DEFAULTS: Omit<CoreConfig, 'dataDir'> = {
  httpPort: 8080, // TCP port of the REST API and the console
  httpHost: '0.0.0.0', // all interfaces: the console is meant to be reached from the LAN
  mqttPort: 8883, // TCP port of the embedded MQTT broker (TLS only)
  mqttHost: '0.0.0.0',
  httpsCert: '', // plain HTTP (or a TLS-terminating proxy in front, docs/configuration.md)
  httpsKey: '',
  httpsSelfSigned: false, // true: HTTPS with a certificate from the core's own CA
  databaseUrl: '', // SQLite file in dataDir
  mqttUrl: '', // embedded broker
  logLevel: 'info',
  publicUrl: '', // http://localhost:<httpPort>, https://… when HTTPS is on
  trustProxy: false, // direct connections; set true only behind a reverse proxy you control
  cookieSecure: 'auto', // Secure when the request arrived over HTTPS
  webRoot: '', // web/dist/web/browser of this checkout
  sessionTtlMs: 43_200_000, // 12 hours, then sign in again
  setupTokenTtlMs: 3_600_000, // 1 hour; a fresh link is logged when it expires while no user exists
  loginAttempts: 5, // failed sign-ins per IP address and per user name …
  loginWindowMs: 60_000, // … per minute
  localMarketplace: true, // a working market on a fresh install (docs/marketplace.md)
  marketplacePort: 8090, // TCP port (docs/marketplace.md)
  metricsAllow: '127.0.0.1,::1', // this machine's Prometheus (docs/operations.md)
  metricsTokenSha256: '', // no token
  mqttProvisioning: 'none', // agents' accounts on an external broker are the operator's job
  brokerAuthListen: '', // no broker authentication hook
  brokerAuthTokenSha256: '', // (the hook refuses to start without one)
};

/** The environment variable of each key that has one. */
export const CORE_CONFIG_ENV: Partial<Record<keyof CoreConfig, string>> = {
  httpPort: 'PROPHASIS_HTTP_PORT',
  mqttPort: 'PROPHASIS_MQTT_PORT',
  mqttHost: 'PROPHASIS_MQTT_HOST',
  httpsCert: 'PROPHASIS_HTTPS_CERT',
  httpsKey: 'PROPHASIS_HTTPS_KEY',
  httpsSelfSigned: 'PROPHASIS_HTTPS',
  dataDir: 'PROPHASIS_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  mqttUrl: 'PROPHASIS_MQTT_URL',
  logLevel: 'PROPHASIS_LOG_LEVEL',
  httpHost: 'PROPHASIS_HTTP_HOST',
  publicUrl: 'PROPHASIS_PUBLIC_URL',
  trustProxy: 'PROPHASIS_TRUST_PROXY',
  cookieSecure: 'PROPHASIS_COOKIE_SECURE',
  webRoot: 'PROPHASIS_WEB_ROOT',
  localMarketplace: 'PROPHASIS_LOCAL_MARKETPLACE',
  marketplacePort: 'PROPHASIS_MARKETPLACE_PORT',
  metricsAllow: 'PROPHASIS_METRICS_ALLOW',
  metricsTokenSha256: 'PROPHASIS_METRICS_TOKEN_SHA256',
  mqttProvisioning: 'PROPHASIS_MQTT_PROVISIONING',
  brokerAuthListen: 'PROPHASIS_BROKER_AUTH_LISTEN',
  brokerAuthTokenSha256: 'PROPHASIS_BROKER_AUTH_TOKEN_SHA256',
};

/** Reads the core's configuration from the environment (and `PROPHASIS_CONFIG`, a JSON file). */
export function readCoreConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<CoreConfig> = {}): CoreConfig {
  const dir = overrides.dataDir ?? dataDir('core', environment);
  return loadConfig({
    schema: CoreConfigSchema,
    defaults: { ...CORE_CONFIG_DEFAULTS, dataDir: dir },
    env: CORE_CONFIG_ENV,
    environment,
    ...(environment.PROPHASIS_CONFIG ? { file: environment.PROPHASIS_CONFIG } : {}),
    overrides: { ...overrides, dataDir: dir },
  });
}

/** Path of the default SQLite database. */
export const sqlitePath = (config: CoreConfig): string => join(config.dataDir, 'prophasis.sqlite');
