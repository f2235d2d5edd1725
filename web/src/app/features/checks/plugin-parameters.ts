import type { Plugin } from '../../core/protocol';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `parameters` JSON Schema of the plugin version a check would run: the newest approved
 * version, else the newest. protocol's `PluginVersion` does not (yet) carry the manifest, so
 * the version is read as `unknown` and narrowed: `manifest.parameters`, or `parameters`.
 * Undefined when the API does not say.
 */
export function pluginParameters(plugin: Pick<Plugin, 'versions'>): Record<string, unknown> | undefined {
  const version: unknown = plugin.versions.find((v) => v.approvedCapabilities !== null) ?? plugin.versions[0];
  if (!isRecord(version)) return undefined;
  const manifest = version['manifest'];
  if (isRecord(manifest) && isRecord(manifest['parameters'])) return manifest['parameters'];
  if (isRecord(version['parameters'])) return version['parameters'];
  return undefined;
}
