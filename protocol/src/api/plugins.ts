import { ChartHints } from '../manifest.js';
import { PluginId, SemVer, Sha256, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Nullable, ObjectId } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): plugins. */

const PluginVersion = Type.Object({
  version: SemVer,
  sha256: Sha256,
  publisher: Type.String(),
  requestedCapabilities: Type.Array(Type.String()),
  /** Null until an administrator approved this version's capabilities. */
  approvedCapabilities: Nullable(Type.Array(Type.String())),
  approvedAt: Nullable(Timestamp),
  historyCount: Type.Integer(),
  createdAt: Timestamp,
  /** The manifest's `parameters` (JSON Schema of what a check passes), for the check form. */
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** The bundle's own Lua classifier; overrides per check, host or group are separate objects. */
  defaultClassifier: Type.String(),
});

/** How the console charts a plugin's values (the manifest's `chart`: unit, kind, min, max, label). */
export type PluginChartHints = Static<typeof ChartHints>;

export const Plugin = Type.Object({
  id: ObjectId,
  pluginId: PluginId,
  name: Type.String(),
  description: Type.String(),
  /** The newest version. */
  version: Nullable(SemVer),
  versions: Type.Array(PluginVersion),
  /** Chart hints of the newest version's manifest; absent when it declares none. */
  chart: Type.Optional(ChartHints),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Plugin = Static<typeof Plugin>;

/** What a plugin version asks for (the manifest's `capabilities`) or was approved for. */
export const CapabilityList = Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 });

/**
 * One stored version as the plugin repository reports it (`GET /api/plugins/:id/versions`,
 * the approval, a marketplace install). The repository's request and response shapes that
 * compose it are in api-plugin-repository.ts.
 */
export const PluginVersionInfo = Type.Object({
  /** Row id of the plugin (`/api/plugins/:id`). */
  id: ObjectId,
  pluginId: PluginId,
  name: Type.String(),
  version: SemVer,
  /** The bundle hash: its identity for delivery. */
  sha256: Sha256,
  publisher: Type.String(),
  publisherKeyId: Sha256,
  /** False once the signing key is no longer trusted; such a version is not usable. */
  publisherTrusted: Type.Boolean(),
  requestedCapabilities: CapabilityList,
  approvedCapabilities: Nullable(CapabilityList),
  /**
   * Requested capabilities the previous approved version did not have (the highest approved
   * lower version signed by the same key); every requested capability when there is none.
   */
  addedCapabilities: CapabilityList,
  /** The version whose approval `addedCapabilities` is measured against, if any. */
  previousApprovedVersion: Nullable(SemVer),
  /**
   * `pending` (not yet), `approved` (by an administrator), `inherited` (asks for nothing the
   * previous approved version did not have), `site` (a first-party plugin, built and signed by
   * this core).
   */
  approval: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('inherited'), Type.Literal('site')]),
  approvedBy: Nullable(Type.String()),
  approvedAt: Nullable(Timestamp),
  /** Approved, approval covers every requested capability, publisher key still trusted. */
  usable: Type.Boolean(),
  historyCount: Type.Integer(),
  createdAt: Timestamp,
});
export type PluginVersionInfo = Static<typeof PluginVersionInfo>;
/** How a version came to be approved (see `PluginVersionInfo.approval`). */
export type ApprovalState = PluginVersionInfo['approval'];
