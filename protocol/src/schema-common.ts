import { Type, type Static } from '@sinclair/typebox';

/** Shared building blocks of the message and manifest schemas. */

/** Epoch milliseconds (UTC). Integers keep the hot result path cheap to parse. */
export const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'epoch milliseconds, UTC' });

/** Identifier of a message, result, request or configuration object. */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });

/** Lower-case hex SHA-256. */
export const Sha256 = Type.String({ pattern: '^[a-f0-9]{64}$', description: 'SHA-256, lower-case hex' });

/** Reverse-DNS plugin id, e.g. `io.prophasis.cpu-load`. */
const PLUGIN_ID_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$';
export const PluginId = Type.String({ minLength: 3, maxLength: 128, pattern: PLUGIN_ID_PATTERN });

/** Semantic version 2.0.0 (https://semver.org, the grammar's core and pre-release parts). */
const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';
export const SemVer = Type.String({ maxLength: 64, pattern: SEMVER_PATTERN });

/** Free-form parameter values of a check for one plugin, validated against the manifest's schema. */
export const Params = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown());

/** Schedules never fire more often than once a second nor less often than once a year. */
export const MIN_EVERY_MS = 1_000;
export const MAX_EVERY_MS = 366 * 24 * 3_600_000;

/** One schedule interval: slots at `start + k * everyMs` for k ≥ 0. */
export const Interval = Type.Object(
  {
    start: Timestamp,
    everyMs: Type.Integer({ minimum: MIN_EVERY_MS, maximum: MAX_EVERY_MS }),
  },
  { additionalProperties: false },
);
export type Interval = Static<typeof Interval>;
