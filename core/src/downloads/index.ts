export { createAgentPackages, type AgentPlatform } from './agent-packages.js';
