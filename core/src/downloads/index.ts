export { createAgentPackages, type AgentPackages, type AgentPackageIndex, type AgentPlatform } from './agent-packages.js';
