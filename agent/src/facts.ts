import { arch, hostname, platform } from 'node:os';
import agentPackage from '../package.json' with { type: 'json' };

/** The agent's version (from its package.json; inlined into the packed tarball's bundle). */
export const AGENT_VERSION: string = agentPackage.version;

/** What the agent tells the core about its machine, at enrolment and in every `state` online. */
export interface HostFacts {
  agentVersion: string;
  platform: string;
  arch: string;
  hostname: string;
  nodeVersion: string;
}

/** Facts of the machine this process runs on; truncated to the lengths the schemas allow. */
export function hostFacts(): HostFacts {
  return {
    agentVersion: AGENT_VERSION.slice(0, 64),
    platform: platform().slice(0, 32),
    arch: arch().slice(0, 32),
    hostname: (hostname() || 'unknown').slice(0, 255),
    nodeVersion: process.versions.node.slice(0, 32),
  };
}
