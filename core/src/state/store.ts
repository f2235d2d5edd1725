import { hostPresence, isResultType, isSeverity, type ResultType, type Severity } from '@prophasis/protocol';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import { hostSeverity, type HostState, type PluginStateRow } from './model.js';

const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** PostgreSQL answers BIGINT columns as strings. */
const ms = (v: unknown): number | null => (v == null ? null : Number(v));

type Select = <T extends object>(sql: string, replacements?: unknown[]) => Promise<T[]>;
const selector =
  (db: Database, transaction?: Transaction): Select =>
  <T extends object>(sql: string, replacements: unknown[] = []) =>
    db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, ...(transaction ? { transaction } : {}) });

interface HostRow {
  id: number;
  name: string;
  enrolment_state: string;
  connected_since: unknown;
  last_seen: unknown;
  unreachable_since: unknown;
}
interface StateRow {
  host_id: number;
  plugin_id: number;
  severity: string;
  since: unknown;
}

/**
 * The state model (docs/pipeline.md, "States and transitions"): every host's presence, its
 * plugins' current states and its own severity, read from `hosts` and `current_states` in one
 * pass each (chunks of 500 ids). The host list, the host detail, service health (its report and
 * the monitor that records service transitions) and the dashboard all read host states here, so
 * they cannot disagree; the pipeline's state tracker applies the same {@link hostSeverity} rule
 * to the same columns when it records host transitions. All hosts when `hostIds` is omitted;
 * ids of no host are absent from the answer.
 */
export async function loadHostStates(db: Database, hostIds?: readonly number[], options: { transaction?: Transaction } = {}): Promise<Map<number, HostState>> {
  const select = selector(db, options.transaction);
  const hosts: HostRow[] = [];
  const states: StateRow[] = [];
  const hostColumns = 'id, name, enrolment_state, connected_since, last_seen, unreachable_since';
  const stateColumns = 'host_id, plugin_id, severity, since';
  if (hostIds === undefined) {
    hosts.push(...(await select<HostRow>(`SELECT ${hostColumns} FROM hosts`)));
    states.push(...(await select<StateRow>(`SELECT ${stateColumns} FROM current_states`)));
  } else {
    for (const part of chunks([...new Set(hostIds)])) {
      const marks = part.map(() => '?').join(',');
      hosts.push(...(await select<HostRow>(`SELECT ${hostColumns} FROM hosts WHERE id IN (${marks})`, part)));
      states.push(...(await select<StateRow>(`SELECT ${stateColumns} FROM current_states WHERE host_id IN (${marks})`, part)));
    }
  }
  const plugins = new Map<number, PluginStateRow[]>();
  for (const s of states) {
    const id = Number(s.host_id);
    // A value outside the enum cannot come from the pipeline; count it as unknown rather than crash.
    const row: PluginStateRow = { pluginRowId: Number(s.plugin_id), severity: isSeverity(s.severity) ? s.severity : 'unknown', since: Number(s.since) };
    const list = plugins.get(id);
    if (list) list.push(row);
    else plugins.set(id, [row]);
  }
  const out = new Map<number, HostState>();
  for (const h of hosts) {
    const id = Number(h.id);
    const unreachableSince = ms(h.unreachable_since);
    const own = plugins.get(id) ?? [];
    out.set(id, {
      id,
      name: h.name,
      enrolmentState: h.enrolment_state,
      presence: hostPresence({ enrolmentState: h.enrolment_state, connectedSince: ms(h.connected_since), lastSeen: ms(h.last_seen), unreachableSince }),
      // Reachability counts by `unreachable_since` alone, as the state tracker's does.
      severity: hostSeverity(own.map((p) => p.severity), unreachableSince !== null),
      plugins: own,
    });
  }
  return out;
}

/** The newest stored result of one series (host × plugin). */
export interface LatestResult {
  pluginRowId: number;
  resultId: string;
  checkId: number | null;
  severity: Severity;
  value: number | null;
  message: string | null;
  resultType: ResultType;
  measuredAt: number;
}

/**
 * The newest stored result (by measured time) of each of the host's plugins: one indexed look-up
 * per series (`results (host_id, plugin_id, measured_at)`), so a host with years of history costs
 * what one with an hour does. A late result from an agent's outbox, measured earlier, does not
 * replace a newer reading.
 */
export async function loadLatestResults(db: Database, hostId: number, pluginRowIds: readonly number[]): Promise<Map<number, LatestResult>> {
  const select = selector(db);
  const out = new Map<number, LatestResult>();
  for (const pluginRowId of new Set(pluginRowIds)) {
    const [r] = await select<{ result_id: string; check_id: number | null; severity: string; value: unknown; message: string | null; result_type: string; measured_at: unknown }>(
      `SELECT result_id, check_id, severity, value, message, result_type, measured_at FROM results
       WHERE host_id = ? AND plugin_id = ? ORDER BY measured_at DESC, id DESC LIMIT 1`,
      [hostId, pluginRowId],
    );
    if (!r) continue;
    out.set(pluginRowId, {
      pluginRowId,
      resultId: r.result_id,
      checkId: r.check_id == null ? null : Number(r.check_id),
      severity: isSeverity(r.severity) ? r.severity : 'unknown',
      value: r.value == null ? null : Number(r.value),
      message: r.message ?? null,
      resultType: isResultType(r.result_type) ? r.result_type : 'plugin',
      measuredAt: Number(r.measured_at),
    });
  }
  return out;
}
