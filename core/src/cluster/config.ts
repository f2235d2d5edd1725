import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';
import { hostname } from 'node:os';
import { ClusterErrors } from './errors.js';

const ClusterConfigSchema = Type.Object(
  {
    /** Several cores on one PostgreSQL and one external broker; off: one core, as always. */
    enabled: Type.Boolean(),
    /** This core's name among the live cores; unique. */
    coreId: Type.String({ minLength: 1, maxLength: 48, pattern: '^[A-Za-z0-9._-]+$' }),
    /** Agents are hashed into this many partitions; the same on every core. */
    partitions: Type.Integer({ minimum: 1, maximum: 1024 }),
    /** How often a core renews its leases and its heartbeat. */
    heartbeatMs: Type.Integer({ minimum: 100 }),
    /** How long a lease lasts unrenewed (database clock); another core may take it after. */
    leaseMs: Type.Integer({ minimum: 500 }),
    /** A core that could not renew stops using a lease this long before it expires. */
    marginMs: Type.Integer({ minimum: 50 }),
  },
  { additionalProperties: false },
);
export type ClusterConfig = Static<typeof ClusterConfigSchema>;

const CLUSTER_DEFAULTS: ClusterConfig = {
  enabled: false,
  coreId: '',
  partitions: 64,
  heartbeatMs: 2_000,
  leaseMs: 10_000,
  marginMs: 3_000,
};

/**
 * `PROPHASIS_CLUSTER`, `PROPHASIS_CLUSTER_CORE_ID` (default `<hostname>-<pid>`),
 * `PROPHASIS_CLUSTER_PARTITIONS`, `PROPHASIS_CLUSTER_HEARTBEAT_MS`, `PROPHASIS_CLUSTER_LEASE_MS`,
 * `PROPHASIS_CLUSTER_MARGIN_MS` (docs/configuration.md, docs/high-availability.md).
 */
export function readClusterConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  const config = loadConfig({
    schema: ClusterConfigSchema,
    defaults: { ...CLUSTER_DEFAULTS, coreId: `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 36)}-${process.pid}` },
    env: {
      enabled: 'PROPHASIS_CLUSTER',
      coreId: 'PROPHASIS_CLUSTER_CORE_ID',
      partitions: 'PROPHASIS_CLUSTER_PARTITIONS',
      heartbeatMs: 'PROPHASIS_CLUSTER_HEARTBEAT_MS',
      leaseMs: 'PROPHASIS_CLUSTER_LEASE_MS',
      marginMs: 'PROPHASIS_CLUSTER_MARGIN_MS',
    },
    environment,
    overrides,
  });
  if (config.leaseMs < 2 * config.heartbeatMs + config.marginMs) {
    throw ClusterErrors.BAD_TIMINGS(`leaseMs ${config.leaseMs} < 2 × heartbeatMs ${config.heartbeatMs} + marginMs ${config.marginMs}`);
  }
  return config;
}
