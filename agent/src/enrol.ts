import {
  createMessage,
  decodeMessage,
  encodeMessage,
  enrolRequestTopic,
  enrolResponseTopic,
  ENROL_USERNAME,
  enrolIdentity,
  isFleetToken,
  isValidAgentId,
  type Logger,
} from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import mqtt, { type ErrorWithReasonCode } from 'mqtt';
import { writeCredentials, hasCredentials, type Credentials } from './credentials.js';
import { AgentErrors } from './errors.js';
import { hostFacts, type HostFacts } from './facts.js';
import { findPinnedCa, formatServer, normaliseFingerprint, parseServer, pinnedTlsOptions, probeServerChain, certificateFingerprint } from './tls.js';

export interface EnrolOptions {
  /** `HOST:PORT` of the core's MQTT/TLS listener. */
  server: string;
  token: string;
  /** SHA-256 of the core's CA certificate as `prophasis host add` printed it. */
  caFingerprint: string;
  dataDir: string;
  /** Replace existing credentials (re-enrolling a host). */
  force?: boolean;
  /** TLS probe, CONNACK and response each must arrive within this, ms. */
  timeoutMs: number;
  /** For tests; default: this machine. */
  facts?: HostFacts;
}

export interface EnrolOutcome {
  agentId: string;
  hostName?: string;
  server: string;
  credentialsPath: string;
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3].
const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password (unknown, expired or already used token)',
  5: 'not authorized (unknown, expired or already used token)',
};

/**
 * Enrols this agent (contract 3, docs/agent.md): checks the CA the server presents against
 * the fingerprint the operator was given before sending anything, then asks for credentials
 * over a one-time `$enrol` MQTT session pinned to that CA, and stores them owner-only.
 * Throws a `ProphasisError` with an `AGENT_*` code on every refusal.
 */
export async function enrol(options: EnrolOptions, deps: { logger: Logger }): Promise<EnrolOutcome> {
  const logger = deps.logger.child({ component: 'enrol' });
  const address = parseServer(options.server);
  const server = formatServer(address);
  const expected = normaliseFingerprint(options.caFingerprint);
  if (!options.force && (await hasCredentials(options.dataDir))) throw AgentErrors.ALREADY_ENROLLED(options.dataDir);

  // 1. Fingerprint check, on a connection that carries nothing but the TLS handshake.
  const chain = await probeServerChain(address, options.timeoutMs);
  const ca = findPinnedCa(chain, expected);
  if (!ca) {
    const presented = chain.slice(1).map(certificateFingerprint);
    logger.error({ server, expected, presented }, 'CA fingerprint mismatch, enrolment aborted');
    throw AgentErrors.CA_FINGERPRINT_MISMATCH(
      `expected ${expected}, the server presented ${presented.length ? presented.join(', ') : 'no CA certificate'}`,
    );
  }
  const caPem = ca.toString();
  logger.info({ server, caFingerprint: expected }, 'CA fingerprint verified');

  // 2. The request, over TLS pinned to the CA just verified (a server swapped in between
  //    the probe and this connection fails the handshake).
  const clientId = `enrol-${randomBytes(12).toString('hex')}`;
  const args = { address, caPem, token: options.token, timeoutMs: options.timeoutMs, facts: options.facts ?? hostFacts(), logger };
  let response: EnrolResponse;
  try {
    response = await requestCredentials({ ...args, clientId, username: ENROL_USERNAME });
  } catch (err) {
    // An external Mosquitto whose accounts the core provisions knows a single-use token only under
    // its own identity (docs/decisions/0012-external-broker-accounts.md): one more try as that.
    if (!refusedAtConnect.has(err as object) || isFleetToken(options.token)) throw err;
    const identity = enrolIdentity(options.token);
    logger.info({ clientId: identity }, '$enrol refused; trying the token\'s own broker account');
    response = await requestCredentials({ ...args, clientId: identity, username: identity }).catch(() => Promise.reject(err as Error));
  }

  if (response.status !== 'accepted') {
    throw AgentErrors.ENROL_REFUSED(response.reason ?? 'no reason given');
  }
  if (!response.agentId || !isValidAgentId(response.agentId) || !response.secret) {
    throw AgentErrors.ENROL_INVALID_RESPONSE('accepted without a valid agentId and secret');
  }
  const credentials: Credentials = { server, agentId: response.agentId, secret: response.secret, caPem };
  const credentialsPath = await writeCredentials(options.dataDir, credentials);
  logger.info({ agentId: response.agentId, credentialsPath }, 'enrolled');
  return { agentId: response.agentId, server, credentialsPath, ...(response.hostName ? { hostName: response.hostName } : {}) };
}

interface RequestArgs {
  address: { host: string; port: number };
  caPem: string;
  clientId: string;
  username: string;
  token: string;
  timeoutMs: number;
  facts: HostFacts;
  logger: Logger;
}

/** Refusals that came in the CONNACK (bad user name or password, not authorized). */
const refusedAtConnect = new WeakSet<object>();

type EnrolResponse = { status: 'accepted' | 'refused'; agentId?: string; secret?: string; hostName?: string; reason?: string };

function requestCredentials(args: RequestArgs): Promise<EnrolResponse> {
  const { address, clientId, logger } = args;
  const requestTopic = enrolRequestTopic(clientId);
  const responseTopic = enrolResponseTopic(clientId);
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({
      protocol: 'mqtts',
      host: address.host,
      port: address.port,
      ...pinnedTlsOptions(args.caPem, address.host),
      protocolVersion: 4,
      clientId,
      username: args.username,
      password: args.token,
      clean: true,
      reconnectPeriod: 0, // one attempt: a refused token must not be retried
      connectTimeout: args.timeoutMs,
      keepalive: 30,
    });
    let settled = false;
    const finish = (err: Error | undefined, value?: EnrolResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      if (err) reject(err);
      else resolve(value as EnrolResponse);
    };
    const timer = setTimeout(() => finish(AgentErrors.ENROL_TIMEOUT(`${args.timeoutMs} ms`)), args.timeoutMs);

    client.on('error', (err: Error | ErrorWithReasonCode) => {
      const code = (err as ErrorWithReasonCode).code;
      if (typeof code === 'number' && CONNACK_REASONS[code]) {
        if (code === 4 || code === 5) {
          const refused = AgentErrors.ENROL_REFUSED(CONNACK_REASONS[code]);
          refusedAtConnect.add(refused);
          finish(refused);
        } else finish(AgentErrors.ENROL_CONNECT_FAILED(CONNACK_REASONS[code]));
      } else {
        finish(AgentErrors.ENROL_CONNECT_FAILED(err.message));
      }
    });
    client.on('close', () => finish(AgentErrors.ENROL_CONNECT_FAILED('connection closed before the server answered')));
    client.on('message', (topic, payload) => {
      if (topic !== responseTopic) return;
      const decoded = decodeMessage(payload, 'enrol');
      if (!decoded.ok || decoded.message.type !== 'enrol.response') {
        const reason = decoded.ok ? `unexpected type ${decoded.message.type}` : decoded.error.message;
        logger.warn({ reason }, 'ignoring invalid message on the enrolment response topic');
        return;
      }
      finish(undefined, decoded.message.body);
    });
    client.on('connect', () => {
      client.subscribe(responseTopic, { qos: 1 }, (err, granted) => {
        if (err) return finish(AgentErrors.ENROL_CONNECT_FAILED(`subscribe: ${err.message}`));
        if (!granted || granted.some((g) => g.qos === 128)) {
          return finish(AgentErrors.ENROL_REFUSED(`the server refused the subscription to ${responseTopic}`));
        }
        const request = createMessage('enrol.request', { token: args.token, ...args.facts });
        client.publish(requestTopic, encodeMessage(request), { qos: 1 }, (pubErr) => {
          if (pubErr) finish(AgentErrors.ENROL_CONNECT_FAILED(`publish: ${pubErr.message}`));
          else logger.debug({ clientId }, 'enrolment request sent');
        });
      });
    });
  });
}
