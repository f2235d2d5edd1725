import type { AgentRegistry } from './registry.js';

export interface HostAddDeps {
  registry: Pick<AgentRegistry, 'addHost' | 'createEnrolmentToken'>;
  /** SHA-256 hex of the CA certificate the MQTT/TLS listener presents. */
  caFingerprint: string;
  /** Port of the console, which serves the agent tarball. */
  httpPort: number;
  /** Port of the MQTT/TLS listener the agent enrols and runs through. */
  mqttPort: number;
}

export interface HostAddInput {
  name: string;
  /** The core's address as the new host reaches it (host name or IP). */
  server: string;
  ttlMs?: number;
  createdBy?: string;
}

export interface HostAddResult {
  hostId: string;
  name: string;
  token: string;
  expiresAt: Date;
  installCommand: string;
  enrolCommand: string;
  /** What `prophasis host add` prints. */
  text: string;
}

/** `host:port`, with brackets for an IPv6 address. */
function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `prophasis host add NAME`: creates the host (or reuses a pending one), issues a single-use
 * enrolment token and returns the two commands to run on the new host.
 */
export async function hostAdd(deps: HostAddDeps, input: HostAddInput): Promise<HostAddResult> {
  const host = await deps.registry.addHost(input.name);
  const { token, expiresAt } = await deps.registry.createEnrolmentToken(host.hostId, input.ttlMs, input.createdBy ?? 'cli');
  const installCommand = `npm install -g http://${hostPort(input.server, deps.httpPort)}/downloads/prophasis-agent.tgz`;
  const enrolCommand = `prophasis-agent enroll --server ${hostPort(input.server, deps.mqttPort)} --token ${token} --ca-fingerprint ${deps.caFingerprint}`;
  const text = [
    `Host ${JSON.stringify(host.name)} is waiting for its agent (${host.state === 'revoked' ? 're-enrolment' : 'pending'}).`,
    '',
    'On that machine (Node.js 24 required), run:',
    '',
    `  ${installCommand}`,
    `  ${enrolCommand}`,
    '',
    `The token works once and expires at ${expiresAt.toISOString()}.`,
  ].join('\n');
  return { hostId: host.hostId, name: host.name, token, expiresAt, installCommand, enrolCommand, text };
}
