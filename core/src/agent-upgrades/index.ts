/**
 * Agent upgrades from the core (docs/decisions/0009-agent-self-upgrade.md): approved agent
 * versions signed by the site key, staged rollouts by host group, the `agent.upgrade` offers.
 */
export { agentDownloadBase, createAgentUpgrades, type AgentUpgrades } from './service.js';
export { agentUpgradeRoutes } from './routes.js';
