import type { ApiEvent, Check, HostReport, Plugin, Severity, StateTransition } from '../../core/protocol';
import { isSeverity } from '../../core/protocol';
import type { ChartBand, ChartSeries } from '../../shared/ui/chart.component';
import { formatValue } from '../../shared/ui/format-value';
import { effectiveParams, isNumeric, thresholdBands, toChartSeries } from './host-series';

/**
 * The chart hints of a plugin's manifest (`chart: { unit, label, kind, min, max, bands }`,
 * protocol's `ChartHints`), read from an unknown shape: `plugin.chart` (the API's), or the newest
 * version's `manifest.chart`, whichever exists; junk is left out.
 */
export interface UnitHints {
  unit?: string;
  label?: string;
  kind?: string;
  min?: number;
  max?: number;
  bands?: ChartBand[];
}

const record = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

export function chartHintsOf(plugin: unknown): UnitHints {
  const p = record(plugin);
  const versions = p?.['versions'];
  const newest = Array.isArray(versions) ? record(versions[0]) : undefined;
  const chart = record(p?.['chart']) ?? record(record(newest?.['manifest'])?.['chart']);
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const out: UnitHints = {};
  const unit = text(chart?.['unit']);
  const label = text(chart?.['label']);
  const kind = text(chart?.['kind']);
  const min = number(chart?.['min']);
  const max = number(chart?.['max']);
  if (unit) out.unit = unit;
  if (label) out.label = label;
  if (kind) out.kind = kind;
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  const bands = Array.isArray(chart?.['bands'])
    ? (chart['bands'] as unknown[]).flatMap((b): ChartBand[] => {
        const band = record(b);
        const severity = band?.['severity'];
        if (!band || !isSeverity(severity)) return [];
        const from = number(band['from']);
        const to = number(band['to']);
        return from === undefined && to === undefined ? [] : [{ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), severity }];
      })
    : [];
  if (bands.length) out.bands = bands;
  return out;
}

/** The parameters schema of the plugin's newest version (for the defaults of its thresholds). */
function parametersOf(plugin: Plugin | undefined): unknown {
  const newest = record(plugin?.versions?.[0]);
  return newest?.['parameters'] ?? record(newest?.['manifest'])?.['parameters'];
}

/**
 * The bands of a plugin's chart: the thresholds of the check it runs in (its parameters over the
 * schema's defaults: `minorAbove`, `majorAbove`…) where it has them, otherwise the bands its
 * manifest declares, otherwise none.
 */
export function bandsFor(plugin: Plugin | undefined, params: Readonly<Record<string, unknown>> | undefined, hints: UnitHints): ChartBand[] {
  const fromParams = thresholdBands(effectiveParams(parametersOf(plugin), params));
  return fromParams.length ? fromParams : (hints.bands ?? []);
}

/** One plugin of the host as the detail page shows it. */
export interface PluginView {
  pluginId: string;
  name: string;
  severity: Severity;
  valueText: string;
  unit: string;
  message: string | null;
  /** Why there is no measurement (`Connection timeout`…); null for a successful result. */
  problem: string | null;
  measuredAt: number | null;
  changedAt: number | null;
  /** Numeric plugins get a chart; the others show their message. */
  chart: { series: ChartSeries[]; gapMs: number | undefined } | null;
  /** The y axis of the chart from the manifest (0–100 for a percentage); undefined: from the data. */
  min: number | undefined;
  max: number | undefined;
  /** The classifier's thresholds as bands on the chart. */
  bands: ChartBand[];
}

/** `connection_timeout` → `Connection timeout`. */
function resultTypeLabel(type: string): string {
  const words = type.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The report's plugins (already worst first from the API) with names, units, chart series, axis
 * range and threshold bands (`checks`: by id, for the parameters each plugin runs with).
 */
export function toPluginViews(report: HostReport, plugins: ReadonlyMap<string, Plugin>, checks: ReadonlyMap<number, Check> = new Map()): PluginView[] {
  return report.plugins.map((state) => {
    const plugin = plugins.get(state.pluginId);
    const hints = chartHintsOf(plugin);
    const unit = hints.unit ?? '';
    const name = plugin?.name ?? state.pluginId;
    const charted = isNumeric(state) && hints.kind !== 'none';
    return {
      pluginId: state.pluginId,
      name,
      severity: state.severity,
      valueText: formatValue(state.value, unit),
      unit,
      message: state.message,
      problem: state.resultType && state.resultType !== 'plugin' ? resultTypeLabel(state.resultType) : null,
      measuredAt: state.measuredAt,
      changedAt: state.changedAt,
      chart: charted ? wrap(toChartSeries(hints.label ?? name, state.series, report.resolutionMs)) : null,
      min: hints.min,
      max: hints.max,
      bands: charted ? bandsFor(plugin, state.checkId !== null ? checks.get(state.checkId)?.plugins.find((p) => p.pluginId === state.pluginId)?.params : undefined, hints) : [],
    };
  });
}

function wrap(s: { series: ChartSeries; gapMs: number | undefined }) {
  return { series: [s.series], gapMs: s.gapMs };
}

/** A change of state of this host seen on the live stream. */
export interface HostTransition {
  key: string;
  at: number;
  plugin: string;
  from: Severity | undefined;
  to: Severity;
}

/**
 * Reads a `state.changed` event of host `hostId`. The core sends the plugin's row id
 * (`pluginId: 5`); `pluginName` turns it into the plugin's name.
 */
export function hostTransition(event: ApiEvent, hostId: number, index: number, pluginName: (id: unknown) => string): HostTransition | undefined {
  if (event.type !== 'state.changed') return undefined;
  const d = event.data;
  if (d['hostId'] === undefined || d['hostId'] === null || String(d['hostId']) !== String(hostId)) return undefined;
  const to = d['to'];
  if (!isSeverity(to)) return undefined;
  const from = d['from'];
  const at = typeof d['at'] === 'number' ? d['at'] : event.ts;
  return { key: `${at}-${index}`, at, plugin: pluginName(d['pluginId']), from: isSeverity(from) ? from : undefined, to };
}

/** A stored transition (`GET /api/reports/transitions`) as the Transitions panel shows it. */
export function storedTransition(t: StateTransition): HostTransition {
  return { key: `stored-${t.id}`, at: t.at, plugin: t.pluginName ?? t.pluginId ?? 'host', from: t.from, to: t.to };
}

/**
 * The Transitions panel: stored history and live changes together, newest first by when they
 * happened, a live change that the history also holds (same time, subject and states) once.
 */
export function mergeTransitions(stored: readonly HostTransition[], live: readonly HostTransition[], max: number): HostTransition[] {
  const seen = new Set(stored.map((t) => `${t.at}|${t.plugin}|${t.from}|${t.to}`));
  return [...stored, ...live.filter((t) => !seen.has(`${t.at}|${t.plugin}|${t.from}|${t.to}`))].sort((a, b) => b.at - a.at).slice(0, max);
}

/** True when a live event concerns host `hostId` (its states, results or agent). */
export function concernsHost(event: ApiEvent, hostId: number): boolean {
  const id = String(hostId);
  const d = event.data;
  if (event.type === 'state.changed' || event.type === 'host.presence') return d['hostId'] !== undefined && d['hostId'] !== null && String(d['hostId']) === id;
  if (event.type === 'result.stored') {
    const latest = d['latest'];
    return Array.isArray(latest) && latest.some((r) => r !== null && typeof r === 'object' && String((r as Record<string, unknown>)['hostId']) === id);
  }
  return event.type === 'config.changed';
}

/**
 * The report with the newest results of a `result.stored` event applied: for each of this host's
 * series in `latest` (the newest result per series of a stored batch, docs/api.md "Live events"),
 * its value, measured time and check replace the plugin's when they are newer. The event names
 * the plugin by its row id; `pluginKey` turns that into the report's reverse-DNS id (unknown
 * ids are skipped: the reload that follows brings them). Answers the same object when nothing
 * changed. The state (severity, since) is not touched: it comes with `state.changed` and the
 * reload, from the core's state model.
 */
export function applyStoredResults(report: HostReport, event: ApiEvent, pluginKey: (rowId: unknown) => string | undefined): HostReport {
  if (event.type !== 'result.stored' || !Array.isArray(event.data['latest'])) return report;
  const updates = new Map<string, { value: number | null; measuredAt: number; checkId: number | null }>();
  for (const item of event.data['latest'] as unknown[]) {
    if (item === null || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    if (String(r['hostId']) !== String(report.host.id) || typeof r['measuredAt'] !== 'number') continue;
    const key = pluginKey(r['pluginId']);
    if (key === undefined) continue;
    const value = typeof r['value'] === 'number' ? r['value'] : null;
    const checkId = typeof r['checkId'] === 'number' ? r['checkId'] : null;
    updates.set(key, { value, measuredAt: r['measuredAt'], checkId });
  }
  let changed = false;
  const plugins = report.plugins.map((p) => {
    const u = updates.get(p.pluginId);
    if (!u || (p.measuredAt !== null && u.measuredAt <= p.measuredAt)) return p;
    changed = true;
    return { ...p, value: u.value, measuredAt: u.measuredAt, checkId: u.checkId ?? p.checkId };
  });
  return changed ? { ...report, plugins } : report;
}

/**
 * What "Run now" did, in words (issue 21: the page showed the API's raw request id). The core
 * sends the request to the host's agent at once; a result can only come while it is connected.
 */
export function runNowNotice(presence: HostReport['presence']['state'] | undefined): string {
  return presence === undefined || presence === 'connected'
    ? 'Asked the agent to run this plugin now; the result will appear here when it arrives.'
    : 'Asked the agent to run this plugin now; it is not connected, so the result will appear here once it reconnects and reports.';
}
