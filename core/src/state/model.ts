import { worstSeverity, type AgentPresence, type Severity } from '@prophasis/protocol';

/**
 * The severity a host has while its agent is unreachable (docs/pipeline.md, "States and
 * transitions"): failed, not merely unknown, because nothing it serves can be assumed to work.
 */
const UNREACHABLE_SEVERITY: Severity = 'major';

/**
 * A host's own severity: the worst of its plugins' current severities and of its reachability
 * (unreachable → {@link UNREACHABLE_SEVERITY}); `no_data` with neither. The pipeline's state
 * tracker records host transitions by this rule and every report reads host states by it.
 */
export function hostSeverity(pluginSeverities: Iterable<Severity>, unreachable: boolean): Severity {
  const all = [...pluginSeverities];
  if (unreachable) all.push(UNREACHABLE_SEVERITY);
  return worstSeverity(all, 'no_data');
}

/** One plugin's current state on a host (a row of `current_states`). */
export interface PluginStateRow {
  /** `plugins.id`. */
  pluginRowId: number;
  severity: Severity;
  /** Since when it has had this severity (the measured time of the result that set it). */
  since: number;
}

/** Everything the core says about a host's state: what every report, page and alert reads. */
export interface HostState {
  id: number;
  name: string;
  enrolmentState: string;
  presence: AgentPresence;
  /** {@link hostSeverity} of its plugins and its reachability. */
  severity: Severity;
  plugins: PluginStateRow[];
}
