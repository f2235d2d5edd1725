import type { FleetToken, FleetTokenInput, RegistrationRule, RegistrationRuleInput } from '../../core/protocol';
import { splitTags } from '../hosts/host-form';
import { count } from '../../shared/ui/plural';

/** The create form's values as the API takes them: tags split at commas, an empty limit left out. */
export function fleetTokenInput(value: { name: string; ttlDays: number; maxHosts: number | null; tags: string; groupIds: number[] }): FleetTokenInput {
  const tags = splitTags(value.tags);
  return {
    name: value.name.trim(),
    ttlDays: Number(value.ttlDays),
    ...(value.maxHosts === null || String(value.maxHosts) === '' ? {} : { maxHosts: Number(value.maxHosts) }),
    groupIds: value.groupIds,
    tags,
  };
}

const STATUS_TEXT: Record<FleetToken['status'], string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked', exhausted: 'Limit reached' };

export const statusText = (t: FleetToken): string => STATUS_TEXT[t.status];

export const limitText = (t: FleetToken): string => (t.maxHosts === null ? 'any number of hosts' : `at most ${count(t.maxHosts, 'host', 'hosts')}`);

/** A rule's conditions in words: `host name web-*, platform linux`, or `every host`. */
export function conditionsText(rule: Pick<RegistrationRule, 'hostnamePattern' | 'platform' | 'arch'>): string {
  const parts = [
    rule.hostnamePattern !== null ? `host name ${rule.hostnamePattern}` : '',
    rule.platform !== null ? `platform ${rule.platform}` : '',
    rule.arch !== null ? `architecture ${rule.arch}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'every host';
}

/** The rule form's values as the API takes them: empty conditions are null (no condition). */
export function ruleInput(value: { name: string; hostnamePattern: string; platform: string; arch: string; groupIds: number[]; stop: boolean }): RegistrationRuleInput {
  const orNull = (s: string) => (s.trim() === '' ? null : s.trim());
  return { name: value.name.trim(), hostnamePattern: orNull(value.hostnamePattern), platform: orNull(value.platform), arch: orNull(value.arch), groupIds: value.groupIds, stop: value.stop };
}

/** The ids in their new order after moving `id` one place up (-1) or down (+1). */
export function moved(ids: readonly number[], id: number, by: -1 | 1): number[] {
  const out = [...ids];
  const at = out.indexOf(id);
  const to = at + by;
  if (at < 0 || to < 0 || to >= out.length) return out;
  [out[at], out[to]] = [out[to]!, out[at]!];
  return out;
}
