import { Plugin, type Plugin as PluginApi, type PluginChartHints } from '@prophasis/protocol';
import type { Database, Plugin as PluginRow, PluginVersion as VersionRow } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { ApiErrors } from '../../kernel/index.js';
import { groupBy } from '../../http/index.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A manifest as stored: the JSON column comes back parsed, or as text from an older driver. */
const manifestOf = (m: unknown): Record<string, unknown> => {
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m);
    } catch {
      return {};
    }
  }
  return isRecord(m) ? m : {};
};
const CHART_KINDS = new Set(['line', 'area', 'bar', 'none']);

function parametersOf(manifest: unknown): { parameters?: Record<string, unknown> } {
  const parameters = manifestOf(manifest)['parameters'];
  return isRecord(parameters) ? { parameters } : {};
}

/** The manifest's `chart` hints, only the known, well-typed keys (manifests were validated on upload). */
function chartHints(manifest: unknown): PluginChartHints | undefined {
  const chart = manifestOf(manifest)['chart'];
  if (!isRecord(chart)) return undefined;
  const out: PluginChartHints = {};
  if (typeof chart['unit'] === 'string') out.unit = chart['unit'];
  if (typeof chart['kind'] === 'string' && CHART_KINDS.has(chart['kind'])) out.kind = chart['kind'] as NonNullable<PluginChartHints['kind']>;
  if (typeof chart['min'] === 'number') out.min = chart['min'];
  if (typeof chart['max'] === 'number') out.max = chart['max'];
  if (typeof chart['label'] === 'string') out.label = chart['label'];
  // Threshold bands as validated on upload (protocol's ChartHints); anything else is left out.
  if (Array.isArray(chart['bands'])) {
    const bands = chart['bands'].filter((b): b is NonNullable<PluginChartHints['bands']>[number] => isRecord(b) && typeof b['severity'] === 'string' && ['from', 'to'].every((k) => b[k] === undefined || typeof b[k] === 'number'));
    if (bands.length) out.bands = bands;
  }
  return out;
}

/**
 * Plugins, read and delete (installing arrives with bundle upload, issue 5). Deleting a plugin
 * that a check still uses is refused with `CORE_API_IN_USE` (409, RESTRICT): remove it from
 * the checks first. Otherwise its versions, results, states and alert scopes go with it.
 * Each plugin carries the newest version's chart hints, each version its parameters schema and
 * its default classifier.
 */
export function pluginsResource(db: Database): Resource<PluginApi, never> {
  const { Plugin: PluginModel, PluginVersion, CheckPlugin } = db.models;
  return {
    path: 'plugins',
    kind: 'plugin',
    tag: 'plugins',
    schema: Plugin,
    inputSchema: Plugin,
    model: PluginModel,
    searchable: ['name', 'pluginId', 'description'],
    sortable: ['name', 'pluginId', 'createdAt', 'updatedAt', 'id'],
    read: 'viewer',
    write: 'admin',
    verbs: ['delete'],
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      // One query for every version of the page, without the bundle bytes.
      const versions = groupBy(
        ids.length ? await PluginVersion.findAll({ where: { pluginId: ids }, attributes: { exclude: ['bundle'] }, order: [['id', 'ASC']], transaction: tx }) : [],
        'pluginId',
      );
      return (rows as PluginRow[]).map((p) => {
        const own = ((versions.get(p.id) ?? []) as VersionRow[]).sort((a, b) => b.createdAt - a.createdAt);
        const chart = own[0] ? chartHints(own[0].manifest) : undefined;
        return {
          id: p.id,
          pluginId: p.pluginId,
          name: p.name,
          description: p.description,
          version: own[0]?.version ?? null,
          versions: own.map((v) => ({
            version: v.version,
            sha256: v.bundleSha256,
            publisher: v.publisher,
            requestedCapabilities: v.requestedCapabilities ?? [],
            approvedCapabilities: v.approvedCapabilities ?? null,
            approvedAt: v.approvedAt ?? null,
            historyCount: v.historyCount,
            createdAt: v.createdAt,
            ...parametersOf(v.manifest),
            defaultClassifier: v.defaultClassifier,
          })),
          ...(chart ? { chart } : {}),
          createdAt: p.createdAt,
          updatedAt: p.updatedAt,
        };
      });
    },
    create: () => Promise.reject(new Error('plugins are installed by bundle upload')),
    update: () => Promise.reject(new Error('plugins are installed by bundle upload')),
    async remove(id, tx) {
      const uses = await CheckPlugin.count({ where: { pluginId: id }, transaction: tx });
      if (uses > 0) throw ApiErrors.IN_USE(`${uses} check(s) use this plugin; remove it from them first`, { checks: uses });
      await PluginModel.destroy({ where: { id }, transaction: tx });
    },
  };
}
