export { createAgentPackages, type AgentPackages, type AgentPlatform } from './agent-packages.js';
