import type { AgentPresence } from '@prophasis/protocol';
import type { Database } from '../db/index.js';
import { loadEffectiveCollectors } from '../inventory/index.js';
import { loadHostStates } from '../state/index.js';

type HostState = Awaited<ReturnType<typeof loadHostStates>> extends Map<number, infer S> ? S : never;

/** What a device without any collector shows: nothing measures it, no agent will ever enrol. */
const NO_COLLECTOR: AgentPresence = { state: 'disconnected', since: null, lastSeen: null };

/**
 * The presence the reports give a device (docs/devices.md, "Collectors"): its effective
 * collector's (connected, disconnected, unreachable: "collector unreachable" in the console),
 * never its own columns, which say `pending` for ever since a device has no agent to enrol. A
 * device's severity is left as its plugins make it: a collector away is the collector's problem,
 * not each device's. Answers for the devices among `states`; collectors missing from `states`
 * are read.
 */
export async function devicePresences(db: Database, states: ReadonlyMap<number, HostState>): Promise<Map<number, AgentPresence>> {
  const out = new Map<number, AgentPresence>();
  const ids = [...states.keys()];
  if (ids.length === 0) return out;
  const devices = await db.models.Host.findAll({ where: { id: ids, kind: 'device' }, attributes: ['id'], raw: true });
  if (devices.length === 0) return out;
  const collectors = await loadEffectiveCollectors(db);
  const missing = [...new Set(devices.map((d) => collectors.get(d.id)).filter((c): c is number => c !== undefined && !states.has(c)))];
  const extra = missing.length ? await loadHostStates(db, missing) : new Map<number, HostState>();
  for (const { id } of devices) {
    const collector = collectors.get(id);
    const state = collector === undefined ? undefined : (states.get(collector) ?? extra.get(collector));
    out.set(id, state ? state.presence : NO_COLLECTOR);
  }
  return out;
}
