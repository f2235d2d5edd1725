import type { AgentUpgradeHost, AgentUpgradeRollout, AgentUpgradeRolloutInput } from '../../core/protocol';

type HostStatus = NonNullable<AgentUpgradeHost['upgrade']>['status'];

const STATUS_TEXT: Readonly<Record<HostStatus, string>> = {
  offered: 'Offered',
  requested: 'Downloaded, installing',
  refused: 'Refused by the agent',
  upgraded: 'Upgraded',
  failed: 'Failed, rolled back',
  skipped: 'Skipped',
};

/** A host's upgrade state in words: the rollout's status, or the installation's own last record. */
export function hostUpgradeText(host: Pick<AgentUpgradeHost, 'upgrade' | 'lastUpgrade'>): string {
  if (host.upgrade) return `${STATUS_TEXT[host.upgrade.status]} (${host.upgrade.version})`;
  if (host.lastUpgrade) return `Last upgrade: ${host.lastUpgrade.state} ${host.lastUpgrade.from} → ${host.lastUpgrade.to}`;
  return '—';
}

/** The status words of a host that did not take the version (shown in the error colour). */
export const isTrouble = (host: Pick<AgentUpgradeHost, 'upgrade'>): boolean => host.upgrade !== null && ['refused', 'failed', 'skipped'].includes(host.upgrade.status);

/** One stage in words: its groups (or every other host) and its progress. */
export function stageText(stage: AgentUpgradeRollout['stages'][number], groupName: (id: number) => string): string {
  const who = stage.groupIds.length === 0 ? 'every other host' : stage.groupIds.map(groupName).join(', ');
  const failed = stage.failed > 0 ? `, ${stage.failed} failed` : '';
  return `${who}: ${stage.upgraded} of ${stage.hosts} upgraded${failed}`;
}

/** The form's stages as the API takes them; the last stage may add "every other host". */
export function rolloutInput(value: { version: string; stages: readonly (readonly number[])[]; everyHostLast: boolean; promoteAtPercent: number | string; autoPromote: boolean }): AgentUpgradeRolloutInput {
  const stages = value.stages.filter((s) => s.length > 0).map((groupIds) => ({ groupIds: [...groupIds] }));
  if (value.everyHostLast) stages.push({ groupIds: [] });
  return { version: value.version, stages, promoteAtPercent: Number(value.promoteAtPercent), autoPromote: value.autoPromote };
}
