import { defineErrors } from '@prophasis/protocol';

/**
 * Stable error codes of agent upgrades from the core (docs/install-agent.md, "Upgrades from the
 * console"; docs/api.md lists them). Each refusal changes nothing.
 */
export const AgentUpgradeErrors = defineErrors('CORE_AGENT_UPGRADE', {
  VERSION_NOT_AVAILABLE: { status: 404, message: 'This core has no packages of that agent version to approve' },
  ALREADY_APPROVED: { status: 409, message: 'This agent version is approved already' },
  NOT_APPROVED: { status: 409, message: 'This agent version is not approved; approve it first' },
  PACKAGE_CHANGED: { status: 409, message: 'The agent package changed while it was being approved; try again' },
  INVALID_STAGES: { status: 400, message: 'Invalid rollout stages' },
  GROUP_NOT_FOUND: { status: 400, message: 'A stage names a host group that does not exist' },
  ROLLOUT_RUNNING: { status: 409, message: 'Another agent upgrade rollout is running; let it complete or abort it first' },
  ROLLOUT_NOT_FOUND: { status: 404, message: 'No such agent upgrade rollout' },
  ROLLOUT_ENDED: { status: 409, message: 'This rollout has ended (completed or aborted)' },
  LAST_STAGE: { status: 409, message: 'The rollout is at its last stage already' },
});
