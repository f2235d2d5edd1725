import { Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Nullable } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): housekeeping (docs/storage.md, "Retention and housekeeping"). */

/** One table that grows, as the settings page shows it. */
export const HousekeepingTable = Type.Object({
  table: Type.String(),
  /** Rows: exact on SQLite, the planner's estimate on PostgreSQL (`rowsEstimated`). */
  rows: Type.Integer(),
  rowsEstimated: Type.Boolean(),
  /** Bytes on disk with indexes; null where the database cannot tell. */
  bytes: Nullable(Type.Integer()),
  /** Day partitions (PostgreSQL's results and rollups); null for a table that is not partitioned. */
  partitions: Nullable(Type.Integer()),
  /** The setting that says how long rows are kept; null when rows go as soon as they expire (sessions). */
  retentionSetting: Nullable(Type.String()),
});
export type HousekeepingTable = Static<typeof HousekeepingTable>;

/** What one housekeeping run did. */
export const HousekeepingRun = Type.Object({
  startedAt: Timestamp,
  durationMs: Type.Integer({ minimum: 0 }),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  /** Per table: rows removed (for a dropped partition, its estimated rows) and partitions dropped. */
  removed: Type.Array(Type.Object({ table: Type.String(), rows: Type.Integer(), partitionsDropped: Type.Integer() })),
  partitionsCreated: Type.Integer(),
  /** Tables whose retention failed this time, with the reason; the others were still done. */
  errors: Type.Array(Type.Object({ table: Type.String(), message: Type.String() })),
});
export type HousekeepingRun = Static<typeof HousekeepingRun>;

export const HousekeepingStatus = Type.Object({
  dialect: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  /** The whole database (file or PostgreSQL database). */
  databaseBytes: Nullable(Type.Integer()),
  tables: Type.Array(HousekeepingTable),
  lastRun: Nullable(HousekeepingRun),
  running: Type.Boolean(),
  nextRunAt: Nullable(Timestamp),
  intervalMs: Type.Integer(),
});
export type HousekeepingStatus = Static<typeof HousekeepingStatus>;
