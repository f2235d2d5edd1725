import type { Plugin } from '../../core/protocol';

/**
 * The `parameters` JSON Schema of the plugin version a check would run: the newest approved
 * version, else the newest. Undefined when the manifest declares none.
 */
export function pluginParameters(plugin: Pick<Plugin, 'versions'>): Record<string, unknown> | undefined {
  const version = plugin.versions.find((v) => v.approvedCapabilities !== null) ?? plugin.versions[0];
  return version?.parameters;
}
