import { readFile } from 'node:fs/promises';
import type { Database } from '../db/index.js';

/** A publisher key as `config.set` carries it to agents. */
export interface PublisherKey {
  keyId: string;
  publicKeyPem: string;
  name?: string;
}

/**
 * What the scheduler and the dispatcher need from the plugin repository (declared here, by its
 * consumer). The composition root wires the repository of `core/src/plugins`; tests and a core
 * without it use {@link databaseBundleSource}.
 */
export interface BundleSource {
  /** True when the version is approved for every capability it requests and its publisher is trusted. */
  isUsable(pluginId: string, version: string): Promise<boolean>;
  /** The signed bundle by its SHA-256, or undefined when it is not stored. */
  getBundle(sha256: string): Promise<Buffer | undefined>;
  /** The publisher keys agents must trust (sent with `config.set`). */
  trustedPublishers(): PublisherKey[];
}

/**
 * A bundle source that reads `plugin_versions` directly: a version is usable when approved and
 * its approval covers every requested capability (no key check: it knows no trust store).
 */
export function databaseBundleSource(db: Database, options: { trustedPublishers?: () => PublisherKey[] } = {}): BundleSource {
  const { Plugin, PluginVersion } = db.models;
  return {
    async isUsable(pluginId, version) {
      const plugin = await Plugin.findOne({ where: { pluginId } });
      if (!plugin) return false;
      const v = await PluginVersion.findOne({ where: { pluginId: plugin.id, version }, attributes: { exclude: ['bundle'] } });
      if (!v || !v.approvedCapabilities) return false;
      const approved = new Set(v.approvedCapabilities);
      return (v.requestedCapabilities ?? []).every((c) => approved.has(c));
    },
    async getBundle(sha256) {
      const v = await PluginVersion.findOne({ where: { bundleSha256: sha256 } });
      if (!v) return undefined;
      if (v.bundle) return Buffer.from(v.bundle);
      return v.bundlePath ? readFile(v.bundlePath) : undefined;
    },
    trustedPublishers: () => options.trustedPublishers?.() ?? [],
  };
}
