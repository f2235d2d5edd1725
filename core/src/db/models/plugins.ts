import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { int, json, now, pk, str, text, time, touchHooks } from './common.js';

/** A plugin known to the core, by its reverse-DNS id (table `plugins`). */
export class Plugin extends Model<InferAttributes<Plugin>, InferCreationAttributes<Plugin>> {
  /** Row id; what every other table references. */
  declare id: CreationOptional<number>;
  /** Reverse-DNS plugin id from the manifest, e.g. `io.prophasis.cpu-load`. */
  declare pluginId: string;
  declare name: string;
  declare description: CreationOptional<string>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

/** One version of a plugin's signed bundle (table `plugin_versions`), unique per (plugin, version). */
export class PluginVersion extends Model<InferAttributes<PluginVersion>, InferCreationAttributes<PluginVersion>> {
  declare id: CreationOptional<number>;
  /** Row id of the plugin (`plugins.id`), not the reverse-DNS id. */
  declare pluginId: number;
  declare version: string;
  /** The verified manifest (protocol's manifest schema). */
  declare manifest: unknown;
  declare bundleSha256: string;
  /** The bundle bytes, or null when kept on disk at `bundlePath`. */
  declare bundle: CreationOptional<Buffer | null>;
  declare bundlePath: CreationOptional<string | null>;
  declare publisher: string;
  declare publisherKeyFingerprint: string;
  declare requestedCapabilities: string[];
  /** Null until an administrator approved; then the approved subset. */
  declare approvedCapabilities: CreationOptional<string[] | null>;
  declare approvedBy: CreationOptional<string | null>;
  declare approvedAt: CreationOptional<number | null>;
  declare defaultClassifier: string;
  declare historyCount: CreationOptional<number>;
  declare createdAt: CreationOptional<number>;
}

export function initPlugin(sequelize: Sequelize): typeof Plugin {
  class BoundPlugin extends Plugin {}
  BoundPlugin.init(
    {
      id: pk(),
      pluginId: { ...str(128), unique: true, validate: { notEmpty: true } },
      name: str(255),
      description: { ...text(), defaultValue: '' },
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'plugins', modelName: 'Plugin', hooks: touchHooks },
  );
  return BoundPlugin;
}

export function initPluginVersion(sequelize: Sequelize): typeof PluginVersion {
  class BoundPluginVersion extends PluginVersion {}
  BoundPluginVersion.init(
    {
      id: pk(),
      pluginId: int(),
      version: str(64),
      manifest: json(),
      bundleSha256: { ...str(64), field: 'bundle_sha256' },
      bundle: { type: DataTypes.BLOB, allowNull: true },
      bundlePath: str(1024, true),
      publisher: str(255),
      publisherKeyFingerprint: str(128),
      requestedCapabilities: json(),
      approvedCapabilities: json(true),
      approvedBy: str(255, true),
      approvedAt: time(true),
      defaultClassifier: text(),
      historyCount: { ...int(), defaultValue: 1 },
      createdAt: now(),
    },
    {
      sequelize,
      tableName: 'plugin_versions',
      modelName: 'PluginVersion',
      indexes: [{ unique: true, fields: ['plugin_id', 'version'] }],
    },
  );
  return BoundPluginVersion;
}
