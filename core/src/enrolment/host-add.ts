import type { AgentRegistry } from './registry.js';

export interface HostAddDeps {
  registry: Pick<AgentRegistry, 'addHost' | 'createEnrolmentToken'>;
  /** SHA-256 hex of the CA certificate the MQTT/TLS listener presents. */
  caFingerprint: string;
  /** Port of the console, which serves install.sh and the agent packages. */
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
  /** `revoked` when the host is being re-enrolled. */
  state: string;
  token: string;
  expiresAt: Date;
  /** Enrols an agent that is already installed (`prophasis-agent enroll …`), token and CA fingerprint included. */
  enrolCommand: string;
}

/** The lines that install an agent (agent/scripts/install.sh; docs/install-agent.md). */
export interface InstallCommands {
  /** The one line to paste on the host: downloads, verifies, installs, enrols and starts the agent. */
  installCommand: string;
  /** The same from a copied package, for a host that cannot reach the console. */
  offlineCommand: string;
}

/**
 * How the console serves install.sh and the agent packages: plain HTTP, HTTPS with a certificate
 * the hosts trust, or HTTPS with one from the core's own CA, whose public key the line pins
 * (`sha256//…`, docs/operations.md, "HTTPS for the console").
 */
export type ConsoleTransport = { scheme: 'http' } | { scheme: 'https'; publicKeyPin?: string | undefined };

/** `host:port`, with brackets for an IPv6 address. */
function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Creates the host (or reuses a pending one) and issues a single-use enrolment token, with the
 * command that enrols an installed agent with it. {@link installCommands} turns the token into
 * the line that installs the agent too.
 */
export async function hostAdd(deps: HostAddDeps, input: HostAddInput): Promise<HostAddResult> {
  const host = await deps.registry.addHost(input.name);
  const { token, expiresAt } = await deps.registry.createEnrolmentToken(host.hostId, input.ttlMs, input.createdBy ?? 'cli');
  const enrolCommand = enrolCommandOf(deps, { server: input.server, token });
  return { hostId: host.hostId, name: host.name, state: host.state, token, expiresAt, enrolCommand };
}

/** Enrols an agent that is already installed (`prophasis-agent enroll …`), with a single-use or a fleet token. */
export function enrolCommandOf(deps: { caFingerprint: string; mqttPort: number }, input: { server: string; token: string }): string {
  return `prophasis-agent enroll --server ${hostPort(input.server, deps.mqttPort)} --token ${input.token} --ca-fingerprint ${deps.caFingerprint}`;
}

/** The package file the offline command names; docs/install-agent.md lists the others. */
const OFFLINE_PACKAGE = 'prophasis-agent-linux-x64.tar.gz';

/**
 * The one line that installs, enrols and starts an agent (agent/scripts/install.sh), from the
 * console at `http(s)://server:httpPort`. The console may be plain HTTP, so the line itself
 * says what to trust: the SHA-256 of the core's package list (`SHA256SUMS`, which holds every
 * package's hash) and the CA fingerprint.
 */
export function installCommands(
  deps: { caFingerprint: string; httpPort: number; mqttPort: number; packagesSha256: string; console?: ConsoleTransport | undefined },
  input: { server: string; token: string },
): InstallCommands {
  const served = deps.console ?? { scheme: 'http' };
  const url = `${served.scheme}://${hostPort(input.server, deps.httpPort)}`;
  const options = `--server ${hostPort(input.server, deps.mqttPort)} --ca-fingerprint ${deps.caFingerprint} --token ${input.token} --sha256 ${deps.packagesSha256}`;
  // A certificate of the core's own CA is one no host trusts yet: curl checks the pinned public
  // key instead (libcurl enforces CURLOPT_PINNEDPUBLICKEY whether or not --insecure turned the
  // CA check off), and so does install.sh for every download.
  const pin = served.scheme === 'https' && served.publicKeyPin ? served.publicKeyPin : undefined;
  return {
    installCommand: pin
      ? `curl -fsSL --insecure --pinnedpubkey ${pin} ${url}/install.sh | sudo sh -s -- --url ${url} --pinned-pubkey ${pin} ${options}`
      : `curl -fsSL ${url}/install.sh | sudo sh -s -- --url ${url} ${options}`,
    offlineCommand: `sudo sh install.sh --package ${OFFLINE_PACKAGE} ${options}`,
  };
}

/** What `prophasis host add` prints. */
export function hostAddText(added: HostAddResult, commands: InstallCommands): string {
  const url = /--url (\S+)/.exec(commands.installCommand)?.[1] ?? 'the console';
  return [
    `Host ${JSON.stringify(added.name)} is waiting for its agent (${added.state === 'revoked' ? 're-enrolment' : 'pending'}).`,
    '',
    'On that machine, paste this line into a shell (it needs curl; as root, leave out "sudo"):',
    '',
    `  ${commands.installCommand}`,
    '',
    'It downloads the agent with its own Node.js, checks it against the SHA-256 in the line,',
    'installs it in /opt/prophasis-agent, enrols it as the unprivileged user "prophasis" (only',
    'with a core whose CA has the fingerprint in the line) and starts it.',
    '',
    `Where the host cannot reach ${url}: copy install.sh, SHA256SUMS and ${OFFLINE_PACKAGE}`,
    `(or the linux-arm64 one) from ${url}/downloads/ into one folder on it and run there:`,
    '',
    `  ${commands.offlineCommand}`,
    '',
    `The token works once and expires at ${added.expiresAt.toISOString()}.`,
  ].join('\n');
}
