import { createHash, X509Certificate } from 'node:crypto';
import { connect as tlsConnect, createSecureContext, type DetailedPeerCertificate, type PeerCertificate, type SecureContext } from 'node:tls';
import type { MqttClient } from 'mqtt';
import { AgentErrors } from './errors.js';

/** A `HOST:PORT` pair; IPv6 literals in brackets (`[::1]:8883`). */
export interface ServerAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT`; throws `AGENT_INVALID_SERVER`. */
export function parseServer(value: string): ServerAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s/[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 1 && port <= 65535)) throw AgentErrors.INVALID_SERVER(JSON.stringify(value));
  return { host: (match[1] ?? match[2]) as string, port };
}

/** `host:port`, bracketing IPv6 literals. */
export function formatServer(address: ServerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Normalises a SHA-256 fingerprint as operators paste it (upper or lower case, with or
 * without colons) to 64 lower-case hex digits; throws `AGENT_INVALID_FINGERPRINT`.
 */
export function normaliseFingerprint(value: string): string {
  const hex = value.trim().replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw AgentErrors.INVALID_FINGERPRINT(JSON.stringify(value));
  return hex;
}

/** SHA-256 of a certificate's DER encoding, lower-case hex (what the core prints). */
export function certificateFingerprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

/** The certificates a server presented, leaf first, as they arrived in its chain. */
function presentedChain(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let current: PeerCertificate | undefined = peer;
  while (current && current.raw && current.raw.length > 0) {
    const cert = new X509Certificate(current.raw);
    const fp = certificateFingerprint(cert);
    if (seen.has(fp)) break; // a self-signed root points at itself
    seen.add(fp);
    chain.push(cert);
    current = (current as DetailedPeerCertificate).issuerCertificate;
  }
  return chain;
}

/**
 * Finds, in a presented chain, the CA certificate with the expected fingerprint, and checks
 * that every certificate from the leaf up to it is signed by the next one. Returns it, or
 * `undefined` when the chain does not lead to that CA.
 */
export function findPinnedCa(chain: X509Certificate[], expectedFingerprint: string): X509Certificate | undefined {
  const index = chain.findIndex((c) => certificateFingerprint(c) === expectedFingerprint);
  if (index < 0) return undefined;
  const ca = chain[index] as X509Certificate;
  if (!ca.ca) return undefined;
  for (let i = 0; i < index; i++) {
    const child = chain[i] as X509Certificate;
    const parent = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return undefined;
  }
  return ca;
}

/**
 * Opens a TLS connection that accepts any certificate, only to read the chain the server
 * presents, and closes it. Nothing but the TLS handshake is sent: the enrolment token stays
 * home until the CA has been checked against the fingerprint the operator was given.
 */
export function probeServerChain(address: ServerAddress, timeoutMs: number): Promise<X509Certificate[]> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: address.host,
      port: address.port,
      // Deliberately unverified: verification is the fingerprint comparison that follows.
      rejectUnauthorized: false,
      ...(isIpLiteral(address.host) ? {} : { servername: address.host }),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(AgentErrors.TLS_PROBE_FAILED(`${formatServer(address)}: no handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const chain = presentedChain(socket.getPeerCertificate(true));
      // end(), not destroy(): lets our TLS 1.3 Finished reach the server, which would
      // otherwise log an aborted handshake for every enrolment.
      socket.end();
      resolve(chain);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(AgentErrors.TLS_PROBE_FAILED(`${formatServer(address)}: ${err.message}`));
    });
  });
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** The TLS part of an MQTT.js connection pinned to the core's CA. */
export interface PinnedTlsOptions {
  /** One context per pinned CA, shared by every connection (see {@link pinnedTlsOptions}). */
  secureContext: SecureContext;
  rejectUnauthorized: true;
  checkServerIdentity: () => undefined;
  servername?: string;
}

const contexts = new Map<string, SecureContext>();

/**
 * TLS options for every connection after the fingerprint check: only a server whose
 * certificate chains to the pinned CA is accepted. The host name is not compared with the
 * certificate: the pinned CA is this core's private CA, which signs nothing but this core's
 * server certificates, so "chains to the pinned CA" already identifies the server, and agents
 * keep working when the core is reached by an address missing from its SANs (NAT, a renamed
 * host). See docs/agent.md, "Certificate pinning".
 *
 * The secure context (the parsed CA, OpenSSL's trust store) is built once per CA and reused:
 * `tls.connect({ ca })` would build a new one for every connection, which measured as about a
 * third of a client's CPU per handshake (docs/broker.md, "Reconnect storms").
 */
export function pinnedTlsOptions(caPem: string, host: string): PinnedTlsOptions {
  let secureContext = contexts.get(caPem);
  if (!secureContext) {
    secureContext = createSecureContext({ ca: caPem });
    contexts.set(caPem, secureContext);
  }
  return {
    secureContext,
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
    ...(isIpLiteral(host) ? {} : { servername: host }),
  };
}

/**
 * Lets an MQTT.js client resume its TLS session on reconnect: the newest session ticket the
 * server sent is kept in the client's options, which MQTT.js hands to `tls.connect` on every
 * (re)connect. A resumed handshake signs and verifies no certificate; the broker keeps its
 * ticket keys across restarts, so after a restart of the core the fleet comes back with
 * resumed sessions (docs/broker.md, "Reconnect storms"). A ticket the server no longer
 * accepts simply yields a full handshake, still verified against the pinned CA.
 */
export function resumeTlsSessions(client: MqttClient): void {
  const options = client.options as { session?: Buffer };
  // MQTT.js builds each connection's stream with this (TypeScript-private) field; wrapping
  // it sees every stream, also those of deferred reconnects, before any byte is read.
  const internal = client as unknown as { streamBuilder: (c: MqttClient) => NodeJS.EventEmitter; stream?: NodeJS.EventEmitter };
  const build = internal.streamBuilder;
  if (typeof build !== 'function') return;
  const keep = (stream: NodeJS.EventEmitter | undefined): void => {
    stream?.on('session', (session: Buffer) => {
      options.session = session;
    });
  };
  keep(internal.stream); // a client that already started connecting (no `manualConnect`)
  internal.streamBuilder = (c) => {
    const stream = build(c);
    keep(stream);
    return stream;
  };
}
